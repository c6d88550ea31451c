"""The rules of the office's organisation: groups, networks, schools, lists, people,
acting-for delegations, roles and permission grants.

Views and the CSV importer call these; nothing here reads a Flask request.
Functions change the session and flush; the caller commits. Core events
(person_deactivated, person_changed_group, school_added) are sent to modules
inside that same transaction, so a change and the modules' reactions to it
are saved together or not at all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from core.db import db
from core.errors import Refused
from core.models import (
    Delegation,
    Grant,
    Group,
    GroupMembership,
    Office,
    Person,
    Role,
    School,
    SchoolList,
    SchoolMembership,
    SchoolNetwork,
    role_members,
)
from core.models.org import SCHOOL_ROLES, SCHOOL_TYPES
from core.plugins import registry

SCHOOL_CODE_PATTERN = re.compile(r"^[0-9]{8,10}$")
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9._@-]+$")
MAX_DELEGATION_RANK = 3


class OrgError(Refused):
    """A change refused by a rule. ``field`` names the form field the message belongs to, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, field=field)


def _notify(event: str, **kwargs) -> None:
    registry().notify(event, **kwargs)


def _blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


# --- people lookups ----------------------------------------------------------------


def search_people(query: str, limit: int = 20, active_only: bool = True) -> list[Person]:
    """People matching ``query`` (see find_people): the name search of member pages, kept for browsers without JavaScript."""
    if not (query or "").strip():
        return []
    condition = Person.active.is_(True) if active_only else true()
    return find_people(condition, query, limit=limit)[0]


def find_people(condition, query: str = "", page: int = 1, limit: int = 20) -> tuple[list[Person], bool]:
    """One page of the people meeting the SQL ``condition`` whose names, username or position hold every word of ``query``.

    "สมศรี ใจ" finds first and last name together. Returns (people, more): at most ``limit`` people ordered by
    name, their groups and schools loaded (a picker shows them), and whether another page follows. Used by the
    people picker (core.fields) and the member pages.
    """
    statement = select(Person).where(condition)
    for word in (query or "").split()[:4]:
        pattern = f"%{word}%"
        statement = statement.where(or_(
            Person.first_name.ilike(pattern), Person.last_name.ilike(pattern),
            Person.username.ilike(pattern), Person.position.ilike(pattern)))
    statement = (statement.order_by(Person.first_name, Person.last_name, Person.id)
                 .offset((max(page, 1) - 1) * limit).limit(limit + 1)
                 .options(selectinload(Person.group_memberships).selectinload(GroupMembership.group),
                          selectinload(Person.school_memberships).selectinload(SchoolMembership.school)))
    found = list(db.session.scalars(statement))
    return found[:limit], len(found) > limit


def office_staff() -> list[Person]:
    """Active people who work in the office rather than in a school: deputies, delegates, principals."""
    in_schools = select(SchoolMembership.person_id)
    return list(
        db.session.scalars(
            select(Person)
            .where(Person.active.is_(True), Person.id.not_in(in_schools))
            .order_by(Person.first_name, Person.last_name)
        )
    )


# --- org facts: who directs what ---------------------------------------------------
# The questions a module's service asks of the org chart ("who approves for the office?",
# "which schools are in this network?"), answered once here so no module walks the
# memberships itself. Each returns active people and schools only: a deactivated
# director signs nothing. Exported from core.api; docs/services/org.md.


def office_director() -> Person | None:
    """The director of the office (ผอ.สพท.), or None when none is set or they were deactivated."""
    office = Office.current()
    director = office.director if office else None
    return director if director is not None and director.active else None


def group_director(group: Group) -> Person | None:
    """The active director (ผอ.กลุ่ม) of ``group``, or None."""
    return group.director


def group_deputy(group: Group) -> Person | None:
    """The active deputy director (รอง ผอ.) who oversees ``group``, or None."""
    deputy = group.deputy
    return deputy if deputy is not None and deputy.active else None


def network_deputy(network: SchoolNetwork) -> Person | None:
    """The active deputy director who supervises the schools of ``network``, or None."""
    deputy = db.session.get(Person, network.deputy_id) if network.deputy_id else None
    return deputy if deputy is not None and deputy.active else None


def school_director(school: School) -> Person | None:
    """The active director (ผอ.โรงเรียน) of ``school``, or None (the first one if several are recorded)."""
    directors = school.members_with_role("director")
    return directors[0] if directors else None


def network_schools(network: SchoolNetwork, include_inactive: bool = False) -> list[School]:
    """The schools of ``network`` ordered by name; closed (inactive) schools only when asked."""
    statement = select(School).where(School.network_id == network.id)
    if not include_inactive:
        statement = statement.where(School.active.is_(True))
    return list(db.session.scalars(statement.order_by(School.name, School.id)))


