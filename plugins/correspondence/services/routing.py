"""Routing a letter inside the office and inside a school: forward, present, assign, acknowledge, done, return.

The path of the regulation, as AMSS++ offices work it: the central registry (สารบรรณกลาง) forwards a registered
letter to a group; the group's clerk presents it to the group director (เสนอ); the director assigns one or more
officers with an instruction (การสั่งการ) and an optional due date; each officer acknowledges it (รับทราบ) and
reports it done with a note. A school's clerk assigns the school's teachers directly. Anyone along the way may
return the letter, with a reason, to whoever handed it to them.

Where a letter stands is worked out from its routes, which are only ever added (``position_of``): a timeline
cannot disagree with the state. A secret letter is forwarded straight to the group's director (the group's
clerks are not named on it); only its named readers may route it, everyone it is routed to becomes a named
reader, and every refused attempt is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from core.api import (
    Group, GroupMembership, Person, SchoolMembership, approvals, audit, db, local_today, notifications, to_local,
    utcnow,
)
from plugins.correspondence.models import Assignment, Letter, Route, SecretReader
from plugins.correspondence.permissions import REGISTER
from plugins.correspondence.services import (MODULE, CorrespondenceError, is_on_route, may_read, may_register,
                                             printed_number, secret_filter)

ACTIONS = {
    "forward": _l("Forwarded"),
    "present": _l("Presented"),
    "assign": _l("Assigned"),
    "acknowledge": _l("Acknowledged"),
    "done": _l("Done"),
    "return": _l("Returned"),
}
# Hops that hand the letter from one holder to the next (an officer's own hand-back is a "return" too; see _moves_letter).
HANDING_ACTIONS = ("forward", "present")

ASSIGNMENT_STATUSES = {
    "waiting": _l("Not acknowledged yet"),
    "acknowledged": _l("Acknowledged"),
    "overdue": _l("Overdue"),
    "done": _l("Done"),
    "returned": _l("Returned"),
}

EVENT_FORWARDED = "correspondence.letter_forwarded"
EVENT_PRESENTED = "correspondence.letter_presented"
EVENT_ASSIGNED = "correspondence.letter_assigned"
EVENT_RETURNED = "correspondence.letter_returned"
EVENT_DONE = "correspondence.letter_done"

MAX_TEXT = 5000


class NotYours(CorrespondenceError):
    """The person has no part in this letter's routing (or may not read it): the page answers 403."""


# --- where a letter stands -----------------------------------------------------------


@dataclass
class Position:
    """Who holds a letter now, and what a return would go back to.

    ``stage``: "registry" (the central registry), "group" (the group's clerks), "director" (the person it was
    presented to, who assigns officers), "school" (the school's clerks, who assign teachers).
    """

    stage: str
    group: Group | None = None
    director: Person | None = None
    forwarded_by_id: int | None = None  # the registry clerk who forwarded it last: the group returns it to them
    presented_by_id: int | None = None  # who presented it: the director returns it to them
    presented_from: str | None = None  # "group", or "registry" for a secret letter forwarded straight to the director
    open_officer_ids: set = field(default_factory=set)  # officers with an assignment neither done nor returned
    last_hop: Route | None = None  # the hop that brought it to this stage


def routes_of(letter: Letter) -> list[Route]:
    return list(db.session.scalars(select(Route).where(Route.letter_id == letter.id).order_by(Route.id)))


def _starting_position(letter: Letter) -> Position:
    register = letter.register
    if register.school_id is not None:
        return Position("school")
    if register.group_id is not None:  # a letter of the group's own register: its clerks hold it from the start
        return Position("group", group=register.group)
    return Position("registry")


def position_of(letter: Letter, routes: list[Route] | None = None) -> Position:
    """Replay the letter's routes, oldest first, to find who holds it now."""
    position = _starting_position(letter)
    for route in routes if routes is not None else routes_of(letter):
        if route.action == "forward":
            position.group, position.forwarded_by_id, position.last_hop = route.to_group, route.by_id, route
            if route.to_person_id is not None:  # a secret letter goes straight to the director
                position.stage, position.director = "director", route.to_person
                position.presented_by_id, position.presented_from = route.by_id, "registry"
            else:
                position.stage, position.director = "group", None
        elif route.action == "present":
            position.stage, position.director, position.last_hop = "director", route.to_person, route
            position.presented_by_id, position.presented_from = route.by_id, "group"
        elif route.action == "assign":
            position.open_officer_ids.add(route.to_person_id)
        elif route.action == "done":
            position.open_officer_ids.discard(route.by_id)
        elif route.action == "return":
            if route.by_id in position.open_officer_ids:  # an officer hands their assignment back
                position.open_officer_ids.discard(route.by_id)
            elif position.stage == "director":
                position.stage, position.director, position.last_hop = position.presented_from, None, route
            elif position.stage == "group":
                position.stage, position.last_hop = "registry", route
    return position


