"""core.speedups: the library internals it relies on are still there, in the versions they
were checked against, and each fast path gives exactly what the plain path gives.

When a test here fails after an upgrade: re-run ``BENCH_ONLY=internals make bench``, check
the trick against the new library (or remove it), then update ``CHECKED_AGAINST``.
"""

from __future__ import annotations

import inspect
import re
import threading
from importlib.metadata import version
from pathlib import Path

import pytest
from flask import Blueprint, Flask
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from core import speedups
from core.limits import limiter
from core.speedups import CHECKED_AGAINST, DriverRead, SweepingMemoryStorage

ROOT = Path(__file__).resolve().parents[2]


# --- versions --------------------------------------------------------------------------
@pytest.mark.parametrize("dist", sorted(CHECKED_AGAINST))
def test_installed_version_is_the_one_the_tricks_were_checked_against(dist):
    installed = version(dist)
    assert installed == CHECKED_AGAINST[dist], (
        f"{dist} {installed} is installed but core.speedups was checked against "
        f"{CHECKED_AGAINST[dist]}: re-run BENCH_ONLY=internals make bench and these tests, "
        f"then update CHECKED_AGAINST (or remove the trick)"
    )


def test_constraints_pin_the_checked_versions():
    pins = dict(
        line.split("==", 1)
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").split()
        if "==" in line
    )
    pins = {name.lower(): v for name, v in pins.items()}
    for dist, checked in CHECKED_AGAINST.items():
        assert pins.get(dist.lower()) == checked, dist


# --- the private names relied on ------------------------------------------------------
def test_limits_memory_storage_still_has_its_private_expiry_hooks():
    assert callable(getattr(MemoryStorage, "_MemoryStorage__schedule_expiry", None))
    assert callable(getattr(MemoryStorage, "_MemoryStorage__expire_events", None))
    for method in ("incr", "acquire_entry"):  # what fixed and moving windows hit
        assert "self.__schedule_expiry()" in inspect.getsource(getattr(MemoryStorage, method))
    assert {"storage", "expirations", "events"} <= set(vars(MemoryStorage()))


def test_flask_limiter_still_registers_its_check_as_a_before_request_hook(app):
    check = limiter._check_request_limit
    assert inspect.ismethod(check)
    source = inspect.getsource(type(limiter).init_app)
    assert "before_request(self._check_request_limit)" in source
    wrapped = [
        f
        for f in app.before_request_funcs[None]
        if getattr(f, "__wrapped__", None) == limiter._check_request_limit
    ]
    assert len(wrapped) == 1, "openapi.access no longer finds flask-limiter's check"


def test_sqlalchemy_driver_level_names_still_exist():
    from sqlalchemy import Engine, Integer
    from sqlalchemy.dialects import postgresql, sqlite

    assert callable(Engine.raw_connection)
    for dialect in (sqlite.dialect(), postgresql.psycopg.dialect()):
        assert isinstance(dialect.positional, bool)
        impl = Integer().dialect_impl(dialect)
        assert list(inspect.signature(impl.result_processor).parameters) == [
            "dialect",
            "coltype",
        ]


def test_whoosh_private_names_still_exist(tmp_path, monkeypatch):
    from whoosh import columns
    from whoosh.codec import whoosh3
    from whoosh.matching.wrappers import FilterMatcher

    import search.whoosh_backend  # noqa: F401 (installs the patches)

    for name in ("_lenfield", "LENGTHS_COLUMN", "byte_to_length", "W3LeafMatcher"):
        assert hasattr(whoosh3, name), name
    for name in ("_read_ids", "_next_block"):
        assert callable(getattr(whoosh3.W3LeafMatcher, name)), name
    reader_cls = whoosh3.W3PerDocReader
    assert speedups._WHOOSH_ORIGINALS, "patch_whoosh was never called"
    for name in ("column_reader", "has_column"):
        assert callable(getattr(reader_cls, name)), name
    assert list(inspect.signature(speedups._WHOOSH_ORIGINALS["doc_field_length"]).parameters) == [
        "self",
        "docnum",
        "fieldname",
        "default",
    ]
    assert "child" in inspect.signature(FilterMatcher.__init__).parameters
    backend = _whoosh(tmp_path, monkeypatch)
    with backend.ix.searcher() as searcher:
        segment = searcher.reader()
        per_doc = segment._perdoc
        assert isinstance(per_doc, reader_cls)
        assert {"_readers", "_doccount"} <= set(vars(per_doc))
        lengths = per_doc._cached_reader(whoosh3._lenfield("name"), whoosh3.LENGTHS_COLUMN)
        assert isinstance(lengths, columns.NumericColumn.Reader)
        assert {"_fixedlen", "_dbfile", "_basepos", "_count"} <= set(vars(lengths))
        matcher = segment.postings("type_term", "enterprise")
        assert isinstance(matcher, FilterMatcher)  # the segment has deletions
        matcher = matcher.child
        assert isinstance(matcher, whoosh3.W3LeafMatcher)
        assert hasattr(matcher, "_ids")
    backend.close()


def test_the_internals_used_for_behaviour_still_exist():
    from apispec import APISpec
    from flask_smorest import Api

    assert callable(Api._register_error_handlers) and callable(Api._register_responses)
    spec = APISpec("t", "1", "3.0.3")
    assert isinstance(spec._paths, dict)


