"""Where a register's numbers go on from, and the letter code printed before them.

An office or school that starts using Khet in the middle of a year has already given numbers on paper or in
AMSS++: its clerk tells Khet the next number ("our next outgoing number is 2632"). Numbers are never given
twice, so the next number can only move forward past the highest one already given in Khet.

A school or a group prints its own letter code ("ศธ 04183.012") before its numbers; a place without one
prints the office's code. Both changes go to the audit log: they change what every later letter says.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.api import Group, Office, School, audit, db, local_today, numbers, permission_scope
from plugins.correspondence.models import LetterCode, Register
from plugins.correspondence.permissions import REGISTER
from plugins.correspondence.services import (
    KINDS,
    MODULE,
    CorrespondenceError,
    may_register_in,
    place_of_scope,
    register_for,
    school_ids_clerked_by,
    scope_of,
)

MAX_NEXT_NUMBER = 9_999_999  # a typing slip, not a register: no office gives ten million numbers a year
MAX_CODE_LENGTH = 50  # LetterCode.code


# --- the next number --------------------------------------------------------------


@dataclass(frozen=True)
class Numbering:
    """Where a register's numbers stand this year: the next one to be given, and the highest given so far."""

    kind: str
    scope: str
    year: int
    next_number: int
    highest: int | None


def register_of(kind: str, scope: str) -> Register:
    """The register of this kind and place; an unsaved one (to name it on a page) if it has no line yet."""
    if kind not in KINDS:
        raise CorrespondenceError(_l("No such register."))
    place = place_of_scope(scope)
    found = db.session.scalar(select(Register).where(Register.kind == kind, Register.scope == scope))
    if found is not None:
        return found
    group, school = place["group"], place["school"]
    return Register(kind=kind, scope=scope, group_id=group.id if group else None, school_id=school.id if school else None,
                    group=group, school=school)


def _series_key(kind: str) -> str:
    return f"{MODULE}.{kind}"


def highest_issued(kind: str, scope: str, year: int) -> int | None:
    """The highest number given in this register this year (cancelled ones count: they are never given again)."""
    return db.session.scalar(
        select(numbers.IssuedNumber.number).join(numbers.IssuedNumber.series)
        .where(numbers.NumberSeries.series_key == _series_key(kind), numbers.NumberSeries.scope == scope,
               numbers.NumberSeries.year == year)
        .order_by(numbers.IssuedNumber.number.desc()).limit(1))


def numbering_of(kind: str, scope: str) -> Numbering:
    """This year's numbering of the register of this kind and place, whether or not it has lines yet."""
    today = local_today()
    year = numbers.year_of(today)
    return Numbering(kind, scope, year, numbers.peek_next(_series_key(kind), scope, today),
                     highest_issued(kind, scope, year))


def set_next_number(kind: str, scope: str, next_number: int, by, *, remote_addr: str | None = None) -> Numbering:
    """Make ``next_number`` the next number of this year in the register of this kind and place; audited.

    Refused, changing nothing, for someone who does not keep the register, and for a number at or below
    one already given (core.services.numbers checks that again under the series' lock).
    """
    if kind not in KINDS:
        raise CorrespondenceError(_l("No such register."))
    place = place_of_scope(scope)
    if not may_register_in(by, kind, place):
        raise CorrespondenceError(_l("Only the keeper of this register may set its numbers."))
    if next_number is None or next_number < 1:
        raise CorrespondenceError(_l("The next number must be 1 or more."))
    if next_number > MAX_NEXT_NUMBER:
        raise CorrespondenceError(_l("The next number must be at most %(limit)s.", limit=f"{MAX_NEXT_NUMBER:,}"))
    before = numbering_of(kind, scope)
    if before.highest is not None and next_number <= before.highest:
        raise CorrespondenceError(_l(
            "Number %(highest)s has already been given in this register this year; the next number must be higher.",
            highest=before.highest))
    register = register_for(kind, **place)
    try:
        numbers.set_next_number(_series_key(kind), scope, before.year, next_number)
    except numbers.NumberError as refused:  # a number was taken between our look and the lock
        db.session.rollback()
        raise CorrespondenceError(refused.args[0]) from refused
    audit.record("set_next_number", MODULE, "register", register.id, by,
                 f"{kind} {scope} {before.year}: {before.next_number} → {next_number}",
                 details={"kind": kind, "scope": scope, "year": before.year, "before": before.next_number,
                          "after": next_number}, remote_addr=remote_addr)
    db.session.commit()
    return numbering_of(kind, scope)


