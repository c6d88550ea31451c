"""What meeting rooms give the rest of Khet through core's hooks: approval kinds, notification events, the
reminder job, results for the global search box and the home page's card.

The hook implementations in ``__init__`` call these; the rules they use live in ``services``. Nothing here
runs at import time.
"""

from __future__ import annotations

import datetime as dt

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.api import ApprovalKind, DashboardCard, NotificationEvent, Reservation, ScheduledJob, SearchResult, db
from plugins.rooms.models import Booking, Room
from plugins.rooms.permissions import BOOK
from plugins.rooms.services import OPEN_STATUSES, all_rooms, local, upcoming_of
from plugins.rooms.services.checks import _summary


def approval_kinds() -> list[ApprovalKind]:
    from plugins.rooms import services
    from plugins.rooms.services.decisions import _booking_decided, _series_decided

    return [
        ApprovalKind(services.MODULE, services.KIND_BOOKING, label=_l("Room booking"),
                     on_outcome=_booking_decided, decide_permission=services.DECIDE_PERMISSION),
        ApprovalKind(services.MODULE, services.KIND_SERIES, label=_l("Recurring room booking"),
                     on_outcome=_series_decided, decide_permission=services.DECIDE_PERMISSION),
    ]


def notification_events() -> list[NotificationEvent]:
    from plugins.rooms import services

    return [
        NotificationEvent(services.EVENT_CANCELLED, _l("My room booking was cancelled by someone else")),
        NotificationEvent(services.EVENT_SLOT_FREED, _l("A room time I waited for became free")),
        NotificationEvent(services.EVENT_REMINDER, _l("Reminder of my room booking the day before")),
        NotificationEvent(services.EVENT_REQUEST_CLOSED,
                          _l("My room request was not granted: its time went to another meeting or passed")),
    ]


REMIND_FROM = dt.time(15, 0)  # Bangkok: reminders of tomorrow's meetings go out in the afternoon, as cron did


def _remind(now: dt.datetime) -> str:
    from core.api import calendar
    from plugins.rooms import services

    if calendar.to_local(now).time() < REMIND_FROM:
        return f"nothing before {REMIND_FROM:%H:%M}"
    return f"reminded {services.send_reminders(now)} booking(s)"


def scheduled_jobs() -> list[ScheduledJob]:
    # Every hour from 15:00 rather than once a day: a booking made for tomorrow later in the afternoon is still
    # reminded, and send_reminders marks each booking reminded, so running it again sends nothing twice.
    return [ScheduledJob("rooms.remind", _l("Remind bookers of tomorrow's meetings"), _remind,
                         every=dt.timedelta(hours=1)),
            # Every quarter hour: a request must not look pending for long after its meeting has begun.
            ScheduledJob("rooms.close_requests", _l("Close room requests whose time has passed or was given away"),
                         _close_requests, every=dt.timedelta(minutes=15))]


def _close_requests(now: dt.datetime) -> str:
    from plugins.rooms import services

    return f"closed {services.close_stale_requests(now)} request(s)"


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


def audit_actions() -> dict:
    """Labels of the actions rooms records in the audit log (core's fill in "export" and the approval ones)."""
    return {
        "room.create": _l("Room added"),
        "room.update": _l("Room changed"),
        "room.block": _l("Room closed"),
        "room.unblock": _l("Room reopened"),
        "booking.create": _l("Booking made"),
        "booking.update": _l("Booking changed"),
        "booking.cancel": _l("Booking cancelled"),
        "series.create": _l("Repeating booking made"),
        "series.cancel": _l("Repeating booking cancelled"),
        "feed.create": _l("Calendar feed created"),
        "feed.revoke": _l("Calendar feed revoked"),
    }
