"""What meeting rooms give the rest of Khet: results for the global search box and the home page's card.

The hooks in ``__init__`` call these; the rules they use live in ``services``.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import db
from core.plugin_api import DashboardCard, SearchResult
from core.services.booking import Reservation
from plugins.rooms.models import Booking, Room
from plugins.rooms.permissions import BOOK
from plugins.rooms.services import OPEN_STATUSES, all_rooms, local, upcoming_of
from plugins.rooms.services.checks import _summary


def search_results(user, query: str, limit: int) -> list[SearchResult]:
    """Rooms by name and bookings by title, for someone who may see the rooms' calendars."""
    if not user.can(BOOK):
        return []
    rooms = db.session.scalars(
        all_rooms().where(Room.name.icontains(query, autoescape=True)).limit(limit)
    ).all()
    results = [SearchResult(title=room.name, url=url_for("rooms.room", room_id=room.id), summary=room.place)
               for room in rooms]
    found = db.session.scalars(
        select(Booking).join(Booking.reservation)
        .where(Reservation.status.in_(OPEN_STATUSES), Booking.title.icontains(query, autoescape=True))
        .order_by(Reservation.starts_at.desc()).limit(max(0, limit - len(results)))
    ).unique().all()
    results += [
        SearchResult(title=b.title, url=url_for("rooms.show_booking", booking_id=b.id), when=b.starts_at,
                     summary=_summary(b.room, local(b.starts_at), local(b.ends_at)))
        for b in found
    ]
    return results[:limit]


def dashboard_cards(user) -> list[DashboardCard]:
    """The booker's next meetings."""
    if not user.can(BOOK):
        return []
    return [
        DashboardCard(
            _l("My next meetings"), "rooms/_card.html", {"bookings": upcoming_of(user, limit=5)},
            weight=60, permission=BOOK, link_endpoint="rooms.mine",
        )
    ]
