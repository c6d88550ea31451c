"""Who may do what. Every view declares its permission with one decorator.

Codes are declared by modules (``rooms.approve``) and granted to roles, groups
or people, optionally only within one group or one school. A worker loads a
person's grants once and keeps them until the "access" stamp changes
(core.cache); checks cost no query.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import abort, g, has_request_context, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from core.db import db

# Markers for views that need no permission code.
PUBLIC = "public"  # anyone, signed in or not (sign-in page, health check)
SIGNED_IN = "signed-in"  # any signed-in person (home, own password)


@dataclass(frozen=True)
class GrantScope:
    """Where a person holds a permission: everywhere, or in these groups and schools."""

    everywhere: bool
    group_ids: frozenset[int]
    school_ids: frozenset[int]

    @property
    def anywhere(self) -> bool:
        return self.everywhere or bool(self.group_ids or self.school_ids)


def _grants_of(person) -> tuple[tuple[str, int | None, int | None], ...]:
    """(code, scope group, scope school) of every grant that reaches ``person``: theirs, their roles', their groups'.

    A request asks once; a worker keeps the answer across requests until the "access" stamp changes
    (core.cache): a grant revoked by another worker is refused on the next request.
    """
    from core import cache

    cache_key = f"khet_grants_{person.id}"
    if has_request_context() and cache_key in g:
        return g.get(cache_key)
    grants = cache.cached(("grants", person.id), (cache.ACCESS,), lambda: _read_grants(person.id))
    if has_request_context():
        setattr(g, cache_key, grants)
    return grants


def _read_grants(person_id: int) -> tuple[tuple[str, int | None, int | None], ...]:
    from core.models import Grant, GroupMembership, role_members

    role_ids = select(role_members.c.role_id).where(role_members.c.person_id == person_id)
    group_ids = select(GroupMembership.group_id).where(GroupMembership.person_id == person_id)
    rows = db.session.execute(
        select(Grant.permission, Grant.scope_group_id, Grant.scope_school_id).where(
            or_(Grant.person_id == person_id, Grant.role_id.in_(role_ids), Grant.group_id.in_(group_ids))
        )
    ).all()
    return tuple(tuple(row) for row in rows)


def _permission_is_live(code: str) -> bool:
    """A code of a disabled or uninstalled module grants nothing."""
    from core.plugins import registry

    reg = registry()
    owner = reg.permission_owner.get(code)
    return owner is not None and reg.is_enabled(owner)


def permission_scope(person, code: str) -> GrantScope:
    """Where ``person`` holds ``code``: use it to filter queries, not only to hide buttons."""
    nowhere = GrantScope(False, frozenset(), frozenset())
    if person is None or not getattr(person, "is_authenticated", False) or not person.active:
        return nowhere
    if not _permission_is_live(code):
        return nowhere
    if person.is_admin:
        return GrantScope(True, frozenset(), frozenset())
    everywhere, groups, schools = False, set(), set()
    for permission, scope_group_id, scope_school_id in _grants_of(person):
        if permission != code:
            continue
        if scope_group_id is None and scope_school_id is None:
            everywhere = True
        if scope_group_id is not None:
            groups.add(scope_group_id)
        if scope_school_id is not None:
            schools.add(scope_school_id)
    return GrantScope(everywhere, frozenset(groups), frozenset(schools))


def has_permission(person, code: str, scope=None) -> bool:
    """True when ``person`` holds ``code`` everywhere, or within ``scope`` (a Group or School).

    With ``scope=None`` a grant limited to some group or school counts too: the
    caller asks "anywhere?" and must filter what it shows by permission_scope().
    """
    from core.models import Group, School

    where = permission_scope(person, code)
    if scope is None:
        return where.anywhere
    if where.everywhere:
        return True
    if isinstance(scope, Group):
        return scope.id in where.group_ids
    if isinstance(scope, School):
        return scope.id in where.school_ids
    raise TypeError(f"cannot scope a permission to {type(scope).__name__}")


def require(code: str):
    """Declare the permission a view needs; anonymous people go to sign-in, others get 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if code != PUBLIC:
                if not current_user.is_authenticated:
                    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
                if code != SIGNED_IN and not has_permission(current_user, code):
                    abort(403)
            return view(*args, **kwargs)

        wrapper.khet_permission = code
        return wrapper

    return decorator


def check(code: str, scope=None) -> None:
    """Inside a view: stop with 403 unless the current person holds ``code`` (within ``scope``)."""
    if not has_permission(current_user, code, scope):
        abort(403)


def declared_permission(view) -> str | None:
    return getattr(view, "khet_permission", None)
