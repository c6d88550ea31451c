"""Who is away: the office's calendar of people on leave, travelling or otherwise out, from every enabled module.

Modules that know absences (leave, travel) answer the ``away_entries(start,
end, viewer)`` hook with ``AwayEntry``s the viewer may see. Core merges them
and narrows by the reader's place: office staff and admins see everyone, a
school's staff see their own school's people, anyone else only themselves.
"""

from __future__ import annotations

import datetime as dt
import logging

from core.plugin_api import AwayEntry

log = logging.getLogger(__name__)


def _visible_person_filter(viewer):
    """A predicate over people: may ``viewer`` see this person on the calendar?"""
    if getattr(viewer, "is_admin", False) or viewer.group_memberships:
        return lambda person: True
    school_ids = {membership.school_id for membership in viewer.school_memberships}
    if school_ids:
        return lambda person: person.id == viewer.id or any(
            membership.school_id in school_ids for membership in person.school_memberships
        )
    return lambda person: person.id == viewer.id


def entries(start: dt.date, end: dt.date, viewer) -> list[AwayEntry]:
    """AwayEntries overlapping start..end (inclusive) that ``viewer`` may see, by start day then name."""
    from core.plugins import registry

    if end < start:
        raise ValueError("end is before start")
    may_see = _visible_person_filter(viewer)
    found = []
    for entry in registry().collect("away_entries", start=start, end=end, viewer=viewer):
        if not isinstance(entry, AwayEntry):
            log.error("away entry %r ignored: not an AwayEntry", entry)
            continue
        if entry.end >= start and entry.start <= end and may_see(entry.person):
            found.append(entry)
    return sorted(found, key=lambda entry: (entry.start, entry.person.full_name, entry.end))


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday..Sunday of the week holding ``day``."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)
