"""The one Alembic environment every component (core and each module) runs in.

core/migrate.py fills ``config.attributes``: the open connection, the
component id (its version table is ``alembic_version_<id>``) and the tables it
owns, so autogenerate and ``khet db check`` look only at that component.
"""

from alembic import context

from core.db import db

config = context.config
component = config.attributes["component"]
owned_tables = config.attributes["tables"]


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table":
        return name in owned_tables
    table = getattr(obj, "table", None)
    if table is not None:
        return table.name in owned_tables
    return True


def include_name(name, type_, parent_names):
    if type_ == "table":
        return name in owned_tables
    return True


context.configure(
    connection=config.attributes["connection"],
    target_metadata=db.metadata,
    version_table=f"alembic_version_{component}",
    include_object=include_object,
    include_name=include_name,
    render_as_batch=True,  # SQLite alters tables by copying them
    compare_type=True,
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
