"""The Tantivy backend's writes: a writer failing or killed before its commit leaves the
index as it was and the watermark where it was, and one writer at a time across processes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.changelog import get_watermark, record_change
from search import tantivy_backend
from search.indexer import NAME, SearchIndexer
from search.tantivy_backend import TantivyBackend, WriterBusy
from tests.factories import create_enterprise


@pytest.fixture
def app_config(database_url, tmp_path):
    return {
        "DATABASE_URL": database_url,
        "ENVCREDIT_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "BACKGROUND_CONSUMERS": False,
        "SEARCH_BACKEND": "tantivy",
    }


def _enterprises(session, *names):
    out = []
    for name in names:
        ent = create_enterprise(session, name=name)
        record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
        out.append(ent)
    session.commit()
    return out


def _ids(ents):
    return {f"enterprise:{e.uscc}" for e in ents}


def test_index_under_the_instance_tantivy_folder(app):
    backend = app.extensions["envcredit.search"]
    assert backend.name == "tantivy"
    assert backend.directory == Path(app.config["INDEX_DIR"]) / "tantivy"
    assert (backend.directory / "meta.json").exists()


def test_failure_mid_batch_commits_nothing_and_keeps_the_watermark(app, session, monkeypatch):
    backend = app.extensions["envcredit.search"]
    first = _enterprises(session, "甲化工有限公司")
    with app.app_context():
        SearchIndexer(backend).catch_up()
    done = get_watermark(session, NAME)
    session.rollback()
    batch = _enterprises(session, "乙化工有限公司", "丙化工有限公司", "丁化工有限公司")
    real, calls = tantivy_backend._document, []

    def failing(doc):
        calls.append(doc["id"])
        if len(calls) == 2:  # the second document of the batch: half of it is in the writer
            raise OSError("disk full")
        return real(doc)

    monkeypatch.setattr(tantivy_backend, "_document", failing)
    with app.app_context(), pytest.raises(OSError):
        SearchIndexer(backend).run_once()
    monkeypatch.undo()
    session.rollback()
    assert len(calls) == 2
    assert get_watermark(session, NAME) == done  # nothing acknowledged
    assert backend.ids() == _ids(first)  # nothing of the batch committed
    # a fresh backend (a restarted process) sees the same, and catch-up completes it
    restarted = TantivyBackend(app.config["INDEX_DIR"])
    assert restarted.ids() == _ids(first)
    with app.app_context():
        assert SearchIndexer(restarted).catch_up() == 3
    session.rollback()
    assert restarted.ids() == _ids(first + batch) == backend.ids()
    assert get_watermark(session, NAME) == done + 3


KILL_MID_BATCH = """
import os, signal, sys
from search import tantivy_backend
from search.tantivy_backend import TantivyBackend
real, seen = tantivy_backend._document, []
def dying(doc):
    seen.append(doc)
    if len(seen) == 50:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(doc)
tantivy_backend._document = dying
docs = [{{"id": f"enterprise:junk{{i}}", "type": "enterprise", "uscc": "", "title": "junk",
         "text": "", "codes": [], "name": "junk", "pinyin": [], "body": "", "regions": [],
         "industry": [], "region_code": "", "level": "", "year": "", "date": None}}
        for i in range(100)]
TantivyBackend({directory!r}).upsert(docs, [])
"""


def test_writer_process_killed_mid_batch(app, session):
    backend = app.extensions["envcredit.search"]
    first = _enterprises(session, "甲化工有限公司")
    with app.app_context():
        SearchIndexer(backend).catch_up()
    script = KILL_MID_BATCH.format(directory=str(app.config["INDEX_DIR"]))
    killed = subprocess.run([sys.executable, "-c", script], check=False)
    assert killed.returncode == -9
    assert backend.ids() == _ids(first)
    restarted = TantivyBackend(app.config["INDEX_DIR"])
    assert restarted.ids() == _ids(first)
    second = _enterprises(session, "乙化工有限公司")
    with app.app_context():
        SearchIndexer(restarted).catch_up()  # the killed writer's locks went with it
    assert restarted.ids() == _ids(first + second)


HOLD_LOCK = """
import sys, time
from search.tantivy_backend import TantivyBackend
b = TantivyBackend({directory!r})
with b._writing():
    print("locked", flush=True)
    time.sleep(float(sys.argv[1]))
"""


def _holder(directory, seconds):
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK.format(directory=str(directory)), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def _stop(proc):
    proc.kill()
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def test_one_writer_at_a_time_across_processes(app, session, monkeypatch):
    backend = app.extensions["envcredit.search"]
    first, second = _enterprises(session, "甲化工有限公司", "乙化工有限公司")
    directory = app.config["INDEX_DIR"]
    # another process holds the writer lock for long: this writer fails clearly, writes nothing
    holder = _holder(directory, 60)
    try:
        monkeypatch.setattr(tantivy_backend, "WRITER_TIMEOUT", 0.5)
        with app.app_context(), pytest.raises(WriterBusy, match="writer lock"):
            SearchIndexer(backend).run_once()
        session.rollback()
        assert get_watermark(session, NAME) == 0 and backend.count() == 0
    finally:
        _stop(holder)
    # another process holds it briefly: this writer waits for it, then writes
    monkeypatch.setattr(tantivy_backend, "WRITER_TIMEOUT", 30.0)
    holder = _holder(directory, 1.0)
    try:
        started = time.monotonic()
        with app.app_context():
            assert SearchIndexer(backend).catch_up() == 2
        assert time.monotonic() - started >= 0.5
        assert holder.wait(timeout=10) == 0
    finally:
        _stop(holder)
    assert backend.ids() == _ids([first, second])
