"""The permission codes of the visitor log, written once: rules, pages and menus import these names."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.api import Permission
from khet_visitors import PLUGIN_ID

VIEW = f"{PLUGIN_ID}.view"
RECORD = f"{PLUGIN_ID}.record"


def declared() -> list[Permission]:
    """What the module declares to core (the ``permissions`` hook), with the label an admin sees."""
    return [
        Permission(VIEW, _l("See the visitor log")),
        Permission(RECORD, _l("Record visitors arriving and leaving")),
    ]
