"""The public API of Khet's core: everything a module may import, and nothing else.

A module (``plugins/<id>/`` or a third-party package) imports from here only::

    from core.api import db, hookimpl, require, Person, numbers, lock

Everything else in ``core`` is core's own and may change at any release;
what is listed in ``__all__`` changes only with a bump of ``CORE_API_VERSION``
(a new name is a minor bump, a removed or changed one a major bump). CI holds
every module to this with import-linter (the ``[tool.importlinter]`` contracts
in pyproject.toml): a module imports ``core.api`` and never another module.
Tests may also import ``core.testing``, the pytest plugin.

The service modules are exported whole, as namespaces (``numbers.take_number``,
``approvals.start``, ``booking.reserve``), so a module's code says which
service it calls; docs/services/ documents each.
"""

from __future__ import annotations

from core import CORE_API_VERSION, calendar
from core.calendar import (
    BANGKOK,
    bangkok_at,
    be_year,
    calendar_year_be,
    ce_year,
    fiscal_year,
    fiscal_year_range,
    format_date,
    format_datetime,
    format_time,
    half_year,
    half_year_range,
    local_today,
    parse_be_date,
    stored_day_range,
    to_local,
    to_stored,
)
from core.db import db, per_request, utcnow, write_transaction
from core.forms import WithinKhetYears
from core.hookspecs import hookimpl
from core.i18n import current_locale
from core.models import (
    Group,
    GroupMembership,
    Office,
    Person,
    School,
    SchoolList,
    SchoolMembership,
    SchoolNetwork,
    school_list_members,
)
from core.org_services import visible_school_lists
from core.permissions import PUBLIC, SIGNED_IN, has_permission, permission_scope, require
from core.plugin_api import DashboardCard, MenuItem, Permission, PluginInfo, SearchResult, SettingsSpec
from core.services import approvals, attachments, audit, booking, holidays, locking, notifications, numbers
from core.services.locking import lock
from core.settings import get_settings, save_settings
from core.storage import get_storage
from core.web import attach_from_form, paginate

# org facts (docs/services/org.md)
from core.org_services import group_deputy, group_director, group_of, network_deputy, network_schools, office_director, school_director, school_of  # noqa: E501


def is_enabled(module_id: str) -> bool:
    """Whether the module ``module_id`` is installed and switched on in this office (core always is)."""
    from core.plugins import registry

    return registry().is_enabled(module_id)


__all__ = [
    # identity and wiring
    "CORE_API_VERSION",
    "hookimpl",
    "is_enabled",
    "PluginInfo",
    "Permission",
    "MenuItem",
    "DashboardCard",
    "SearchResult",
    "SettingsSpec",
    # database
    "db",
    "utcnow",
    "write_transaction",
    "per_request",
    # permissions
    "require",
    "has_permission",
    "permission_scope",
    "PUBLIC",
    "SIGNED_IN",
    # the organisation
    "Office",
    "Group",
    "GroupMembership",
    "School",
    "SchoolMembership",
    "SchoolNetwork",
    "SchoolList",
    "school_list_members",
    "visible_school_lists",
    "Person",
    # shared services, as namespaces
    "approvals",
    "attachments",
    "audit",
    "booking",
    "holidays",
    "locking",
    "lock",
    "notifications",
    "numbers",
    # settings and storage
    "get_settings",
    "save_settings",
    "get_storage",
    # the web layer
    "paginate",
    "attach_from_form",
    "WithinKhetYears",
    "current_locale",
    # Thai calendar
    "calendar",
    "BANGKOK",
    "bangkok_at",
    "be_year",
    "ce_year",
    "calendar_year_be",
    "fiscal_year",
    "fiscal_year_range",
    "half_year",
    "half_year_range",
    "format_date",
    "format_datetime",
    "format_time",
    "local_today",
    "parse_be_date",
    "stored_day_range",
    "to_local",
    "to_stored",
    # org facts: who directs what (docs/services/org.md)
    "office_director",
    "group_director",
    "group_deputy",
    "network_deputy",
    "school_director",
    "network_schools",
    "group_of",
    "school_of",
]
