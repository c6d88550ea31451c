"""Closing a room for a while (renovation, exams): bookings in the way are refused, or cancelled on request."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.api import BOOKING_CONFIRMED as CONFIRMED, Person, Reservation, audit, booking, db, notifications
from plugins.rooms.models import BlockedPeriod, Booking, Room
from plugins.rooms.services import MODULE, OPEN_STATUSES, RoomError, _now, as_bangkok, utc
from plugins.rooms.services.bookings import _cancel
from plugins.rooms.services.checks import _change
from plugins.rooms.services.rooms import resource


def block_room(room: Room, start: dt.datetime, end: dt.datetime, reason: str, by: Person,
               cancel_bookings: bool = False, now: dt.datetime | None = None) -> BlockedPeriod:
    """Close a room for a while (renovation, exams). Bookings in the way are refused, or cancelled on request."""
    now = _now(now)
    reason = (reason or "").strip()
    if not reason:
        raise RoomError(_l("Give the reason the room is closed."))
    start, end = as_bangkok(start), as_bangkok(end)
    if end <= start:
        raise RoomError(_l("The closure must end after it starts."))
    with _change():
        booking.lock_resource(resource(room))
        in_the_way = list(db.session.scalars(
            select(Booking).join(Booking.reservation)
            .where(Booking.room_id == room.id, Reservation.status.in_(OPEN_STATUSES),
                   Reservation.starts_at < utc(end), Reservation.ends_at > utc(start))
            .order_by(Reservation.starts_at)
        ).unique())
        if in_the_way and not cancel_bookings:
            raise RoomError(_l("%(count)s bookings fall in this time. Cancel them with the closure, or choose another time.",
                               count=len(in_the_way)), [b.reservation for b in in_the_way])
        for record in in_the_way:
            _cancel(record, by, reason, now)
        reservation = booking.reserve(resource(room), utc(start), utc(end), holder=by, title=reason, confirm=True)
        block = BlockedPeriod(room_id=room.id, reservation=reservation, reason=reason[:255], created_by_id=by.id)
        db.session.add(block)
        db.session.flush()
        audit.record("room.block", MODULE, "room", room.id, by, f"{room.name}: {reason}",
                     details={"cancelled_bookings": [b.id for b in in_the_way]})
    return block


def unblock(block: BlockedPeriod, by: Person) -> None:
    with _change():
        booking.cancel(block.reservation, by, notifications.translated(_l("Closure lifted.")))
        audit.record("room.unblock", MODULE, "room", block.room_id, by, block.reason)


def current_blocks(now: dt.datetime | None = None):
    """A select() of the blocked periods not yet over and not lifted."""
    return (select(BlockedPeriod).join(BlockedPeriod.reservation)
            .where(Reservation.status == CONFIRMED, Reservation.ends_at > _now(now))
            .order_by(Reservation.starts_at))
