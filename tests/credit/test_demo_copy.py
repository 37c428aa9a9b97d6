"""On PostgreSQL `flask demo load` writes through COPY: the same rows, and the same
change-log rows, as the INSERT path (which SQLite uses)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from credit.demo import load as demo_load
from tests.conftest import truncate_postgres

pytestmark = pytest.mark.postgres

DIGESTS = {
    "enterprises": "SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM (SELECT id, uscc, "
    "name, legal_representative, region_code, industry_code, address, latitude, longitude, "
    "permit_category, status, created_at IS NOT NULL AS stamped FROM enterprises) t",
    "penalties": "SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM (SELECT id, "
    "enterprise_id, decision_no, facts, fine_amount_fen, confiscated_amount_fen, severity, "
    "criminal_transfer, publish_until, repaired_at, revoked_at FROM penalties) t",
    "permit_limits": "SELECT md5(string_agg(t::text, ',' ORDER BY permit_id, pollutant)) "
    "FROM permit_limits t",
    "emission_accounts": "SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM "
    "emission_accounts t",
    "change_log": "SELECT md5(string_agg(t::text, ',' ORDER BY seq)) FROM (SELECT seq, entity, "
    "entity_id, op, enterprise_id FROM change_log) t",
    "sequence": "SELECT nextval(pg_get_serial_sequence('penalties', 'id')) - max(id) "
    "FROM penalties",
}


def _load(url: str, copy: bool, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    from core.cli import transaction
    from wsgi import create_app

    truncate_postgres(url)
    with monkeypatch.context() as m:
        calls: list[str] = []
        real = demo_load._copy_rows

        def spy(session, model, rows):  # type: ignore[no-untyped-def]
            calls.append(model.__tablename__)
            real(session, model, rows)

        m.setattr(demo_load, "_copy_rows", spy if copy else demo_load._insert_rows)
        app = create_app({"DATABASE_URL": url, "BACKGROUND_CONSUMERS": False})
        with app.app_context(), transaction() as session:
            demo_load.load_demo(session, 300, 3)
        app.extensions["envcredit.db"].dispose()
        assert bool(calls) == copy
    engine = create_engine(url)
    with engine.connect() as conn:
        out = {k: conn.scalar(text(sql)) for k, sql in DIGESTS.items()}
    engine.dispose()
    return out


def test_copy_path_writes_the_insert_paths_rows(
    postgres_url: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    if postgres_url is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    monkeypatch.setenv("ENVCREDIT_INSTANCE", str(tmp_path))
    copied = _load(postgres_url, True, monkeypatch)
    inserted = _load(postgres_url, False, monkeypatch)
    assert copied == inserted
    assert copied["sequence"] == 1 and all(v is not None for v in copied.values())
    truncate_postgres(postgres_url)
