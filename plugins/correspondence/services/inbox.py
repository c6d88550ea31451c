"""Receiving: a recipient's inbox and the first receipt, which writes the letter in the recipient's incoming register.

Who may receive a delivery is an access rule and lives with the others in the package's ``__init__``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import contains_eager

from core.api import Group, Office, School, audit, db, stored_day_range, utcnow
from plugins.correspondence.models import Delivery, Letter, Register
from plugins.correspondence.services import (MODULE, URGENCIES, CorrespondenceError, LetterFields, _delivered_to,
                                             _named_reader, may_receive, number_on_letter, register_for, register_letter)
from plugins.correspondence.services import sender_name as place_sender_name

STATUSES = {"unreceived": _l("Not received yet"), "received": _l("Received"), "all": _l("All")}
ANY_URGENT = "any_urgent"  # every urgency above normal

# Most urgent first: the order in which an inbox lists the letters still to receive.
URGENCY_RANK = {"most_urgent": 0, "very_urgent": 1, "urgent": 2, "normal": 3}


@dataclass
class InboxFilter:
    """What a recipient asks their inbox for. The default is what a clerk opens it for: what is still to receive."""

    status: str = "unreceived"
    urgency: str = ""  # "", ANY_URGENT or one of URGENCIES
    sent_from: dt.date | None = None  # Bangkok days, both inclusive
    sent_to: dt.date | None = None
    sender: str = ""  # text in the sender's name: จาก, or the sending school's or group's name
    place: str = ""  # the sending register's scope: "office", "group:<id>" or "school:<id>"

    def check(self) -> None:
        """Refuse a filter that cannot mean anything, with a message the person understands."""
        if self.status not in STATUSES:
            raise CorrespondenceError(_l("Choose which letters to show from the list."))
        if self.urgency and self.urgency != ANY_URGENT and self.urgency not in URGENCIES:
            raise CorrespondenceError(_l("Choose the urgency from the list."))
        if self.sent_from and self.sent_to and self.sent_from > self.sent_to:
            raise CorrespondenceError(_l("The first day comes after the last day."))
        if len(self.sender) > 255:
            raise CorrespondenceError(_l("The sender to look for is too long."))


def urgency_rank():
    """SQL: 0 for the most urgent letters, 3 for normal ones."""
    return case(*((Letter.urgency == key, rank) for key, rank in URGENCY_RANK.items()), else_=len(URGENCY_RANK))


def inbox_of(person, filters: InboxFilter | None = None):
    """Letters sent to this person, their group or their school; secret ones only to named people.

    Without ``filters``: every letter, newest first. With them: only what they ask for; the letters still to
    receive come most urgent first, so an urgent letter is never below the fold. The recipient conditions
    are on the delivery's school, group or person with its send time, so each uses its own
    ``(…_id, sent_at)`` index.
    """
    statement = (select(Delivery).join(Letter, Letter.id == Delivery.letter_id).options(contains_eager(Delivery.letter))
                 .where(_delivered_to(person), Letter.cancelled_at.is_(None),
                        or_(Letter.secrecy == "none", _named_reader(person.id))))
    if filters is None:
        return statement.order_by(Delivery.sent_at.desc(), Delivery.id.desc())
    filters.check()
    statement = statement.where(*_conditions(filters))
    if filters.status == "unreceived":
        return statement.order_by(urgency_rank(), Delivery.sent_at.desc(), Delivery.id.desc())
    return statement.order_by(Delivery.sent_at.desc(), Delivery.id.desc())


def _conditions(filters: InboxFilter) -> list:
    conditions = []
    if filters.status == "unreceived":
        conditions.append(Delivery.received_at.is_(None))
    elif filters.status == "received":
        conditions.append(Delivery.received_at.is_not(None))
    if filters.urgency == ANY_URGENT:
        conditions.append(Letter.urgency != "normal")
    elif filters.urgency:
        conditions.append(Letter.urgency == filters.urgency)
    if filters.sent_from or filters.sent_to:
        start, end = stored_day_range(filters.sent_from or filters.sent_to, filters.sent_to or filters.sent_from)
        if filters.sent_from:
            conditions.append(Delivery.sent_at >= start)
        if filters.sent_to:
            conditions.append(Delivery.sent_at < end)
    if filters.place:
        conditions.append(Letter.register_id.in_(select(Register.id).where(Register.scope == filters.place)))
    text = filters.sender.strip()
    if text:
        conditions.append(or_(Letter.from_text.contains(text, autoescape=True),
                              Letter.register_id.in_(_registers_of_places_named(text))))
    return conditions


def _registers_of_places_named(text: str):
    """SQL: the registers of the schools and groups whose name holds ``text``, and the office's if its name does."""
    named = (select(Register.id).outerjoin(School, School.id == Register.school_id)
             .outerjoin(Group, Group.id == Register.group_id))
    conditions = [School.name.contains(text, autoescape=True), Group.name.contains(text, autoescape=True)]
    office = Office.current()
    if office is not None and any(text in (name or "") for name in (office.name, office.short_name)):
        conditions.append(Register.school_id.is_(None))
    return named.where(or_(*conditions))


def sending_places() -> list[tuple[str, str]]:
    """(scope, name) of every place letters come from, for the inbox's "from" choice: registry, groups, schools."""
    places = [("office", str(_l("Central registry")))]
    places += [(f"group:{g.id}", g.name) for g in db.session.scalars(
        select(Group).where(Group.active.is_(True)).order_by(Group.sort_order, Group.name))]
    places += [(f"school:{s.id}", s.name) for s in db.session.scalars(
        select(School).where(School.active.is_(True)).order_by(School.name))]
    return places


def sender_name(letter: Letter) -> str:
    """Who sent the letter, as the recipient reads it: จาก if the clerk wrote one, else the sending place."""
    return letter.from_text or _sender_name(letter)


def receive(delivery: Delivery, by, *, now: dt.datetime | None = None, remote_addr: str | None = None) -> Delivery:
    """Receive a letter: the first receipt records who and when, and writes it in the school's or group's incoming register.

    Two clerks pressing at once: the conditional update lets exactly one of them record it.
    """
    if not may_receive(by, delivery):
        raise CorrespondenceError(_l("This letter was not sent to you."))
    if delivery.letter.cancelled:  # its sender cancelled the number: nothing to file
        raise CorrespondenceError(_l("The sender has cancelled this letter; there is nothing to receive."))
    now = now or utcnow()
    claimed = db.session.execute(update(Delivery).where(Delivery.id == delivery.id, Delivery.received_at.is_(None))
                                 .values(received_at=now, received_by_id=by.id)).rowcount
    if claimed != 1:
        db.session.rollback()
        db.session.refresh(delivery)
        return delivery
    source = delivery.letter
    if delivery.school is not None or delivery.group is not None:
        register = register_for("incoming", group=delivery.group, school=delivery.school)
        line = register_letter(register, LetterFields(
            subject=source.subject, sender_ref=number_on_letter(source), letter_date=source.letter_date,
            from_text=_sender_name(source), to_text=(delivery.school or delivery.group).name, urgency=source.urgency,
            doc_type=source.doc_type), by, now=now, source_letter=source, commit=False, remote_addr=remote_addr)
        db.session.execute(update(Delivery).where(Delivery.id == delivery.id).values(incoming_letter_id=line.id))
    audit.record("receive", MODULE, "letter", source.id, by, (delivery.school or delivery.group or by).__str__(),
                 remote_addr=remote_addr)
    db.session.commit()
    db.session.refresh(delivery)
    return delivery


def _sender_name(letter: Letter) -> str:
    return place_sender_name(letter.register.school, letter.register.group)
