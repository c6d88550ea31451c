"""Alembic per component: core first, then every installed module in dependency order.

Each component keeps its revisions in its own folder and its position in its
own table (``alembic_version_<id>``), so removing one module's package leaves
everyone else's history intact. Revisions never import live models.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import inspect

from core.db import db
from core.plugins import registry

ENV_FOLDER = Path(__file__).parent / "alembic"


class MigrationError(Exception):
    """Models and migrations disagree, or a component cannot be migrated."""


@dataclass
class Component:
    id: str
    folder: Path | None
    tables: set[str]


def components(app) -> list[Component]:
    return [
        Component(plugin_id, loaded.migrations_folder, set(loaded.tables))
        for plugin_id, loaded in registry(app).plugins.items()
    ]


def _config(component: Component, connection, output=None) -> Config:
    config = Config(stdout=output or io.StringIO())
    config.set_main_option("script_location", str(ENV_FOLDER))
    config.set_main_option("version_locations", str(component.folder))
    config.set_main_option("path_separator", "os")
    config.attributes.update(connection=connection, component=component.id, tables=component.tables)
    return config


@dataclass(frozen=True)
class Upgrade:
    """What upgrading did to one component: its revision before and after (None: no tables yet)."""

    component: str
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def upgrade_all(app, output=None) -> list[str]:
    """Bring every installed component to its head; returns the ids of the components with migrations."""
    return [done.component for done in upgrade_components(app, output)]


def upgrade_components(app, output=None) -> list[Upgrade]:
    """Bring every installed component to its head, and say for each where it was and where it is now.

    Refuses by name, before migrating anything, a module whose models have no migration at all; after
    migrating, a module whose models name tables that its migrations never made.
    """
    done = []
    with _app_context(app):
        found = components(app)
        for component in found:
            if component.tables and not _has_revisions(component):
                raise MigrationError(_(
                    "the module %(module)s has models but no migration (tables %(tables)s): "
                    "write one with `khet db revision %(module)s -m \"first tables\"`",
                    module=component.id, tables=", ".join(sorted(component.tables))))
        for component in found:
            if component.folder is None or not _has_revisions(component):
                continue
            with db.engine.connect() as connection:
                before = _current_revision(connection, component)
                command.upgrade(_config(component, connection, output), "head")
                connection.commit()
                done.append(Upgrade(component.id, before, _current_revision(connection, component)))
        with db.engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
        for component in found:
            missing = sorted(component.tables - present)
            if missing:
                raise MigrationError(_(
                    "the module %(module)s has models that no migration makes (tables %(tables)s): "
                    "write one with `khet db revision %(module)s -m \"...\"`",
                    module=component.id, tables=", ".join(missing)))
    return done


def _app_context(app):
    """The app's context: the one already pushed (which may speak the terminal's language), else a new one."""
    if has_app_context() and current_app._get_current_object() is app:
        return contextlib.nullcontext()
    return app.app_context()


def _has_revisions(component: Component) -> bool:
    if component.folder is None or not Path(component.folder).is_dir():
        return False
    return ScriptDirectory.from_config(_config(component, connection=None)).get_current_head() is not None


def _current_revision(connection, component: Component) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": f"alembic_version_{component.id}"})
    return context.get_current_revision()


def current_revisions(app) -> dict[str, str | None]:
    revisions = {}
    with app.app_context(), db.engine.connect() as connection:
        for component in components(app):
            context = MigrationContext.configure(
                connection, opts={"version_table": f"alembic_version_{component.id}"}
            )
            revisions[component.id] = context.get_current_revision()
    return revisions


def differences(app) -> dict[str, list]:
    """What autogenerate would still write, per component: empty when models and migrations agree."""
    found = {}
    with app.app_context(), db.engine.connect() as connection:
        for component in components(app):
            if component.folder is not None:
                script = ScriptDirectory.from_config(_config(component, connection))
                context = MigrationContext.configure(
                    connection, opts={"version_table": f"alembic_version_{component.id}"}
                )
                if context.get_current_revision() != script.get_current_head():
                    found[component.id] = [("not at head", context.get_current_revision(), script.get_current_head())]
                    continue
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_object": owned_objects_filter(component.tables, raw_ddl_objects(component)),
                    "include_name": owned_names_filter(component.tables),
                },
            )
            diff = compare_metadata(context, db.metadata)
            if diff:
                found[component.id] = diff
    return found


def raw_ddl_objects(component: Component) -> frozenset[str]:
    """Names of what the component's revisions make with raw DDL and its models cannot describe.

    A revision lists them in ``raw_ddl_objects`` (a trigram index, an FTS table): ``khet db check`` and
    ``khet db revision`` then do not take them for objects missing from the models.
    """
    if component.folder is None:
        return frozenset()
    return declared_raw_ddl(ScriptDirectory.from_config(_config(component, connection=None)))


def declared_raw_ddl(script: ScriptDirectory) -> frozenset[str]:
    return frozenset(name for revision in script.walk_revisions()
                     for name in getattr(revision.module, "raw_ddl_objects", ()))


def owned_objects_filter(tables, unmodelled=frozenset()):
    """Alembic's include_object: the component's own tables and what belongs to them, less its raw DDL."""
    def include_object(obj, name, type_, reflected, compare_to):
        if name in unmodelled and reflected and compare_to is None:
            return False
        if type_ == "table":
            return name in tables
        table = getattr(obj, "table", None)
        return table is None or table.name in tables

    return include_object


def owned_names_filter(tables):
    """Alembic's include_name: reflect only the component's own tables."""
    def include_name(name, type_, parent_names):
        return name in tables if type_ == "table" else True

    return include_name


def new_revision(app, component_id: str, message: str, autogenerate: bool = True) -> None:
    """Write a new revision into the component's folder (for module authors: `khet db revision`)."""
    component = next((c for c in components(app) if c.id == component_id), None)
    if component is None:
        raise MigrationError(f"no installed component called {component_id!r}")
    folder = component.folder or (registry(app).plugins[component_id].package_folder / "migrations")
    folder.mkdir(exist_ok=True)
    component.folder = folder
    with app.app_context(), db.engine.connect() as connection:
        config = _config(component, connection)
        script = ScriptDirectory.from_config(config)
        command.revision(
            config,
            message=message,
            autogenerate=autogenerate,
            head=script.get_current_head() or "base",
            version_path=str(folder),
        )
