"""Receipt tracking: which recipients of a sent letter have received it, which have not, and reminding those.

The sender (whoever may write in the letter's register) watches each letter's receipts, and a follow-up
list of every letter they may send from with recipients that have not received it after N days. A reminder
is a notification to the people who receive for the recipient: the school's clerks, the group's members
who keep its correspondence, or the person. A delivery is reminded at most once in ``REMIND_GAP``, whether
the reminder comes from the sender's button or from cron (``khet correspondence remind --days N``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, or_, select, update
from sqlalchemy.orm import selectinload

from core.api import (
    Group, GroupMembership, Person, School, SchoolMembership, audit, db, notifications, permission_scope, utcnow,
    write_transaction,
)
from plugins.correspondence.models import Delivery, Letter, Register
from plugins.correspondence.permissions import REGISTER, SECRET
from plugins.correspondence.services import (MODULE, SENDABLE_KINDS, CorrespondenceError, may_read, may_register,
                                             number_on_letter, school_ids_clerked_by, secret_filter)
from plugins.correspondence.services.inbox import sender_name

EVENT_NOT_RECEIVED = "correspondence.not_received"

REMIND_GAP = dt.timedelta(hours=24)
DEFAULT_DAYS = 3
MAX_DAYS = 365
# Follow-up, reminders and the senders' dashboard look at letters registered this recently: a letter nobody
# received in three months is a matter for the telephone, and the bound keeps the queries on an index.
FOLLOW_UP_WINDOW = dt.timedelta(days=90)
RECEIPT_FILTERS = ("all", "received", "unreceived")
NAMES_PER_ROW = 5  # recipients named on a follow-up row; the rest are counted


# --- who watches what -------------------------------------------------------------------


def may_track(person, letter: Letter) -> bool:
    """See a sent letter's receipts and remind its recipients: the people who keep the letter's register."""
    return may_register(person, letter.register) and may_read(person, letter)


def sender_registers(person):
    """SQL condition on Register: the registers of sendable kinds this person writes in, or None if there is none.

    The same rule as ``may_register``: the register (or secret) permission for the office or a group, and a
    school's clerk for the school's registers.
    """
    conditions = []
    for kinds, code in ((tuple(k for k in SENDABLE_KINDS if k != "secret"), REGISTER),
                        (("secret",), SECRET)):
        where = permission_scope(person, code)
        schools = school_ids_clerked_by(person) | set(where.school_ids)
        places = []
        if where.everywhere:
            places.append(Register.school_id.is_(None))
        elif where.group_ids:
            places.append(and_(Register.school_id.is_(None), Register.group_id.in_(where.group_ids)))
        if schools:
            places.append(Register.school_id.in_(schools))
        if places:
            conditions.append(and_(Register.kind.in_(kinds), or_(*places)))
    return or_(*conditions) if conditions else None


def is_sender(person) -> bool:
    return person.is_authenticated and sender_registers(person) is not None


def _letters_sent_by(person):
    """SQL condition on Letter: a live letter of one of this person's sendable registers that they may read."""
    registers = sender_registers(person)
    if registers is None:
        return false()
    return and_(Letter.register_id.in_(select(Register.id).where(registers)), Letter.cancelled_at.is_(None),
                secret_filter(person))


# --- one letter's receipts -------------------------------------------------------------


@dataclass
class ReceiptCounts:
    total: int
    received: int

    @property
    def waiting(self) -> int:
        return self.total - self.received


def receipt_counts(letter: Letter) -> ReceiptCounts:
    """How many recipients the letter went to and how many have received it: one query on the receipt index."""
    total, received = db.session.execute(
        select(func.count(Delivery.id), func.count(Delivery.received_at)).where(Delivery.letter_id == letter.id)).one()
    return ReceiptCounts(total=total or 0, received=received or 0)


def receipts_of(letter: Letter, status: str = "all") -> list[Delivery]:
    """The letter's recipients with their receipt: schools by name, then groups, then people."""
    if status not in RECEIPT_FILTERS:
        raise CorrespondenceError(_l("Choose which recipients to show from the list."))
    statement = (select(Delivery).where(Delivery.letter_id == letter.id)
                 .outerjoin(School, School.id == Delivery.school_id).outerjoin(Group, Group.id == Delivery.group_id)
                 .options(selectinload(Delivery.school), selectinload(Delivery.group), selectinload(Delivery.person),
                          selectinload(Delivery.received_by))
                 .order_by(Delivery.school_id.is_(None), Delivery.group_id.is_(None), School.name, Group.name,
                           Delivery.id))
    if status == "received":
        statement = statement.where(Delivery.received_at.is_not(None))
    elif status == "unreceived":
        statement = statement.where(Delivery.received_at.is_(None))
    return list(db.session.scalars(statement))


def recipient_name(delivery: Delivery) -> str:
    if delivery.school is not None:
        return delivery.school.name
    if delivery.group is not None:
        return delivery.group.name
    return delivery.person.full_name if delivery.person is not None else ""


# --- reminding ------------------------------------------------------------------------


