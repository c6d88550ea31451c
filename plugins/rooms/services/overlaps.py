"""Requests for the same time: a pending request does not hold its slot, but nobody is kept in the dark about it.

What Indico does with pre-bookings: the second person asking for a time already requested is warned before
sending (and may still queue); the approver sees the other requests on each one; approving one refuses the
overlapping pending requests (decisions._refuse_overlapping); and no request stays pending once its time has
passed (decisions.close_stale_requests, the scheduled job ``rooms.close_requests``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.api import booking, db
from plugins.rooms.models import Booking, Room
from plugins.rooms.services import utc


def pending_overlapping(room_id: int, starts_at: dt.datetime, ends_at: dt.datetime,
                        exclude_ids: tuple[int, ...] | list[int] = ()) -> list[Booking]:
    """The pending bookings of the room whose time overlaps [starts_at, ends_at) (stored, naive UTC), earliest
    request first."""
    query = (select(Booking).join(Booking.reservation)
             .where(Booking.room_id == room_id, booking.Reservation.status == booking.PENDING,
                    booking.Reservation.starts_at < ends_at, booking.Reservation.ends_at > starts_at)
             .order_by(Booking.created_at, Booking.id))
    if exclude_ids:
        query = query.where(Booking.id.not_in(list(exclude_ids)))
    return list(db.session.scalars(query).unique())


def requested_already(room: Room, start: dt.datetime, end: dt.datetime, exclude: Booking | None = None) -> list[Booking]:
    """Pending requests for ``room`` overlapping ``start``–``end`` (Bangkok time): what the booking form warns
    about before a second request for the time is sent. Titles and bookers are what every booker already sees
    on the rooms' calendars, so nothing more is shown than the day view shows."""
    if end <= start:
        return []
    return pending_overlapping(room.id, utc(start), utc(end), (exclude.id,) if exclude is not None else ())


def competing_requests(record: Booking) -> list[Booking]:
    """The other pending requests for this booking's room and time: what its approver must choose between."""
    if record.status != booking.PENDING:
        return []
    return pending_overlapping(record.room_id, record.starts_at, record.ends_at, (record.id,))
