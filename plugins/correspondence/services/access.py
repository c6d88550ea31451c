"""Who may see and do what in correspondence: registers one may write in or list, letters one may open,
deliveries one may receive — as SQL conditions where a list is filtered, so secret data never leaves the query."""

from __future__ import annotations

from sqlalchemy import exists, or_, select

from core.api import approvals, db, permission_scope
from plugins.correspondence.models import Delivery, Letter, Register, Route, SecretReader
from plugins.correspondence.permissions import READ, REGISTER, SECRET
from plugins.correspondence.services import _unsaved_register


def school_ids_clerked_by(person) -> set[int]:
    """Schools whose correspondence this person keeps (their school clerk)."""
    return {m.school_id for m in person.school_memberships if m.role == "clerk"}


def _may(person, code: str, register: Register) -> bool:
    if register.school_id is not None:
        return register.school_id in school_ids_clerked_by(person) or register.school_id in permission_scope(person, code).school_ids
    where = permission_scope(person, code)
    if where.everywhere:
        return True
    return register.group_id is not None and register.group_id in where.group_ids


def may_register(person, register: Register) -> bool:
    """Write lines in this register: the register permission for the office or the group, or the school's clerk."""
    if register.kind == "secret":
        return _may(person, SECRET, register)
    return _may(person, REGISTER, register)


def may_list(person, register: Register) -> bool:
    """See this register's lines (secret lines only where one is named, see visible_letters)."""
    return may_register(person, register) or _may(person, READ, register)


def _named_reader(person_id: int):
    return exists().where(SecretReader.letter_id == Letter.id, SecretReader.person_id == person_id)


def secret_filter(person):
    """SQL condition: a letter that is not secret, or one this person is named to read (or registered).

    Routing a secret letter to someone (services.routing) names them a reader, so everyone a secret letter was
    routed to passes this filter, and nobody else: the named readers stay the one list of who sees a secret letter.
    """
    return or_(Letter.secrecy == "none", Letter.registered_by_id == person.id, _named_reader(person.id))


def _routed_to(person):
    """SQL condition on Route: a hop this person made, one addressed to them (or to someone they act for today under
    a delegation), or one to a group whose letters they keep.

    A group's letters are kept by its members who hold the register permission for it (as for deliveries).
    """
    group_ids = [m.group_id for m in person.group_memberships]
    register_scope = permission_scope(person, REGISTER)
    if not register_scope.everywhere:
        group_ids = [g for g in group_ids if g in register_scope.group_ids]
    # A director's stand-in (a delegation covering today) reads what was routed to the director.
    conditions = [Route.by_id == person.id, Route.to_person_id.in_([person.id, *approvals.principals_of(person)])]
    if group_ids:
        conditions.append(Route.to_group_id.in_(group_ids))
    return or_(*conditions)


def is_on_route(person, letter: Letter) -> bool:
    """Did this letter pass through this person (or a group whose letters they keep) inside the office or school?"""
    return db.session.scalar(select(exists().where(Route.letter_id == letter.id, _routed_to(person)))) is True


def may_read(person, letter: Letter) -> bool:
    """Open a letter: the register may be listed, it was sent or routed to them; a secret letter must name them."""
    if not person.is_authenticated:
        return False
    if letter.is_secret:
        return letter.registered_by_id == person.id or db.session.scalar(
            select(exists().where(SecretReader.letter_id == letter.id, SecretReader.person_id == person.id)))
    return may_list(person, letter.register) or is_recipient(person, letter) or is_on_route(person, letter)


def may_read_files(person, letter: Letter) -> bool:
    """A letter's files: whoever may open it, and whoever may open a line a recipient's register made of it when
    it was received. The files travel with the letter: the school's own register line shows the files the office
    sent, and a teacher the school assigned opens them (issue 16: the school's line said "no files")."""
    if may_read(person, letter):
        return True
    if letter.is_secret or not person.is_authenticated:
        return False
    places = [Register.school_id.in_(_school_ids_of(person)),
              Register.group_id.in_([m.group_id for m in person.group_memberships]),
              exists().where(Route.letter_id == Letter.id, _routed_to(person))]
    copies = db.session.scalars(select(Letter).join(Register, Register.id == Letter.register_id)
                                .where(Letter.source_letter_id == letter.id, or_(*places)).limit(20))
    return any(may_read(person, copy) for copy in copies)


def visible_letters(person, register: Register, year: int):
    """The register's lines of a year, newest first; secret lines only for the people named on them.

    Only the secret register holds secret lines (``_check_fields`` sees to it), so only its query pays for
    the filter; on a register of 20,000 lines a year the filter's subquery was most of the page's cost.
    """
    query = select(Letter).where(Letter.register_id == register.id, Letter.year == year)
    if register.kind == "secret":
        query = query.where(secret_filter(person))
    return query.order_by(Letter.number.desc())


def may_register_in(person, kind: str, place: dict) -> bool:
    """May this person write in the register of this kind of this place (opened or not yet)?"""
    return may_register(person, _unsaved_register(kind, **place))


def _school_ids_of(person) -> set[int]:
    return school_ids_clerked_by(person) | set(permission_scope(person, REGISTER).school_ids) | set(
        permission_scope(person, READ).school_ids)


def _delivered_to(person):
    """SQL condition: a delivery addressed to this person, their group (as its clerk) or a school they clerk for."""
    group_ids = [m.group_id for m in person.group_memberships]
    register_scope = permission_scope(person, REGISTER)
    if not register_scope.everywhere:
        group_ids = [g for g in group_ids if g in register_scope.group_ids]
    conditions = [Delivery.person_id == person.id]
    if group_ids:
        conditions.append(Delivery.group_id.in_(group_ids))
    clerked = school_ids_clerked_by(person)
    if clerked:
        conditions.append(Delivery.school_id.in_(clerked))
    return or_(*conditions)


def may_receive(person, delivery: Delivery) -> bool:
    return db.session.scalar(select(exists().where(Delivery.id == delivery.id, _delivered_to(person)))) is True


def is_recipient(person, letter: Letter) -> bool:
    """Received by this person, their group or their school: they may read it (a secret one only if named)."""
    return db.session.scalar(select(exists().where(
        Delivery.letter_id == letter.id, Delivery.received_at.is_not(None), _delivered_to(person)))) is True