def group_of(person: Person) -> Group | None:
    """The group where ``person``'s work is filed (their primary group), or None for school staff."""
    return person.primary_group


def school_of(person: Person) -> School | None:
    """The school ``person`` works in (their first school membership), or None for office staff."""
    return person.primary_school


# --- groups ------------------------------------------------------------------------


def save_group(group: Group, *, code: str, name: str, short_name: str = "", sort_order: int = 0,
               deputy_id: int | None = None, active: bool = True) -> Group:
    """Create or update a group; its code must be unique."""
    code = code.strip()
    taken = db.session.scalar(select(Group.id).where(func.lower(Group.code) == code.lower(), Group.id != (group.id or 0)))
    if taken:
        raise OrgError(_("Another group already has the code %(code)s.", code=code), field="code")
    group.code, group.name, group.short_name = code, name.strip(), (short_name or "").strip()
    group.sort_order, group.deputy_id, group.active = sort_order or 0, deputy_id or None, active
    db.session.add(group)
    db.session.flush()
    return group


def remove_group(group: Group) -> bool:
    """Delete a group nobody belongs to; a group with members (or records pointing at it) is deactivated.

    Returns True when the group was deleted, False when it was only deactivated.
    """
    if not group.memberships:
        try:
            with db.session.begin_nested():
                db.session.delete(group)
            return True
        except IntegrityError:
            pass  # a module's records still refer to the group: keep it, switched off
    group.active = False
    db.session.flush()
    return False


def _primary_group_id(person: Person) -> int | None:
    group = person.primary_group
    return group.id if group else None


def _announce_group_change(person: Person, old_group_id: int | None) -> None:
    """Tell modules when a person's primary group (where their work is filed) changed."""
    db.session.flush()
    new_group = person.primary_group
    if (new_group.id if new_group else None) != old_group_id:
        old_group = db.session.get(Group, old_group_id) if old_group_id else None
        _notify("person_changed_group", person=person, old_group=old_group, new_group=new_group)


def _membership(person: Person, group: Group) -> GroupMembership | None:
    return next((m for m in person.group_memberships if m.group_id == group.id), None)


def add_to_group(person: Person, group: Group, director: bool = False) -> GroupMembership:
    """Add a person to a group; the first group a person joins becomes their primary one."""
    if _membership(person, group) is not None:
        raise OrgError(_("%(person)s is already a member of %(group)s.", person=person.full_name, group=group.name))
    old_group_id = _primary_group_id(person)
    membership = GroupMembership(group=group, is_director=False, is_primary=not person.group_memberships)
    person.group_memberships.append(membership)
    db.session.flush()
    if director:
        set_group_director(membership, True)
    _announce_group_change(person, old_group_id)
    return membership


def set_group_director(membership: GroupMembership, director: bool) -> None:
    """Mark (or unmark) the group director (ผอ.กลุ่ม); a group has one, so the previous one is unmarked."""
    if director:
        for other in membership.group.memberships:
            if other is not membership:
                other.is_director = False
    membership.is_director = director
    db.session.flush()


def set_primary_group(membership: GroupMembership) -> None:
    """Make this the person's primary group, the one their work is filed under."""
    person = membership.person
    old_group_id = _primary_group_id(person)
    for other in person.group_memberships:
        other.is_primary = other is membership
    _announce_group_change(person, old_group_id)


def remove_from_group(membership: GroupMembership) -> None:
    """Take a person out of a group; another of their groups becomes primary if this one was."""
    person = membership.person
    old_group_id = _primary_group_id(person)
    person.group_memberships.remove(membership)
    if membership.is_primary and person.group_memberships:
        person.group_memberships[0].is_primary = True
    _announce_group_change(person, old_group_id)


def move_person_to_group(person: Person, new_group: Group) -> None:
    """Move a person's primary membership to another group (a transfer within the office)."""
    old_group_id = _primary_group_id(person)
    if old_group_id == new_group.id:
        return
    current = next((m for m in person.group_memberships if m.group_id == old_group_id), None)
    if current is not None:
        person.group_memberships.remove(current)
    target = _membership(person, new_group)
    if target is None:
        target = GroupMembership(group=new_group, is_director=False)
        person.group_memberships.append(target)
    for other in person.group_memberships:
        other.is_primary = other is target
    _announce_group_change(person, old_group_id)


# --- school networks and schools ---------------------------------------------------


