"""A CI-sized fault run: kill -9 the served app during writes; nothing acknowledged is lost,
the audit chain verifies and the search index equals the database (bench/faults)."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_kill_9_during_writes_loses_nothing_acknowledged():
    from bench.faults import run

    figures, notes = run(0.3)
    assert figures[0].ok, notes
    assert figures[0].baseline > 0  # some writes were acknowledged in between the kills
