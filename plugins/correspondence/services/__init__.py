"""The rules of correspondence (งานสารบรรณ): registers, their numbers, who reads what, sending and receipt.

Plain functions on plain values; no request objects. Numbers come from core.services.numbers and are
taken in the caller's transaction, so a letter and its number are saved together or not at all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, fields, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from core.api import (
    Group, Office, Person, Refused, School, audit, db, local_today, numbers, per_request, to_local, utcnow,
)
from plugins.correspondence import PLUGIN_ID
from plugins.correspondence.models import Correction, Letter, LetterCode, Register, SecretReader

MODULE = PLUGIN_ID

KINDS = {
    "incoming": _l("Incoming register"),
    "outgoing": _l("Outgoing register"),
    "circular": _l("Circulars register"),
    "order": _l("Orders register"),
    "certificate": _l("Certificates register"),
    "secret": _l("Secret letters register"),
}
URGENCIES = {"normal": _l("Normal"), "urgent": _l("Urgent"), "very_urgent": _l("Very urgent"),
             "most_urgent": _l("Most urgent")}
SECRECIES = {"none": _l("Not secret"), "confidential": _l("Confidential"), "secret": _l("Secret"),
             "top_secret": _l("Top secret")}
DOC_TYPES = {"external": _l("External letter"), "internal": _l("Internal memo"), "stamped": _l("Stamped letter"),
             "directive": _l("Directive"), "announcement": _l("Public relations letter"),
             "record": _l("Letter kept as evidence")}
CORRECTABLE = ("sender_ref", "letter_date", "from_text", "to_text", "subject", "action", "remarks", "urgency",
               "doc_type", "group_id", "officer_id")


class CorrespondenceError(Refused):
    """A correspondence action cannot be done as asked; the message says why, in the user's language."""


# --- registers -------------------------------------------------------------------


def scope_of(group: Group | None = None, school: School | None = None) -> str:
    """The numbering scope of the office's central registry, a group or a school."""
    if school is not None:
        return f"school:{school.id}"
    if group is not None:
        return f"group:{group.id}"
    return "office"


def register_for(kind: str, group: Group | None = None, school: School | None = None) -> Register:
    """The register of this kind of the office, a group or a school; created the first time it is asked for."""
    if kind not in KINDS:
        raise ValueError(f"unknown register kind {kind!r}")
    scope = scope_of(group, school)
    found = db.session.scalar(select(Register).where(Register.kind == kind, Register.scope == scope))
    if found is not None:
        return found
    register = Register(kind=kind, scope=scope, group_id=group.id if group and not school else None,
                        school_id=school.id if school else None)
    try:
        with db.session.begin_nested():  # someone else may be creating it at this moment
            db.session.add(register)
    except IntegrityError:
        # A locking read: MariaDB's plain read would still answer from this transaction's older snapshot,
        # in which the winner's register does not exist yet.
        return db.session.scalar(select(Register).where(Register.kind == kind, Register.scope == scope)
                                 .with_for_update(read=True))
    return register


def series_key(register: Register) -> str:
    return f"{MODULE}.{register.kind}"


def register_title(register: Register) -> str:
    owner = register.school.name if register.school else register.group.name if register.group else _l("Central registry")
    return f"{KINDS[register.kind]} · {owner}"


def printed_number(letter: Letter) -> str:
    """The number as printed on the letter: "ศธ 04183/2631", circular "ศธ 04183/ว 125", order "31/2569"."""
    kind = letter.register.kind
    if kind == "order":
        return f"{letter.number}/{letter.year}"
    if kind in ("incoming", "secret"):
        return str(letter.number)
    code = letter_code_of(letter.register.scope)
    if kind == "circular":
        return f"{code}/ว {letter.number}" if code else f"ว {letter.number}"
    return f"{code}/{letter.number}" if code else str(letter.number)


SENDABLE_KINDS = ("outgoing", "circular", "order", "secret")


def number_on_letter(letter: Letter) -> str:
    """The number printed on the paper: the one typed for a sent letter numbered elsewhere, else the register's.

    What recipients see and file as "ที่"; the register itself always shows its own line number.
    """
    if letter.sender_ref and letter.register.kind in SENDABLE_KINDS:
        return letter.sender_ref
    return printed_number(letter)


def letter_code_of(scope: str) -> str:
    """The code printed before a place's numbers: its own (a school's "ศธ 04183.012"), else the office's.

    Every code is read in one query once per request: a search page prints numbers of thirty places.
    """
    codes = per_request("correspondence_letter_codes", _stored_letter_codes)
    return codes.get(scope) or codes["office"]


