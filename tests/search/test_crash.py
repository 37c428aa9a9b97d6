"""Crash safety: a killed index writer blocks nothing, and a crash between the index commit
and the watermark commit re-applies the batch instead of losing it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from core.changelog import get_watermark, record_change
from search import indexer as indexer_module
from search.indexer import SearchIndexer
from search.service import make_query, run_search
from tests.factories import create_enterprise


def _change(session, name):
    ent = create_enterprise(session, name=name)
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    session.commit()
    return ent


KILLED_WRITERS = {
    # a Whoosh writer holding the index lock, a document added, not committed
    "whoosh": (
        "from whoosh import index\n"
        "ix = index.open_dir({directory!r})\n"
        "w = ix.writer()\n"
        "w.add_document(id='enterprise:junk', type='enterprise', title='junk')\n"
    ),
    # a Tantivy writer holding our writer lock and Tantivy's, a document added, no commit
    "tantivy": (
        "import fcntl, os, tantivy\n"
        "from search.tantivy_backend import ANALYZER, LOCK_FILE, _analyzer\n"
        "fd = os.open(os.path.join({directory!r}, LOCK_FILE), os.O_RDWR)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "ix = tantivy.Index.open({directory!r})\n"
        "ix.register_tokenizer(ANALYZER, _analyzer())\n"
        "w = ix.writer(50_000_000, 1)\n"
        "w.add_document(tantivy.Document(id='enterprise:junk', name='junk', stored=b'[]'))\n"
    ),
    # an SQLite writer holding the write lock, rows written to the WAL, not committed
    "sqlite": (
        "import sqlite3\n"
        "c = sqlite3.connect({path!r}, isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "c.execute(\"INSERT INTO meta VALUES (999, 'enterprise', '', '', '', '', '', '', "
        'NULL)")\n'
        "c.execute(\"INSERT INTO doc VALUES (999, 'enterprise:junk', 'enterprise', '', "
        "'junk', '', '', '', NULL)\")\n"
        "c.execute(\"INSERT INTO fts (rowid, name, pinyin, body) VALUES (999, 'junk', "
        "'', '')\")\n"
    ),
}


def test_writer_killed_mid_write_leaves_no_stale_lock(app, session):
    backend = app.extensions["envcredit.search"]
    if backend.name not in KILLED_WRITERS:
        pytest.skip("PostgreSQL rolls back a killed connection's transaction itself")
    first = _change(session, "甲化工有限公司")
    with app.app_context():
        SearchIndexer(backend).catch_up()
    script = KILLED_WRITERS[backend.name].format(
        directory=str(backend.directory), path=str(getattr(backend, "path", ""))
    )
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            script + "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
        ],
        check=False,
    )
    assert killed.returncode == -9
    second = _change(session, "乙化工有限公司")
    with app.app_context():
        SearchIndexer(backend).catch_up()
    assert backend.ids() == {f"enterprise:{first.uscc}", f"enterprise:{second.uscc}"}
    with app.app_context():
        assert run_search(make_query({"q": "junk"}))[0].total == 0


def test_crash_before_the_watermark_commit_reapplies_the_batch(app, session, monkeypatch):
    backend = app.extensions["envcredit.search"]
    ent = _change(session, "丙化工有限公司")

    def crash(*_args, **_kwargs):
        raise RuntimeError("power cut")

    with app.app_context():
        monkeypatch.setattr("core.consumers.set_watermark", crash)
        with pytest.raises(RuntimeError):
            SearchIndexer(backend).run_once()
        monkeypatch.undo()
        session.rollback()
        assert get_watermark(session, indexer_module.NAME) == 0  # nothing acknowledged
        assert SearchIndexer(backend).catch_up() >= 1
    session.rollback()
    assert get_watermark(session, indexer_module.NAME) == 1
    assert backend.ids() == {f"enterprise:{ent.uscc}"}