def save_network(network: SchoolNetwork, *, name: str, district: str = "", deputy_id: int | None = None) -> SchoolNetwork:
    name = name.strip()
    taken = db.session.scalar(
        select(SchoolNetwork.id).where(func.lower(SchoolNetwork.name) == name.lower(), SchoolNetwork.id != (network.id or 0))
    )
    if taken:
        raise OrgError(_("There is already a network called %(name)s.", name=name), field="name")
    network.name, network.district, network.deputy_id = name, (district or "").strip(), deputy_id or None
    db.session.add(network)
    db.session.flush()
    return network


def school_code_problem(code: str, school_id: int | None = None) -> str | None:
    """Why ``code`` cannot be this school's code, or None when it can."""
    if not SCHOOL_CODE_PATTERN.match(code or ""):
        return _("A school code is 8 to 10 digits, without spaces or dashes.")
    other = db.session.scalar(select(School).where(School.code == code, School.id != (school_id or 0)))
    if other is not None:
        return _("The school code %(code)s already belongs to %(name)s.", code=code, name=other.name)
    return None


SCHOOL_FIELDS = ("code", "name", "district", "subdistrict", "network_id", "school_type", "phone", "email", "active")


def _apply_school_values(school: School, values: dict) -> None:
    unknown = set(values) - set(SCHOOL_FIELDS)
    if unknown:
        raise TypeError(f"unknown school fields: {sorted(unknown)}")
    code = (values.get("code", school.code) or "").strip()
    problem = school_code_problem(code, school.id)
    if problem:
        raise OrgError(problem, field="code")
    if values.get("school_type", school.school_type or "primary") not in SCHOOL_TYPES:
        raise OrgError(_("Unknown school type."), field="school_type")
    for name, value in values.items():
        setattr(school, name, value.strip() if isinstance(value, str) else value)
    school.code = code
    school.network_id = school.network_id or None


def add_school(**values) -> School:
    """Create a school and tell the modules (they may open its registers, add it to lists)."""
    school = School(school_type="primary", active=True)
    _apply_school_values(school, values)
    db.session.add(school)
    db.session.flush()
    _notify("school_added", school=school)
    return school


def update_school(school: School, **values) -> School:
    _apply_school_values(school, values)
    db.session.flush()
    return school


def add_school_member(school: School, person: Person, role: str) -> SchoolMembership:
    if role not in SCHOOL_ROLES:
        raise OrgError(_("Unknown role in a school."), field="role")
    if any(m.school_id == school.id and m.role == role for m in person.school_memberships):
        raise OrgError(_("%(person)s already has this role in %(school)s.", person=person.full_name, school=school.name))
    membership = SchoolMembership(school=school, role=role)
    person.school_memberships.append(membership)
    db.session.flush()
    return membership


def remove_school_member(membership: SchoolMembership) -> None:
    membership.person.school_memberships.remove(membership)
    db.session.flush()


# --- school lists --------------------------------------------------------------------


def visible_school_lists(person: Person):
    """Shared lists and the person's own private ones (filtered in SQL: a private list stays private)."""
    return (
        select(SchoolList)
        .where(or_(SchoolList.shared.is_(True), SchoolList.owner_id == person.id))
        .order_by(SchoolList.name)
    )


def may_edit_school_list(school_list: SchoolList, person: Person) -> bool:
    return school_list.shared or school_list.owner_id == person.id


def save_school_list(school_list: SchoolList, *, name: str, description: str = "", shared: bool = True,
                     school_ids: list[int], owner: Person) -> SchoolList:
    """Create or update a list and set its schools; a new list belongs to ``owner``."""
    if school_list.id is not None and not may_edit_school_list(school_list, owner):
        raise OrgError(_("Only its owner can change a private list."))
    wanted = set(school_ids or [])
    schools = list(db.session.scalars(select(School).where(School.id.in_(wanted)))) if wanted else []
    if len(schools) != len(wanted):
        raise OrgError(_("Some of the chosen schools do not exist."), field="school_ids")
    school_list.name, school_list.description, school_list.shared = name.strip(), (description or "").strip(), shared
    if school_list.owner_id is None:
        school_list.owner_id = owner.id
    school_list.schools = schools
    db.session.add(school_list)
    db.session.flush()
    return school_list


# --- people ----------------------------------------------------------------------


PERSON_FIELDS = ("title", "first_name", "last_name", "position", "phone", "email", "username", "locale")


def username_problem(username: str | None, person_id: int | None = None) -> str | None:
    """Why ``username`` cannot be used; sign-in ignores case, so neither does this check."""
    if not username:
        return None
    if not USERNAME_PATTERN.match(username):
        return _("A username may contain only English letters, digits and . _ @ -")
    other = db.session.scalar(
        select(Person).where(func.lower(Person.username) == username.lower(), Person.id != (person_id or 0))
    )
    if other is not None:
        return _("The username %(username)s is already used by %(name)s.", username=username, name=other.full_name)
    return None


