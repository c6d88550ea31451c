"""Checking a booking request before anything is written, and the guarded transaction every booking change runs in."""

from __future__ import annotations

import contextlib
import datetime as dt

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.api import (
    ApprovalError, Reservation, booking, calendar, db, holidays, lock, notifications, write_transaction,
)
from plugins.rooms import PLUGIN_ID
from plugins.rooms.models import Booking, Room
from plugins.rooms.services import (
    OPEN_STATUSES, STEP_MINUTES, RoomError, _Day, _now, as_bangkok, at, utc,
)
from plugins.rooms.services.access import is_manager, may_book
from plugins.rooms.services.rooms import resource
from plugins.rooms.settings import current_settings


def _check_time_of_day(room: Room, start: dt.datetime, end: dt.datetime) -> None:
    if end <= start:
        raise RoomError(_l("The meeting must end after it starts."))
    if end.date() != start.date():
        raise RoomError(_l("A booking starts and ends on the same day."))
    if any(t.minute % STEP_MINUTES or t.second or t.microsecond for t in (start, end)):
        raise RoomError(_l("Start and end on the quarter hour (:00, :15, :30 or :45)."))
    closes = at(start.date(), room.closes_at)
    if start < at(start.date(), room.opens_at) or end > closes:
        raise RoomError(_l("%(room)s can be booked from %(opens)s to %(closes)s.", room=room.name,
                           opens=room.opens_at.strftime("%H:%M"), closes=room.closes_at.strftime("%H:%M")))


def _check_day_open(room: Room, day: dt.date) -> None:
    if room.open_on_days_off or holidays.is_working_day(day):
        return
    names = holidays.holidays_between(day, day).get(day)
    if names:
        raise RoomError(_l("%(day)s is a holiday (%(name)s); %(room)s is closed.", day=_Day(day),
                           name=", ".join(names), room=room.name))
    raise RoomError(_l("%(day)s is a weekend; %(room)s is closed.", day=_Day(day), room=room.name))


def open_bookings_of(person, now: dt.datetime | None = None) -> int:
    """Future pending and confirmed bookings of ``person``; a recurring meeting counts once."""
    return _open_bookings(person.id, _now(now))


def _open_bookings(person_id: int, now: dt.datetime) -> int:
    rows = db.session.execute(
        select(Booking.id, Booking.series_id).join(Booking.reservation)
        .where(Booking.booked_by_id == person_id, Reservation.status.in_(OPEN_STATUSES), Reservation.ends_at > now)
    ).all()
    return len({series_id or f"#{booking_id}" for booking_id, series_id in rows})


def _check_limits(person, start: dt.datetime, end: dt.datetime, last_day: dt.date, now: dt.datetime) -> None:
    """The office's limits on one booking (settings); people who manage rooms are not held to them.

    The limit on open bookings is counted later, under locks: _check_open_bookings.
    """
    if is_manager(person):
        return
    limits = current_settings()
    if last_day > calendar.to_local(now).date() + dt.timedelta(days=int(limits["max_days_ahead"])):
        raise RoomError(_l("Rooms can be booked at most %(days)s days ahead.", days=limits["max_days_ahead"]))
    if end - start > dt.timedelta(hours=int(limits["max_duration_hours"])):
        raise RoomError(_l("A booking may last at most %(hours)s hours.", hours=limits["max_duration_hours"]))


def _check_open_bookings(person, now: dt.datetime) -> None:
    """Refuse a new booking (or series) to someone already holding the most open bookings one person may.

    Called first in the booking's transaction, before the room's lock. Two
    requests of one person, also for different rooms (different room locks),
    must be counted one after the other, the second seeing the first's
    booking: so the count is made under the booker's own named lock,
    ``rooms.booker:<person id>`` (core.services.locking), which ends with the
    transaction. Locks are taken booker, room, reservations; the guard takes
    room, reservations: nobody waits in a circle.
    """
    if is_manager(person):
        return
    most, person_id = int(current_settings()["max_open_bookings"]), person.id
    lock(booker_lock_key(person_id))
    if _open_bookings(person_id, now) >= most:
        raise RoomError(_l("You already hold %(count)s bookings, the most one person may. Cancel one first.",
                           count=most))


def booker_lock_key(person_id: int) -> str:
    """The named lock under which one person's open bookings are counted."""
    return f"{PLUGIN_ID}.booker:{person_id}"


def _check_request(room: Room, person, start: dt.datetime, end: dt.datetime, now: dt.datetime,
                   last_day: dt.date | None = None, check_day: bool = True) -> None:
    if not may_book(person, room):
        raise RoomError(_l("You may not book %(room)s.", room=room.name))
    _check_time_of_day(room, start, end)
    if utc(start) <= now:
        raise RoomError(_l("The meeting cannot start in the past."))
    if check_day:
        _check_day_open(room, start.date())
    _check_limits(person, start, end, last_day or start.date(), now)


def _confirms_at_once(room: Room, person) -> bool:
    """Rooms without approval, and the approver's own bookings, are confirmed when free."""
    return not room.needs_approval or room.approver_id == person.id


def _taken(room: Room, start: dt.datetime, end: dt.datetime, exclude: Reservation | None = None) -> list[Reservation]:
    return booking.conflicts(resource(room), utc(start), utc(end), exclude=exclude)


# --- transactions -----------------------------------------------------------------------


def _describe(conflict: booking.BookingConflict) -> str:
    """The conflict in the reader's language; outside a request (cron, tests) in the office's default one."""
    if has_request_context():
        return conflict.describe()
    with notifications.language_of():
        return conflict.describe()


@contextlib.contextmanager
def _change():
    """One all-or-nothing change: committed at the end, rolled back (and explained) on any refusal."""
    try:
        with write_transaction():
            yield
            db.session.commit()
    except booking.BookingConflict as conflict:
        db.session.rollback()
        raise RoomError(_describe(conflict), conflict.conflicts, conflict.dates) from conflict
    except (booking.BookingError, ApprovalError) as error:
        db.session.rollback()
        raise RoomError(str(error)) from error
    except BaseException:
        db.session.rollback()
        raise


def _summary(room: Room, start: dt.datetime, end: dt.datetime) -> str:
    """Room and time as stored text (approval titles, audit lines, notification bodies): Thai, Buddhist Era."""
    start, end = as_bangkok(start), as_bangkok(end)
    return f"{room.name} {calendar.format_date(start.date())} {start:%H:%M}-{end:%H:%M} น."