def _stored_letter_codes() -> dict[str, str]:
    office = Office.current()
    codes = {scope: code for scope, code in db.session.execute(select(LetterCode.scope, LetterCode.code))}
    codes["office"] = office.letter_code if office is not None else ""
    return codes


@dataclass
class Place:
    """Whose registers: the office's central registry, a group or a school, and this person's rights there."""

    scope: str
    title: str
    group: Group | None = None
    school: School | None = None
    registers: dict = field(default_factory=dict)  # kind -> Register, for the registers already opened
    may_register: dict = field(default_factory=dict)  # kind -> bool

    @property
    def owner(self) -> dict:
        return {"group": self.group, "school": self.school}


def place_of_scope(scope: str) -> dict:
    """{"group": ..., "school": ...} of a numbering scope; CorrespondenceError for one that names nothing."""
    kind, _sep, number = scope.partition(":")
    model = {"group": Group, "school": School}.get(kind)
    if scope == "office":
        return {"group": None, "school": None}
    # Only the spelling scope_of writes ("school:12", not "school:012" or Thai digits): one place, one series.
    found = db.session.get(model, int(number)) if model is not None and is_record_id(number) else None
    if found is None:
        raise CorrespondenceError(_l("No such register."))
    return {kind: found, ("school" if kind == "group" else "group"): None}


def is_record_id(text: str) -> bool:
    """A primary key as Khet writes it: ASCII digits, no leading zero, within a database integer."""
    return text.isascii() and text.isdigit() and not text.startswith("0") and fits_an_id(int(text))


def fits_an_id(number: int) -> bool:
    """Whether a number from a form can be a row's id; a larger one would overflow the database's integer."""
    return 0 < number < 2**31


def _unsaved_register(kind: str, group: Group | None, school: School | None) -> Register:
    return Register(kind=kind, scope=scope_of(group, school), group_id=group.id if group and not school else None,
                    school_id=school.id if school else None)


def places_of(person) -> list[Place]:
    """The places whose registers this person may see or write in: office, groups, schools they clerk for."""
    registers = {}
    for register in db.session.scalars(select(Register)):
        registers.setdefault(register.scope, {})[register.kind] = register
    candidates = [Place("office", str(_l("Central registry")))]
    candidates += [Place(scope_of(group=g), g.name, group=g) for g in db.session.scalars(
        select(Group).where(Group.active.is_(True)).order_by(Group.sort_order))]
    candidates += [Place(scope_of(school=s), s.name, school=s) for s in db.session.scalars(
        select(School).where(School.id.in_(_school_ids_of(person))).order_by(School.name))]
    places = []
    for place in candidates:
        for kind in KINDS:
            template = _unsaved_register(kind, place.group, place.school)
            place.may_register[kind] = may_register(person, template)
            register = registers.get(place.scope, {}).get(kind)
            if register is not None and may_list(person, register):
                place.registers[kind] = register
        if place.registers or any(place.may_register.values()):
            places.append(place)
    return places


def is_own_place(person, place: Place) -> bool:
    """A place whose registers are this person's daily work: the central registry for whoever may write in it, the
    groups they belong to, the schools they clerk for. Other places they may reach (an office-wide grant reaches
    every group) come after them."""
    if place.school is not None:
        return place.school.id in school_ids_clerked_by(person)
    if place.group is not None:
        return any(m.group_id == place.group.id for m in person.group_memberships)
    return any(place.may_register.values())


def arrange_places(person, places: list[Place], search: str = "") -> tuple[list[Place], list[Place]]:
    """(own places, other places), each in places_of's order, keeping only places whose name contains ``search``.

    A registry clerk reaches eleven places of up to six registers each: their own come first, the rest are found
    by name (issue 16)."""
    wanted = search.strip().casefold()
    found = [place for place in places if wanted in place.title.casefold()]
    own = [place for place in found if is_own_place(person, place)]
    return own, [place for place in found if place not in own]


def people_by_ids(ids) -> list[Person]:
    """The active people of these ids, in the order given (the order a clerk picked them in); others are ignored."""
    ids = [int(i) for i in ids or () if fits_an_id(int(i))]
    if not ids:
        return []
    found = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids), Person.active.is_(True)))}
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def peek_next(kind: str, scope: str) -> int:
    """The number the next line will probably get (a preview: someone may take it first)."""
    return numbers.peek_next(f"{MODULE}.{kind}", scope, local_today())


# --- registering, cancelling, correcting -----------------------------------------


