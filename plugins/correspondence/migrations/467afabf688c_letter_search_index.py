"""letter search: a trigram index over what a clerk writes in a register line

Revision ID: 467afabf688c
Revises: 5b6c12d53c53
Create Date: 2026-11-21 09:00:00

Thai is written without spaces between words, so a word index cannot find "ประมาณ" inside
"งบประมาณ"; trigram indexes can, on the two databases that have them:

- SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34 or newer) that reads its text from
  correspondence_letter (external content) and is kept in step by three triggers.
- PostgreSQL: pg_trgm and a GIN index on the letter's searched text (the same expression as
  services.search.SEARCHED_TEXT; the two must stay identical or the index is not used).
- MariaDB has no trigram index: search reads the columns with LIKE (see services/search.py).

Nothing here is in the models: ``raw_ddl_objects`` tells ``khet db check`` not to report it.
A later revision that rebuilds correspondence_letter on SQLite (``batch_alter_table`` copies the
table and drops its triggers) must run ``_create_sqlite_triggers`` again.
"""

from alembic import op

revision = '467afabf688c'
down_revision = '5b6c12d53c53'
branch_labels = None
depends_on = None

# The columns a search reads, in this order everywhere.
COLUMNS = ("subject", "sender_ref", "from_text", "to_text", "remarks", "action")
FTS = "correspondence_letter_search"
PG_INDEX = "ix_correspondence_letter_search_trgm"
PG_TEXT = " || ' ' || ".join(f"{column}::text" for column in COLUMNS)

raw_ddl_objects = (FTS, PG_INDEX)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _create_sqlite_index()
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(f"CREATE INDEX {PG_INDEX} ON correspondence_letter USING gin (({PG_TEXT}) gin_trgm_ops)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS}_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    elif dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")  # pg_trgm stays: other tables may use it


def _create_sqlite_index():
    columns = ", ".join(COLUMNS)
    op.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5({columns}, content='correspondence_letter', "
               "content_rowid='id', tokenize='trigram')")
    _create_sqlite_triggers()
    op.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")  # the letters already registered


def _create_sqlite_triggers():
    columns = ", ".join(COLUMNS)
    new = ", ".join(f"new.{column}" for column in COLUMNS)
    old = ", ".join(f"old.{column}" for column in COLUMNS)
    op.execute(f"""CREATE TRIGGER {FTS}_ai AFTER INSERT ON correspondence_letter BEGIN
        INSERT INTO {FTS}(rowid, {columns}) VALUES (new.id, {new});
    END""")
    op.execute(f"""CREATE TRIGGER {FTS}_ad AFTER DELETE ON correspondence_letter BEGIN
        INSERT INTO {FTS}({FTS}, rowid, {columns}) VALUES ('delete', old.id, {old});
    END""")
    op.execute(f"""CREATE TRIGGER {FTS}_au AFTER UPDATE OF {columns} ON correspondence_letter BEGIN
        INSERT INTO {FTS}({FTS}, rowid, {columns}) VALUES ('delete', old.id, {old});
        INSERT INTO {FTS}(rowid, {columns}) VALUES (new.id, {new});
    END""")