def save_person(person: Person, **values) -> Person:
    """Create or update a person's details; the username, if any, must be free."""
    unknown = set(values) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    if "username" in values:
        values["username"] = _blank_to_none(values["username"])
        problem = username_problem(values["username"], person.id)
        if problem:
            raise OrgError(problem, field="username")
    if "locale" in values:
        values["locale"] = _blank_to_none(values["locale"])
    if not (values.get("first_name", person.first_name) or "").strip():
        raise OrgError(_("A first name is needed."), field="first_name")
    for name, value in values.items():
        setattr(person, name, value.strip() if isinstance(value, str) else value)
    db.session.add(person)
    db.session.flush()
    return person


def deactivate_person(person: Person, by: Person | None = None) -> bool:
    """Switch a person off: every open session ends and modules hand over their work.

    Returns False when the person was already inactive (nothing happens twice).
    """
    if by is not None and by.id == person.id:
        raise OrgError(_("You cannot deactivate your own account."))
    if not person.active:
        return False
    person.active = False
    person.session_version = (person.session_version or 0) + 1
    from core.security import end_all_sessions

    end_all_sessions(person)
    db.session.flush()
    _notify("person_deactivated", person=person)
    return True


def reactivate_person(person: Person) -> None:
    person.active = True
    db.session.flush()


def reset_password(person: Person, password: str) -> None:
    """An administrator sets a new password; the person's open sessions end."""
    from core import security

    if not person.username:
        raise OrgError(_("Give this person a username before setting a password."), field="new_password")
    problems = security.password_problems(password, person.username)
    if problems:
        raise OrgError(" ".join(problems), field="new_password")
    security.set_password(person, password)
    db.session.flush()


# --- acting-for delegations ----------------------------------------------------------


def current_and_future_delegations(today: dt.date):
    """Delegations that have not yet ended, soonest first."""
    return select(Delegation).where(Delegation.ends_on >= today).order_by(Delegation.starts_on, Delegation.principal_id, Delegation.rank)


def create_delegation(*, principal: Person, delegate: Person, rank: int, starts_on: dt.date, ends_on: dt.date,
                      note: str = "") -> Delegation:
    """Record that ``delegate`` acts for ``principal`` (คนที่ ``rank``) from ``starts_on`` to ``ends_on``."""
    if delegate.id == principal.id:
        raise OrgError(_("A person cannot act for themselves."), field="delegate_id")
    if ends_on < starts_on:
        raise OrgError(_("The last day cannot be before the first day."), field="ends_on")
    if not 1 <= rank <= MAX_DELEGATION_RANK:
        raise OrgError(_("The order must be 1, 2 or 3."), field="rank")
    if not delegate.active:
        raise OrgError(_("%(person)s is not active.", person=delegate.full_name), field="delegate_id")
    clash = db.session.scalar(
        select(Delegation).where(
            Delegation.principal_id == principal.id,
            Delegation.rank == rank,
            and_(Delegation.starts_on <= ends_on, Delegation.ends_on >= starts_on),
        )
    )
    if clash is not None:
        raise OrgError(
            _("%(person)s already has an acting-for delegation number %(rank)d in these dates.",
              person=principal.full_name, rank=rank),
            field="rank",
        )
    delegation = Delegation(principal_id=principal.id, delegate_id=delegate.id, rank=rank,
                            starts_on=starts_on, ends_on=ends_on, note=(note or "").strip())
    db.session.add(delegation)
    db.session.flush()
    return delegation


def delete_delegation(delegation: Delegation, today: dt.date) -> None:
    """Only a delegation that has not started may be deleted: one in force may already have been used."""
    if delegation.starts_on <= today:
        raise OrgError(_("Only delegations that have not started yet can be deleted."))
    db.session.delete(delegation)
    db.session.flush()


# --- roles and grants -----------------------------------------------------------------


def save_role(role: Role, *, code: str, name: str, description: str = "") -> Role:
    code = code.strip()
    taken = db.session.scalar(select(Role.id).where(func.lower(Role.code) == code.lower(), Role.id != (role.id or 0)))
    if taken:
        raise OrgError(_("Another role already has the code %(code)s.", code=code), field="code")
    role.code, role.name, role.description = code, name.strip(), (description or "").strip()
    db.session.add(role)
    db.session.flush()
    return role