def is_group_clerk(person, group: Group | None) -> bool:
    """A group's letters are kept by its members who hold the register permission for the group."""
    return group is not None and any(m.group_id == group.id for m in person.group_memberships) and person.can(
        REGISTER, group)


def clerks_of(group: Group) -> list[Person]:
    return [m.person for m in group.memberships if m.person.active and m.person.can(REGISTER, group)]


def assignable_people(letter: Letter, position: Position | None = None) -> list[Person]:
    """Who may be given the letter to act on: the group's staff (by its director), or the school's (by its clerk)."""
    position = position or position_of(letter)
    if position.stage == "director" and position.group is not None:
        statement = select(Person).join(GroupMembership, GroupMembership.person_id == Person.id).where(
            GroupMembership.group_id == position.group.id)
    elif position.stage == "school":
        statement = select(Person).join(SchoolMembership, SchoolMembership.person_id == Person.id).where(
            SchoolMembership.school_id == letter.register.school_id)
    else:
        return []
    return list(db.session.scalars(statement.where(Person.active.is_(True)).distinct()
                                   .order_by(Person.first_name, Person.last_name, Person.id)))


def acts_as_director(person, position: Position) -> bool:
    """The letter waits for this person's instruction: it was presented to them, or to someone they act for today
    under a delegation (core Delegation, ``approvals.principals_of``): an absent director's stand-in assigns and
    returns in their place (issue 16)."""
    director = position.director
    return director is not None and (director.id == person.id or director.id in approvals.principals_of(person))


def may_assign(person, letter: Letter, position: Position) -> bool:
    if position.stage == "director":
        return acts_as_director(person, position)
    return position.stage == "school" and may_register(person, letter.register)


def open_assignment_of(person, letter: Letter) -> Assignment | None:
    """This person's assignment on the letter that is neither done nor returned."""
    return db.session.scalar(select(Assignment).where(
        Assignment.letter_id == letter.id, Assignment.officer_id == person.id, Assignment.done_at.is_(None),
        Assignment.returned_at.is_(None)).order_by(Assignment.id.desc()).limit(1))


def assignments_of(letter: Letter) -> list[Assignment]:
    return list(db.session.scalars(select(Assignment).where(Assignment.letter_id == letter.id).order_by(Assignment.id)))


def assignment_status(assignment: Assignment, today: dt.date | None = None) -> str:
    """waiting, acknowledged, overdue (due date passed on a Bangkok calendar, not done), done or returned."""
    if assignment.returned_at is not None:
        return "returned"
    if assignment.done_at is not None:
        return "done"
    if assignment.due_on is not None and assignment.due_on < (today or local_today()):
        return "overdue"
    return "acknowledged" if assignment.acknowledged_at is not None else "waiting"


# --- who may do what now ---------------------------------------------------------------


@dataclass
class Choices:
    """What this person may do with the letter now; the letter page shows a form for each."""

    position: Position
    may_forward: bool = False
    may_present: bool = False
    presents_to: Person | None = None
    assignable: list = field(default_factory=list)  # non-empty when they may assign
    my_assignment: Assignment | None = None
    may_return: bool = False

    @property
    def any(self) -> bool:
        return bool(self.may_forward or self.may_present or self.assignable or self.my_assignment or self.may_return)


def choices_for(person, letter: Letter) -> Choices:
    position = position_of(letter)
    choices = Choices(position)
    if letter.cancelled or not may_read(person, letter):
        return choices
    choices.may_forward = position.stage == "registry" and _is_registry_letter(letter) and may_register(person, letter.register)
    choices.may_present = position.stage == "group" and is_group_clerk(person, position.group)
    if choices.may_present:
        choices.presents_to = position.group.director
    if may_assign(person, letter, position):
        choices.assignable = assignable_people(letter, position)
    choices.my_assignment = open_assignment_of(person, letter)
    choices.may_return = choices.my_assignment is not None or _return_target(person, position) is not None
    return choices


def _is_registry_letter(letter: Letter) -> bool:
    return letter.register.group_id is None and letter.register.school_id is None


