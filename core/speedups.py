"""Every place envcredit reaches into a library's private API for speed, in one module.

A trick stays only while ``bench/internals`` (``BENCH_ONLY=internals make bench``: the plain
path and the trick timed in the same run, alternating rounds, medians) shows a clear gain.
``tests/core/test_speedups.py`` fails when an installed version differs from
:data:`CHECKED_AGAINST` or a private name relied on is gone, and holds each fast path equal
to the plain one. After an upgrade: re-run the bench and the tests, then update
:data:`CHECKED_AGAINST`, or remove the trick as said below.

Measured 2026-12-02 on the shared 2-core machine, two runs (one quiet, load ~3; one at
load ~11), µs per ``GET /api/v1/enterprises/{uscc}`` through the test client, 500 demo
enterprises on SQLite, trick off → on:

1. :class:`SweepingMemoryStorage` — limits 5.8.0: overrides the name-mangled private
   ``MemoryStorage.__schedule_expiry`` (and calls ``__expire_events``). The stock storage
   starts a ``threading.Timer`` 10 ms after nearly every hit; this sweeps inline every few
   seconds. 535 → 459 µs (−14 %), 1,743 → 1,364 µs (−22 %). Remove: delete the class and
   make ``core.limits.init_limits`` default to ``memory://``.
2. :func:`skip_limiter_check` — Flask-Limiter 4.1.1: wraps the private before-request hook
   ``Limiter._check_request_limit`` so that API blueprints without flask-limiter limits skip
   it (it resolves a request's limits before consulting any ``request_filter``).
   539 → 461 µs (−14 %), 1,670 → 1,268 µs (−24 %). Remove: delete its call in
   ``openapi.access.init_access`` (the ``request_filter`` there still skips them, slower).
3. :class:`DriverRead` — SQLAlchemy 2.1.9: a Core SELECT compiled once per dialect
   (``compile``, ``dialect.positional``, ``TypeEngine.dialect_impl(...).result_processor``)
   run on ``engine.raw_connection()``'s DB-API cursor, for
   ``credit.records.snapshots.enterprise_snapshot``. 545 → 453 µs (−17 %),
   1,599 → 1,432 µs (−10 %). Remove: make ``enterprise_snapshot`` return
   ``enterprise_snapshots(session, [uscc])[uscc]``.
4. The enterprise read sends its snapshot with ``jsonify`` instead of a dump through
   ``EnterpriseSchema`` (``openapi.enterprises``; no private name: flask-smorest passes a
   returned ``Response`` through as is, flask-smorest 0.47.0). 513 → 413 µs (−19 %),
   1,390 → 1,221 µs (−12 %). ``tests/api/test_enterprise_read.py`` holds the snapshot equal
   to the schema's dump. Remove: return the dict from the view.
5. :func:`patch_whoosh` / :func:`whoosh_term_ids` — Whoosh-Reloaded 2.7.5, the optional
   Whoosh backend only: replaces ``W3PerDocReader._cached_reader`` and ``doc_field_length``
   (reading the length column's ``_dbfile``/``_basepos``/``_count``/``_fixedlen`` at once)
   and reads posting blocks with ``W3LeafMatcher._read_ids``/``_ids``/``_next_block``.
   CPU time, 15,000 pre-segmented documents, two runs: bulk load 6.74 → 5.75 s (−15 %),
   7.01 → 5.89 s (−16 %); a query with facets 8.67 → 8.01 ms (−8 %), 9.00 → 8.19 ms
   (−9 %). (Wall time at load ~11 was too noisy to tell.) Remove: stop calling
   ``patch_whoosh`` in ``search.whoosh_backend`` and read ``matcher.all_ids()``.

Gone (2026-12-02): ``core.web.App.ensure_sync`` answered ``iscoroutinefunction`` from a cache;
478 → 457 µs in one run, 1,349 → 1,474 µs in the other: no clear gain.

Not speed, so not here (the version test checks them too): flask-smorest's
``Api._register_error_handlers``/``_register_responses`` overridden by
``openapi.api.ProblemApi`` (errors documented as problem+json), apispec's ``APISpec._paths``
read by ``openapi.spec.finish_spec``, and the stdlib ``HTTPConnection._create_connection``
pinned by ``core.outbound`` (no second DNS lookup after an address is vetted).
"""