@dataclass
class Reminded:
    """What a reminder did: recipients reminded, those reminded recently (left alone), those nobody receives for."""

    reminded: int = 0
    recently: int = 0
    nobody: int = 0

    def add(self, other: Reminded) -> None:
        self.reminded += other.reminded
        self.recently += other.recently
        self.nobody += other.nobody


def check_days(days) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_DAYS:
        raise CorrespondenceError(_l("The number of days is a whole number from 0 to %(most)s.", most=MAX_DAYS))
    return days


def remind_letter(letter: Letter, by, *, older_than_days: int = 0, now: dt.datetime | None = None,
                  remote_addr: str | None = None) -> Reminded:
    """Remind every recipient of this letter that has not received it (sent at least ``older_than_days`` ago)."""
    if not may_track(by, letter):
        raise CorrespondenceError(_l("Only the people who keep the letter's register may remind its recipients."))
    if letter.cancelled:
        raise CorrespondenceError(_l("A cancelled letter is not chased."))
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=check_days(older_than_days))
    ids = db.session.scalars(select(Delivery.id).where(
        Delivery.letter_id == letter.id, Delivery.received_at.is_(None), Delivery.sent_at <= cutoff)).all()
    result = _remind(ids, now)
    audit.record("remind", MODULE, "letter", letter.id, by, f"{result.reminded} recipient(s)",
                 details={"reminded": result.reminded, "recently": result.recently, "nobody": result.nobody},
                 remote_addr=remote_addr)
    db.session.commit()
    return result


def remind_overdue(person, days: int, *, now: dt.datetime | None = None, remote_addr: str | None = None) -> Reminded:
    """Remind every laggard of every letter this person may send from that was sent ``days`` or more ago."""
    now = now or utcnow()
    ids = db.session.scalars(_overdue_deliveries(days, now).where(_letters_sent_by(person))).all()
    result = _remind(ids, now)
    audit.record("remind", MODULE, "letter", None, person, f"{result.reminded} recipient(s) after {days} day(s)",
                 details={"days": days, "reminded": result.reminded, "recently": result.recently},
                 remote_addr=remote_addr)
    db.session.commit()
    return result


def remind_all_overdue(days: int, *, now: dt.datetime | None = None) -> Reminded:
    """Cron: remind every recipient of every letter who has not received it ``days`` after it was sent.

    One transaction per letter, so a long run keeps its work if it stops halfway, and two runs at once remind once.
    """
    now = now or utcnow()
    with write_transaction():
        rows = db.session.execute(_overdue_deliveries(days, now).add_columns(Delivery.letter_id)
                                  .order_by(Delivery.letter_id, Delivery.id)).all()
        db.session.commit()
    by_letter = defaultdict(list)
    for delivery_id, letter_id in rows:
        by_letter[letter_id].append(delivery_id)
    total = Reminded()
    for ids in by_letter.values():
        with write_transaction():
            total.add(_remind(ids, now))
            db.session.commit()
    return total


def _overdue_deliveries(days: int, now: dt.datetime):
    """select(Delivery.id) joined to Letter: deliveries not received ``days`` after sending, of live letters
    registered within the follow-up window.

    The letters are found first (registered_at index), then their unreceived deliveries through the
    ``(letter_id, received_at)`` index: never a scan of all deliveries.
    """
    cutoff = now - dt.timedelta(days=check_days(days))
    recent = select(Letter.id).where(Letter.registered_at >= now - FOLLOW_UP_WINDOW, Letter.cancelled_at.is_(None),
                                     Letter.destroyed_at.is_(None))
    return (select(Delivery.id).join(Letter, Letter.id == Delivery.letter_id)
            .where(Delivery.letter_id.in_(recent), Delivery.received_at.is_(None), Delivery.sent_at <= cutoff))


