"""The value objects modules hand to core through hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable

# Menu sections, in the order AMSS++ users know them.
MENU_SECTIONS = ("general", "budget", "personnel", "academic", "admin")


@dataclass(frozen=True)
class PluginInfo:
    id: str
    name_th: str
    name_en: str
    version: str
    core_api: str = "1.0"
    requires: tuple[str, ...] = ()
    description: str = ""

    def display_name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_th


@dataclass(frozen=True)
class Permission:
    """A permission code a module declares. ``scopable`` codes may be granted within one group or school."""

    code: str
    label: Any  # a lazy_gettext string
    scopable: bool = False


@dataclass
class MenuItem:
    label: Any
    endpoint: str
    section: str = "general"
    permission: str | None = None  # None: every signed-in user
    weight: int = 100  # lower comes first; ties are broken by label
    url_kwargs: dict = field(default_factory=dict)
    badge: int | None = None


@dataclass
class DashboardCard:
    title: Any
    template: str  # rendered with ``card`` and the values in ``context``
    context: dict = field(default_factory=dict)
    weight: int = 100
    permission: str | None = None
    link_endpoint: str | None = None


@dataclass
class SearchResult:
    title: str
    url: str
    module: str = ""
    summary: str = ""
    when: Any = None


@dataclass
class SettingsSpec:
    """A module's settings: a WTForms class whose field names are the setting keys, and defaults."""

    form_class: type
    defaults: dict = field(default_factory=dict)
    validate: Callable[[dict], list[str]] | None = None


@dataclass(frozen=True)
class ScheduledJob:
    """A job `khet jobs run` runs when it is due; run(now) does the work and returns a one-line summary."""
    id: str            # "<module id>.<name>", e.g. "core.sweep_orphans"
    label: Any         # lazy_gettext string
    run: Callable      # run(now: datetime) -> str | None; must be idempotent
    every: timedelta   # run at most this often
