"""Keyed fast hashes of random secrets (security F3)."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import TooManyRequests

from core.keyed_hash import hash_token, is_keyed, verify_token
from core.limits import consume


def test_keyed_hash_verifies_only_the_same_value_purpose_and_key(app):
    with app.app_context():
        stored = hash_token("K7QM-2WXD", "tipoff-secret")
        assert is_keyed(stored) and "K7QM" not in stored
        assert verify_token(stored, "K7QM-2WXD", "tipoff-secret")
        assert not verify_token(stored, "K7QM-2WXE", "tipoff-secret")
        assert not verify_token(stored, "K7QM-2WXD", "api-key")
        assert not verify_token(None, "K7QM-2WXD", "tipoff-secret")
        app.config["HASH_KEY"] = "another key"
        assert not verify_token(stored, "K7QM-2WXD", "tipoff-secret")


def test_a_bucket_counts_every_attempt_and_then_refuses(app):
    app.config["CASE_RATE_LIMIT"] = "3 per hour"
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.9"}):
        for _ in range(3):
            consume("case-file")
        with pytest.raises(TooManyRequests) as refused:
            consume("case-file")
        assert refused.value.retry_after >= 1
        consume("case-file", key="another-key")  # a separate budget