def _remind(delivery_ids, now: dt.datetime) -> Reminded:
    """Claim each delivery with one conditional UPDATE (not received, not reminded in the last day), then notify."""
    result = Reminded()
    if not delivery_ids:
        return result
    deliveries = list(db.session.scalars(
        select(Delivery).where(Delivery.id.in_(delivery_ids))
        .options(selectinload(Delivery.letter), selectinload(Delivery.school), selectinload(Delivery.group),
                 selectinload(Delivery.person))))
    people = _people_receiving_for(deliveries)
    for delivery in deliveries:
        told = people.get(delivery.id, [])
        if not told:
            result.nobody += 1
            continue
        claimed = db.session.execute(
            update(Delivery)
            .where(Delivery.id == delivery.id, Delivery.received_at.is_(None),
                   or_(Delivery.reminded_at.is_(None), Delivery.reminded_at <= now - REMIND_GAP))
            .values(reminded_at=now, reminder_count=Delivery.reminder_count + 1)
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            result.recently += 1
            continue
        _notify(delivery, told, now)
        result.reminded += 1
    db.session.expire_all()  # the UPDATEs bypassed the identity map
    return result


def _people_receiving_for(deliveries: list[Delivery]) -> dict[int, list[Person]]:
    """delivery id → the active people who receive for it: the school's clerks, the group's correspondence
    keepers (members holding correspondence.register for the group, as ``_delivered_to`` asks), or the person."""
    school_ids = {d.school_id for d in deliveries if d.school_id}
    group_ids = {d.group_id for d in deliveries if d.group_id}
    clerks, keepers = defaultdict(list), defaultdict(list)
    if school_ids:
        for school_id, person in db.session.execute(
                select(SchoolMembership.school_id, Person).join(Person, Person.id == SchoolMembership.person_id)
                .where(SchoolMembership.school_id.in_(school_ids), SchoolMembership.role == "clerk",
                       Person.active.is_(True))):
            clerks[school_id].append(person)
    if group_ids:
        for group_id, person in db.session.execute(
                select(GroupMembership.group_id, Person).join(Person, Person.id == GroupMembership.person_id)
                .where(GroupMembership.group_id.in_(group_ids), Person.active.is_(True))):
            where = permission_scope(person, REGISTER)
            if where.everywhere or group_id in where.group_ids:
                keepers[group_id].append(person)
    people = {}
    for delivery in deliveries:
        if delivery.school_id:
            people[delivery.id] = clerks.get(delivery.school_id, [])
        elif delivery.group_id:
            people[delivery.id] = keepers.get(delivery.group_id, [])
        else:
            person = delivery.person
            people[delivery.id] = [person] if person is not None and person.active else []
    return people


def _notify(delivery: Delivery, people: list[Person], now: dt.datetime) -> None:
    letter = delivery.letter
    days = max(0, (now - delivery.sent_at).days)
    if letter.is_secret:  # the subject of a secret letter does not travel by email or LINE
        title = _l("A secret letter waits for you to receive it: number %(number)s", number=number_on_letter(letter))
    else:
        title = _l("Not received yet: %(subject)s", subject=letter.subject)
    body = _l("Letter %(number)s from %(sender)s was sent %(days)s day(s) ago and has not been received. "
              "Open it in Khet and press Receive.", number=number_on_letter(letter), sender=sender_name(letter),
              days=days)
    notifications.notify(people, EVENT_NOT_RECEIVED, title, module=MODULE, body=body,
                         link=notifications.link_to("correspondence.delivery", delivery_id=delivery.id))


# --- not received after N days ------------------------------------------------------------


@dataclass
class FollowUpRow:
    """One letter with recipients that have not received it after N days."""

    letter: Letter
    waiting: int  # laggards, sent at least N days ago
    total: int  # every recipient
    names: list  # the first few laggards' names
    reminded_at: dt.datetime | None  # the last reminder to any of them


def follow_up_letters(person, days: int, *, now: dt.datetime | None = None):
    """select(Letter): the letters this person may send from with a recipient that has not received it ``days``
    after it was sent, newest first. For paginate(); ``follow_up_rows`` adds the counts of a page."""
    now = now or utcnow()
    overdue = _overdue_deliveries(days, now).with_only_columns(Delivery.letter_id)
    return (select(Letter).where(Letter.id.in_(overdue), _letters_sent_by(person))
            .order_by(Letter.registered_at.desc(), Letter.id.desc()))


def follow_up_rows(letters: list[Letter], days: int, *, now: dt.datetime | None = None) -> list[FollowUpRow]:
    """Counts and names of the laggards of a page of letters: three queries whatever the page holds."""
    if not letters:
        return []
    now = now or utcnow()
    ids = [letter.id for letter in letters]
    cutoff = now - dt.timedelta(days=check_days(days))
    totals = dict(db.session.execute(select(Delivery.letter_id, func.count(Delivery.id))
                                     .where(Delivery.letter_id.in_(ids)).group_by(Delivery.letter_id)).all())
    waiting = {letter_id: (count, reminded) for letter_id, count, reminded in db.session.execute(
        select(Delivery.letter_id, func.count(Delivery.id), func.max(Delivery.reminded_at))
        .where(Delivery.letter_id.in_(ids), Delivery.received_at.is_(None), Delivery.sent_at <= cutoff)
        .group_by(Delivery.letter_id))}
    names = _first_laggard_names(ids, cutoff)
    return [FollowUpRow(letter=letter, waiting=waiting.get(letter.id, (0, None))[0], total=totals.get(letter.id, 0),
                        names=names.get(letter.id, []), reminded_at=waiting.get(letter.id, (0, None))[1])
            for letter in letters]


def _first_laggard_names(letter_ids: list[int], cutoff: dt.datetime) -> dict[int, list[str]]:
    """letter id → the names of its first few laggards (a window function keeps 300 schools per letter unread)."""
    numbered = (select(Delivery.id, func.row_number().over(partition_by=Delivery.letter_id, order_by=Delivery.id)
                       .label("n"))
                .where(Delivery.letter_id.in_(letter_ids), Delivery.received_at.is_(None), Delivery.sent_at <= cutoff)
                .subquery())
    first = select(numbered.c.id).where(numbered.c.n <= NAMES_PER_ROW)
    names = defaultdict(list)
    for delivery in db.session.scalars(select(Delivery).where(Delivery.id.in_(first)).order_by(Delivery.id).options(
            selectinload(Delivery.school), selectinload(Delivery.group), selectinload(Delivery.person))):
        names[delivery.letter_id].append(recipient_name(delivery))
    return names
