"""The database: declarative Base, engine, sessions and the write-intent switch."""

from __future__ import annotations

import contextlib
import contextvars
import copy
import datetime as dt
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from flask import current_app, has_app_context
from sqlalchemy import CheckConstraint, DateTime, MetaData, Table, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every model, with the project-wide naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # every model here is declared with columns, so it maps a Table (SQLAlchemy types
        # ``__table__`` as the wider FromClause, which has no insert/update)
        __table__: ClassVar[Table]


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# -- work queued for the commit, and savepoints -----------------------------------------------
# Audit rows, change-log rows and newly written upload files wait in ``session.info`` until
# the transaction commits (their ``before_commit``/``after_commit`` hooks) and are dropped
# when it rolls back. A rolled-back savepoint (``Session.begin_nested``, as
# ``core.web.attempt`` uses for one page action) must drop only what was queued inside it:
# each queue is registered here, copied when a savepoint begins and restored when it rolls
# back; ``on_discard`` gets the items the savepoint had added (e.g. files to delete).
_QUEUES: dict[str, Any] = {}
_SNAPSHOTS = "envcredit.savepoint_snapshots"


def register_queue(key: str, on_discard: Any = None) -> None:
    """Declare ``session.info[key]`` a queue of work for the commit (a list or a dict)."""
    _QUEUES[key] = on_discard


def _savepoint_begins(session: Session, transaction: Any) -> None:
    if transaction.nested:
        snapshots = session.info.setdefault(_SNAPSHOTS, {})
        snapshots[id(transaction)] = {k: copy.copy(session.info.get(k)) for k in _QUEUES}


def _savepoint_rolled_back(session: Session, transaction: Any) -> None:
    if not transaction.nested:
        return
    saved = session.info.get(_SNAPSHOTS, {}).pop(id(transaction), None)
    if saved is None:
        return
    for key, before in saved.items():
        added = [item for item in (session.info.get(key) or ()) if item not in (before or ())]
        if before is None:
            session.info.pop(key, None)
        else:
            session.info[key] = before
        if added and _QUEUES[key] is not None:
            _QUEUES[key](added)


event.listen(Session, "after_transaction_create", _savepoint_begins)
event.listen(Session, "after_soft_rollback", _savepoint_rolled_back)


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def enum_check(
    column: str,
    values: tuple[str, ...] | list[str],
    name: str | None = None,
    nullable: bool = False,
) -> CheckConstraint:
    """A CHECK constraint restricting ``column`` to ``values``."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    expr = f"{column} IN ({quoted})"
    if nullable:
        expr = f"{column} IS NULL OR {expr}"
    return CheckConstraint(expr, name=name or column)


# -- write intent ---------------------------------------------------------------------------
# SQLite in WAL mode lets a transaction that has read and then writes fail with
# SQLITE_BUSY_SNAPSHOT when another writer committed in between; waiting cannot fix that.
# Transactions that will write therefore start with BEGIN IMMEDIATE (taking the write lock
# up front, waiting on busy_timeout); read-only ones stay concurrent with a plain BEGIN.
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)


def set_write_intent(value: bool) -> contextvars.Token[bool]:
    """Mark the transactions of this context as writers (or not)."""
    return _write_intent.set(value)


def reset_write_intent(token: contextvars.Token[bool]) -> None:
    """Undo :func:`set_write_intent` (at the end of a request)."""
    try:
        _write_intent.reset(token)
    except ValueError:  # token from another context (a copied context); nothing to undo
        _write_intent.set(False)


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """Run the block's transactions as writers (BEGIN IMMEDIATE on SQLite)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextlib.contextmanager
def read_only() -> Iterator[Session]:
    """A short read-only session of its own (plain BEGIN: it takes no write lock), for checks
    that must be over before slow work starts (decoding uploads)."""
    token = _write_intent.set(False)
    reader = get_db().new_session()
    try:
        yield reader
    finally:
        reader.close()
        _write_intent.reset(token)


def write_apart(statement: Any) -> None:
    """Run one write statement in its own short committed transaction (not the caller's)."""
    writer = get_db().new_session()
    try:
        with writing():
            writer.execute(statement)
            writer.commit()
    finally:
        writer.close()


def write_soon(session: Session, statement: Any) -> None:
    """An opportunistic write that must not fail the request, e.g. a legacy hash upgraded on
    its first use: inside a writing request's own transaction (on SQLite it already holds
    the one write lock, a second writer would wait for it), else in a short transaction
    apart; if that loses a race, it is simply done on a later use."""
    if _write_intent.get():
        session.execute(statement)
        return
    from sqlalchemy.exc import OperationalError

    try:
        write_apart(statement)
    except OperationalError:
        logging.getLogger(__name__).info("opportunistic write deferred (database busy)")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the per-dialect settings this project relies on.

    SQL parameters are never shown in error messages or logs: they may hold a reporter's
    name or phone number.
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        kwargs.setdefault("connect_args", {}).update({"timeout": 30, "check_same_thread": False})
        if "poolclass" not in kwargs and ":memory:" not in url:
            # one pooled connection per server thread (gunicorn runs 16) plus the consumers:
            # opening a SQLite connection (with its PRAGMAs) per request costs more than the read
            kwargs.setdefault("pool_size", 24)
            kwargs.setdefault("max_overflow", 16)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def _private_sqlite_file(url: str) -> None:
    """Create the SQLite file 0600 (its WAL and SHM files inherit the mode)."""
    from sqlalchemy.engine import make_url

    from core.config import private_file

    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        private_file(database)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy (not pysqlite) decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # straight to the driver: SQLAlchemy's statement machinery for a bare BEGIN cost as
        # much as the query that follows it on a single-row read
        connection.connection.driver_connection.execute(
            "BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN"
        )


class Database:
    """An engine and its thread-scoped session registry, owned by one app."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._on_commit: list[Any] = []
        # Sessions copy ``info`` shallowly, so every session shares this listener list.
        self.factory = sessionmaker(
            bind=self.engine, expire_on_commit=False, info={"envcredit.on_commit": self._on_commit}
        )
        self.session = scoped_session(self.factory)

    def on_commit(self, callback: Any) -> None:
        """Call ``callback(last_seq)`` after each commit that wrote change-log rows."""
        self._on_commit.append(callback)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def new_session(self) -> Session:
        """A session outside the request scope (threads, CLI batches)."""
        return self.factory()

    def dispose(self) -> None:
        self.session.remove()
        self.engine.dispose()


def get_db() -> Database:
    """The current app's Database."""
    if not has_app_context():
        raise RuntimeError("no application context: the database belongs to an app")
    return current_app.extensions["envcredit.db"]


def get_session() -> Session:
    """The session of the current request or CLI command."""
    return get_db().session()
