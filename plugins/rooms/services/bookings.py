"""Booking one meeting, changing and cancelling it; a person's bookings; a person leaving."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.api import (
    BOOKING_CONFIRMED as CONFIRMED, ApprovalRequest, Group, Reservation, approvals, audit, booking, db, notifications,
)
from plugins.rooms.models import Booking, FeedToken, Room, SlotWatch
from plugins.rooms.services import (
    EVENT_CANCELLED, KIND_BOOKING, KIND_SERIES, MODULE, OPEN_STATUSES, BookingDetails, RoomError, _now, as_bangkok, local, utc,
)
from plugins.rooms.services.access import may_cancel, may_change
from plugins.rooms.services.checks import (
    _change, _check_open_bookings, _check_request, _confirms_at_once, _summary, _taken,
)
from plugins.rooms.services.rooms import resource
from plugins.rooms.services.watches import _tell_watchers


def _submit_for_approval(kind: str, record_id, title: str, room: Room, person, first: Booking,
                         remote_addr: str | None) -> ApprovalRequest:
    return approvals.submit(
        MODULE, kind, record_id, title, person, steps=[approvals.Step(room.approver, "approve", "approver")],
        link=("rooms.show_booking", {"booking_id": first.id}), remote_addr=remote_addr,
    )


def _new_booking(room: Room, reservation: Reservation, person, details: BookingDetails, series_id=None) -> Booking:
    record = Booking(
        room_id=room.id, reservation=reservation, title=details.title, purpose=details.purpose, chair=details.chair,
        attendees=details.attendees, equipment=details.equipment, refreshments=details.refreshments,
        booked_by_id=person.id, group_id=person.primary_group.id if person.primary_group else None,
        letter_id=details.letter_id, series_id=series_id,
    )
    record.attendee_groups = list(db.session.scalars(select(Group).where(Group.id.in_(details.group_ids))))
    db.session.add(record)
    return record


def request_booking(room: Room, start: dt.datetime, end: dt.datetime, person, details: BookingDetails,
                    now: dt.datetime | None = None, remote_addr: str | None = None) -> Booking:
    """Book ``room`` from ``start`` to ``end`` (Bangkok time).

    Confirmed at once when the room needs no approval and the time is free;
    otherwise pending until the room's approver decides (core approvals). A
    time already confirmed for someone else is refused either way.
    """
    now = _now(now)
    details = details.cleaned()
    start, end = as_bangkok(start), as_bangkok(end)
    _check_request(room, person, start, end, now)
    confirm = _confirms_at_once(room, person)
    with _change():
        _check_open_bookings(person, now)
        booking.lock_resource(resource(room))
        if not confirm and (in_the_way := _taken(room, start, end)):
            raise booking.BookingConflict(in_the_way)
        reservation = booking.reserve(resource(room), utc(start), utc(end), holder=person, title=details.title,
                                      confirm=confirm)
        record = _new_booking(room, reservation, person, details)
        db.session.flush()
        if not confirm:
            _submit_for_approval(KIND_BOOKING, record.id, f"{details.title} ({_summary(room, start, end)})", room,
                                 person, record, remote_addr)
        audit.record("booking.create", MODULE, "booking", record.id, person, f"{details.title} {_summary(room, start, end)}",
                     remote_addr=remote_addr)
    return record


def record_past_booking(room: Room, start: dt.datetime, end: dt.datetime, person, details: BookingDetails) -> Booking | None:
    """Record a meeting that already took place (demo data, bookings brought over from AMSS++): confirmed, no checks
    but the guard's. Returns None when the time was already taken."""
    details = details.cleaned()
    try:
        with _change():
            reservation = booking.reserve(resource(room), utc(start), utc(end), holder=person, title=details.title,
                                          confirm=True)
            record = _new_booking(room, reservation, person, details)
    except RoomError:
        return None
    return record


def _free_old_time(record: Booking, person, reason: str, now: dt.datetime, tell_watchers: bool = True) -> Reservation | None:
    """Cancel the booking's reservation; returns it when it had held the time (confirmed)."""
    reservation = record.reservation
    was_confirmed = reservation.status == CONFIRMED
    if reservation.status in OPEN_STATUSES:
        booking.cancel(reservation, person, reason)
    if was_confirmed and tell_watchers:
        _tell_watchers(record.room_id, reservation.starts_at, reservation.ends_at, now)
    return reservation if was_confirmed else None


