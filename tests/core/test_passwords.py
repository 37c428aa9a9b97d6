"""argon2 hashing of passwords and tip-off secrets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core.passwords import hash_secret, needs_rehash, verify_secret


def test_verify_secret():
    stored = hash_secret("correct horse battery")
    assert verify_secret(stored, "correct horse battery")
    assert not verify_secret(stored, "wrong")
    assert not verify_secret(None, "correct horse battery")  # nothing on record
    assert not verify_secret("not-a-hash", "x")
    assert not needs_rehash(stored)


def test_no_hash_is_computed_at_import(tmp_path):
    """Each argon2 hash holds 64 MiB while it runs; importing the app must not make one."""
    script = (
        "import wsgi\n"
        "from core.passwords import _dummy_hash\n"
        "print(_dummy_hash.cache_info().currsize)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
        env={"ENVCREDIT_INSTANCE": str(tmp_path), "PATH": "", "BACKGROUND_CONSUMERS": "false"},
    )
    assert out.stdout.strip().splitlines()[-1] == "0"