def _return_target(person, position: Position) -> tuple[int | None, Group | None] | None:
    """Whom the holder's return goes back to: (person id, group or None), or None when this person cannot return it."""
    if position.stage == "group" and is_group_clerk(person, position.group) and position.forwarded_by_id is not None:
        return position.forwarded_by_id, None
    if position.stage == "director" and acts_as_director(person, position):
        return position.presented_by_id, position.group if position.presented_from == "group" else None
    return None


# --- the hops ------------------------------------------------------------------------


def _check_part(letter: Letter, by, action: str, remote_addr: str | None) -> None:
    """Refuse (NotYours) anyone who may not read the letter or has no part in its routing; a secret refusal is audited."""
    allowed = may_read(by, letter) and (is_on_route(by, letter) or may_register(by, letter.register))
    if allowed:
        return
    if letter.is_secret:
        audit.record(action, MODULE, "letter", letter.id, by, f"{action} refused", remote_addr=remote_addr,
                     outcome="refused")
        db.session.commit()
    raise NotYours(_l("This letter has not been routed to you."))


def check_part(letter: Letter, by, action: str, remote_addr: str | None = None) -> None:
    """For views: the same refusal the hops make, before the form is even read."""
    _check_part(letter, by, action, remote_addr)


def _check_open(letter: Letter) -> None:
    if letter.cancelled:
        raise CorrespondenceError(_l("A cancelled number cannot be routed."))


def _text(value: str | None, missing) -> str:
    """The text stripped; ``missing`` is the message when it is required and empty (None: it may be empty)."""
    text = (value or "").strip()
    if missing is not None and not text:
        raise CorrespondenceError(missing)
    if len(text) > MAX_TEXT:
        raise CorrespondenceError(_l("The text is too long (at most 5,000 characters)."))
    return text


def _name_reader(letter: Letter, person: Person, by) -> None:
    """Routing a secret letter to someone names them a reader (once)."""
    if not letter.is_secret:
        return
    if not db.session.scalar(select(exists().where(SecretReader.letter_id == letter.id, SecretReader.person_id == person.id))):
        db.session.add(SecretReader(letter_id=letter.id, person_id=person.id, named_by_id=by.id))


def _hop(letter: Letter, action: str, by, now: dt.datetime, *, to_person: Person | None = None,
         to_group: Group | None = None, instruction: str = "", due_on: dt.date | None = None,
         remote_addr: str | None = None) -> Route:
    route = Route(letter_id=letter.id, action=action, by_id=by.id, at=now, to_person_id=to_person.id if to_person else None,
                  to_group_id=to_group.id if to_group else None, instruction=instruction, due_on=due_on)
    db.session.add(route)
    target = to_person.full_name if to_person else to_group.name if to_group else ""
    audit.record(f"route.{action}", MODULE, "letter", letter.id, by, f"{action} → {target}".strip(" →"),
                 details={"to_person_id": route.to_person_id, "to_group_id": route.to_group_id,
                          # The audit log is read by admins, who are not named on secret letters.
                          "instruction": "" if letter.is_secret else instruction[:500], "due_on": due_on.isoformat() if due_on else None},
                 remote_addr=remote_addr)
    return route


def _notify(people, event: str, letter: Letter, title_plain, title_secret, body: str = "") -> None:
    """Tell people about a hop; a secret letter's subject stays out of the message (email leaves the office)."""
    title = title_secret if letter.is_secret else title_plain
    notifications.notify(people, event, title, link=notifications.link_to("correspondence.show", letter_id=letter.id),
                         module=MODULE, body="" if letter.is_secret else body)


def forward(letter: Letter, group: Group | None, by, *, note: str = "", now: dt.datetime | None = None,
            remote_addr: str | None = None) -> Route:
    """The central registry forwards a letter to a group (ส่งต่อกลุ่ม); a secret one goes straight to its director."""
    _check_part(letter, by, "route.forward", remote_addr)
    _check_open(letter)
    if not _is_registry_letter(letter) or not may_register(by, letter.register):
        raise CorrespondenceError(_l("Only the central registry forwards its letters to a group."))
    position = position_of(letter)
    if position.stage != "registry":
        raise CorrespondenceError(_l("This letter has already been forwarded; it must be returned before it is forwarded again."))
    if group is None or not group.active:
        raise CorrespondenceError(_l("Choose the group from the list."))
    note = _text(note, None)
    now = now or utcnow()
    director = None
    if letter.is_secret:
        director = group.director
        if director is None:
            raise CorrespondenceError(_l("A secret letter goes to the group's director, and %(group)s has none in Khet. "
                                         "Ask the administrator to mark the group's director.", group=group.name))
        _name_reader(letter, director, by)
    route = _hop(letter, "forward", by, now, to_group=group, to_person=director, instruction=note, remote_addr=remote_addr)
    letter.group_id = group.id
    subject = letter.subject
    if director is not None:
        _notify(director, EVENT_PRESENTED, letter, None, _l("A secret letter is presented to you"))
    else:
        _notify(clerks_of(group), EVENT_FORWARDED, letter,
                _l("Letter forwarded to your group: %(subject)s", subject=subject), None, body=note)
    db.session.commit()
    return route


