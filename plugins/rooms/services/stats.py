"""How much the rooms are used: hours of confirmed bookings per month, by room and by the bookers' groups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.api import BOOKING_CONFIRMED as CONFIRMED, Group, Reservation, db, notifications
from plugins.rooms.models import Booking, Room
from plugins.rooms.services import day_range, local


@dataclass
class Usage:
    """Hours of confirmed bookings in a calendar year, per month: by room and by the bookers' groups."""

    year: int  # CE
    by_room: dict[str, list[float]]
    by_group: dict[str, list[float]]

    @staticmethod
    def total(months: list[float]) -> float:
        return round(sum(months), 2)


def usage(year: int) -> Usage:
    start, end = day_range(dt.date(year, 1, 1), dt.date(year, 12, 31))
    rows = db.session.execute(
        select(Room.name, Group.name, Reservation.starts_at, Reservation.ends_at)
        .select_from(Booking).join(Booking.reservation).join(Room, Booking.room_id == Room.id)
        .outerjoin(Group, Booking.group_id == Group.id)
        .where(Reservation.status == CONFIRMED, Reservation.starts_at >= start, Reservation.starts_at < end)
        .order_by(Room.sort_order, Room.name)
    ).all()
    by_room: dict[str, list[float]] = {}
    by_group: dict[str, list[float]] = {}
    no_group = notifications.translated(_l("No group"))
    for room_name, group_name, starts_at, ends_at in rows:
        month = local(starts_at).month - 1
        hours = (ends_at - starts_at).total_seconds() / 3600
        by_room.setdefault(room_name, [0.0] * 12)[month] += hours
        by_group.setdefault(group_name or no_group, [0.0] * 12)[month] += hours
    return Usage(year, by_room, dict(sorted(by_group.items())))

