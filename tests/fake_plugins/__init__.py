"""Small fake modules for the plugin-manager contract tests, each with one thing wrong (or one thing to prove).

Pass them to ``create_app(entry_points=...)`` through ``entry_point(name)``; the
real modules come from ``installed(...)``. Fakes keep their tables out of
Khet's metadata (a private MetaData) unless a test is meant to own them.
"""

from __future__ import annotations

import importlib.metadata

from core.plugins import ENTRY_POINT_GROUP


def entry_point(module: str, name: str | None = None) -> importlib.metadata.EntryPoint:
    """An entry point for the fake ``tests/fake_plugins/<module>``, announced under ``name`` (default: the module's)."""
    return importlib.metadata.EntryPoint(name=name or module, value=f"tests.fake_plugins.{module}", group=ENTRY_POINT_GROUP)


def installed(*names: str) -> list[importlib.metadata.EntryPoint]:
    """The real entry points of the named installed modules."""
    found = {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    return [found[name] for name in names]