from __future__ import annotations

import threading
import time
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from limits.storage import MemoryStorage

#: the distributions (as ``importlib.metadata`` names them) and versions these tricks were
#: checked against; tests/core/test_speedups.py fails on any other installed version
CHECKED_AGAINST: dict[str, str] = {
    "Flask-Limiter": "4.1.1",
    "limits": "5.8.0",
    "SQLAlchemy": "2.1.9",
    "Whoosh-Reloaded": "2.7.5",
    "flask-smorest": "0.47.0",
    "apispec": "6.10.1",
}

PURGE_EVERY = 5.0  # seconds between sweeps of expired counters


# 1. limits ------------------------------------------------------------------------------
class SweepingMemoryStorage(MemoryStorage):
    """limits' in-memory storage, with expired counters swept inline every few seconds.

    The stock storage starts a timer *thread* 10 ms after nearly every hit to sweep expired
    keys; under a steady stream of API reads that is a new thread every few requests, and
    the request thread waits for it to start. Counters expire lazily on read anyway
    (``get``), so sweeping now and then, on the request path, is all that is needed to keep
    memory bounded. (Overrides the parent's private hook; if a later ``limits`` renames it
    the stock behaviour simply returns: slower, still correct.)
    """

    STORAGE_SCHEME: ClassVar[list[str]] = ["envcredit-memory"]  # type: ignore[misc]  # limits omits ClassVar

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = time.monotonic() + PURGE_EVERY
        self._sweep_lock = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:
        if time.monotonic() < self._next_sweep or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = time.monotonic() + PURGE_EVERY
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
        finally:
            self._sweep_lock.release()


# 3. flask-limiter -----------------------------------------------------------------------
def _skipping(check: Any, skipped: frozenset[str]) -> Any:
    from flask import request

    def _limiter_check() -> Any:
        if request.blueprint not in skipped:
            return check()
        return None

    _limiter_check.__wrapped__ = check  # type: ignore[attr-defined]
    return _limiter_check


def skip_limiter_check(app: Any, limiter: Any, skipped: frozenset[str]) -> bool:
    """Wrap flask-limiter's before-request check on ``app`` so that requests to the
    ``skipped`` blueprints do not run it; True when it was found (and wrapped).

    The check resolves a request's limits before it consults any ``request_filter``; the
    caller keeps such a filter, so that a flask-limiter that registers its check
    differently (nothing found here) still skips them: slower, same result.
    """
    funcs = app.before_request_funcs.setdefault(None, [])
    found = False
    for i, func in enumerate(funcs):
        if func == limiter._check_request_limit:
            funcs[i] = _skipping(func, skipped)
            found = True
    return found


# 4. SQLAlchemy --------------------------------------------------------------------------
class DriverRead:
    """A Core SELECT (one bound parameter, at most one row wanted) compiled once for a
    dialect and run on a pooled DB-API connection.

    SQLAlchemy's execution machinery (connection and transaction objects, parameter and
    result set-up) costs several times the query itself on the hottest read. This runs the
    same compiled SQL with the driver's cursor and converts values with the same per-type
    result processors SQLAlchemy would use. A single SELECT needs no explicit transaction.
    """

    def __init__(self, statement: Any, param: str, dialect: Any) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.param = param
        self.positional = bool(dialect.positional)
        self.dialect = dialect
        self.columns = list(statement.selected_columns)
        self.processors: list[Any] | None = None  # from the first cursor's description
        self.row = namedtuple("Row", [c.key for c in self.columns])  # type: ignore[misc]

    def __call__(self, engine: Any, value: Any) -> Any:
        """The first row (a namedtuple by column key) for ``value``, or None."""
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(self.sql, (value,) if self.positional else {self.param: value})
            values = cursor.fetchone()
            if self.processors is None:  # the driver's type codes, as SQLAlchemy passes them
                self.processors = [
                    c.type.dialect_impl(self.dialect).result_processor(self.dialect, d[1])
                    for c, d in zip(self.columns, cursor.description, strict=True)
                ]
            cursor.close()
        finally:
            raw.close()  # back to the pool, which rolls back whatever the driver began
        if values is None:
            return None
        return self.row(*(p(v) if p else v for p, v in zip(self.processors, values, strict=True)))


