"""Lock one row by its natural key, creating it first when it is missing: the same guarantee on every database.

Running numbers lock their counter row and the booking guard locks its resource
row; both rows appear on first use, possibly in two requests at once. The lock
lasts until the caller's transaction ends, so everything the caller does in
between happens one request at a time for that key.

- PostgreSQL: ``INSERT ... ON CONFLICT DO NOTHING`` (waits for a racing insert
  to commit), then ``SELECT ... FOR UPDATE``.
- MariaDB/MySQL: ``INSERT ... ON DUPLICATE KEY UPDATE id = id`` takes the row's
  exclusive lock at once. A ``SELECT ... FOR UPDATE`` of a missing row would take
  a gap lock instead, and two such transactions deadlock when both then insert.
- SQLite: the transaction begins IMMEDIATE, which serialises all writers; the
  insert and the read then need no lock of their own.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import mysql, postgresql, sqlite

from core.db import db, write_transaction


def dialect_name() -> str:
    name = db.session.get_bind().dialect.name
    return "mysql" if name == "mariadb" else name


def _insert_if_missing(model, values: dict, key_columns: list[str]) -> None:
    table = model.__table__
    dialect = dialect_name()
    if dialect == "postgresql":
        statement = postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=key_columns)
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=key_columns)
    elif dialect == "mysql":
        primary_key = table.primary_key.columns.values()[0]
        statement = mysql.insert(table).values(**values).on_duplicate_key_update({primary_key.name: primary_key})
    else:
        raise RuntimeError(f"no row-locking recipe for the {dialect} database")
    db.session.execute(statement)


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
            _insert_if_missing(model, {**(defaults or {}), **key}, list(key))
        return db.session.scalars(query.with_for_update().execution_options(populate_existing=True)).one()