def edit_booking(record: Booking, person, room: Room, start: dt.datetime, end: dt.datetime, details: BookingDetails,
                 now: dt.datetime | None = None, remote_addr: str | None = None) -> Booking:
    """The booker changes their future booking.

    A new room or time is a new request for the time (the old one is freed):
    confirmed at once where the room allows, otherwise it goes (back) to the
    room's approver, also when the booking had been approved. A changed
    occurrence of a recurring meeting leaves its series.
    """
    now = _now(now)
    if not may_change(record, person, now):
        raise RoomError(_l("Only the booker may change a booking, and only before it starts."))
    details = details.cleaned()
    start, end = as_bangkok(start), as_bangkok(end)
    moved = room.id != record.room_id or utc(start) != record.starts_at or utc(end) != record.ends_at
    if moved:
        _check_request(room, person, start, end, now)  # a moved booking is still one booking: no count
    with _change():
        record.title, record.purpose, record.chair = details.title, details.purpose, details.chair
        record.attendees, record.equipment, record.refreshments = details.attendees, details.equipment, details.refreshments
        record.letter_id = details.letter_id
        record.attendee_groups = list(db.session.scalars(select(Group).where(Group.id.in_(details.group_ids))))
        record.updated_at = now
        own_request = approvals.open_request_for(MODULE, KIND_BOOKING, record.id)
        if moved:
            booking.lock_resource(resource(room))
            if own_request is not None:
                approvals.withdraw(own_request, person, notifications.translated(_l("Moved to another time or room.")), remote_addr=remote_addr)
            record.series_id = None
            old_room_id = record.room_id
            freed = _free_old_time(record, person, notifications.translated(_l("Moved to another time or room.")), now, tell_watchers=False)
            confirm = _confirms_at_once(room, person)
            if not confirm and (in_the_way := _taken(room, start, end)):
                raise booking.BookingConflict(in_the_way)
            record.room = room
            record.reservation = booking.reserve(resource(room), utc(start), utc(end), holder=person,
                                                 title=details.title, confirm=confirm)
            db.session.flush()
            if freed is not None:
                still_held = (utc(start), utc(end)) if confirm and room.id == old_room_id else None
                _tell_watchers(old_room_id, freed.starts_at, freed.ends_at, now, still_held)
            if not confirm:
                _submit_for_approval(KIND_BOOKING, record.id, f"{details.title} ({_summary(room, start, end)})", room,
                                     person, record, remote_addr)
        else:
            record.reservation.title = details.title
            if own_request is not None and own_request.status == "returned":
                approvals.resubmit(own_request, person, remote_addr=remote_addr)
        audit.record("booking.update", MODULE, "booking", record.id, person,
                     f"{details.title} {_summary(room, start, end)}", remote_addr=remote_addr,
                     details={"moved": moved})
    return record


def cancel_booking(record: Booking, person, reason: str = "", now: dt.datetime | None = None,
                   remote_addr: str | None = None) -> Booking:
    """Cancel a booking: the time is free again and whoever waits for it is told."""
    now = _now(now)
    if not may_cancel(record, person, now):
        raise RoomError(_l("You may not cancel this booking."))
    reason = (reason or "").strip()
    if record.booked_by_id != person.id and not reason:
        raise RoomError(_l("Give the reason for cancelling someone else's booking."))
    with _change():
        _cancel(record, person, reason, now, remote_addr)
        audit.record("booking.cancel", MODULE, "booking", record.id, person, record.title, remote_addr=remote_addr,
                     details={"reason": reason or None})
    return record


def _cancel(record: Booking, person, reason: str, now: dt.datetime, remote_addr=None) -> None:
    _end_request(approvals.open_request_for(MODULE, KIND_BOOKING, record.id), person, reason, remote_addr)
    _free_old_time(record, person, reason, now)
    if record.booked_by is not None and record.booked_by_id != person.id:
        notifications.notify(
            record.booked_by, EVENT_CANCELLED,
            _l("Your room booking was cancelled: %(title)s", title=record.title),
            link=notifications.link_to("rooms.show_booking", booking_id=record.id), module=MODULE,
            body=f"{_summary(record.room, local(record.starts_at), local(record.ends_at))} · {reason}",
        )


def _end_request(request: ApprovalRequest | None, person, reason: str, remote_addr=None) -> None:
    """A booking that waited for approval is cancelled: its request ends through core approvals too, so that
    /approvals shows it ended — withdrawn by the booker, or cancelled by whoever else cancelled the booking
    (a room manager, a closure, the booker leaving)."""
    if request is None or request.status not in approvals.OPEN_STATUSES:
        return
    if person is not None and request.requester_id == person.id:
        approvals.withdraw(request, person, reason, remote_addr=remote_addr)
    else:
        approvals.close(request, "cancelled", reason or "-", actor=person, remote_addr=remote_addr)


def bookings_of(person):
    """A select() of the person's bookings, the latest start first."""
    return (select(Booking).join(Booking.reservation).where(Booking.booked_by_id == person.id)
            .order_by(Reservation.starts_at.desc(), Booking.id.desc()))


def upcoming_of(person, limit: int = 5, now: dt.datetime | None = None) -> list[Booking]:
    """The person's next meetings (the home card). The statement is built once per person and kept by the
    worker (core.cache), the time bound when it runs: building it cost more than running it."""
    from sqlalchemy import DateTime, bindparam

    from core.api import cache

    statement = cache.cached(("rooms.upcoming_of", person.id, limit), (), lambda: (
        select(Booking).join(Booking.reservation)
        .where(Booking.booked_by_id == person.id, Reservation.status.in_(OPEN_STATUSES),
               Reservation.ends_at > bindparam("upcoming_after", type_=DateTime()))
        .order_by(Reservation.starts_at).limit(limit)
    ))
    return list(db.session.scalars(statement, {"upcoming_after": _now(now)}).unique())


def person_left(person, now: dt.datetime | None = None) -> None:
    """A deactivated person's future bookings are cancelled, their feeds and waits stopped (core commits)."""
    now = _now(now)
    for record in db.session.scalars(
        select(Booking).join(Booking.reservation)
        .where(Booking.booked_by_id == person.id, Reservation.status.in_(OPEN_STATUSES), Reservation.starts_at > now)
    ).unique().all():
        reason = "ผู้จองพ้นจากตำแหน่ง"
        _end_request(approvals.open_request_for(MODULE, KIND_BOOKING, record.id), None, reason)
        if record.series_id:
            _end_request(approvals.open_request_for(MODULE, KIND_SERIES, record.series_id), None, reason)
        _free_old_time(record, None, reason, now)
    for token in db.session.scalars(select(FeedToken).where(FeedToken.person_id == person.id, FeedToken.revoked_at.is_(None))):
        token.revoked_at = now
    for watch in db.session.scalars(select(SlotWatch).where(SlotWatch.person_id == person.id, SlotWatch.notified_at.is_(None))):
        watch.notified_at = now
