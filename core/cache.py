"""What each worker keeps between requests, and the stamps in the database that say when to drop it.

Every signed-in page needs the enabled modules, the person's grants and menu
and the office; they change a few times a year but were read on every
request. Each worker now keeps them in its own memory (``cached()``), tagged
with the stamps (``core_cache_stamp``) they were built under. A request reads
all the stamps in one query; an entry whose stamps still match is used as it
is, otherwise it is built again.

A stamp changes in the same transaction as what it guards: a flush that
writes a grant, a role, a membership, a module's state or a setting, or the
office, gives the stamp a new random token (``_stamps_touched`` says which).
Another worker sees the new token on its next request, so gunicorn workers,
and several servers on one database, never serve what was revoked.
"""

from __future__ import annotations

import uuid

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from core.db import db

MODULES = "modules"  # which modules are enabled, and their settings
ACCESS = "access"  # grants, roles, role members, group and school memberships, delegations, who is admin or active
OFFICE = "office"  # the office row the layout shows
STAMPS = (MODULES, ACCESS, OFFICE)

MAX_ENTRIES = 5000  # a worker forgets everything past this many entries (a few thousand people sign in)


class StampedCache:
    """One app's process-local entries: key -> (stamps they were built under, value)."""

    def __init__(self):
        self.entries: dict = {}

    def get(self, key, stamps: tuple, build):
        entry = self.entries.get(key)
        if entry is not None and entry[0] == stamps:
            return entry[1]
        value = build()
        if len(self.entries) >= MAX_ENTRIES:
            self.entries.clear()
        self.entries[key] = (stamps, value)
        return value

    def clear(self) -> None:
        self.entries.clear()


def process_cache(app=None) -> StampedCache:
    app = app or current_app
    return app.extensions.setdefault("khet_cache", StampedCache())


def current_stamps() -> dict[str, str]:
    """Every stamp's token, read in one query once per app context (a request clears it; so does a commit)."""
    if "khet_stamps" in g:
        return g.khet_stamps
    from core.models import CacheStamp

    stamps = dict(db.session.execute(select(CacheStamp.name, CacheStamp.token)).all())
    g.khet_stamps = stamps
    return stamps


def cached(key, depends_on: tuple[str, ...], build):
    """``build()``'s value, kept by this worker until one of the stamps in ``depends_on`` changes.

    Only requests use the cache; the CLI, migrations and jobs build every time, as they always did. The
    value must not hold ORM objects (they belong to one request's session): keep ids, tuples, strings.
    """
    if not has_request_context():
        return build()
    stamps = current_stamps()
    return process_cache().get(key, tuple(stamps.get(name, "") for name in depends_on), build)


def bump(connection, names) -> None:
    """Give each named stamp a new token, on ``connection`` (inside the caller's transaction)."""
    from core.models import CacheStamp

    table = CacheStamp.__table__
    for name in sorted(names):  # one order everywhere: two writers never wait for each other in a circle
        token = uuid.uuid4().hex
        updated = connection.execute(update(table).where(table.c.name == name).values(token=token))
        if updated.rowcount:
            continue
        # The row is missing (a test emptied the table): make it, unless a concurrent writer just did.
        try:
            with connection.begin_nested():
                connection.execute(insert(table).values(name=name, token=token))
        except IntegrityError:
            connection.execute(update(table).where(table.c.name == name).values(token=token))


# --- what changes which stamp ---------------------------------------------------------

# Person attributes that grants and menus depend on; a sign-in (last_login_at) or a new locale bumps nothing.
_PERSON_ACCESS_ATTRIBUTES = ("is_admin", "active", "roles", "group_memberships", "school_memberships")


def _stamps_touched(session) -> set[str]:
    from core import models as m

    touched = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, (m.Grant, m.Role, m.GroupMembership, m.SchoolMembership, m.Delegation)):
            touched.add(ACCESS)
        elif isinstance(instance, (m.Group, m.School)) and instance in session.deleted:
            touched.add(ACCESS)  # the database deletes their grants and memberships (ON DELETE CASCADE)
        elif isinstance(instance, m.Person):
            state = inspect(instance)
            if instance in session.new or instance in session.deleted or any(
                state.attrs[name].history.has_changes() for name in _PERSON_ACCESS_ATTRIBUTES
            ):
                touched.add(ACCESS)
        elif isinstance(instance, (m.PluginState, m.Setting)):
            touched.add(MODULES)
        elif isinstance(instance, m.Office):
            touched.add(OFFICE)
    return touched


_TABLE_STAMPS = {
    "core_grant": ACCESS, "core_role": ACCESS, "core_role_member": ACCESS, "core_group_membership": ACCESS,
    "core_school_membership": ACCESS, "core_delegation": ACCESS, "core_person": ACCESS, "core_group": ACCESS,
    "core_school": ACCESS, "core_plugin_state": MODULES, "core_setting": MODULES, "core_office": OFFICE,
}


# What an app context remembers of the stamps and of what they guard (other khet_ names in g are not ours).
_CONTEXT_NAMES = ("khet_stamps", "khet_enabled_plugins", "khet_grants_", "khet_layout", "khet_request_cache",
                  "khet_unread_notifications")


def _forget_in_this_context() -> None:
    """This app context's copies of stamps, modules, grants and layout; the next use reads them again."""
    if has_app_context():
        for name in [name for name in g if name.startswith(_CONTEXT_NAMES)]:
            g.pop(name, None)


def install(session) -> None:
    """Listen on the app's session: bump stamps in the flush that writes what they guard."""
    if getattr(install, "done", False):
        return
    install.done = True

    @event.listens_for(session, "before_flush")
    def _note_stamps(flushing, _context, _instances):
        touched = _stamps_touched(flushing)
        if touched:
            flushing.info.setdefault("khet_stamps_to_bump", set()).update(touched)

    @event.listens_for(session, "after_flush")
    def _bump_noted(flushing, _context):
        touched = flushing.info.pop("khet_stamps_to_bump", set())
        if touched:
            bump(flushing.connection(), touched)
            _forget_in_this_context()

    @event.listens_for(session, "do_orm_execute")
    def _bulk_writes(state):
        # insert()/update()/delete() run through the session bypass the flush: bump for the tables they write.
        if not (state.is_insert or state.is_update or state.is_delete):
            return
        table = getattr(state.statement, "table", None)
        name = _TABLE_STAMPS.get(getattr(table, "name", None))
        if name is not None:
            bump(state.session.connection(), {name})
            _forget_in_this_context()

    @event.listens_for(session, "after_commit")
    def _after_commit(_session):
        _forget_in_this_context()

    @event.listens_for(session, "after_rollback")
    def _after_rollback(_session):
        _forget_in_this_context()
