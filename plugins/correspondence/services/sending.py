"""Sending a registered letter to schools, groups and people: who receives it, in one transaction, once each.

What a sender watches afterwards (per-recipient receipt) is ``deliveries_of``; receiving is in ``inbox``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from core.db import db, utcnow
from core.models import Group, Person, School
from core.models.org import school_list_members
from core.services import audit
from plugins.correspondence.models import Delivery, Letter, SecretReader
from plugins.correspondence.services import MODULE, CorrespondenceError, may_register, people_by_ids


SENDABLE_KINDS = ("outgoing", "circular", "order", "secret")


@dataclass
class Recipients:
    """Who a letter is sent to: all active schools, networks, saved lists, picked schools, groups, named people."""

    all_schools: bool = False
    network_ids: list = field(default_factory=list)
    school_list_ids: list = field(default_factory=list)
    school_ids: list = field(default_factory=list)
    group_ids: list = field(default_factory=list)
    person_ids: list = field(default_factory=list)

    def schools(self) -> list[School]:
        """Every active school named by any of the ways, once each."""
        conditions = []
        if self.all_schools:
            conditions.append(School.active.is_(True))
        if self.network_ids:
            conditions.append(School.network_id.in_(self.network_ids))
        if self.school_ids:
            conditions.append(School.id.in_(self.school_ids))
        if self.school_list_ids:
            conditions.append(School.id.in_(select(school_list_members.c.school_id).where(
                school_list_members.c.list_id.in_(self.school_list_ids))))
        if not conditions:
            return []
        return list(db.session.scalars(select(School).where(School.active.is_(True), or_(*conditions)).order_by(School.id)))

    def groups(self) -> list[Group]:
        return list(db.session.scalars(select(Group).where(Group.id.in_(self.group_ids), Group.active.is_(True)))) \
            if self.group_ids else []

    def people(self) -> list[Person]:
        return people_by_ids(self.person_ids)


def may_send(person, letter: Letter) -> bool:
    return (letter.register.kind in SENDABLE_KINDS and not letter.cancelled and person.can("correspondence.send")
            and may_register(person, letter.register))


def send_letter(letter: Letter, recipients: Recipients, by, *, now: dt.datetime | None = None,
                remote_addr: str | None = None) -> list[Delivery]:
    """Send a registered letter: one delivery per recipient, all in one transaction; a recipient is never sent it twice.

    A secret letter goes only to named people, who become its readers.
    """
    if letter.cancelled:
        raise CorrespondenceError(_l("A cancelled number cannot be sent."))
    if letter.register.kind not in SENDABLE_KINDS:
        raise CorrespondenceError(_l("Only letters of the outgoing, circulars, orders and secret registers are sent."))
    schools, groups, people = recipients.schools(), recipients.groups(), recipients.people()
    if letter.is_secret and (schools or groups):
        raise CorrespondenceError(_l("A secret letter is sent only to named people."))
    if not (schools or groups or people):
        raise CorrespondenceError(_l("Choose who receives the letter."))
    now = now or utcnow()
    already = {(d.school_id, d.group_id, d.person_id) for d in deliveries_of(letter)}
    made = []
    for target in [(s.id, None, None) for s in schools] + [(None, g.id, None) for g in groups] + [
            (None, None, p.id) for p in people]:
        if target in already:
            continue
        made.append(Delivery(letter_id=letter.id, school_id=target[0], group_id=target[1], person_id=target[2], sent_at=now))
    db.session.add_all(made)
    if letter.is_secret:
        readers = {r.person_id for r in db.session.scalars(select(SecretReader).where(SecretReader.letter_id == letter.id))}
        db.session.add_all(SecretReader(letter_id=letter.id, person_id=p.id, named_by_id=by.id)
                           for p in people if p.id not in readers)
    audit.record("send", MODULE, "letter", letter.id, by, f"{len(made)} recipient(s)",
                 details={"schools": len(schools), "groups": len(groups), "people": len(people)}, remote_addr=remote_addr)
    db.session.commit()
    return made


def deliveries_of(letter: Letter) -> list[Delivery]:
    """The letter's recipients with their receipt, schools first: what the sender watches."""
    return list(db.session.scalars(select(Delivery).where(Delivery.letter_id == letter.id)
                                   .order_by(Delivery.school_id.is_(None), Delivery.group_id.is_(None), Delivery.id)))
