"""Fixtures of the release tests: public data to publish, and publishing through the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from core.changelog import record_change
from core.clock import today as china_today
from tests.factories import create_enterprise, create_penalty


def add_public_data(session, enterprises: int = 3) -> None:
    """Enterprises with a public penalty each, rated, with their change-log rows."""
    from credit.ratings.loader import load_rulebook
    from credit.ratings.rescoring import rescore

    for _ in range(enterprises):
        ent = create_enterprise(session)
        record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
        penalty = create_penalty(session, ent, decision_date=china_today() - dt.timedelta(days=9))
        record_change(session, "penalty", penalty.id, enterprise_id=ent.id)
    session.flush()
    rescore(session, None, china_today(), load_rulebook("cn-default"))
    session.commit()


@pytest.fixture
def instance(app) -> Path:
    return Path(app.config["ENVCREDIT_INSTANCE"])


@pytest.fixture
def publish(runner):
    """Run ``flask releases publish`` with these arguments; the result."""

    def run(*args: str):
        return runner.invoke(args=["releases", "publish", *args])

    return run


def package(instance: Path, release_id: str) -> dict:
    return json.loads((instance / "releases" / release_id / "datapackage.json").read_text("utf-8"))
