"""Finding, loading, checking and switching modules.

Installed means discovered through the ``khet.plugins`` entry point; enabled
means switched on by the office admin and recorded in ``core_plugin_state``.
Blueprints of every installed module are registered at start-up (Flask cannot
add them later); a request guard answers 404 for a disabled module.
"""

from __future__ import annotations

import importlib.metadata
import logging
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pluggy
from flask import g, has_request_context
from sqlalchemy import select

from core import CORE_API_VERSION, hookspecs
from core.db import db
from core.plugin_api import Permission, PluginInfo

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "khet.plugins"
CORE_ID = "core"


class PluginConflict(Exception):
    """Two modules claim the same id, permission, URL prefix or table prefix; start-up stops."""


class PluginError(Exception):
    """A module cannot be enabled or disabled; the message says why, in the user's language."""


@dataclass
class LoadedPlugin:
    info: PluginInfo
    module: ModuleType
    distribution: str = ""
    blueprints: list = field(default_factory=list)
    permissions: list[Permission] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    hooks: object = None  # pluggy's hook relay of this module alone (start-up and per-module calls)

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def package_folder(self) -> Path:
        return Path(self.module.__file__).parent

    @property
    def migrations_folder(self) -> Path | None:
        """The module's revisions: where its optional migrations_folder hook says, else <package>/migrations."""
        named = self.hooks.migrations_folder() if self.hooks is not None else None
        folder = Path(named) if named else self.package_folder / "migrations"
        return folder if folder.is_dir() else None


def own_hooks(module: ModuleType):
    """Pluggy's hook relay for this one module, in a manager of its own.

    Start-up asks a module about itself (plugin_info, permissions, blueprints,
    model_classes) before it may join the shared manager; asking through
    pluggy rather than getattr checks the signatures against the specs, honours
    ``firstresult`` and runs the module's hookwrappers.
    """
    pm = make_plugin_manager()
    pm.register(module)
    return pm.hook


def make_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("khet")
    pm.add_hookspecs(hookspecs)
    return pm


def discover_entry_points():
    """The installed modules' entry points, sorted by name so start-up is repeatable."""
    return sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


