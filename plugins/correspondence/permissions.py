"""The permission codes of correspondence, written once: rules, pages and menus import these names."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.api import Permission
from plugins.correspondence import PLUGIN_ID

READ = f"{PLUGIN_ID}.read"
REGISTER = f"{PLUGIN_ID}.register"
SECRET = f"{PLUGIN_ID}.secret"
SEND = f"{PLUGIN_ID}.send"


def declared() -> list[Permission]:
    """What the module declares to core (the ``permissions`` hook), with the label an admin sees."""
    return [
        # Scopable: the rules ask where a person holds these (a group's or a school's registers), so an admin may
        # grant them within one group or school (docs/permissions.md).
        Permission(READ, _l("Read the office's and groups' registers of letters"), scopable=True),
        Permission(REGISTER, _l("Register letters and take letter numbers"), scopable=True),
        Permission(SECRET, _l("Keep the secret letters register"), scopable=True),
        Permission(SEND, _l("Send letters to schools, groups and people"), scopable=True),
    ]