# --- fast path == plain path -------------------------------------------------------------
def test_sweeping_storage_decides_exactly_like_limits_memory_storage():
    quota = parse("5 per minute")
    decisions = []
    for storage in (MemoryStorage(), SweepingMemoryStorage()):
        strategy = FixedWindowRateLimiter(storage)
        hits = [strategy.hit(quota, "envcredit", "api", f"k{i % 3}") for i in range(20)]
        stats = [strategy.get_window_stats(quota, "envcredit", "api", f"k{i}") for i in range(4)]
        decisions.append((hits, [s.remaining for s in stats]))
    assert decisions[0] == decisions[1]


def test_sweeping_storage_starts_no_thread_per_hit():
    storage = SweepingMemoryStorage()
    storage.timer.join()
    before = threading.active_count()
    for i in range(200):
        storage.incr(f"k{i}", expiry=60)
    assert threading.active_count() == before


def test_limiter_check_runs_except_for_the_skipped_blueprints():
    app = Flask("t")
    calls = []

    class FakeLimiter:
        def _check_request_limit(self):
            calls.append("checked")

    fake = FakeLimiter()
    app.before_request(fake._check_request_limit)
    for name in ("skipped", "limited"):
        bp = Blueprint(name, __name__)
        bp.add_url_rule("/", "index", lambda: "ok")
        app.register_blueprint(bp, url_prefix=f"/{name}")
    assert speedups.skip_limiter_check(app, fake, frozenset({"skipped"}))
    client = app.test_client()
    assert client.get("/skipped/").status_code == 200 and calls == []
    assert client.get("/limited/").status_code == 200 and calls == ["checked"]
    assert not speedups.skip_limiter_check(Flask("u"), fake, frozenset())  # nothing to wrap


def test_driver_read_gives_the_orm_row(app, session):
    from sqlalchemy import bindparam, select

    from credit.records.models import Enterprise
    from tests.factories import create_enterprise

    ent = create_enterprise(session, latitude=None, address=None)
    session.commit()
    statement = select(
        Enterprise.uscc, Enterprise.latitude, Enterprise.address, Enterprise.updated_at
    ).where(Enterprise.uscc == bindparam("uscc"))
    engine = app.extensions["envcredit.db"].engine
    read = DriverRead(statement, "uscc", engine.dialect)
    plain = session.execute(statement, {"uscc": ent.uscc}).one()
    fast = read(engine, ent.uscc)
    assert tuple(fast) == tuple(plain) and fast._fields == tuple(plain._fields)
    assert read(engine, "91350100M000100Y99") is None


def _whoosh(tmp_path, monkeypatch):
    from search.whoosh_backend import WhooshBackend

    monkeypatch.setenv("SEARCH_BULK_PROCS", "1")  # one segment, in a fixed order

    backend = WhooshBackend(tmp_path / "whoosh")
    docs = [
        {
            "id": f"enterprise:{i}",
            "type": "enterprise",
            "uscc": f"9135010000000{i:04d}X",
            "title": f"企业{i}",
            "text": "",
            "region_code": "350100",
            "codes": f"c{i}",
            "pinyin": "qiye",
            "name": " ".join(["环保", "科技", "有限公司"][: 1 + i % 3]),
            "body": "排污 许可" if i % 2 else "超标 排放 罚款",
            "regions": "350000 350100",
            "industry": "C C26",
            "type_term": "enterprise",
            "region": "350100",
            "section": "C",
            "level": ("green", "red")[i % 2],
            "year": "2025",
            "date": None,
        }
        for i in range(300)
    ]
    backend.bulk_load([docs[:150], docs[150:]])
    backend.upsert([], [f"enterprise:{i}" for i in range(0, 300, 7)])  # some deletions
    return backend


def _results(backend):
    from search.backend import Query

    out = []
    for text, terms in (("环保", ("环保",)), ("排污 科技", ("排污", "科技")), ("罚款", ("罚款",))):
        for facets in (False, True):
            found = backend.search(Query(text=text, terms=terms, per_page=20, facets=facets))
            out.append(found)
    return out


def test_patched_whoosh_searches_exactly_like_whoosh(tmp_path, monkeypatch):
    patched = _results(_whoosh(tmp_path / "a", monkeypatch))
    try:
        speedups.unpatch_whoosh()
        monkeypatch.setattr(speedups, "WHOOSH_BLOCK_READS", False)
        plain = _results(_whoosh(tmp_path / "b", monkeypatch))
    finally:
        speedups.patch_whoosh()
    assert patched == plain
    assert any(re.search("enterprise", repr(r)) for r in patched)  # not all empty


def test_block_reads_give_whoosh_all_ids(tmp_path, monkeypatch):
    """Block reads include deleted documents (the caller removes them); the live ones are
    exactly what Whoosh's own (deletion-filtering) matcher yields."""
    backend = _whoosh(tmp_path, monkeypatch)
    with backend.ix.searcher() as searcher:
        for reader, _offset in searcher.reader().leaf_readers():
            assert reader.has_deletions()
            for field, word in (("body", "排污"), ("name", "环保"), ("level", "red")):
                fast = speedups.whoosh_term_ids(reader, field, word)
                live = {d for d in fast if not reader.is_deleted(d)}
                assert live == set(reader.postings(field, word).all_ids()) and live
            assert speedups.whoosh_term_ids(reader, "body", "没有") == set()
    backend.close()