class PluginRegistry:
    """Everything core knows about the installed modules of one app."""

    def __init__(self):
        self.pm = make_plugin_manager()
        self.plugins: dict[str, LoadedPlugin] = {}  # loaded modules, in dependency order, core first
        self.broken: dict[str, str] = {}  # entry point name -> error shown on the admin page
        self.permissions: dict[str, Permission] = {}
        self.permission_owner: dict[str, str] = {}
        self.blueprint_owner: dict[str, str] = {}

    # --- loading ---------------------------------------------------------------

    def load(self, core_module: ModuleType, entry_points=None) -> None:
        self._register(core_module, distribution="khet")
        for entry_point in discover_entry_points() if entry_points is None else entry_points:
            try:
                module = entry_point.load()
                self._register(module, distribution=getattr(entry_point.dist, "name", "") or "", name=entry_point.name)
            except PluginConflict:
                raise
            except Exception as exc:  # a broken third-party module must not take the site down
                self.broken[entry_point.name] = f"{type(exc).__name__}: {exc}"
                log.error("module %s could not be loaded and is skipped:\n%s", entry_point.name, traceback.format_exc())
        self._check_dependencies()
        self.pm.check_pending()
        self._order_by_dependencies()

    def _register(self, module: ModuleType, distribution: str, name: str | None = None) -> None:
        hooks = own_hooks(module)
        info = hooks.plugin_info()  # firstresult: the PluginInfo itself, None when the module has no plugin_info
        if info is None:
            raise TypeError("the module has no plugin_info hook")
        if not isinstance(info, PluginInfo):
            raise TypeError("plugin_info() must return a core.plugin_api.PluginInfo")
        if name is not None and info.id != name:
            raise ValueError(f"entry point name {name!r} differs from plugin_info().id {info.id!r}")
        if info.id in self.plugins:
            other = self.plugins[info.id]
            raise PluginConflict(
                f"module id {info.id!r} is claimed by both {other.distribution or other.module.__name__}"
                f" and {distribution or module.__name__}"
            )
        _check_core_api(info)
        loaded = LoadedPlugin(info=info, module=module, distribution=distribution, hooks=hooks)
        for permission in _collected(hooks.permissions()):
            if permission.code in self.permissions:
                raise PluginConflict(
                    f"permission {permission.code!r} is declared by both"
                    f" {self.permission_owner[permission.code]!r} and {info.id!r}"
                )
            loaded.permissions.append(permission)
        loaded.blueprints = _collected(hooks.blueprints())
        models = _collected(hooks.model_classes())
        self._check_tables(info.id, [model.__table__.name for model in models])
        # A module owns every table under its prefix, association tables included.
        loaded.tables = sorted(name for name in db.metadata.tables if name.startswith(f"{info.id}_"))
        # Only now, with every check passed, does the module join the manager.
        self.pm.register(module, name=info.id)
        self.plugins[info.id] = loaded
        for permission in loaded.permissions:
            self.permissions[permission.code] = permission
            self.permission_owner[permission.code] = info.id

    def _check_tables(self, plugin_id: str, tables: list[str]) -> None:
        prefix = f"{plugin_id}_"
        for table in tables:
            if not table.startswith(prefix):
                raise PluginConflict(f"table {table!r} of module {plugin_id!r} must start with {prefix!r}")
        for other in self.plugins.values():
            if other.id.startswith(prefix) or plugin_id.startswith(f"{other.id}_"):
                raise PluginConflict(f"table prefixes of modules {other.id!r} and {plugin_id!r} overlap")

    def _check_dependencies(self) -> None:
        for plugin_id in list(self.plugins):
            missing = [dep for dep in self.plugins[plugin_id].info.requires if dep not in self.plugins]
            if missing and plugin_id != CORE_ID:
                self._unload(plugin_id, f"needs module(s) that are not installed: {', '.join(missing)}")
                return self._check_dependencies()  # unloading may strand others

    def _unload(self, plugin_id: str, reason: str) -> None:
        loaded = self.plugins.pop(plugin_id)
        self.pm.unregister(loaded.module)
        for permission in loaded.permissions:
            self.permissions.pop(permission.code, None)
            self.permission_owner.pop(permission.code, None)
        self.broken[plugin_id] = reason

    def _order_by_dependencies(self) -> None:
        ordered: dict[str, LoadedPlugin] = {}

        def visit(plugin_id: str, trail: tuple[str, ...]):
            if plugin_id in ordered:
                return
            if plugin_id in trail:
                raise PluginConflict(f"modules depend on each other in a circle: {' -> '.join(trail + (plugin_id,))}")
            for dep in self.plugins[plugin_id].info.requires:
                visit(dep, trail + (plugin_id,))
            ordered[plugin_id] = self.plugins[plugin_id]

        visit(CORE_ID, ())
        for plugin_id in sorted(self.plugins):
            visit(plugin_id, ())
        self.plugins = ordered

    def register_blueprints(self, app) -> None:
        """Mount every blueprint; each module's under its own URL prefix (by default /<module id>).

        Core's prefixes count too: a module mounted at /admin or at the site root would shadow core pages.
        """
        prefixes: dict[str, str] = {}  # prefix without its trailing slash ("" is the root) -> owner
        for loaded in self.plugins.values():
            for blueprint in loaded.blueprints:
                if loaded.id == CORE_ID:
                    app.register_blueprint(blueprint)
                    prefixes.setdefault((blueprint.url_prefix or "").rstrip("/"), CORE_ID)
                else:
                    prefix = blueprint.url_prefix or f"/{loaded.id}"
                    key = prefix.rstrip("/")
                    if key in prefixes:
                        raise PluginConflict(f"URL prefix {prefix!r} is used by both {prefixes[key]!r} and {loaded.id!r}")
                    prefixes[key] = loaded.id
                    app.register_blueprint(blueprint, url_prefix=prefix)
                self.blueprint_owner[blueprint.name] = loaded.id

    # --- state -----------------------------------------------------------------

    @property
    def module_ids(self) -> list[str]:
        """Installed modules an admin can switch, in dependency order."""
        return [plugin_id for plugin_id in self.plugins if plugin_id != CORE_ID]

    def enabled_ids(self) -> set[str]:
        """Ids of the enabled modules, core included.

        A request reads them once; a worker keeps them across requests until the
        "modules" stamp changes (core.cache), so another worker's switch shows at once.
        """
        if has_request_context() and "khet_enabled_plugins" in g:
            return g.khet_enabled_plugins
        from core import cache
        from core.models import PluginState

        def read() -> frozenset[str]:
            return frozenset(db.session.scalars(select(PluginState.plugin_id).where(PluginState.enabled.is_(True))))

        switched_on = cache.cached("enabled_modules", (cache.MODULES,), read)
        # Filtered on each call, not kept: what is installed may change without the database (tests load modules).
        enabled = {CORE_ID} | {plugin_id for plugin_id in switched_on if plugin_id in self.plugins}
        if has_request_context():
            g.khet_enabled_plugins = enabled
        return enabled

    def is_enabled(self, plugin_id: str) -> bool:
        # Core is always on: asking costs no query, so core pages (the health check) work without the database.
        return plugin_id == CORE_ID or plugin_id in self.enabled_ids()

    def forget_cached_state(self) -> None:
        """Drop what this app context remembered of modules, grants and the layout."""
        for name in [name for name in g if name.startswith("khet_")]:
            g.pop(name, None)

    def set_enabled(self, plugin_id: str, enabled: bool, allowed: list[str] | None = None) -> None:
        """Switch a module on or off; refuses with PluginError when dependencies forbid it."""
        from flask_babel import gettext as _

        from core.models import PluginState

        if plugin_id not in self.plugins or plugin_id == CORE_ID:
            raise PluginError(_("There is no installed module called %(id)s.", id=plugin_id))
        current = self.enabled_ids()
        if enabled:
            if allowed is not None and plugin_id not in allowed:
                raise PluginError(_("The configuration of this installation does not allow the module %(id)s.", id=plugin_id))
            missing = [dep for dep in self.plugins[plugin_id].info.requires if dep not in current]
            if missing:
                raise PluginError(
                    _("Enable %(deps)s first: the module %(id)s depends on it.", deps=", ".join(missing), id=plugin_id)
                )
        else:
            dependants = [
                other for other in current if plugin_id in self.plugins[other].info.requires
            ]
            if dependants:
                raise PluginError(
                    _("Disable %(deps)s first: it depends on the module %(id)s.", deps=", ".join(sorted(dependants)), id=plugin_id)
                )
        state = db.session.get(PluginState, plugin_id) or PluginState(plugin_id=plugin_id)
        state.enabled = enabled
        db.session.add(state)
        db.session.commit()
        self.forget_cached_state()

    # --- calling hooks ---------------------------------------------------------
    #
    # Every call goes through pluggy: a hook's specification (firstresult) and
    # any hookwrapper a module adds apply. "Enabled only" is a subset hook
    # caller without the plugins that are switched off, so a disabled module's
    # implementation is never called at all.

    def hook(self, hook_name: str, only_enabled: bool = True):
        """The pluggy hook caller of ``hook_name`` for the enabled modules (and core), or for all installed ones."""
        if not only_enabled:
            return getattr(self.pm.hook, hook_name)
        enabled = self.enabled_ids()
        cache = g.setdefault("khet_hook_callers", {}) if has_request_context() else {}
        caller = cache.get(hook_name)
        if caller is None:
            # Anything registered that is not an enabled module is left out, not only the modules we loaded.
            disabled = [plugin for name, plugin in self.pm.list_name_plugin() if name not in enabled]
            caller = cache[hook_name] = self.pm.subset_hook_caller(hook_name, remove_plugins=disabled)
        return caller

    def module_hook(self, plugin_id: str, hook_name: str):
        """The pluggy hook caller of ``hook_name`` for one module only (none: None)."""
        loaded = self.plugins.get(plugin_id)
        if loaded is None:
            return None
        others = [plugin for name, plugin in self.pm.list_name_plugin() if name != plugin_id]
        return self.pm.subset_hook_caller(hook_name, remove_plugins=others)

    def collect(self, hook_name: str, only_enabled: bool = True, **kwargs) -> list:
        """Call a hook once through pluggy and flatten the lists the (enabled) modules return."""
        return _collected(self.hook(hook_name, only_enabled)(**kwargs))

    def call_each(self, hook_name: str, only_enabled: bool = True, **kwargs):
        """Call a hook module by module in dependency order; yield (module id, result) for results that are not None.

        For callers that must know which module answered (search results, CLI
        groups) or must keep the dependency order (demo data): each module's
        call is its own pluggy call, so its hookwrappers apply to it.
        """
        enabled = self.enabled_ids() if only_enabled else set(self.plugins)
        for plugin_id in list(self.plugins):
            if plugin_id not in enabled:
                continue
            results = self.module_hook(plugin_id, hook_name)(**kwargs)
            result = _one(results, getattr(self.pm.hook, hook_name))
            if result is not None:
                yield plugin_id, result

    def call_one(self, plugin_id: str, hook_name: str, **kwargs):
        """One module's answer to a hook (through pluggy), or None when it has none or is not installed."""
        caller = self.module_hook(plugin_id, hook_name)
        if caller is None:
            return None
        return _one(caller(**kwargs), getattr(self.pm.hook, hook_name))

    def notify(self, hook_name: str, **kwargs) -> None:
        """Tell enabled modules of a core event; one module's failure does not stop the others.

        A single pluggy call would stop at the first exception, so each enabled
        module gets its own call (through pluggy, with its hookwrappers) inside
        its own try.
        """
        for plugin_id in list(self.plugins):
            if not self.is_enabled(plugin_id):
                continue
            try:
                self.module_hook(plugin_id, hook_name)(**kwargs)
            except Exception:
                log.exception("module %s failed while handling %s", plugin_id, hook_name)


def _one(results, spec_caller):
    """A one-module call's answer: the value of a firstresult hook, else the single implementation's result."""
    if spec_caller.spec is not None and spec_caller.spec.opts.get("firstresult"):
        return results
    return results[0] if results else None


def _collected(results) -> list:
    """Flatten a pluggy call's answers (None, one value or a list per module) into one list.

    A firstresult hook answers with one value (or None) rather than a list of answers.
    """
    items = []
    for result in results if isinstance(results, list) else [results]:
        items.extend(_flatten(result))
    return items


def _flatten(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return list(value)
    return [value]


def _check_core_api(info: PluginInfo) -> None:
    wanted_major, _, wanted_minor = info.core_api.partition(".")
    have_major, _, have_minor = CORE_API_VERSION.partition(".")
    if wanted_major != have_major or int(wanted_minor or 0) > int(have_minor or 0):
        raise RuntimeError(
            f"module {info.id!r} needs core API {info.core_api}, this Khet provides {CORE_API_VERSION}"
        )


def registry(app=None) -> PluginRegistry:
    from flask import current_app

    return (app or current_app).extensions["khet"]
