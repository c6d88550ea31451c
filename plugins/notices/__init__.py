"""Notices (ประกาศ/ข่าวประชาสัมพันธ์): the office posts news every staff member and school sees.

The smallest complete Khet module, and the pattern every other follows:
``__init__`` is only wiring; rules live in ``services``; one blueprint in
``views``; forms in ``forms``; tables prefixed ``notices_`` in ``models``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.plugin_api import DashboardCard, MenuItem, Permission, PluginInfo

PLUGIN_ID = "notices"


@hookimpl
def plugin_info():
    return PluginInfo(
        id=PLUGIN_ID,
        name_th="ประกาศและข่าวประชาสัมพันธ์",
        name_en="Notices",
        version="1.0.0",
        core_api="1.0",
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
    return [
        Permission("notices.read", _l("Read notices")),
        Permission("notices.post", _l("Post, edit and withdraw notices")),
    ]


@hookimpl
def menu_items(user):
    return [
        MenuItem(_l("Notices"), "notices.index", section="general", permission="notices.read", weight=90),
        MenuItem(_l("Post a notice"), "notices.create", section="general", permission="notices.post", weight=91),
    ]


@hookimpl
def dashboard_cards(user):
    from plugins.notices import services

    return [
        DashboardCard(
            _l("Latest notices"), "notices/_card.html", {"notices": services.latest(limit=5)},
            weight=50, permission="notices.read", link_endpoint="notices.index",
        )
    ]


@hookimpl
def search(user, query, limit):
    from plugins.notices import services

    if not user.can("notices.read"):
        return []
    return services.search_results(query, limit)


@hookimpl
def demo_data(office, rng):
    from plugins.notices import services

    services.create_demo_notices(rng)