@dataclass
class LetterFields:
    """What a clerk writes in a register line."""

    subject: str
    sender_ref: str = ""
    letter_date: dt.date | None = None
    from_text: str = ""
    to_text: str = ""
    action: str = ""
    remarks: str = ""
    urgency: str = "normal"
    secrecy: str = "none"
    doc_type: str = "external"
    group_id: int | None = None
    officer_id: int | None = None
    retention_years: int | None = 10  # how long it is kept; None: permanently (see services.retention)


def _check_fields(register: Register, values: LetterFields) -> None:
    if not values.subject.strip():
        raise CorrespondenceError(_l("Write the subject of the letter."))
    if len(values.subject) > 500:
        raise CorrespondenceError(_l("The subject is too long (at most 500 characters)."))
    if values.urgency not in URGENCIES:
        raise CorrespondenceError(_l("Choose the urgency from the list."))
    if values.secrecy not in SECRECIES:
        raise CorrespondenceError(_l("Choose the secrecy from the list."))
    if values.doc_type not in DOC_TYPES:
        raise CorrespondenceError(_l("Choose the document type from the list."))
    if (values.secrecy != "none") != (register.kind == "secret"):
        raise CorrespondenceError(_l("Secret letters go in the secret register, and only secret letters do."))
    for limit_field, limit in (("sender_ref", 100), ("from_text", 255), ("to_text", 255)):
        if len(getattr(values, limit_field)) > limit:
            raise CorrespondenceError(_l("A field is too long: %(field)s.", field=limit_field))
    if values.retention_years is not None and not 1 <= values.retention_years <= 100:
        raise CorrespondenceError(_l("The retention is a number of years from 1 to %(most)s, or permanently.", most=100))
    if values.group_id is not None and db.session.get(Group, values.group_id) is None:
        raise CorrespondenceError(_l("Choose the group from the list."))
    if values.officer_id is not None:
        officer = db.session.get(Person, values.officer_id)
        if officer is None or not officer.active:
            raise CorrespondenceError(_l("Choose the officer from the office staff."))


# Registers of the letters a place writes itself (its own outgoing letters): a blank จาก is the place, a blank
# date the day it was numbered. A secret register holds letters received too, so it is not one of them.
OWN_LETTER_KINDS = ("outgoing", "circular", "order")


def sender_name(school: School | None, group: Group | None) -> str:
    """What a letter from this place says it is from: the school, or the office (and the group)."""
    if school is not None:
        return school.name
    office = Office.current()
    office_name = (office.short_name or office.name) if office else ""
    return f"{office_name} {group.name}".strip() if group is not None else office_name


def _with_sender_defaults(register: Register, values: LetterFields, now: dt.datetime) -> LetterFields:
    """The place's own letter with จาก and ลงวันที่ filled when left blank: taking a number first left them empty,
    so schools read "จาก —" and the print had blanks (issue 16)."""
    return replace(values, from_text=values.from_text.strip() or sender_name(register.school, register.group),
                   letter_date=values.letter_date or to_local(now).date())


def register_letter(register: Register, values: LetterFields, by, *, now: dt.datetime | None = None,
                    readers=(), source_letter: Letter | None = None, commit: bool = True,
                    remote_addr: str | None = None) -> Letter:
    """Write a line in the register with the next number of this year; the number and the line are saved together.

    ``readers`` are the people named to read a secret letter.
    """
    _check_fields(register, values)
    now = now or utcnow()
    if register.kind in OWN_LETTER_KINDS and source_letter is None:
        values = _with_sender_defaults(register, values, now)
    secret = register.kind == "secret"
    # The number's note is kept (and backed up) apart from the letter's readers: a secret subject stays out of it.
    issued = numbers.take_number(series_key(register), register.scope, now, taken_by=by,
                                 note="" if secret else values.subject[:200])
    letter = Letter(register=register, year=issued.year, number=issued.number, issued_number_id=issued.id,
                    registered_at=now, registered_by_id=getattr(by, "id", None), source_letter=source_letter,
                    **{f.name: _clean(getattr(values, f.name)) for f in fields(LetterFields)})
    db.session.add(letter)
    db.session.flush()
    if secret:
        db.session.get(numbers.IssuedNumber, issued.id).note = f"letter {letter.id}"
    for reader in readers:
        db.session.add(SecretReader(letter_id=letter.id, person_id=reader.id, named_by_id=getattr(by, "id", None)))
    audit.record("register", MODULE, "letter", letter.id, by, f"{register.kind} {letter.number}/{letter.year}",
                 details={"register_id": register.id, "number": letter.number, "year": letter.year},
                 remote_addr=remote_addr)
    if commit:
        db.session.commit()
    return letter


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value):
    """Text as a register keeps it: trimmed, without the control characters pasting from Word brings along
    (a vertical tab in one subject would break every export of the register)."""
    return CONTROL_CHARACTERS.sub("", value).strip() if isinstance(value, str) else value


