"""What the home page cards of correspondence count (integrations.py builds the cards): what waits for me,
urgent letters not received, schools behind on yesterday's letters.

Every count is filtered in SQL by the same rules as the pages it links to: the inbox's recipient rule for
what was sent to me, the sender's registers (``tracking.sender_registers``) for what my place sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import DateTime, bindparam, func, select
from sqlalchemy.orm import selectinload

from core.api import School, approvals, cache, db, stored_day_range, to_local, utcnow
from plugins.correspondence.models import Assignment, Delivery, Letter
from plugins.correspondence.services import secret_filter
from plugins.correspondence.services.inbox import InboxFilter, inbox_of
from plugins.correspondence.services.routing import (is_group_clerk, returned_to, waiting_for_my_instruction,
                                                     waiting_to_be_presented)
from plugins.correspondence.services.tracking import FOLLOW_UP_WINDOW, _letters_sent_by, is_sender

SHOWN = 5  # items listed on a card; the rest are counted
# The times in the cards' statements, bound when they run: the statements themselves are kept (_first_and_total).
_SINCE = bindparam("since", type_=DateTime())
_START = bindparam("start", type_=DateTime())
_END = bindparam("end", type_=DateTime())


# --- letters waiting for me ---------------------------------------------------------------


@dataclass
class Waiting:
    unreceived: int
    first_unreceived: list  # Delivery, most urgent first
    assigned: int
    first_assigned: list  # Assignment, oldest due first
    # Routed letters in front of me, as "My letters" lists them: each a (Route, Letter) of the hop that brought it.
    to_present: int = 0  # forwarded to a group whose letters I keep, not presented yet
    first_to_present: list = field(default_factory=list)
    to_instruct: int = 0  # presented to me as director, no officer assigned since
    first_to_instruct: list = field(default_factory=list)
    returned: int = 0  # handed back to me, not acted on since
    first_returned: list = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.unreceived or self.assigned or self.to_present or self.to_instruct or self.returned)


def waiting_for(person) -> Waiting:
    """Everything in front of me: letters sent to me (my school, the group I keep) not yet received, letters
    assigned to me still open, and routed letters waiting for my step (to present to the director, to give an
    instruction on, returned to me). The card must agree with "My letters": a group clerk or director whose only
    work is a routed letter was told nothing waits (issue 16)."""
    first_unreceived, unreceived = _first_and_total(
        "unreceived", person, lambda: inbox_of(person, InboxFilter(status="unreceived")))
    first_assigned, assigned = _first_and_total(
        "assigned", person, lambda: _open_assignments_of(person).options(selectinload(Assignment.letter)))
    found = Waiting(unreceived=unreceived, first_unreceived=first_unreceived, assigned=assigned,
                    first_assigned=first_assigned)
    if any(is_group_clerk(person, membership.group) for membership in person.group_memberships):
        found.first_to_present, found.to_present = _first_and_total(
            "to_present", person, lambda: waiting_to_be_presented(person))
    # The statement names the directors this person stands in for today: they are part of the kept statement's key.
    found.first_to_instruct, found.to_instruct = _first_and_total(
        f"to_instruct:{approvals.principals_of(person)}", person, lambda: waiting_for_my_instruction(person))
    found.first_returned, found.returned = _first_and_total("returned", person, lambda: returned_to(person))
    return found


def _open_assignments_of(person):
    """Assignments to this officer neither done nor returned, of live letters they may read."""
    return (select(Assignment).join(Letter, Letter.id == Assignment.letter_id)
            .where(Assignment.officer_id == person.id, Assignment.done_at.is_(None), Assignment.returned_at.is_(None),
                   Letter.cancelled_at.is_(None), secret_filter(person))
            .order_by(Assignment.due_on.is_(None), Assignment.due_on, Assignment.assigned_at, Assignment.id))


def _first_and_total(name: str, person, build, **times) -> tuple[list, int]:
    """The first SHOWN rows of the statement ``build()`` makes and how many rows it has in all, in one query.

    The total is a window count over the whole result, taken before LIMIT: every card lists a few and counts
    the rest. The statement depends only on the person's grants and memberships (the times are bound
    parameters), so a worker builds it once per person and keeps it until those change (core.cache):
    building these statements cost the home page more than running them. Rows of one entity come back as
    the entity; rows of several as tuples without the count.
    """
    statement = cache.cached(("correspondence.card", name, person.id), (cache.MODULES, cache.ACCESS),
                             lambda: build().add_columns(func.count().over()).limit(SHOWN))
    rows = db.session.execute(statement, times).all()
    total = rows[0][-1] if rows else 0
    return [row[0] if len(row) == 2 else tuple(row[:-1]) for row in rows], total


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
    first_to_me, to_me = _first_and_total(
        "urgent_to_me", person, lambda: inbox_of(person, InboxFilter(status="unreceived", urgency="any_urgent")))
    found = Urgent(to_me=to_me, first_to_me=first_to_me)
    if as_sender if as_sender is not None else is_sender(person):
        found.first_sent, found.sent = _first_and_total("urgent_sent", person, lambda: _urgent_sent(person),
                                                        since=now - FOLLOW_UP_WINDOW)
    return found


def _urgent_sent(person):
    waiting = _urgent_waiting(person).subquery()
    return (select(Letter, waiting.c.waiting).join(waiting, waiting.c.letter_id == Letter.id)
            .order_by(Letter.registered_at.desc(), Letter.id.desc()))


def _urgent_waiting(person):
    """(letter id, recipients waiting) of my place's urgent letters registered since the parameter ``since``.

    The recent letters are found by date first (registered_at index) and their unreceived deliveries through
    the ``(letter_id, received_at)`` index; only then is each letter checked against my registers, so the
    registry's hundreds of thousands of older letters are never read.
    """
    recent = select(Letter.id).where(Letter.urgency != "normal", Letter.registered_at >= _SINCE)
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
    first, schools = _first_and_total("behind", person, lambda: _schools_behind(person),
                                      since=now - FOLLOW_UP_WINDOW, start=start, end=end)
    return Behind(day=yesterday, schools=schools, first=first)


def _schools_behind(person):
    behind = _behind_on(person).subquery()
    return (select(School, behind.c.letters).join(behind, behind.c.school_id == School.id)
            .order_by(behind.c.letters.desc(), School.name))


def _behind_on(person):
    """(school id, letters) of my place's deliveries sent between the parameters ``start`` and ``end`` and not
    received; found the same way as ``_urgent_waiting``: recent letters, their unreceived deliveries, then my
    registers."""
    recent = select(Letter.id).where(Letter.registered_at >= _SINCE, Letter.registered_at < _END)
    pending = (select(Delivery.school_id, Delivery.letter_id)
               .where(Delivery.letter_id.in_(recent), Delivery.received_at.is_(None), Delivery.school_id.is_not(None),
                      Delivery.sent_at >= _START, Delivery.sent_at < _END)
               .distinct().subquery())
    return (select(pending.c.school_id, func.count(pending.c.letter_id).label("letters"))
            .join(Letter, Letter.id == pending.c.letter_id).where(_letters_sent_by(person))
            .group_by(pending.c.school_id))
