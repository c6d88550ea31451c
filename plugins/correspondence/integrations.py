"""What correspondence gives the rest of Khet: results for the global search box and the home page's cards.

The hooks in ``__init__`` call these; the queries they show live in ``services`` (search, dashboard).
"""

from __future__ import annotations

import datetime as dt

from flask import url_for
from flask_babel import lazy_gettext as _l

from core.db import db, utcnow
from core.plugin_api import DashboardCard, SearchResult
from plugins.correspondence.services import SECRECIES, URGENCIES, CorrespondenceError, printed_number
from plugins.correspondence.services.dashboard import schools_behind_yesterday, urgent_not_received, waiting_for
from plugins.correspondence.services.search import search_letters
from plugins.correspondence.services.tracking import is_sender


def search_results(user, query: str, limit: int) -> list[SearchResult]:
    """SearchResults of the letters this person may open that match the query, for the global search box."""
    if not getattr(user, "is_authenticated", False):
        return []
    try:
        letters = db.session.scalars(search_letters(user, query).limit(limit))
    except CorrespondenceError:
        return []
    return [SearchResult(title=f"{printed_number(letter)} {letter.subject}",
                         url=url_for("correspondence.show", letter_id=letter.id),
                         summary=" → ".join(part for part in (letter.from_text, letter.to_text) if part),
                         when=letter.registered_at)
            for letter in letters]


def dashboard_cards(user, now: dt.datetime | None = None) -> list[DashboardCard]:
    """The DashboardCards this person sees on the home page."""
    if not getattr(user, "is_authenticated", False):
        return []
    now = now or utcnow()
    sender = is_sender(user)
    cards = [DashboardCard(_l("Letters waiting for me"), "correspondence/cards/waiting.html",
                           _context(waiting=waiting_for(user)), weight=15, link_endpoint="correspondence.inbox")]
    urgent = urgent_not_received(user, now=now, as_sender=sender)
    if urgent.any:
        cards.append(DashboardCard(_l("Urgent letters not received"), "correspondence/cards/urgent.html",
                                   _context(urgent=urgent), weight=10,
                                   link_endpoint="correspondence.follow_up" if urgent.sent else "correspondence.inbox"))
    if sender:
        cards.append(DashboardCard(_l("Schools that have not received yesterday's letters"),
                                   "correspondence/cards/yesterday.html",
                                   _context(behind=schools_behind_yesterday(user, now=now)), weight=16,
                                   link_endpoint="correspondence.follow_up"))
    return cards


def _context(**values) -> dict:
    """A card renders on the home page, outside the module's pages: it brings what the module's badges read."""
    return {"urgencies": URGENCIES, "secrecies": SECRECIES, **values}
