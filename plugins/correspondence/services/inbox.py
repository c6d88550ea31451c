"""Receiving: a recipient's inbox and the first receipt, which writes the letter in the recipient's incoming register.

Who may receive a delivery is an access rule and lives with the others in the package's ``__init__``.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from core.db import db, utcnow
from core.models import Office
from core.services import audit
from plugins.correspondence.models import Delivery, Letter
from plugins.correspondence.services import (MODULE, CorrespondenceError, LetterFields, _delivered_to, _named_reader,
                                             may_receive, printed_number, register_for, register_letter)


def inbox_of(person):
    """Letters sent to this person, their group or their school, newest first; secret ones only to named people."""
    return (select(Delivery).join(Letter, Letter.id == Delivery.letter_id)
            .where(_delivered_to(person), Letter.cancelled_at.is_(None),
                   or_(Letter.secrecy == "none", _named_reader(person.id)))
            .order_by(Delivery.sent_at.desc(), Delivery.id.desc()))


def receive(delivery: Delivery, by, *, now: dt.datetime | None = None, remote_addr: str | None = None) -> Delivery:
    """Receive a letter: the first receipt records who and when, and writes it in the school's or group's incoming register.

    Two clerks pressing at once: the conditional update lets exactly one of them record it.
    """
    if not may_receive(by, delivery):
        raise CorrespondenceError(_l("This letter was not sent to you."))
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
            subject=source.subject, sender_ref=printed_number(source), letter_date=source.letter_date,
            from_text=_sender_name(source), to_text=(delivery.school or delivery.group).name, urgency=source.urgency,
            doc_type=source.doc_type), by, now=now, source_letter=source, commit=False, remote_addr=remote_addr)
        db.session.execute(update(Delivery).where(Delivery.id == delivery.id).values(incoming_letter_id=line.id))
    audit.record("receive", MODULE, "letter", source.id, by, (delivery.school or delivery.group or by).__str__(),
                 remote_addr=remote_addr)
    db.session.commit()
    db.session.refresh(delivery)
    return delivery


def _sender_name(letter: Letter) -> str:
    register = letter.register
    if register.school is not None:
        return register.school.name
    office = Office.current()
    office_name = (office.short_name or office.name) if office else ""
    return f"{office_name} {register.group.name}".strip() if register.group else office_name