def add_role_member(role: Role, person: Person) -> None:
    if person in role.members:
        raise OrgError(_("%(person)s already has the role %(role)s.", person=person.full_name, role=role.name))
    role.members.append(person)
    db.session.flush()


def remove_role_member(role: Role, person: Person) -> None:
    if person in role.members:
        role.members.remove(person)
        db.session.flush()


def grantable_permissions() -> dict[str, list]:
    """{module id: [Permission, ...]} of the enabled modules, core first: what an admin may grant."""
    reg = registry()
    enabled = reg.enabled_ids()
    grouped: dict[str, list] = {}
    for plugin_id, loaded in reg.plugins.items():
        if plugin_id in enabled and loaded.permissions:
            grouped[plugin_id] = sorted(loaded.permissions, key=lambda p: p.code)
    return grouped


def grant_permission(code: str, *, role: Role | None = None, group: Group | None = None, person: Person | None = None,
                     scope: Group | School | None = None) -> Grant:
    """Grant a declared permission of an enabled module to one role, group or person, optionally within a scope."""
    grantees = [g for g in (role, group, person) if g is not None]
    if len(grantees) != 1:
        raise TypeError("grant to exactly one role, group or person")
    reg = registry()
    permission = reg.permissions.get(code)
    if permission is None or not reg.is_enabled(reg.permission_owner[code]):
        raise OrgError(_("There is no permission %(code)s among the enabled modules.", code=code), field="permission")
    if scope is not None and not permission.scopable:
        raise OrgError(_("The permission %(code)s cannot be limited to a group or school.", code=code), field="scope")
    row = Grant(
        permission=code,
        role_id=role.id if role else None,
        group_id=group.id if group else None,
        person_id=person.id if person else None,
        scope_group_id=scope.id if isinstance(scope, Group) else None,
        scope_school_id=scope.id if isinstance(scope, School) else None,
    )
    same = db.session.scalar(
        select(Grant.id).where(
            Grant.permission == code,
            _is(Grant.role_id, row.role_id), _is(Grant.group_id, row.group_id), _is(Grant.person_id, row.person_id),
            _is(Grant.scope_group_id, row.scope_group_id), _is(Grant.scope_school_id, row.scope_school_id),
        )
    )
    if same is not None:
        raise OrgError(_("This permission has already been granted here."), field="permission")
    db.session.add(row)
    db.session.flush()
    return row


def _is(column, value):
    return column.is_(None) if value is None else column == value


def revoke_grant(grant: Grant) -> None:
    db.session.delete(grant)
    db.session.flush()


def grants_of(*, role: Role | None = None, group: Group | None = None, person: Person | None = None) -> list[Grant]:
    """The grants given directly to one role, group or person."""
    if role is not None:
        condition = Grant.role_id == role.id
    elif group is not None:
        condition = Grant.group_id == group.id
    elif person is not None:
        condition = Grant.person_id == person.id
    else:
        raise TypeError("name a role, group or person")
    return list(db.session.scalars(select(Grant).where(condition).order_by(Grant.permission, Grant.id)))


@dataclass
class EffectivePermission:
    """One thing a person may do, and why: for the "what can this person do" page."""

    code: str
    label: object
    module: str
    source: str  # "person", "role", "group"
    source_name: str
    scope: Group | School | None
    live: bool  # False when the owning module is disabled or gone: the grant gives nothing now
    grant_id: int


def effective_permissions(person: Person) -> list[EffectivePermission]:
    """Every grant that reaches ``person`` directly, through a role, or through a group they belong to."""
    reg = registry()
    enabled = reg.enabled_ids()
    role_ids = select(role_members.c.role_id).where(role_members.c.person_id == person.id)
    group_ids = [m.group_id for m in person.group_memberships]
    conditions = [Grant.person_id == person.id, Grant.role_id.in_(role_ids)]
    if group_ids:
        conditions.append(Grant.group_id.in_(group_ids))
    rows = db.session.scalars(select(Grant).where(or_(*conditions)).order_by(Grant.permission, Grant.id))
    found = []
    for grant in rows:
        permission = reg.permissions.get(grant.permission)
        owner = reg.permission_owner.get(grant.permission, "")
        if grant.person_id is not None:
            source, source_name = "person", person.full_name
        elif grant.role_id is not None:
            source, source_name = "role", grant.role.name
        else:
            source, source_name = "group", grant.group.name
        found.append(
            EffectivePermission(
                code=grant.permission,
                label=permission.label if permission else grant.permission,
                module=owner,
                source=source,
                source_name=source_name,
                scope=grant.scope,
                live=permission is not None and owner in enabled,
                grant_id=grant.id,
            )
        )
    return found
