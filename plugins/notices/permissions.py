"""The permission codes of notices, written once: rules, pages and menus import these names."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.api import Permission
from plugins.notices import PLUGIN_ID

READ = f"{PLUGIN_ID}.read"
POST = f"{PLUGIN_ID}.post"


def declared() -> list[Permission]:
    """What the module declares to core (the ``permissions`` hook), with the label an admin sees."""
    return [
        Permission(READ, _l("Read notices")),
        Permission(POST, _l("Post, edit and withdraw notices")),
    ]