def present(letter: Letter, by, *, note: str = "", now: dt.datetime | None = None,
            remote_addr: str | None = None) -> Route:
    """The group's clerk presents the letter to the group's director (เสนอ ผอ.กลุ่ม)."""
    _check_part(letter, by, "route.present", remote_addr)
    _check_open(letter)
    position = position_of(letter)
    if position.stage != "group" or not is_group_clerk(by, position.group):
        raise CorrespondenceError(_l("This letter is not waiting for you to present it."))
    director = position.group.director
    if director is None:
        raise CorrespondenceError(_l("%(group)s has no director in Khet. Ask the administrator to mark the group's director.",
                                     group=position.group.name))
    note = _text(note, None)
    now = now or utcnow()
    _name_reader(letter, director, by)
    route = _hop(letter, "present", by, now, to_person=director, to_group=position.group, instruction=note,
                 remote_addr=remote_addr)
    _notify(director, EVENT_PRESENTED, letter, _l("Letter presented to you: %(subject)s", subject=letter.subject),
            _l("A secret letter is presented to you"), body=note)
    db.session.commit()
    return route


def assign(letter: Letter, officers: list[Person], by, *, instruction: str, due_on: dt.date | None = None,
           now: dt.datetime | None = None, remote_addr: str | None = None) -> list[Assignment]:
    """The director (or a school's clerk) gives the letter to one or more officers with an instruction (สั่งการ)."""
    _check_part(letter, by, "route.assign", remote_addr)
    _check_open(letter)
    position = position_of(letter)
    if not may_assign(by, letter, position):
        raise CorrespondenceError(_l("This letter is not waiting for your instruction."))
    chosen = list({person.id: person for person in officers if person is not None}.values())
    if not chosen:
        raise CorrespondenceError(_l("Choose at least one officer."))
    staff = {person.id for person in assignable_people(letter, position)}
    for officer in chosen:
        if officer.id not in staff:
            raise CorrespondenceError(_l("%(name)s is not on the staff this letter can be assigned to.", name=officer.full_name))
        if open_assignment_of(officer, letter) is not None:
            raise CorrespondenceError(_l("%(name)s already has this letter to act on.", name=officer.full_name))
    instruction = _text(instruction, _l("Write the instruction for the officers."))
    now = now or utcnow()
    if due_on is not None and due_on < to_local(now).date():  # the Bangkok day of the instruction
        raise CorrespondenceError(_l("The due date cannot be in the past."))
    made = []
    for officer in chosen:
        _name_reader(letter, officer, by)
        _hop(letter, "assign", by, now, to_person=officer, instruction=instruction, due_on=due_on, remote_addr=remote_addr)
        made.append(Assignment(letter_id=letter.id, officer_id=officer.id, assigned_by_id=by.id, assigned_at=now,
                               instruction=instruction, due_on=due_on))
    db.session.add_all(made)
    if letter.officer_id is None:  # the register's ผู้รับผิดชอบ column names the first officer given the letter
        letter.officer_id = chosen[0].id
    _notify(chosen, EVENT_ASSIGNED, letter, _l("Letter assigned to you: %(subject)s", subject=letter.subject),
            _l("A secret letter is assigned to you"), body=instruction)
    db.session.commit()
    return made


def _my_open_assignment(letter: Letter, by) -> Assignment:
    assignment = open_assignment_of(by, letter)
    if assignment is None:
        raise CorrespondenceError(_l("You have no open assignment on this letter."))
    return assignment


