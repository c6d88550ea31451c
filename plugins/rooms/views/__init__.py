"""Pages of the meeting-rooms module, mounted at /rooms/. Thin: read the form, call a service, show the outcome.

One blueprint; its pages are in one file per feature, mirroring ``services``: calendars, bookings,
decisions, rooms, closures, feeds, stats. The helpers every page file shares are here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint, abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from core.api import UploadPolicy, attachments, calendar, db, links, parse_thai_date
from plugins.rooms import PLUGIN_ID, services
from plugins.rooms.models import Booking, Room
from plugins.rooms.services import EQUIPMENT, RoomError

# Rooted at the modules folder, not views/: templates/rooms/ sits beside views/.
bp = Blueprint(PLUGIN_ID, __name__, root_path=str(Path(__file__).parent.parent), template_folder="templates")

PHOTO_POLICY = UploadPolicy(max_count=6, max_bytes=5 * attachments.MiB, allowed=frozenset({"jpg", "png"}))


@bp.context_processor
def _helpers():
    return {"equipment_labels": EQUIPMENT, "linked_letter": linked_letter, "letter_link": LETTER_LINK,
            "chosen_letter": chosen_letter, "weekday_name": weekday_name,
            "status_label": status_label, "approver_may_decide": services.approver_may_decide,
            "local_day": lambda moment: services.local(moment).date().isoformat()}


def weekday_name(day: dt.date) -> str:
    """The day of the week in the reader's language: วันจันทร์ in Thai."""
    if _locale() == "th":
        return "วัน" + calendar.THAI_WEEKDAYS[day.weekday()]
    return day.strftime("%A")


def status_label(status: str) -> str:
    return {
        "pending": _("Waiting for approval"), "confirmed": _("Confirmed"), "cancelled": _("Cancelled"),
        "refused": _("Refused"), "blocked": _("Closed"),
    }.get(status, status)


# The kind of record a booking's letter is, as the module that owns letters declares it (link_targets):
# rooms asks core.services.links about it and never imports that module, which may be off or absent.
LETTER_LINK = "correspondence.letter"


def linked_letter(record: Booking):
    """The letter the meeting answers as the reader may see it (title, url), or None: no letter, the module
    that owns letters is off, or the reader may not read it."""
    if not record.letter_id:
        return None
    return links.describe_one(LETTER_LINK, record.letter_id, current_user)


def chosen_letter(letter_id):
    """The letter chosen on the booking form, as the reader may see it: the form shows its number and subject,
    not Khet's bare id."""
    if not letter_id:
        return None
    return links.describe_one(LETTER_LINK, letter_id, current_user)


def _letter_is_readable(form) -> bool:
    """A letter named on the form must be one the booker may read; otherwise say so on the field."""
    if "letter_id" not in form or not form.letter_id.data:
        return True
    if links.describe_one(LETTER_LINK, form.letter_id.data, current_user) is None:
        form.letter_id.errors = [*form.letter_id.errors,
                                 _("There is no letter with this number that you may read.")]
        return False
    return True


def _room_or_404(room_id: int, include_inactive: bool = False) -> Room:
    room = db.session.get(Room, room_id)
    if room is None or not (room.active or include_inactive):
        abort(404)
    return room


def _booking_or_404(booking_id: int) -> Booking:
    record = db.session.get(Booking, booking_id)
    if record is None:
        abort(404)
    return record


def _day_arg(name: str = "day") -> dt.date:
    """The day of ?day=: BE as the date box writes it (04/12/2569) or ISO as links carry it; today otherwise."""
    try:
        return parse_thai_date(request.args.get(name, "")) or calendar.local_today()
    except ValueError:
        return calendar.local_today()


def _month_arg() -> dt.date:
    try:
        year, month = (int(part) for part in request.args.get("month", "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return calendar.local_today().replace(day=1)


def _time_arg(name: str) -> dt.time | None:
    try:
        return dt.time.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _refused(error: RoomError) -> None:
    flash(str(error), "danger")
    for date in error.dates:
        flash(_("Taken on %(day)s", day=calendar.format_date(date, locale=_locale())), "warning")


def _locale() -> str:
    from core.api import current_locale

    return current_locale()


# The page files add their routes to ``bp`` as they are imported.
from plugins.rooms.views import bookings, calendars, closures, decisions, feeds, rooms, stats  # noqa: E402, F401
