"""One SQLAlchemy metadata for core and every module, and the database plumbing.

The constraint naming convention makes Alembic produce the same constraint
names on SQLite, PostgreSQL and MariaDB, so one migration serves all three.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> dt.datetime:
    """Naive UTC timestamp: stored the same way on all three databases."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


# --- SQLite write transactions -------------------------------------------------
#
# SQLite lets one writer at a time. A transaction that reads first and writes
# later fails at once ("database is locked") when another writer committed in
# between, instead of waiting. So a transaction that is going to write takes
# the write lock when it begins (BEGIN IMMEDIATE) and waits its turn through the
# busy timeout. Web requests other than GET/HEAD/OPTIONS are write transactions;
# other code says so with ``with write_transaction():``.

_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("khet_write_intent", default=False)


@contextlib.contextmanager
def write_transaction():
    """Mark the code inside as writing, so SQLite begins its transactions IMMEDIATE."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def set_write_intent(value: bool) -> contextvars.Token:
    return _write_intent.set(value)


def is_sqlite(engine_or_url) -> bool:
    url = getattr(engine_or_url, "url", engine_or_url)
    return str(url).startswith("sqlite")


def configure_engine(engine: Engine) -> None:
    """Per-dialect settings every Khet connection needs."""
    if is_sqlite(engine):
        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            # Take transaction control from pysqlite so that BEGIN is ours.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if engine.url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def per_request(key, compute):
    """``compute()`` once per request and reuse the result; outside a request, every time.

    For figures several parts of one page ask for (the approvals badge, card and
    menu); the cache starts empty with every request, so nothing goes stale.
    """
    from flask import g, has_request_context

    if not has_request_context():
        return compute()
    cache = g.setdefault("khet_request_cache", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]