def acknowledge(letter: Letter, by, *, now: dt.datetime | None = None, remote_addr: str | None = None) -> Assignment:
    """The officer acknowledges the assignment (รับทราบ)."""
    _check_part(letter, by, "route.acknowledge", remote_addr)
    _check_open(letter)
    assignment = _my_open_assignment(letter, by)
    if assignment.acknowledged_at is not None:
        raise CorrespondenceError(_l("You have already acknowledged this letter."))
    now = now or utcnow()
    assignment.acknowledged_at = now
    _hop(letter, "acknowledge", by, now, to_person=assignment.assigned_by, remote_addr=remote_addr)
    db.session.commit()
    return assignment


def report_done(letter: Letter, by, *, note: str, now: dt.datetime | None = None,
                remote_addr: str | None = None) -> Assignment:
    """The officer reports the work done, with what was done; reporting done also acknowledges."""
    _check_part(letter, by, "route.done", remote_addr)
    _check_open(letter)
    assignment = _my_open_assignment(letter, by)
    note = _text(note, _l("Write what was done."))
    now = now or utcnow()
    assignment.acknowledged_at = assignment.acknowledged_at or now
    assignment.done_at, assignment.done_note = now, note
    _hop(letter, "done", by, now, to_person=assignment.assigned_by, instruction=note, remote_addr=remote_addr)
    _notify(assignment.assigned_by, EVENT_DONE, letter,
            _l("%(name)s reports done: %(subject)s", name=by.full_name, subject=letter.subject),
            _l("%(name)s reports a secret letter done", name=by.full_name), body=note)
    db.session.commit()
    return assignment


def return_letter(letter: Letter, by, *, reason: str, now: dt.datetime | None = None,
                  remote_addr: str | None = None) -> Route:
    """Send the letter back (ส่งคืน), with the reason, to whoever handed it to this person.

    An officer hands back their assignment to the one who assigned it; the group's clerk returns the letter to
    the central registry; the director returns it to whoever presented it (only when no officer is still at work).
    """
    _check_part(letter, by, "route.return", remote_addr)
    _check_open(letter)
    reason = _text(reason, _l("Write why the letter is returned."))
    now = now or utcnow()
    assignment = open_assignment_of(by, letter)
    if assignment is not None:
        assignment.returned_at, assignment.return_reason = now, reason
        to_person, to_group = assignment.assigned_by, None
    else:
        position = position_of(letter)
        target = _return_target(by, position)
        if target is None:
            raise CorrespondenceError(_l("This letter is not with you; there is nothing for you to return."))
        if position.stage == "director" and position.open_officer_ids:
            raise CorrespondenceError(_l("Officers are still working on this letter; they report it done or return it first."))
        to_person, to_group = (db.session.get(Person, target[0]) if target[0] else None), target[1]
        if to_group is None:
            letter.group_id = None  # back at the central registry: no group holds it
    route = _hop(letter, "return", by, now, to_person=to_person, to_group=to_group, instruction=reason,
                 remote_addr=remote_addr)
    if to_person is not None:
        _notify(to_person, EVENT_RETURNED, letter,
                _l("Letter returned to you by %(name)s: %(subject)s", name=by.full_name, subject=letter.subject),
                _l("A secret letter is returned to you by %(name)s", name=by.full_name), body=reason)
    db.session.commit()
    return route


# --- the timeline --------------------------------------------------------------------


@dataclass
class Hop:
    """One line of the timeline: the route, and for an assignment its officer's progress."""

    route: Route
    assignment: Assignment | None = None
    status: str | None = None  # the assignment's status (ASSIGNMENT_STATUSES) on an "assign" hop


def timeline_of(letter: Letter, today: dt.date | None = None) -> list[Hop]:
    """Every hop in order, each assignment hop with where that officer's work stands."""
    today = today or local_today()
    assignments = {(a.officer_id, a.assigned_at): a for a in assignments_of(letter)}
    hops = []
    for route in routes_of(letter):
        assignment = assignments.get((route.to_person_id, route.at)) if route.action == "assign" else None
        hops.append(Hop(route, assignment, assignment_status(assignment, today) if assignment else None))
    return hops


def status_of(letter: Letter, position: Position | None = None) -> str:
    """One line for the top of the timeline: who holds the letter, or how far the officers are."""
    position = position or position_of(letter)
    live = [a for a in assignments_of(letter) if a.returned_at is None]
    if live and position.stage in ("director", "school"):
        done = sum(1 for a in live if a.done_at is not None)
        if done == len(live):
            return str(_l("Done"))
        return str(_l("In progress: %(done)s of %(total)s officers done", done=done, total=len(live)))
    if position.stage == "registry":
        return str(_l("With the central registry"))
    if position.stage == "group":
        return str(_l("With %(group)s, to be presented to its director", group=position.group.name))
    if position.stage == "director":
        return str(_l("Presented to %(name)s, waiting for an instruction",
                      name=position.director.full_name if position.director else "—"))
    return str(_l("With the school's clerk, to be assigned"))