def driver_reads(statement: Any, param: str) -> Callable[[Any, Any], Any]:
    """``read(engine, value)``: :class:`DriverRead` of ``statement``, one per dialect."""
    reads: dict[str, DriverRead] = {}

    def read(engine: Any, value: Any) -> Any:
        fast = reads.get(engine.dialect.name)
        if fast is None:
            fast = reads[engine.dialect.name] = DriverRead(statement, param, engine.dialect)
        return fast(engine, value)

    return read


# 5. Whoosh ------------------------------------------------------------------------------
_WHOOSH_ORIGINALS: dict[str, Any] = {}


def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
    """Whoosh's per-segment length-column cache, remembering absent columns too.

    The original asks the file system (``os.stat``) again for every posting of a field
    without lengths (KEYWORD and ID fields) when a segment is written: a third of the
    indexing time. A segment's files never change, so a missing column stays missing.
    """
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
        return reader


def _doc_field_length(self: Any, docnum: int, fieldname: str, default: int = 0) -> Any:
    """Whoosh's field length of a document, from the length column read once per segment.

    Called for every posting when a segment is written and for every scored document when
    searching; the original reads the column file byte by byte. Same results.
    """
    from whoosh import columns
    from whoosh.codec import whoosh3

    original = _WHOOSH_ORIGINALS["doc_field_length"]
    cache = self.__dict__.setdefault("_envcredit_lengths", {})
    data = cache.get(fieldname, original)
    if data is original:
        reader = self._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
        if reader is None:
            data = None
        elif isinstance(reader, columns.NumericColumn.Reader) and reader._fixedlen == 1:
            data = reader._dbfile.get(reader._basepos, reader._count)
        else:  # not the layout this shortcut knows: use Whoosh's own code
            data = original
        cache[fieldname] = data
    if data is original:
        return original(self, docnum, fieldname, default)
    if data is None:
        return default
    if docnum > self._doccount:
        raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
    lbyte = data[docnum] if docnum < len(data) else 0
    return whoosh3.byte_to_length(lbyte) if lbyte else None


def patch_whoosh() -> None:
    """Install the two ``W3PerDocReader`` replacements (idempotent)."""
    from whoosh.codec import whoosh3

    cls = whoosh3.W3PerDocReader
    if not _WHOOSH_ORIGINALS:
        _WHOOSH_ORIGINALS["_cached_reader"] = cls._cached_reader
        _WHOOSH_ORIGINALS["doc_field_length"] = cls.doc_field_length
    cls._cached_reader = _cached_reader
    cls.doc_field_length = _doc_field_length


def unpatch_whoosh() -> None:
    """Whoosh's own methods back (for the bench and the tests)."""
    from whoosh.codec import whoosh3

    if _WHOOSH_ORIGINALS:
        whoosh3.W3PerDocReader._cached_reader = _WHOOSH_ORIGINALS["_cached_reader"]
        whoosh3.W3PerDocReader.doc_field_length = _WHOOSH_ORIGINALS["doc_field_length"]


#: False: read postings with Whoosh's public ``all_ids`` (for the bench and the tests)
WHOOSH_BLOCK_READS = True


def whoosh_term_ids(reader: Any, fieldname: str, text: str) -> set[int]:
    """Segment docnums holding a term, deleted ones included, read a posting block at a time
    (Whoosh's ``all_ids`` steps through a matcher one posting at a time)."""
    from whoosh.codec import whoosh3
    from whoosh.matching.wrappers import FilterMatcher
    from whoosh.reading import TermNotFound

    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return set()
    if isinstance(matcher, FilterMatcher):  # the segment's deletions: the caller removes them
        matcher = matcher.child
    if not WHOOSH_BLOCK_READS or not isinstance(matcher, whoosh3.W3LeafMatcher):
        return set(matcher.all_ids())
    out: list[int] = []
    while matcher.is_active():
        matcher._read_ids()
        out.extend(matcher._ids)
        matcher._next_block()
    return set(out)


__all__: Sequence[str] = (
    "CHECKED_AGAINST",
    "DriverRead",
    "SweepingMemoryStorage",
    "driver_reads",
    "patch_whoosh",
    "skip_limiter_check",
    "unpatch_whoosh",
    "whoosh_term_ids",
)
