"""Background consumers: in the embedded setup, a committed write is indexed and rated
without a manual step."""

from __future__ import annotations

import time

from sqlalchemy import select

from core.changelog import record_change
from core.db import writing
from credit.ratings.models import CreditRating
from tests.factories import create_enterprise


def test_background_threads_rate_and_index_after_a_commit(app_config, session):
    from wsgi import create_app

    app = create_app({**app_config, "BACKGROUND_CONSUMERS": True})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # the first request starts the threads
    db = app.extensions["envcredit.db"]
    with writing():  # a writer, as in a POST request (BEGIN IMMEDIATE on SQLite)
        writer = db.new_session()
        ent = create_enterprise(writer, name="后台线程测试有限公司")
        record_change(writer, "enterprise", ent.uscc, enterprise_id=ent.id)
        writer.commit()
        writer.close()
    deadline = time.monotonic() + 15
    rated = None
    while time.monotonic() < deadline and rated is None:
        time.sleep(0.2)
        session.rollback()
        rated = session.scalar(
            select(CreditRating.level).where(CreditRating.enterprise_id == ent.id)
        )
    assert rated == "green"
    while time.monotonic() < deadline:
        if client.get("/readyz").get_json()["search"]["lag"] == 0:
            break
        time.sleep(0.2)
    assert "后台线程测试" in client.get("/?q=后台线程测试").get_data(as_text=True)
    app.extensions["envcredit.consumer_threads"].stop()
    db.dispose()


def test_readyz_reports_every_consumers_lag(client, session):
    from core.changelog import record_change
    from core.consumers import drain

    record_change(session, "enterprise", "91620100MA0000000X")
    session.commit()
    lag = client.get("/readyz").get_json()["consumers"]
    assert {"search", "publication-expiry", "webhook-sender"} <= set(lag)
    assert lag["search"] >= 1
    with client.application.app_context():
        drain(client.application)
    assert not any(client.get("/readyz").get_json()["consumers"].values())
