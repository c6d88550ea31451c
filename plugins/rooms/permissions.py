"""The permission codes of meeting rooms, written once: rules, pages and menus import these names."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.api import Permission
from plugins.rooms import PLUGIN_ID

BOOK = f"{PLUGIN_ID}.book"
APPROVE = f"{PLUGIN_ID}.approve"
MANAGE = f"{PLUGIN_ID}.manage"
VIEW_STATS = f"{PLUGIN_ID}.view_stats"


def declared() -> list[Permission]:
    """What the module declares to core (the ``permissions`` hook), with the label an admin sees."""
    return [
        Permission(BOOK, _l("Book meeting rooms and see their calendars")),
        Permission(APPROVE, _l("Approve or refuse bookings of the rooms one is the approver of")),
        Permission(MANAGE, _l("Manage meeting rooms, their closures, and anyone's bookings")),
        Permission(VIEW_STATS, _l("See and export how much the meeting rooms are used")),
    ]
