"""The public API of Khet's core: everything a module may import, and nothing else.

A module (``plugins/<id>/`` or a third-party package) imports from here only::

    from core.api import db, hookimpl, require, Person, numbers, lock

Everything else in ``core`` is core's own and may change at any release;
what is listed in ``__all__`` changes only with a bump of ``CORE_API_VERSION``
(a new name is a minor bump, a removed or changed one a major bump). CI holds
every module to this with import-linter (the ``[tool.importlinter]`` contracts
in pyproject.toml): a module imports ``core.api`` and never another module.
Tests may also import ``core.testing``, the pytest plugin.

Records and constants a module works with are exported by name; a few
constants whose bare names would be ambiguous here are exported under a
qualified name (``BOOKING_CONFIRMED`` is ``booking.CONFIRMED``). Where a
module needs something of core's own business, the API has a small function
for it (``is_enabled``, ``grant_permission``, ``demo_name``) rather than the
internal itself. docs/writing-a-module.md ("The public API") has the rules.

The service modules are exported whole, as namespaces (``numbers.take_number``,
``approvals.start``, ``booking.reserve``), so a module's code says which
service it calls; docs/services/ documents each.
"""

from __future__ import annotations

import random

from core import CORE_API_VERSION, cache, calendar
from core.calendar import (
    BANGKOK,
    THAI_MONTHS,
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
from core.errors import Refused, Saving, saving, show_refusal
from core.exports import BE_DATE_FORMAT as XLSX_BE_DATE_FORMAT
from core.exports import BE_DATETIME_FORMAT as XLSX_BE_DATETIME_FORMAT
from core.exports import CSV_MIMETYPE, XLSX_MIMETYPE, Column, ExportFile, Sheet, export_file, send_export
from core.exports import FORMATS as EXPORT_FORMATS
from core.fields import PeopleField, PersonField, PersonScope, ThaiDateField, format_thai_date, parse_thai_date
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
from core.permissions import check as check_permission
from core.plugin_api import (
    MENU_SECTIONS,
    ApprovalKind,
    AwayEntry,
    DashboardCard,
    LinkedRecord,
    LinkTarget,
    MenuItem,
    NotificationEvent,
    Permission,
    PluginInfo,
    ScheduledJob,
    SearchResult,
    SettingsSpec,
)
from core.services import (
    approvals,
    attachments,
    audit,
    away,
    booking,
    holidays,
    jobs,
    links,
    locking,
    notifications,
    numbers,
)
from core.services.approvals import ApprovalError, ApprovalRequest
from core.services.attachments import KINDS as FILE_KINDS
from core.services.attachments import Attachment, UploadPolicy, UploadRejected
from core.services.attachments import format_size as format_file_size
from core.services.audit import AuditEntry
from core.services.booking import CANCELLED as BOOKING_CANCELLED
from core.services.booking import CONFIRMED as BOOKING_CONFIRMED
from core.services.booking import PENDING as BOOKING_PENDING
from core.services.booking import REFUSED as BOOKING_REFUSED
from core.services.booking import BookingConflict, BookingError, BookingResource, Reservation
from core.services.holidays import DaysOff
from core.services.locking import lock
from core.services.notifications import Notification
from core.settings import get_settings, save_settings
from core.storage import get_storage
from core.web import attach_from_form, paginate

# org facts (docs/services/org.md)
from core.org_services import group_deputy, group_director, group_of, network_deputy, network_schools, office_director, school_director, school_of  # noqa: E501


def is_enabled(module_id: str) -> bool:
    """Whether the module ``module_id`` is installed and switched on in this office (core always is)."""
    from core.plugins import registry

    return registry().is_enabled(module_id)


def grant_permission(code: str, *, group: Group | None = None, person: Person | None = None,
                     scope: Group | School | None = None):
    """Grant a module's declared permission to one group or person, as an admin would on the permissions page.

    For a module's demo data (``khet demo``): it runs the admin page's own
    service, so the same rules hold (the permission is declared by an enabled
    module; ``scope`` only for permissions declared ``scopable``; no duplicate
    grant). Raises ``Refused`` when a rule says no.
    """
    from core.org_services import grant_permission as grant

    return grant(code, group=group, person=person, scope=scope)


def demo_name(rng: random.Random) -> tuple[str, str]:
    """A made-up Thai (first name, last name) from the demo office's lists, for a module's demo data."""
    from core.demo import FIRST_NAMES, LAST_NAMES

    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


__all__ = [
    # identity and wiring
    "CORE_API_VERSION",
    "hookimpl",
    "is_enabled",
    "PluginInfo",
    "Permission",
    "MenuItem",
    "MENU_SECTIONS",
    "DashboardCard",
    "SearchResult",
    "SettingsSpec",
    # what modules declare through hooks (value objects)
    "ApprovalKind",
    "NotificationEvent",
    "ScheduledJob",
    "LinkTarget",
    "LinkedRecord",
    "AwayEntry",
    # database
    "db",
    "utcnow",
    "write_transaction",
    "per_request",
    # refusals and saving (docs/refusals-and-saving.md)
    "Refused",
    "saving",
    "Saving",
    "show_refusal",
    # permissions
    "require",
    "has_permission",
    "check_permission",
    "permission_scope",
    "grant_permission",
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
    "away",
    "booking",
    "holidays",
    "jobs",
    "links",
    "locking",
    "lock",
    "notifications",
    "numbers",
    "cache",
    # the services' records, errors and constants
    "ApprovalRequest",
    "ApprovalError",
    "Attachment",
    "UploadPolicy",
    "UploadRejected",
    "FILE_KINDS",
    "format_file_size",
    "AuditEntry",
    "BookingResource",
    "Reservation",
    "BookingError",
    "BookingConflict",
    "BOOKING_PENDING",
    "BOOKING_CONFIRMED",
    "BOOKING_CANCELLED",
    "BOOKING_REFUSED",
    "DaysOff",
    "Notification",
    # settings and storage
    "get_settings",
    "save_settings",
    "get_storage",
    # the web layer
    "paginate",
    "attach_from_form",
    "current_locale",
    # forms (docs/forms.md)
    "WithinKhetYears",
    "ThaiDateField",
    "PersonField",
    "PeopleField",
    "PersonScope",
    "parse_thai_date",
    "format_thai_date",
    # exports (docs/exports-and-printing.md)
    "Column",
    "Sheet",
    "ExportFile",
    "export_file",
    "send_export",
    "EXPORT_FORMATS",
    "XLSX_MIMETYPE",
    "CSV_MIMETYPE",
    "XLSX_BE_DATE_FORMAT",
    "XLSX_BE_DATETIME_FORMAT",
    # demo data
    "demo_name",
    # Thai calendar
    "calendar",
    "BANGKOK",
    "THAI_MONTHS",
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