# --- "My letters" ----------------------------------------------------------------------


def _moves_letter(route):
    """SQL: a hop that hands the letter from one holder to another (not an officer handing back their own assignment)."""
    officer_hand_back = exists().where(Assignment.letter_id == route.letter_id, Assignment.officer_id == route.by_id,
                                       Assignment.returned_at == route.at)
    return or_(route.action.in_(HANDING_ACTIONS), and_(route.action == "return", ~officer_hand_back))


# The lists below select (Route, Letter) rows: the hop that put the letter in front of this person, and the letter.


def _latest_move(route):
    """SQL: no later hop has moved the letter on since ``route``."""
    later = aliased(Route)
    return ~exists().where(later.letter_id == route.letter_id, later.id > route.id, _moves_letter(later))


def assigned_to(person, show: str = "open", today: dt.date | None = None):
    """This person's assignments: "open" (overdue first, then by due date), "overdue" or "done" (newest first)."""
    today = today or local_today()
    statement = (select(Assignment).join(Letter, Letter.id == Assignment.letter_id)
                 .where(Assignment.officer_id == person.id, secret_filter(person)))
    is_open = and_(Assignment.done_at.is_(None), Assignment.returned_at.is_(None), Letter.cancelled_at.is_(None))
    if show == "done":
        return statement.where(Assignment.done_at.is_not(None)).order_by(Assignment.done_at.desc(), Assignment.id.desc())
    if show == "overdue":
        statement = statement.where(is_open, Assignment.due_on < today)
    else:
        statement = statement.where(is_open)
    return statement.order_by(Assignment.due_on.is_(None), Assignment.due_on, Assignment.assigned_at.desc(),
                              Assignment.id.desc())


def waiting_for_my_instruction(person):
    """Letters presented (or, secret, forwarded) to this person as director, or to a director they stand in for
    today, with no officer assigned since."""
    hop = aliased(Route)
    since = exists().where(Assignment.letter_id == hop.letter_id, Assignment.assigned_at >= hop.at,
                           Assignment.returned_at.is_(None))
    directors = [person.id, *approvals.principals_of(person)]  # and those they stand in for today
    return (select(hop, Letter).join(Letter, Letter.id == hop.letter_id)
            .where(hop.action.in_(HANDING_ACTIONS), hop.to_person_id.in_(directors), _latest_move(hop), ~since,
                   Letter.cancelled_at.is_(None), secret_filter(person))
            .order_by(hop.at.desc(), hop.id.desc()))


def waiting_to_be_presented(person):
    """Letters forwarded (or returned) to a group whose letters this person keeps, not presented yet."""
    group_ids = [m.group_id for m in person.group_memberships if is_group_clerk(person, m.group)]
    if not group_ids:
        return None
    hop = aliased(Route)
    reached_group = or_(and_(hop.action == "forward", hop.to_person_id.is_(None)),
                        and_(hop.action == "return", hop.to_group_id.is_not(None)))
    return (select(hop, Letter).join(Letter, Letter.id == hop.letter_id)
            .where(reached_group, hop.to_group_id.in_(group_ids), _latest_move(hop), Letter.cancelled_at.is_(None),
                   secret_filter(person))
            .order_by(hop.at.desc(), hop.id.desc()))


def returned_to(person):
    """Returns addressed to this person that they have not acted on since."""
    hop = aliased(Route)
    later = aliased(Route)
    acted_since = exists().where(later.letter_id == hop.letter_id, later.id > hop.id, later.by_id == person.id)
    return (select(hop, Letter).join(Letter, Letter.id == hop.letter_id)
            .where(hop.action == "return", hop.to_person_id == person.id, ~acted_since, Letter.cancelled_at.is_(None),
                   secret_filter(person))
            .order_by(hop.at.desc(), hop.id.desc()))


def count_of(statement) -> int:
    if statement is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0


def waiting_count(person) -> int:
    """How many letters wait for this person: open assignments, instructions to give, letters to present (a menu badge)."""
    return (count_of(assigned_to(person)) + count_of(waiting_for_my_instruction(person))
            + count_of(waiting_to_be_presented(person)))


def label_of(letter: Letter) -> str:
    """Number and subject as lists show them."""
    return f"{printed_number(letter)} {letter.subject}"
