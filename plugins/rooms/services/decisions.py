"""The approval side of room bookings: carrying core approvals' outcome over to the reservations, deciding,
and what waits for whom."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from core.api import BOOKING_PENDING as PENDING, ApprovalError, ApprovalRequest, approvals, booking, db, utcnow
from plugins.rooms.models import Booking
from plugins.rooms.services import (
    KIND_BOOKING, KIND_SERIES, MODULE, OPEN_STATUSES, RoomError, local,
)
from plugins.rooms.services.bookings import _free_old_time
from plugins.rooms.services.checks import _change, _describe
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
    if request is None or request.status != "pending" or record.status != PENDING:
        raise RoomError(_l("This booking is not waiting for a decision."))
    with _change():
        approvals.decide(request, person, decision, reason, remote_addr=remote_addr)
    return record


@dataclass
class Waiting:
    """A room request waiting for someone's decision."""

    step: object
    request: ApprovalRequest
    booking: Booking
    dates: int  # how many dates the request covers


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
            found.append(Waiting(step, request, records[0], len(records)))
    return found


def waiting_count(person) -> int:
    return len(waiting_for(person))