def cancel_letter(letter: Letter, reason: str, by, remote_addr: str | None = None) -> Letter:
    """Cancel a register line: it keeps its number, which is never given again, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise CorrespondenceError(_l("Write why the number is cancelled."))
    if letter.cancelled:
        raise CorrespondenceError(_l("This number is already cancelled."))
    issued = db.session.get(numbers.IssuedNumber, letter.issued_number_id)
    # A secret letter's reason stays on the letter, which only its readers see; the number and the log get ids.
    logged_reason = f"letter {letter.id}: cancel_reason" if letter.is_secret else reason
    numbers.cancel_number(issued, logged_reason, by)
    letter.cancelled_at, letter.cancelled_by_id, letter.cancel_reason = utcnow(), by.id, reason
    audit.record("cancel", MODULE, "letter", letter.id, by, logged_reason, remote_addr=remote_addr)
    db.session.commit()
    return letter


def correct_letter(letter: Letter, values: LetterFields, by, remote_addr: str | None = None) -> Correction | None:
    """Correct a register line; what it said before is kept in its correction history. The number never changes."""
    if letter.cancelled:
        raise CorrespondenceError(_l("A cancelled number cannot be corrected."))
    if values.secrecy != letter.secrecy:
        raise CorrespondenceError(_l("The secrecy of a registered letter cannot be changed; cancel it and register it again."))
    _check_fields(letter.register, values)
    changes = {}
    for name in CORRECTABLE:
        before, after = getattr(letter, name), _clean(getattr(values, name))
        if before != after:
            changes[name] = [_json(before), _json(after)]
            setattr(letter, name, after)
    if not changes:
        return None
    correction = Correction(letter_id=letter.id, corrected_by_id=by.id, changes=changes)
    db.session.add(correction)
    # The audit log is read by admins, who are not named on secret letters: only the names of what changed.
    audit.record("correct", MODULE, "letter", letter.id, by, ", ".join(sorted(changes)),
                 details={"fields": sorted(changes)} if letter.is_secret else changes, remote_addr=remote_addr)
    db.session.commit()
    return correction


def _json(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def corrections_of(letter: Letter) -> list[Correction]:
    return list(db.session.scalars(select(Correction).where(Correction.letter_id == letter.id).order_by(Correction.id)))


def fields_of(letter: Letter) -> LetterFields:
    return LetterFields(**{f.name: getattr(letter, f.name) for f in fields(LetterFields)})


def current_year() -> int:
    return numbers.year_of(local_today())


def forward_secret(letter: Letter, to: Person, by, remote_addr: str | None = None) -> SecretReader | None:
    """A named reader of a secret letter names one more person to read it (ส่งต่อ); None if already named."""
    if not letter.is_secret:
        raise CorrespondenceError(_l("Only secret letters are forwarded by naming readers."))
    if not may_read(by, letter):
        audit.record("forward", MODULE, "letter", letter.id, by, to.full_name, remote_addr=remote_addr, outcome="refused")
        db.session.commit()
        raise CorrespondenceError(_l("Only the people named on a secret letter may forward it."))
    if not to.active:
        raise CorrespondenceError(_l("Choose the person from the office staff."))
    if db.session.scalar(select(exists().where(SecretReader.letter_id == letter.id, SecretReader.person_id == to.id))):
        return None
    reader = SecretReader(letter_id=letter.id, person_id=to.id, named_by_id=by.id)
    db.session.add(reader)
    audit.record("forward", MODULE, "letter", letter.id, by, to.full_name, details={"person_id": to.id},
                 remote_addr=remote_addr)
    db.session.commit()
    return reader


def readers_of(letter: Letter) -> list[SecretReader]:
    return list(db.session.scalars(select(SecretReader).where(SecretReader.letter_id == letter.id).order_by(SecretReader.id)))


# Who may see and do what lives in access.py; it uses the values above, so it is imported last and its
# functions are part of this package's surface (views and the other service modules import them from here).
from plugins.correspondence.services.access import (  # noqa: E402, F401
    _delivered_to, _may, _named_reader, _routed_to, _school_ids_of, is_on_route, is_recipient, may_list, may_read,
    may_read_files, may_receive, may_register, may_register_in, school_ids_clerked_by, secret_filter,
    visible_letters,
)
