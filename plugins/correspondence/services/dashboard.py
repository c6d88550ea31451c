"""What the home page cards of correspondence count (integrations.py builds the cards): what waits for me,
urgent letters not received, schools behind on yesterday's letters.

Every count is filtered in SQL by the same rules as the pages it links to: the inbox's recipient rule for
what was sent to me, the sender's registers (``tracking.sender_registers``) for what my place sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.api import School, db, stored_day_range, to_local, utcnow
from plugins.correspondence.models import Assignment, Delivery, Letter
from plugins.correspondence.services import secret_filter
from plugins.correspondence.services.inbox import InboxFilter, inbox_of
from plugins.correspondence.services.tracking import FOLLOW_UP_WINDOW, _letters_sent_by, is_sender

SHOWN = 5  # items listed on a card; the rest are counted


# --- letters waiting for me ---------------------------------------------------------------


@dataclass
class Waiting:
    unreceived: int
    first_unreceived: list  # Delivery, most urgent first
    assigned: int
    first_assigned: list  # Assignment, oldest due first


def waiting_for(person) -> Waiting:
    """Letters sent to me (my school, the group I keep) not yet received, and letters assigned to me still open."""
    unreceived = inbox_of(person, InboxFilter(status="unreceived"))
    assigned = _open_assignments_of(person)
    return Waiting(
        unreceived=_count(unreceived), first_unreceived=list(db.session.scalars(unreceived.limit(SHOWN))),
        assigned=_count(assigned),
        first_assigned=list(db.session.scalars(assigned.options(selectinload(Assignment.letter)).limit(SHOWN))))


def _open_assignments_of(person):
    """Assignments to this officer neither done nor returned, of live letters they may read."""
    return (select(Assignment).join(Letter, Letter.id == Assignment.letter_id)
            .where(Assignment.officer_id == person.id, Assignment.done_at.is_(None), Assignment.returned_at.is_(None),
                   Letter.cancelled_at.is_(None), secret_filter(person))
            .order_by(Assignment.due_on.is_(None), Assignment.due_on, Assignment.assigned_at, Assignment.id))


def _count(statement) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0


# --- urgent letters not received ------------------------------------------------------------


@dataclass
class Urgent:
    to_me: int = 0
    first_to_me: list = field(default_factory=list)  # Delivery
    sent: int = 0  # urgent letters my place sent that some recipient has not received
    first_sent: list = field(default_factory=list)  # (Letter, recipients waiting)

    @property
    def any(self) -> bool:
        return bool(self.to_me or self.sent)


def urgent_not_received(person, *, now: dt.datetime | None = None, as_sender: bool | None = None) -> Urgent:
    """For a recipient: my urgent letters not yet received. For a sender: the urgent letters my place sent
    (within the follow-up window) that some recipient has not received, with how many are waiting."""
    now = now or utcnow()
    to_me = inbox_of(person, InboxFilter(status="unreceived", urgency="any_urgent"))
    found = Urgent(to_me=_count(to_me), first_to_me=list(db.session.scalars(to_me.limit(SHOWN))))
    if as_sender if as_sender is not None else is_sender(person):
        waiting = _urgent_waiting(person, now).subquery()
        found.sent = db.session.scalar(select(func.count()).select_from(waiting)) or 0
        found.first_sent = [tuple(row) for row in db.session.execute(
            select(Letter, waiting.c.waiting).join(waiting, waiting.c.letter_id == Letter.id)
            .order_by(Letter.registered_at.desc(), Letter.id.desc()).limit(SHOWN))]
    return found


def _urgent_waiting(person, now: dt.datetime):
    """(letter id, recipients waiting) of my place's recent urgent letters.

    The recent letters are found by date first (registered_at index) and their unreceived deliveries through
    the ``(letter_id, received_at)`` index; only then is each letter checked against my registers, so the
    registry's hundreds of thousands of older letters are never read.
    """
    recent = select(Letter.id).where(Letter.urgency != "normal", Letter.registered_at >= now - FOLLOW_UP_WINDOW)
    waiting = (select(Delivery.letter_id, func.count(Delivery.id).label("waiting"))
               .where(Delivery.letter_id.in_(recent), Delivery.received_at.is_(None))
               .group_by(Delivery.letter_id).subquery())
    return (select(waiting.c.letter_id, waiting.c.waiting).join(Letter, Letter.id == waiting.c.letter_id)
            .where(_letters_sent_by(person)))


# --- schools behind on yesterday's letters ---------------------------------------------------


@dataclass
class Behind:
    day: dt.date
    schools: int  # how many schools have not received at least one of yesterday's letters
    first: list  # (School, letters not received), most letters first


def schools_behind_yesterday(person, *, now: dt.datetime | None = None) -> Behind:
    """The schools with a delivery not yet received of a letter my place sent yesterday (a Bangkok day)."""
    now = now or utcnow()
    yesterday = to_local(now).date() - dt.timedelta(days=1)
    start, end = stored_day_range(yesterday)
    behind = _behind_on(person, start, end, now).subquery()
    return Behind(
        day=yesterday, schools=db.session.scalar(select(func.count()).select_from(behind)) or 0,
        first=[tuple(row) for row in db.session.execute(
            select(School, behind.c.letters).join(behind, behind.c.school_id == School.id)
            .order_by(behind.c.letters.desc(), School.name).limit(SHOWN))])


def _behind_on(person, start: dt.datetime, end: dt.datetime, now: dt.datetime):
    """(school id, letters) of my place's deliveries sent between ``start`` and ``end`` and not received; found
    the same way as ``_urgent_waiting``: recent letters, their unreceived deliveries, then my registers."""
    recent = select(Letter.id).where(Letter.registered_at >= now - FOLLOW_UP_WINDOW, Letter.registered_at < end)
    pending = (select(Delivery.school_id, Delivery.letter_id)
               .where(Delivery.letter_id.in_(recent), Delivery.received_at.is_(None), Delivery.school_id.is_not(None),
                      Delivery.sent_at >= start, Delivery.sent_at < end)
               .distinct().subquery())
    return (select(pending.c.school_id, func.count(pending.c.letter_id).label("letters"))
            .join(Letter, Letter.id == pending.c.letter_id).where(_letters_sent_by(person))
            .group_by(pending.c.school_id))
