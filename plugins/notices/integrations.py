"""What notices give the rest of Khet: results for the global search box and the home page's card.

The hooks in ``__init__`` call these; the rules they use live in ``services``.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from core.api import DashboardCard, SearchResult
from plugins.notices import services
from plugins.notices.permissions import READ


def search_results(user, query: str, limit: int) -> list[SearchResult]:
    if not user.can(READ):
        return []
    return [
        SearchResult(title=n.title, url=url_for("notices.show", notice_id=n.id), summary=n.body[:140], when=n.published_at)
        for n in services.find(query, limit)
    ]


def dashboard_cards(user) -> list[DashboardCard]:
    return [
        DashboardCard(
            _l("Latest notices"), "notices/_card.html", {"notices": services.latest(limit=5)},
            weight=50, permission=READ, link_endpoint="notices.index",
        )
    ]
