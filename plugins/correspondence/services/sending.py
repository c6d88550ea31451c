"""Sending letters to schools, groups and people: who receives them, the files they carry, in one transaction.

Two ways in: ``compose_and_send`` writes the register line, its files and every delivery at once (the clerk's
everyday "send a letter"); ``send_letter`` sends a line registered earlier. Both resolve the recipients first
(``resolve``), so the sender can be shown exactly who will receive it, and tell the recipients through
core.services.notifications. What a sender watches afterwards (per-recipient receipt) is ``deliveries_of``;
receiving is in ``inbox``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from core.api import (
    Group, Person, School, SchoolList, SchoolMembership, UploadPolicy, attachments, audit, db, has_permission,
    notifications, permission_scope, school_list_members, utcnow, visible_school_lists,
)
from plugins.correspondence.models import Delivery, Letter, RecipientList, SecretReader
from plugins.correspondence.permissions import REGISTER, SEND
from plugins.correspondence.services import (MODULE, SENDABLE_KINDS, sender_name, URGENCIES, CorrespondenceError, LetterFields,
                                             number_on_letter, may_register,
                                             may_register_in, people_by_ids, register_for,
                                             register_letter, school_ids_clerked_by)
from plugins.correspondence.settings import SETTINGS_DEFAULTS

# --- what a letter may carry: the office's setting (settings.py), its defaults until an admin changes them -----

LETTER_POLICY = UploadPolicy(max_count=SETTINGS_DEFAULTS["attachments_max_count"],
                             max_bytes=SETTINGS_DEFAULTS["attachments_max_mb"] * attachments.MiB,
                             allowed=frozenset(SETTINGS_DEFAULTS["attachments_types"]))
# A secret letter's files: every download, and every refused attempt, goes to the audit log.
SECRET_POLICY = dataclasses.replace(LETTER_POLICY, audit_downloads=True)

EVENT_LETTER_SENT = "correspondence.letter_sent"


def upload_policy(secret: bool) -> UploadPolicy:
    """The files a letter may carry, as the office admin set them in the module's settings."""
    return (SECRET_POLICY if secret else LETTER_POLICY).with_office_settings(MODULE)


# --- who receives a letter ------------------------------------------------------------------------------------


@dataclass
class Recipients:
    """Who a letter is sent to: all active schools, networks, saved school lists, picked schools, groups, people.

    These fields are also what a saved recipient list keeps (``RecipientList.members``).
    """

    all_schools: bool = False
    network_ids: list = field(default_factory=list)
    school_list_ids: list = field(default_factory=list)
    school_ids: list = field(default_factory=list)
    group_ids: list = field(default_factory=list)
    person_ids: list = field(default_factory=list)

    def schools(self, by=None) -> list[School]:
        """Every active school named by any of the ways, once each; school lists only those ``by`` may see."""
        conditions = []
        if self.all_schools:
            conditions.append(School.active.is_(True))
        if self.network_ids:
            conditions.append(School.network_id.in_(self.network_ids))
        if self.school_ids:
            conditions.append(School.id.in_(self.school_ids))
        if self.school_list_ids:
            lists = select(SchoolList.id).where(SchoolList.id.in_(self.school_list_ids))
            if by is not None:
                lists = lists.where(SchoolList.id.in_(visible_school_lists(by).with_only_columns(SchoolList.id)))
            conditions.append(School.id.in_(select(school_list_members.c.school_id).where(
                school_list_members.c.list_id.in_(lists))))
        if not conditions:
            return []
        return list(db.session.scalars(select(School).where(School.active.is_(True), or_(*conditions))
                                       .order_by(School.name, School.id)))

    def groups(self) -> list[Group]:
        return list(db.session.scalars(select(Group).where(Group.id.in_(self.group_ids), Group.active.is_(True))
                                       .order_by(Group.sort_order, Group.name))) if self.group_ids else []

    def people(self) -> list[Person]:
        return sorted(people_by_ids(self.person_ids), key=lambda p: (p.first_name, p.last_name))

    def is_empty(self) -> bool:
        return not (self.all_schools or self.network_ids or self.school_list_ids or self.school_ids
                    or self.group_ids or self.person_ids)

    def members(self) -> dict:
        """As stored in a saved list: plain JSON, ids sorted and once each."""
        return {"all_schools": bool(self.all_schools),
                **{name: sorted({int(i) for i in getattr(self, name) or ()}) for name in _ID_FIELDS}}

    @classmethod
    def from_members(cls, members: dict | None) -> Recipients:
        members = members or {}
        return cls(all_schools=bool(members.get("all_schools")),
                   **{name: [int(i) for i in members.get(name) or ()] for name in _ID_FIELDS})

    def joined(self, other: Recipients) -> Recipients:
        """Everyone named here or there."""
        return Recipients.from_members({
            "all_schools": self.all_schools or other.all_schools,
            **{name: list(getattr(self, name) or ()) + list(getattr(other, name) or ()) for name in _ID_FIELDS}})


