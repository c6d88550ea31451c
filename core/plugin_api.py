"""The value objects modules hand to core through hooks."""

from __future__ import annotations

import datetime as dt
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
    # A count shown next to the label. Menus are kept by each worker until modules or grants change
    # (core.cache), so a live count is a function of the person, called on every request: badge=waiting_count.
    badge: int | Callable[[Any], int | None] | None = None


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
    """One hit of a module's search hook, listed on the search page under the module's name.

    ``when`` is the record's date: a ``datetime.datetime`` as stored (naive UTC, shown as its
    Bangkok date) or a ``datetime.date`` (shown as it is), or None. The page shows the date
    only, in Buddhist Era ("4 ธ.ค. 2569"), through the ``thai_date`` filter.
    """

    title: str
    url: str
    module: str = ""
    summary: str = ""
    when: dt.datetime | dt.date | None = None


@dataclass
class SettingsSpec:
    """A module's settings: a WTForms class whose field names are the setting keys, and defaults."""

    form_class: type
    defaults: dict = field(default_factory=dict)
    validate: Callable[[dict], list[str]] | None = None


@dataclass(frozen=True)
class ApprovalKind:
    """A kind of request a module sends through core's approval workflow (the ``approval_kinds`` hook).

    ``on_outcome(request, outcome)`` is called inside the deciding transaction
    when the module's record must change: outcome is "approved", "refused",
    "returned", "withdrawn" or "cancelled" (an approved request later cancelled);
    raising from it rolls the decision back. ``decide_permission``: whoever
    decides a step of this kind must also hold this permission.
    """

    module: str
    kind: str
    label: Any = ""  # a lazy_gettext string
    on_outcome: Callable | None = None
    escalation_hours: int | None = 24  # a step nobody acts on within this many working hours moves on; None: never
    decide_permission: str | None = None


@dataclass(frozen=True)
class NotificationEvent:
    """An event people may switch on and off per channel on their preferences page (the ``notification_events`` hook)."""

    id: str  # "<module id>.<name>", the event notify() is called with
    label: Any  # a lazy_gettext string
    default_channels: tuple[str, ...] | None = None  # on until the person changes them; None: every channel


@dataclass(frozen=True)
class ScheduledJob:
    """A job `khet jobs run` runs when it is due; run(now) does the work and returns a one-line summary."""
    id: str            # "<module id>.<name>", e.g. "core.sweep_orphans"
    label: Any         # lazy_gettext string
    run: Callable      # run(now: datetime) -> str | None; must be idempotent
    every: timedelta   # run at most this often


@dataclass(frozen=True)
class LinkedRecord:
    """One record another module may link to, as the viewer may see it."""

    kind: str  # the LinkTarget's kind, e.g. "correspondence.letter"
    id: str  # the record's id, as a string
    title: str
    url: str | None = None
    summary: str = ""


@dataclass(frozen=True)
class LinkTarget:
    """A kind of record a module lets other modules link to (the ``link_targets`` hook).

    ``search(user, query, limit)`` returns LinkedRecords the user may see, for a
    picker; ``describe(ids, user)`` returns {id: LinkedRecord or None} for the
    given ids (strings), None where the record is gone or the user may not see
    it. ``category`` groups targets for a consumer: "record" for documents,
    "asset" for things the helpdesk may attach a ticket to.
    """

    kind: str  # "<module id>.<name>", e.g. "correspondence.letter"
    label: Any  # a lazy_gettext string
    search: Callable[..., list]
    describe: Callable[..., dict]
    category: str = "record"


@dataclass(frozen=True)
class AwayEntry:
    """Someone away from the office for a span of days, for the who-is-away calendar (the ``away_entries`` hook)."""

    person: Any  # a core Person
    start: dt.date
    end: dt.date  # the last day away, inclusive
    reason: Any  # a lazy_gettext string: "Sick leave", "Official travel"
    module: str = ""
    url: str | None = None  # the record behind it, if the viewer may open it
