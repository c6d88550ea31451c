"""Notices (ประกาศ/ข่าวประชาสัมพันธ์): the office posts news every staff member and school sees.

The smallest complete Khet module, and the pattern every other follows (docs/writing-a-module.md):
this file holds only hook implementations; the rules live in ``services``, the pages in ``views``,
the permission codes in ``permissions``, what other parts of Khet show of notices (search, the home
page's card) in ``integrations``, the demo notices in ``demo``; tables prefixed ``notices_`` in ``models``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.api import MenuItem, PluginInfo, hookimpl

PLUGIN_ID = "notices"

# Loaded here, before the ``permissions`` hook below is defined: importing the submodule later would set the
# package's ``permissions`` attribute to it, hiding the hook. Import the codes by name: ``from
# plugins.notices.permissions import READ``.
from plugins.notices import permissions as permission_codes  # noqa: E402


@hookimpl
def plugin_info():
    return PluginInfo(
        id=PLUGIN_ID,
        name_th="ประกาศและข่าวประชาสัมพันธ์",
        name_en="Notices",
        version="1.0.0",
        core_api="1.1",
        description=_l("News and announcements from the office to staff and schools."),
    )


@hookimpl
def blueprints():
    from plugins.notices.views import bp

    return [bp]


@hookimpl
def model_classes():
    from plugins.notices.models import Notice

    return [Notice]


@hookimpl
def permissions():
    return permission_codes.declared()


@hookimpl
def menu_items(user):
    from plugins.notices.permissions import POST, READ

    return [
        MenuItem(_l("Notices"), "notices.index", section="general", permission=READ, weight=90),
        MenuItem(_l("Post a notice"), "notices.create", section="general", permission=POST, weight=91),
    ]


@hookimpl
def dashboard_cards(user):
    from plugins.notices.integrations import dashboard_cards

    return dashboard_cards(user)


@hookimpl
def search(user, query, limit):
    from plugins.notices.integrations import search_results

    return search_results(user, query, limit)


@hookimpl
def demo_data(office, rng):
    from plugins.notices.demo import create_demo_notices

    create_demo_notices(rng)
