"""The one Alembic environment every component (core and each module) runs in.

core/migrate.py fills ``config.attributes``: the open connection, the
component id (its version table is ``alembic_version_<id>``) and the tables it
owns, so autogenerate and ``khet db check`` look only at that component.
"""

from alembic import context
from alembic.script import ScriptDirectory

from core.db import db
from core.migrate import declared_raw_ddl, owned_names_filter, owned_objects_filter

config = context.config
component = config.attributes["component"]
owned_tables = config.attributes["tables"]


context.configure(
    connection=config.attributes["connection"],
    target_metadata=db.metadata,
    version_table=f"alembic_version_{component}",
    include_object=owned_objects_filter(owned_tables, declared_raw_ddl(ScriptDirectory.from_config(config))),
    include_name=owned_names_filter(owned_tables),
    render_as_batch=True,  # SQLite alters tables by copying them
    compare_type=True,
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
