"""Locks held until the caller's transaction ends: the same guarantee on every database.

Two kinds:

- ``lock(key)``: a named lock for "one request at a time" rules that belong to
  no row of their own — a person's open-bookings limit, one person's leave
  requests, one activity's budget. Keys are ``"<module id>.<what>:<id>"``.
- ``lock_or_create(model, key)``: lock one row by its natural key, creating it
  first when it is missing. Running numbers lock their counter row and the
  booking guard its resource row.

A missing row is created and committed on a connection of its own before it
is locked (SQLite aside), so a caller that later rolls back never takes a
half-made row away from others already waiting for it (on MariaDB that
rollback left the waiters deadlocked).

- PostgreSQL: ``INSERT ... ON CONFLICT DO NOTHING`` on the side connection,
  then ``SELECT ... FOR UPDATE`` in the caller's transaction.
- MariaDB/MySQL: ``INSERT ... ON DUPLICATE KEY UPDATE id = id`` on the side
  connection, then ``SELECT ... FOR UPDATE``. Khet's MariaDB connections read
  committed data (READ COMMITTED, as PostgreSQL does), so what the caller reads
  after taking a lock is what the previous holder committed.
- SQLite: the transaction begins IMMEDIATE, which serialises all writers; the
  insert and the read then need no lock of their own, and the insert stays in
  the caller's transaction (a second connection would wait for the caller).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String, create_engine, select
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.pool import NullPool

from core.db import db, utcnow, write_transaction

MAX_KEY_LENGTH = 200


class NamedLock(db.Model):
    """One row per lock name ever used; the row is what ``lock(key)`` holds."""

    __tablename__ = "core_named_lock"

    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


def dialect_name() -> str:
    name = db.session.get_bind().dialect.name
    return "mysql" if name == "mariadb" else name


def _insert_if_missing_statement(model, values: dict, key_columns: list[str], dialect: str):
    table = model.__table__
    if dialect == "postgresql":
        return postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=key_columns)
    if dialect == "sqlite":
        return sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=key_columns)
    if dialect == "mysql":
        primary_key = table.primary_key.columns.values()[0]
        return mysql.insert(table).values(**values).on_duplicate_key_update({primary_key.name: primary_key})
    raise RuntimeError(f"no row-locking recipe for the {dialect} database")


_side_engines: dict[str, object] = {}


def _side_engine(bind):
    """An unpooled engine for the rare side transaction: a caller holding a pooled connection must never wait
    for a second one from the same pool (fifty threads at once would empty it and time out)."""
    url = bind.url.render_as_string(hide_password=False)
    if url not in _side_engines:
        _side_engines[url] = create_engine(bind.url, poolclass=NullPool)
    return _side_engines[url]


def _create_if_missing(model, values: dict, key_columns: list[str]) -> None:
    """Make sure the row exists: in the caller's transaction on SQLite, committed on its own elsewhere."""
    dialect = dialect_name()
    statement = _insert_if_missing_statement(model, values, key_columns, dialect)
    if dialect == "sqlite":
        db.session.execute(statement)
        return
    with _side_engine(db.session.get_bind()).begin() as side:
        side.execute(statement)


def lock_or_create(model, key: dict, defaults: dict | None = None):
    """The row of ``model`` with these unique ``key`` values, locked until the caller's transaction ends.

    Created with ``defaults`` if missing. The key columns must carry a unique
    constraint. Runs inside the caller's transaction; on SQLite the caller's
    transaction must begin as a write (web POSTs do; elsewhere wrap the work in
    ``core.db.write_transaction()``), else a concurrent writer makes it fail.
    """
    query = select(model).filter_by(**key)
    with write_transaction():  # if this is the transaction's first statement, SQLite begins IMMEDIATE
        exists = db.session.scalar(select(model.__table__.primary_key.columns.values()[0]).filter_by(**key))
        if exists is None:
            _create_if_missing(model, {**(defaults or {}), **key}, list(key))
        return db.session.scalars(query.with_for_update().execution_options(populate_existing=True)).one()


def lock(key: str) -> None:
    """Hold the lock named ``key`` until the caller's transaction commits or rolls back.

    Everything the caller checks and writes after this call happens one
    transaction at a time for that key, in every process: count a person's
    open requests, then insert one, and two concurrent requests cannot both
    pass the count. Take locks in one fixed order (person before resource) so
    nobody waits in a circle.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"a lock key has 1 to {MAX_KEY_LENGTH} characters, not {len(key or '')}")
    lock_or_create(NamedLock, {"key": key})