_ID_FIELDS = ("network_ids", "school_list_ids", "school_ids", "group_ids", "person_ids")


@dataclass
class Resolved:
    """The recipients as they will receive the letter: every school, group and person, once each."""

    schools: list[School]
    groups: list[Group]
    people: list[Person]
    sendable: bool = True  # False when the letter cannot go to them (nobody, or schools for a secret letter)

    @property
    def count(self) -> int:
        return len(self.schools) + len(self.groups) + len(self.people)

    @property
    def fingerprint(self) -> str:
        """Short token of exactly these recipients: the preview carries it, so "send" sends what was shown."""
        text = "|".join(",".join(str(item.id) for item in items) for items in (self.schools, self.groups, self.people))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def resolve(recipients: Recipients, by, saved_list_ids=()) -> Resolved:
    """Who exactly receives a letter sent to these choices (plus the saved recipient lists ``by`` may use)."""
    if saved_list_ids:
        recipients = recipients.joined(members_of_saved_lists(saved_list_ids, by))
    return Resolved(recipients.schools(by), recipients.groups(), recipients.people())


def check_recipients(letter_is_secret: bool, resolved: Resolved) -> None:
    """A letter goes to somebody; a secret letter only to named people."""
    if letter_is_secret and (resolved.schools or resolved.groups):
        raise CorrespondenceError(_l("A secret letter is sent only to named people."))
    if not resolved.count:
        raise CorrespondenceError(_l("Choose who receives the letter."))


# --- who may send -----------------------------------------------------------------------------------------------


def may_send_from(person, register) -> bool:
    """Send letters of this register: write in it, and hold the send permission there (a school's clerk needs none)."""
    return register.kind in SENDABLE_KINDS and may_register(person, register) and _sends_for(
        person, register.group, register.school)


def may_send(person, letter: Letter) -> bool:
    return not letter.cancelled and may_send_from(person, letter.register)


def may_compose(person, kind: str, place: dict) -> bool:
    """Compose and send a letter of this kind from this place (the office, a group, a school)."""
    return kind in SENDABLE_KINDS and may_register_in(person, kind, place) and _sends_for(
        person, place.get("group"), place.get("school"))


def _sends_for(person, group: Group | None, school: School | None) -> bool:
    if school is not None and school.id in school_ids_clerked_by(person):
        return True
    where = permission_scope(person, SEND)
    if where.everywhere:
        return True
    if school is not None:
        return school.id in where.school_ids
    return group is not None and group.id in where.group_ids


# --- sending --------------------------------------------------------------------------------------------------


def send_letter(letter: Letter, recipients: Recipients, by, *, now: dt.datetime | None = None,
                saved_list_ids=(), expected: str | None = None, remote_addr: str | None = None) -> list[Delivery]:
    """Send a registered letter: one delivery per recipient, all in one transaction; a recipient is never sent it twice.

    A secret letter goes only to named people, who become its readers. ``expected`` is the fingerprint of the
    recipients the sender was shown; if they changed since, nothing is sent.
    """
    if letter.cancelled:
        raise CorrespondenceError(_l("A cancelled number cannot be sent."))
    if letter.register.kind not in SENDABLE_KINDS:
        raise CorrespondenceError(_l("Only letters of the outgoing, circulars, orders and secret registers are sent."))
    resolved = resolve(recipients, by, saved_list_ids)
    check_recipients(letter.is_secret, resolved)
    _check_expected(resolved, expected)
    made = _deliver(letter, resolved, by, now or utcnow(), remote_addr)
    db.session.commit()
    return made


def _check_expected(resolved: Resolved, expected: str | None) -> None:
    if expected is not None and expected != resolved.fingerprint:
        raise RecipientsChanged(_l("The recipients are not the ones you checked; check the list again, then send."))


class RecipientsChanged(CorrespondenceError):
    """The choices resolve to other recipients than the sender was shown: show them again instead of sending."""


@dataclass
class Attached:
    """One file chosen on the compose form and what it is (a description each, as the register shows it)."""

    name: str
    stream: object
    description: str = ""


# The owner of a letter's files between their staging and the letter's number (within one transaction only).
PENDING_FILES = "letter_being_numbered"


