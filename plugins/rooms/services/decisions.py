"""The approval side of room bookings: carrying core approvals' outcome over to the reservations, deciding,
and what waits for whom."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from sqlalchemy import select

from core.api import (
    BOOKING_PENDING as PENDING, ApprovalError, ApprovalRequest, Person, approvals, booking, db, notifications, utcnow,
)
from plugins.rooms.models import Booking, Room
from plugins.rooms.services import (
    DECIDE_PERMISSION, EVENT_REQUEST_CLOSED, KIND_BOOKING, KIND_SERIES, MODULE, OPEN_STATUSES, RoomError, local,
)
from plugins.rooms.services.bookings import _free_old_time
from plugins.rooms.services.checks import _change, _describe, _summary
from plugins.rooms.services.overlaps import competing_requests, pending_overlapping
from plugins.rooms.services.rooms import resource
from plugins.rooms.services.series import series_bookings


def approval_of(record: Booking) -> ApprovalRequest | None:
    """The approval request a booking is waiting on (its own, or its series'), if any."""
    if record.series_id:
        request = approvals.open_request_for(MODULE, KIND_SERIES, record.series_id)
        if request is not None:
            return request
    return approvals.open_request_for(MODULE, KIND_BOOKING, record.id)


def approval_history(record: Booking) -> list[ApprovalRequest]:
    found = approvals.requests_for(MODULE, KIND_BOOKING, record.id)
    if record.series_id:
        found = approvals.requests_for(MODULE, KIND_SERIES, record.series_id) + found
    return found


def _decider(request: ApprovalRequest):
    step = next((s for s in reversed(request.steps) if s.decided_by_id), None)
    return (step.decided_by_id, step.comment) if step else (None, "")


def _apply_outcome(records: list[Booking], request: ApprovalRequest, outcome: str) -> None:
    """Carry an approval decision over to the bookings' reservations (inside the deciding transaction)."""
    by, comment = _decider(request)
    now = utcnow()
    pending = [r for r in records if r.status == PENDING]
    if outcome == "approved":
        in_the_way, dates = [], []
        for record in pending:
            try:
                booking.confirm(record.reservation, by=by)
            except booking.BookingConflict as conflict:
                in_the_way += conflict.conflicts
                dates.append(local(record.starts_at).date())
        if in_the_way:
            # Raising rolls the approval back: the approver must refuse, or the booker move the meeting.
            raise ApprovalError(_describe(booking.BookingConflict(in_the_way, dates)))
        for record in pending:
            _refuse_overlapping(record, by)
    elif outcome == "refused":
        for record in pending:
            booking.refuse(record.reservation, by, comment or "-")
    elif outcome == "withdrawn":
        for record in pending:
            booking.cancel(record.reservation, request.requester_id, comment)
    elif outcome == "cancelled":
        for record in records:
            if record.status in OPEN_STATUSES and record.ends_at > now:
                _free_old_time(record, request.requester_id, comment, now)


def _refuse_overlapping(winner: Booking, by_id: int | None) -> None:
    """The time of ``winner`` was just confirmed: the other pending requests for it are refused, with the reason,
    their approval requests closed through core (so /approvals agrees) and their bookers told.

    A request someone is deciding at this very moment (its row locked) is left alone rather than waited for: its
    approval then fails on the confirmed time, and the scheduled job closes it (close_stale_requests).
    """
    reason = notifications.translated(_l("The time was given to another meeting: %(title)s (%(when)s)",
                                         title=winner.title, when=_summary(winner.room, local(winner.starts_at),
                                                                         local(winner.ends_at))))
    actor = db.session.get(Person, by_id) if by_id else None
    for other in pending_overlapping(winner.room_id, winner.starts_at, winner.ends_at, (winner.id,)):
        _close_request_of(other, actor, reason)


def _close_request_of(record: Booking, actor, reason: str, skip_locked: bool = True) -> bool:
    """Refuse one pending booking that can no longer be granted, and end the approval request it waits on (a
    recurring meeting's request ends when none of its dates waits any more). Returns False when skipped."""
    request = approval_of(record)
    if request is not None and skip_locked and not _lock_now_or_skip(request):
        return False
    booking.refuse(record.reservation, getattr(actor, "id", None), reason)
    if request is not None and (request.kind != KIND_SERIES
                                or not series_bookings(request.record_id, statuses=(PENDING,))):
        approvals.close(request, "refused", reason, actor=actor)
    if record.booked_by is not None:
        notifications.notify(
            record.booked_by, EVENT_REQUEST_CLOSED,
            _l("Your room request was not granted: %(title)s", title=record.title),
            link=notifications.link_to("rooms.show_booking", booking_id=record.id), module=MODULE,
            body=f"{_summary(record.room, local(record.starts_at), local(record.ends_at))} · {reason}",
        )
    return True


def _lock_now_or_skip(request: ApprovalRequest) -> bool:
    """Lock the request's row unless someone holds it (SKIP LOCKED; SQLite has one writer and never skips)."""
    return db.session.execute(
        select(ApprovalRequest.id).where(ApprovalRequest.id == request.id).with_for_update(skip_locked=True)
    ).scalar() is not None


def close_stale_requests(now: dt.datetime | None = None) -> int:
    """Close every request still pending once its time has begun, and every one whose time another meeting
    now holds; their bookers are told. The scheduled job ``rooms.close_requests``; returns how many."""
    now = utcnow() if now is None else now
    closed = 0
    passed = notifications.translated(_l("Nobody decided before the meeting's time; the request is closed."))
    with _change():
        stale = db.session.scalars(
            select(Booking).join(Booking.reservation)
            .where(booking.Reservation.status == PENDING, booking.Reservation.starts_at <= now).order_by(Booking.id)
        ).unique().all()
        for record in stale:
            closed += _close_request_of(record, None, passed)
        for record in db.session.scalars(
            select(Booking).join(Booking.reservation).where(booking.Reservation.status == PENDING).order_by(Booking.id)
        ).unique().all():
            in_the_way = booking.conflicts(resource(record.room), record.starts_at, record.ends_at)
            if in_the_way:
                taken = notifications.translated(_l("The time was given to another meeting: %(title)s (%(when)s)",
                                                    title=in_the_way[0].title,
                                                    when=_summary(record.room, local(in_the_way[0].starts_at),
                                                                  local(in_the_way[0].ends_at))))
                closed += _close_request_of(record, None, taken)
        reroute_requests()
    return closed


def _no_longer_waiting(record: Booking) -> RoomError:
    """Decided meanwhile (another request for the time was approved, the booker cancelled): say what happened."""
    if record.reservation.status_reason:
        return RoomError(_l("This booking is no longer waiting for a decision: %(reason)s",
                            reason=record.reservation.status_reason))
    return RoomError(_l("This booking is not waiting for a decision."))


def reroute_requests(room: Room | None = None, by=None) -> int:
    """Send every pending request of ``room`` (every room when None) whose current step is with someone other
    than the room's approver to that approver: the room got a new approver, or the one named on the request
    lost ``rooms.approve`` and the room was given a new one. Requests are never left with someone who can no
    longer decide them while the room names someone who can. Returns how many moved.

    Called when a room is saved (the manager commits) and by the scheduled job ``rooms.close_requests``. When
    the room's own approver has lost the permission nobody can take the requests over; the manage page flags
    the room (``approver_may_decide``) and naming a new approver moves them.
    """
    moved = 0
    query = (select(Booking).join(Booking.reservation).join(Booking.room)
             .where(booking.Reservation.status == PENDING, Room.needs_approval.is_(True)).order_by(Booking.id))
    if room is not None:
        query = query.where(Booking.room_id == room.id)
    reason = notifications.translated(_l("The room's approver has changed."))
    seen = set()
    for record in db.session.scalars(query).unique().all():
        request = approval_of(record)
        if request is None or request.id in seen:
            continue
        seen.add(request.id)
        target, step = record.room.approver, request.current_step
        if target is None or step is None or step.approver_id == target.id or not approver_may_decide(record.room):
            continue
        moved += approvals.reassign(request, target, reason, actor=by)
    return moved


def approver_may_decide(room: Room) -> bool:
    """The room's approver is active and holds rooms.approve (else its requests cannot be decided by anyone)."""
    from core.api import has_permission

    approver = room.approver
    return approver is not None and approver.active and has_permission(approver, DECIDE_PERMISSION)


def _booking_decided(request: ApprovalRequest, outcome: str) -> None:
    record = db.session.get(Booking, int(request.record_id))
    if record is not None:
        _apply_outcome([record], request, outcome)


def _series_decided(request: ApprovalRequest, outcome: str) -> None:
    _apply_outcome(series_bookings(request.record_id), request, outcome)




def decide(record: Booking, person, decision: str, reason: str = "", remote_addr: str | None = None) -> Booking:
    """The room's approver (or whoever acts for them) approves or refuses (with a reason) a pending booking."""
    if decision not in ("approve", "refuse"):
        raise RoomError(_l("Approve or refuse."))
    request = approval_of(record)
    if record.status != PENDING and record.reservation.status_reason:
        raise _no_longer_waiting(record)
    if request is None or request.status != "pending" or record.status != PENDING:
        raise RoomError(_l("This booking is not waiting for a decision."))
    with _change():
        # The room before the request, as a booking takes them: approving refuses the overlapping requests,
        # which locks theirs, and two approvers of one room must not wait for each other in a circle.
        booking.lock_resource(resource(record.room))
        db.session.refresh(record.reservation)  # another approval may have refused it while we waited for the room
        if record.status != PENDING:
            raise _no_longer_waiting(record)
        approvals.decide(request, person, decision, reason, remote_addr=remote_addr)
    return record


@dataclass
class Waiting:
    """A room request waiting for someone's decision."""

    step: object
    request: ApprovalRequest
    booking: Booking
    dates: int  # how many dates the request covers
    competing: list[Booking] = field(default_factory=list)  # other pending requests for the same room and time


def waiting_for(person) -> list[Waiting]:
    """Room requests ``person`` may decide now (their own, escalated to them, or acting for someone away)."""
    steps = db.session.scalars(approvals.waiting_for(person).where(ApprovalRequest.module == MODULE)).all()
    found = []
    for step in steps:
        request = step.request
        if request.kind == KIND_SERIES:
            records = series_bookings(request.record_id, statuses=(PENDING,))
        else:
            record = db.session.get(Booking, int(request.record_id))
            records = [record] if record is not None and record.status == PENDING else []
        if records:
            competing = {other.id: other for record in records for other in competing_requests(record)
                         if other.id not in {r.id for r in records}}
            found.append(Waiting(step, request, records[0], len(records), list(competing.values())))
    return found


def waiting_count(person) -> int:
    return len(waiting_for(person))


def waiting_count_query(person):
    """waiting_count as a select() of one count, for the menu badge: no step or booking is loaded.

    Built once per person and kept by the worker like approvals.waiting_for, which it narrows.
    """
    from core.api import cache

    principals = tuple(approvals.principals_of(person))
    return cache.cached(("rooms.waiting_count_query", person.id, principals), (cache.MODULES, cache.ACCESS),
                        lambda: _waiting_count_query(person))


def _waiting_count_query(person):
    from sqlalchemy import String, and_, cast, exists, func, or_, select

    from core.api import Reservation

    if db.engine.dialect.name in ("mysql", "mariadb"):
        # MariaDB compares a text and a number as numbers; a CAST to text there takes the connection's
        # collation, which may differ from the column's ("illegal mix of collations").
        is_the_booking = ApprovalRequest.record_id == Booking.id
    else:
        is_the_booking = cast(Booking.id, String) == ApprovalRequest.record_id
    still_pending = exists().where(
        Booking.reservation_id == Reservation.id, Reservation.status == PENDING,
        or_(and_(ApprovalRequest.kind == KIND_SERIES, Booking.series_id == ApprovalRequest.record_id),
            and_(ApprovalRequest.kind != KIND_SERIES, is_the_booking)),
    )
    steps = approvals.waiting_for(person).where(ApprovalRequest.module == MODULE, still_pending).order_by(None)
    return select(func.count()).select_from(steps.subquery())
