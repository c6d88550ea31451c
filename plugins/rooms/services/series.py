"""Recurring meetings: booking the same time every day, week or month, and cancelling the rest of a series."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.api import Reservation, approvals, audit, booking, db, notifications
from plugins.rooms.models import Booking, Room
from plugins.rooms.services import (
    KIND_SERIES, MODULE, OPEN_STATUSES, BookingDetails, RoomError, SeriesOutcome, _now, as_bangkok, local, utc,
)
from plugins.rooms.services.access import may_cancel
from plugins.rooms.services.bookings import _cancel, _end_request, _new_booking, _submit_for_approval
from plugins.rooms.services.checks import _change, _check_open_bookings, _check_request, _confirms_at_once
from plugins.rooms.services.rooms import resource


def request_series(room: Room, start: dt.datetime, end: dt.datetime, person, details: BookingDetails, rule: str,
                   until: dt.date | None = None, count: int | None = None, on_conflict: str = "fail",
                   now: dt.datetime | None = None, remote_addr: str | None = None) -> SeriesOutcome:
    """Book the same time every day, week or month (a weekly staff meeting), checked date by date.

    Dates taken by a confirmed booking or a blocked period are conflicts: with
    ``on_conflict="fail"`` nothing is booked and RoomError lists them in
    ``dates``; with ``"skip"`` the free dates are booked and the others
    reported. Weekends and holidays are left out unless the room opens on them.
    One approval covers the whole series.
    """
    if on_conflict not in ("fail", "skip"):
        raise RoomError(_l("Choose what to do with dates that are taken."))
    now = _now(now)
    details = details.cleaned()
    start, end = as_bangkok(start), as_bangkok(end)
    try:
        times = booking.occurrences(utc(start), rule, until, count)
    except booking.BookingError as error:
        raise RoomError(str(error)) from error
    _check_request(room, person, start, end, now, last_day=local(times[-1]).date(), check_day=False)
    confirm = _confirms_at_once(room, person)
    with _change():
        _check_open_bookings(person, now)
        result = booking.reserve_series(
            resource(room), utc(start), utc(end), rule, until=until, count=count, holder=person, title=details.title,
            confirm=confirm, skip_holidays=not room.open_on_days_off, on_conflict=on_conflict,
        )
        if not result.created:
            raise RoomError(_l("None of the dates is free."), result.conflicts, result.conflicting_dates)
        series_id = result.created[0].recurrence_id
        records = [_new_booking(room, reservation, person, details, series_id) for reservation in result.created]
        db.session.flush()
        if not confirm:
            _submit_for_approval(
                KIND_SERIES, series_id,
                notifications.translated(_l("%(title)s (%(room)s, %(count)s dates)", title=details.title, room=room.name, count=len(records))),
                room, person, records[0], remote_addr,
            )
        audit.record("series.create", MODULE, "series", series_id, person,
                     f"{details.title} {room.name} ×{len(records)}", remote_addr=remote_addr,
                     details={"bookings": [r.id for r in records],
                              "conflicting_dates": [d.isoformat() for d in result.conflicting_dates],
                              "skipped_dates": [d.isoformat() for d in result.skipped_dates]})
    return SeriesOutcome(records, result.conflicting_dates, result.skipped_dates)


def series_bookings(series_id: str, statuses=OPEN_STATUSES, from_time: dt.datetime | None = None) -> list[Booking]:
    query = (select(Booking).join(Booking.reservation)
             .where(Booking.series_id == series_id, Reservation.status.in_(statuses))
             .order_by(Reservation.starts_at))
    if from_time is not None:
        query = query.where(Reservation.starts_at >= from_time)
    return list(db.session.scalars(query).unique())


def cancel_series(record: Booking, person, reason: str = "", now: dt.datetime | None = None,
                  remote_addr: str | None = None) -> list[Booking]:
    """Cancel this occurrence of a recurring meeting and every later one."""
    now = _now(now)
    if not record.series_id:
        raise RoomError(_l("This booking does not repeat."))
    if not may_cancel(record, person, now):
        raise RoomError(_l("You may not cancel this booking."))
    with _change():
        request = approvals.open_request_for(MODULE, KIND_SERIES, record.series_id)
        cancelled = series_bookings(record.series_id, from_time=max(record.starts_at, now))
        if request is not None and cancelled and len(cancelled) == len(series_bookings(record.series_id)):
            _end_request(request, person, reason, remote_addr)
        for each in cancelled:
            _cancel(each, person, reason, now)
        audit.record("series.cancel", MODULE, "series", record.series_id, person, record.title,
                     remote_addr=remote_addr, details={"bookings": [b.id for b in cancelled]})
    return cancelled