def compose_and_send(kind: str, place: dict, values: LetterFields, recipients: Recipients, by, *,
                     files: list[Attached] = (), typed_number: str = "", saved_list_ids=(),
                     expected: str | None = None, now: dt.datetime | None = None,
                     remote_addr: str | None = None) -> tuple[Letter, list[Delivery]]:
    """Register a letter, attach its files and send it, in one transaction: everything is saved or nothing is.

    The line goes in the place's register of ``kind`` (a secret letter in the place's secret register) with the
    next number. A letter numbered elsewhere (``typed_number``, e.g. given on paper by the central registry)
    still takes a line here, so the sender can follow it, and carries the typed number as its ที่ (``sender_ref``):
    the number printed on it and shown to its recipients. A refused file, an unknown recipient or anything
    else wrong: the caller rolls back, so no number is taken, no line written and no file kept.
    """
    if kind not in SENDABLE_KINDS:
        raise CorrespondenceError(_l("Only outgoing letters, circulars, orders and secret letters are sent."))
    secret = values.secrecy != "none"
    register_kind = "secret" if secret else kind
    if not may_compose(by, register_kind, place):
        raise CorrespondenceError(_l("You may not send letters of this register."))
    typed_number = (typed_number or "").strip()
    if len(typed_number) > 100:
        raise CorrespondenceError(_l("The letter number is too long (at most 100 characters)."))
    values = dataclasses.replace(values, sender_ref=typed_number)
    files = _check_files(files)
    resolved = resolve(recipients, by, saved_list_ids)
    check_recipients(secret, resolved)
    _check_expected(resolved, expected)
    # Files first: taking the number locks the register's series until the commit, and checking and staging the
    # files took about a second of that lock on every compose (issue 16). They are staged under a placeholder
    # owner and handed to the letter once it has its number; a rollback removes both (core storage stages files
    # and moves them into service only after the commit).
    stored = attachments.save_uploads([(f.name, f.stream) for f in files], (MODULE, PENDING_FILES, 0), by,
                                      policy=upload_policy(secret), descriptions=[f.description for f in files])
    now = now or utcnow()
    letter = register_letter(register_for(register_kind, **place), values, by, now=now, commit=False,
                             readers=resolved.people if secret else (), remote_addr=remote_addr)
    for attachment in stored:
        attachment.record_type, attachment.record_id = "letter", letter.id
    made = _deliver(letter, resolved, by, now, remote_addr)
    db.session.commit()
    return letter, made


def _check_files(files) -> list[Attached]:
    """Every chosen file has a description; a description without its file is a file forgotten."""
    chosen = []
    for item in files or ():
        item.description = (item.description or "").strip()
        if not item.name:
            if item.description:
                raise CorrespondenceError(_l("Choose the file described as \u201c%(description)s\u201d, or clear "
                                             "its description.", description=item.description))
            continue
        if not item.description:
            raise CorrespondenceError(_l("Describe each attached file: %(name)s has no description.",
                                         name=attachments.clean_file_name(item.name)))
        if len(item.description) > 500:
            raise CorrespondenceError(_l("A file's description is too long (at most 500 characters)."))
        chosen.append(item)
    return chosen


def _deliver(letter: Letter, resolved: Resolved, by, now: dt.datetime, remote_addr: str | None) -> list[Delivery]:
    """The deliveries not made before, the readers of a secret letter, the audit line and the notifications."""
    already = {(d.school_id, d.group_id, d.person_id) for d in deliveries_of(letter)}
    targets = ([(s.id, None, None) for s in resolved.schools] + [(None, g.id, None) for g in resolved.groups]
               + [(None, None, p.id) for p in resolved.people])
    made = [Delivery(letter_id=letter.id, school_id=school_id, group_id=group_id, person_id=person_id, sent_at=now)
            for school_id, group_id, person_id in targets if (school_id, group_id, person_id) not in already]
    db.session.add_all(made)
    if letter.is_secret:
        readers = set(db.session.scalars(select(SecretReader.person_id).where(SecretReader.letter_id == letter.id)))
        db.session.add_all(SecretReader(letter_id=letter.id, person_id=p.id, named_by_id=by.id)
                           for p in resolved.people if p.id not in readers)
    audit.record("send", MODULE, "letter", letter.id, by, f"{len(made)} recipient(s)",
                 details={"schools": len(resolved.schools), "groups": len(resolved.groups),
                          "people": len(resolved.people), "new": len(made)}, remote_addr=remote_addr)
    db.session.flush()
    _notify(letter, made)
    return made


# --- telling the recipients -----------------------------------------------------------------------------------


def people_to_tell(deliveries: list[Delivery]) -> list[Person]:
    """Who reads these deliveries: each school's clerks, each group's members who keep its register, the people."""
    school_ids = [d.school_id for d in deliveries if d.school_id]
    group_ids = {d.group_id for d in deliveries if d.group_id}
    people = list(people_by_ids([d.person_id for d in deliveries if d.person_id]))
    if school_ids:
        people += db.session.scalars(
            select(Person).join(SchoolMembership, SchoolMembership.person_id == Person.id)
            .where(SchoolMembership.school_id.in_(school_ids), SchoolMembership.role == "clerk",
                   Person.active.is_(True))).all()
    for group in (db.session.scalars(select(Group).where(Group.id.in_(group_ids))) if group_ids else ()):
        people += [m.person for m in group.memberships
                   if m.person.active and has_permission(m.person, REGISTER, group)]
    return people