# --- letter codes -----------------------------------------------------------------


@dataclass(frozen=True)
class CodedPlace:
    """A school or a group, its own letter code if it has one, and the code its letters print."""

    scope: str
    name: str
    own_code: str
    printed_code: str


def may_set_letter_code(person, scope: str) -> bool:
    """A school's clerk (or a group's keeper) sets their own place's code; the registry sets anyone's.

    The registry is whoever holds correspondence.register for the whole office. The office's own code is
    the office's setting (Administration), not set here.
    """
    if scope == "office":
        return False
    try:
        place = place_of_scope(scope)
    except CorrespondenceError:
        return False
    return permission_scope(person, REGISTER).everywhere or may_register_in(person, "outgoing", place)


def _office_code() -> str:
    office = Office.current()
    return office.letter_code if office is not None else ""


def coded_places(person, search: str = "") -> list[CodedPlace]:
    """The groups and schools whose letter code this person may set, with their codes; ``search`` narrows by name."""
    where = permission_scope(person, REGISTER)
    groups = select(Group).where(Group.active.is_(True)).order_by(Group.sort_order, Group.name)
    schools = select(School).where(School.active.is_(True)).order_by(School.name)
    if not where.everywhere:
        groups = groups.where(Group.id.in_(where.group_ids))
        schools = schools.where(School.id.in_(school_ids_clerked_by(person) | where.school_ids))
    if search.strip():
        groups = groups.where(Group.name.icontains(search.strip(), autoescape=True))
        schools = schools.where(School.name.icontains(search.strip(), autoescape=True))
    candidates = [(scope_of(group=g), g.name) for g in db.session.scalars(groups)]
    candidates += [(scope_of(school=s), s.name) for s in db.session.scalars(schools)]
    own = dict(db.session.execute(select(LetterCode.scope, LetterCode.code).where(
        LetterCode.scope.in_([scope for scope, _name in candidates]))).all()) if candidates else {}
    office_code = _office_code()
    return [CodedPlace(scope, name, own.get(scope, ""), own.get(scope) or office_code) for scope, name in candidates]


def coded_place(scope: str) -> CodedPlace:
    """One school's or group's codes; CorrespondenceError for a scope that names neither."""
    if scope == "office":
        raise CorrespondenceError(_l("The office's own letter code is set in the office settings."))
    place = place_of_scope(scope)
    name = (place["school"] or place["group"]).name
    own = db.session.scalar(select(LetterCode.code).where(LetterCode.scope == scope)) or ""
    return CodedPlace(scope, name, own, own or _office_code())


def set_letter_code(scope: str, code: str | None, by, *, remote_addr: str | None = None) -> CodedPlace:
    """Set a school's or group's own letter code, or clear it (empty) so its letters print the office's; audited."""
    place = coded_place(scope)
    if not may_set_letter_code(by, scope):
        raise CorrespondenceError(_l("You may set the letter code of your own school or group only."))
    code = " ".join((code or "").split())  # one space between parts, none around: "ศธ 04183.012"
    if len(code) > MAX_CODE_LENGTH:
        raise CorrespondenceError(_l("The letter code is too long (at most %(limit)s characters).",
                                     limit=MAX_CODE_LENGTH))
    if code == place.own_code:
        return place
    row = db.session.scalar(select(LetterCode).where(LetterCode.scope == scope))
    if not code:
        db.session.delete(row)
    elif row is not None:
        row.code, row.updated_by_id = code, by.id
    else:
        _add_code(scope, code, by)
    audit.record("set_letter_code", MODULE, "letter_code", scope, by, f"{place.name}: {place.own_code} → {code}",
                 details={"scope": scope, "before": place.own_code, "after": code}, remote_addr=remote_addr)
    db.session.commit()
    return coded_place(scope)


def _add_code(scope: str, code: str, by) -> None:
    """A first code for the place; if someone saved one at the same moment, this one replaces it."""
    try:
        with db.session.begin_nested():
            db.session.add(LetterCode(scope=scope, code=code, updated_by_id=by.id))
    except IntegrityError:
        row = db.session.scalar(select(LetterCode).where(LetterCode.scope == scope))
        row.code, row.updated_by_id = code, by.id
