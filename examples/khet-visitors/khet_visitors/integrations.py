"""What the visitor log gives the rest of Khet: search results, the home page's card, and who is waiting.

The hooks in ``__init__`` call these builders; the rules they use live in ``services``.
"""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from core.api import DashboardCard, SearchResult, db, to_local
from khet_visitors import PLUGIN_ID
from khet_visitors.models import Visit
from khet_visitors.permissions import VIEW
from khet_visitors.services import today_counts, waiting_for
from khet_visitors.services.access import visible_to


def search_results(user, query: str, limit: int) -> list[SearchResult]:
    """Visits whose visitor, organisation or purpose contains the query (any day, newest first)."""
    matches = or_(
        Visit.visitor_name.icontains(query, autoescape=True),
        Visit.organisation.icontains(query, autoescape=True),
        Visit.purpose.icontains(query, autoescape=True),
    )
    found = db.session.scalars(visible_to(select(Visit), user).where(matches).order_by(Visit.arrived_at.desc()).limit(limit))
    return [
        SearchResult(
            title=f"{visit.visitor_name} ({visit.organisation})" if visit.organisation else visit.visitor_name,
            url=url_for(f"{PLUGIN_ID}.index", day=to_local(visit.arrived_at).date().isoformat(), _anchor=f"visit-{visit.id}"),
            summary=visit.purpose,
            when=visit.arrived_at,
        )
        for visit in found
    ]


def dashboard_cards(user) -> list[DashboardCard]:
    return [
        DashboardCard(
            _l("Visitors today"), "visitors/_card.html", {"today": today_counts()},
            weight=120, permission=VIEW, link_endpoint=f"{PLUGIN_ID}.index",
        )
    ]


def waiting_on_home_page(user) -> str | None:
    """On the home page, tell the person being visited who is waiting for them."""
    waiting = waiting_for(user)
    return render_template("visitors/_waiting.html", visits=waiting) if waiting else None