def _notify(letter: Letter, deliveries: list[Delivery]) -> None:
    """One inbox line (and email, LINE ... as each person chose) per person; a secret letter's subject stays out."""
    if not deliveries:
        return
    number = number_on_letter(letter)
    if letter.is_secret:
        title = _l("A secret letter %(number)s was sent to you", number=number)
    elif letter.urgency != "normal":
        title = _l("%(urgency)s: letter %(number)s, %(subject)s", urgency=URGENCIES[letter.urgency], number=number,
                   subject=letter.subject)
    else:
        title = _l("Letter %(number)s: %(subject)s", number=number, subject=letter.subject)
    body = _l("From %(sender)s", sender=letter.from_text) if letter.from_text else ""
    notifications.notify(people_to_tell(deliveries), EVENT_LETTER_SENT, title, link=notifications.link_to(
        "correspondence.inbox"), module=MODULE, body=body)


def deliveries_of(letter: Letter) -> list[Delivery]:
    """The letter's recipients with their receipt, schools first: what the sender watches."""
    return list(db.session.scalars(select(Delivery).where(Delivery.letter_id == letter.id)
                                   .order_by(Delivery.school_id.is_(None), Delivery.group_id.is_(None), Delivery.id)))


def sender_name_of(place: dict) -> str:
    """What the จาก of a letter from this place says by default: the school, or the office and the group."""
    return sender_name(place.get("school"), place.get("group"))


# --- saved recipient lists ------------------------------------------------------------------------------------


def usable_lists(person):
    """The saved recipient lists a person may choose from: their own and the shared ones, by name."""
    return (select(RecipientList).where(or_(RecipientList.owner_id == person.id, RecipientList.shared.is_(True)))
            .order_by(RecipientList.name, RecipientList.id))


def members_of_saved_lists(list_ids, person) -> Recipients:
    """Everyone on these saved lists; another person's private list names nobody."""
    joined = Recipients()
    ids = [int(i) for i in list_ids or ()]
    if ids:
        for saved in db.session.scalars(usable_lists(person).where(RecipientList.id.in_(ids))):
            joined = joined.joined(Recipients.from_members(saved.members))
    return joined


def save_recipient_list(name: str, recipients: Recipients, owner, *, shared: bool = False,
                        saved_list_ids=(), remote_addr: str | None = None) -> RecipientList:
    """Keep the current choice of recipients under a name, for the owner only or shared with every sender.

    Saved lists chosen with it are written out into their members, so the new list stands on its own.
    """
    name = (name or "").strip()
    if not name:
        raise CorrespondenceError(_l("Give the list a name."))
    if len(name) > 200:
        raise CorrespondenceError(_l("The list's name is too long (at most 200 characters)."))
    if saved_list_ids:
        recipients = recipients.joined(members_of_saved_lists(saved_list_ids, owner))
    if recipients.is_empty():
        raise CorrespondenceError(_l("Choose the recipients to keep in the list."))
    if db.session.scalar(select(RecipientList.id).where(RecipientList.owner_id == owner.id, RecipientList.name == name)):
        raise CorrespondenceError(_l("You already have a list named %(name)s.", name=name))
    if shared:
        private = db.session.scalars(select(SchoolList.name).where(
            SchoolList.id.in_(recipients.school_list_ids or [-1]), SchoolList.shared.is_(False))).all()
        if private:
            raise CorrespondenceError(_l("A shared list cannot name a private school list: %(names)s.",
                                         names=", ".join(private)))
    saved = RecipientList(name=name, owner_id=owner.id, shared=bool(shared), members=recipients.members())
    db.session.add(saved)
    db.session.flush()
    audit.record("create", MODULE, "recipient_list", saved.id, owner, name, details=saved.members,
                 remote_addr=remote_addr)
    db.session.commit()
    return saved


def delete_recipient_list(saved: RecipientList, by, remote_addr: str | None = None) -> None:
    """Only its owner deletes a list (a shared one too: the others only use it)."""
    if saved.owner_id != by.id:
        raise CorrespondenceError(_l("Only the person who saved a list may delete it."))
    audit.record("delete", MODULE, "recipient_list", saved.id, by, saved.name, remote_addr=remote_addr)
    db.session.delete(saved)
    db.session.commit()


def describe(saved: RecipientList, person) -> Resolved:
    """Whom a saved list names today (schools close, people leave), as this person would send to it."""
    return resolve(Recipients.from_members(saved.members), person)
