"""What correspondence gives the rest of Khet through core's hooks: its notification events, its scheduled
job, its letters as a link target (a room booking's letter), results for the global search box and the home
page's cards.

The hook implementations in ``__init__`` call these; the queries they show live in ``services`` (search,
dashboard). Nothing here runs at import time.
"""

from __future__ import annotations

import datetime as dt

from flask import url_for
from flask_babel import lazy_gettext as _l

from core.api import DashboardCard, LinkedRecord, LinkTarget, NotificationEvent, ScheduledJob, SearchResult, db, utcnow
from plugins.correspondence.services import SECRECIES, URGENCIES, CorrespondenceError, printed_number
from plugins.correspondence.services.dashboard import schools_behind_yesterday, urgent_not_received, waiting_for
from plugins.correspondence.services.search import search_letters
from plugins.correspondence.services.tracking import is_sender

LETTER = "correspondence.letter"  # the link kind other modules store with a letter's id


def notification_events() -> list[NotificationEvent]:
    from plugins.correspondence.services import routing, sending, tracking

    return [
        NotificationEvent(routing.EVENT_FORWARDED, _l("A letter is forwarded to my group")),
        NotificationEvent(routing.EVENT_PRESENTED, _l("A letter is presented to me for an instruction")),
        NotificationEvent(routing.EVENT_ASSIGNED, _l("A letter is assigned to me")),
        NotificationEvent(routing.EVENT_RETURNED, _l("A letter I handed on is returned to me")),
        NotificationEvent(routing.EVENT_DONE, _l("An officer reports a letter I assigned done")),
        NotificationEvent(sending.EVENT_LETTER_SENT, _l("A letter was sent to me, my school or my group")),
        NotificationEvent(tracking.EVENT_NOT_RECEIVED, _l("A letter sent to me or my school has not been received yet")),
    ]


def _remind_not_received(now: dt.datetime) -> str:
    from plugins.correspondence.services.tracking import DEFAULT_DAYS, remind_all_overdue

    result = remind_all_overdue(DEFAULT_DAYS, now=now)
    return (f"reminded {result.reminded} recipient(s); {result.recently} reminded in the last 24 hours; "
            f"{result.nobody} with nobody to remind")


def scheduled_jobs() -> list[ScheduledJob]:
    # Daily; remind_all_overdue reminds a delivery at most once in REMIND_GAP, so running it again does no harm.
    return [ScheduledJob("correspondence.remind_not_received",
                         _l("Remind recipients who have not received their letters"),
                         _remind_not_received, every=dt.timedelta(days=1))]


def _letter_record(letter) -> LinkedRecord:
    from flask import url_for

    from plugins.correspondence.services import printed_number

    return LinkedRecord(kind=LETTER, id=str(letter.id), title=f"{printed_number(letter)} {letter.subject}",
                        url=url_for("correspondence.show", letter_id=letter.id),
                        summary=" → ".join(part for part in (letter.from_text, letter.to_text) if part))


def pick_letters(user, query: str, limit: int) -> list[LinkedRecord]:
    """Letters the user may read matching the query, for a picker (the global search's rules)."""
    from core.api import db
    from plugins.correspondence.services import CorrespondenceError
    from plugins.correspondence.services.search import search_letters as matching

    try:
        return [_letter_record(letter) for letter in db.session.scalars(matching(user, query).limit(limit))]
    except CorrespondenceError:
        return []


def describe_letters(ids: list[str], user) -> dict[str, LinkedRecord | None]:
    """{id: the letter as the user may see it, or None when it is gone or not theirs to read}."""
    from sqlalchemy import select

    from core.api import db
    from plugins.correspondence.models import Letter
    from plugins.correspondence.services import fits_an_id, may_read

    numbers = [int(record_id) for record_id in ids if record_id.isdigit() and fits_an_id(int(record_id))]
    letters = db.session.scalars(select(Letter).where(Letter.id.in_(numbers))).all() if numbers else []
    readable = {str(letter.id): _letter_record(letter) for letter in letters if may_read(user, letter)}
    return {record_id: readable.get(record_id) for record_id in ids}


def link_targets() -> list[LinkTarget]:
    return [LinkTarget(LETTER, _l("Letter"), search=pick_letters, describe=describe_letters)]


def search_results(user, query: str, limit: int) -> list[SearchResult]:
    """SearchResults of the letters this person may open that match the query, for the global search box."""
    if not getattr(user, "is_authenticated", False):
        return []
    try:
        letters = db.session.scalars(search_letters(user, query).limit(limit))
    except CorrespondenceError:
        return []
    return [SearchResult(title=f"{printed_number(letter)} {letter.subject}",
                         url=url_for("correspondence.show", letter_id=letter.id),
                         summary=" → ".join(part for part in (letter.from_text, letter.to_text) if part),
                         when=letter.registered_at)
            for letter in letters]


def dashboard_cards(user, now: dt.datetime | None = None) -> list[DashboardCard]:
    """The DashboardCards this person sees on the home page."""
    if not getattr(user, "is_authenticated", False):
        return []
    now = now or utcnow()
    sender = is_sender(user)
    cards = [DashboardCard(_l("Letters waiting for me"), "correspondence/cards/waiting.html",
                           _context(waiting=waiting_for(user)), weight=15, link_endpoint="correspondence.inbox")]
    urgent = urgent_not_received(user, now=now, as_sender=sender)
    if urgent.any:
        cards.append(DashboardCard(_l("Urgent letters not received"), "correspondence/cards/urgent.html",
                                   _context(urgent=urgent), weight=10,
                                   link_endpoint="correspondence.follow_up" if urgent.sent else "correspondence.inbox"))
    if sender:
        cards.append(DashboardCard(_l("Schools that have not received yesterday's letters"),
                                   "correspondence/cards/yesterday.html",
                                   _context(behind=schools_behind_yesterday(user, now=now)), weight=16,
                                   link_endpoint="correspondence.follow_up"))
    return cards


def _context(**values) -> dict:
    """A card renders on the home page, outside the module's pages: it brings what the module's badges read."""
    return {"urgencies": URGENCIES, "secrecies": SECRECIES, **values}


def audit_actions() -> dict:
    """Labels of the actions correspondence records in the audit log (core's fill in "view" and "export").

    A refused hop of a secret letter is recorded under the hop's bare name ("assign"), a done one as "route.assign".
    """
    hops = {
        "forward": _l("Forwarded to a group"),
        "present": _l("Presented to the director"),
        "assign": _l("Assigned"),
        "acknowledge": _l("Acknowledged"),
        "done": _l("Done"),
        "return": _l("Returned"),
    }
    return {
        **hops,
        **{f"route.{hop}": label for hop, label in hops.items()},
        "register": _l("Letter registered"),
        "send": _l("Letter sent"),
        "cancel": _l("Letter cancelled"),
        "correct": _l("Letter corrected"),
        "forward": _l("Letter forwarded"),
        "receive": _l("Letter received"),
        "print": _l("Register printed"),
        "create": _l("Recipient list saved"),
        "delete": _l("Recipient list deleted"),
        "set_next_number": _l("Next number set"),
        "set_letter_code": _l("Letter code set"),
        "retention": _l("Retention changed"),
        "make": _l("Destruction list made"),
        "decide": _l("Destruction list decided"),
        "destroy": _l("Destroyed"),
        "remind": _l("Schools reminded"),
    }
