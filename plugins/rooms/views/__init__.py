"""Pages of the meeting-rooms module, mounted at /rooms/. Thin: read the form, call a service, show the outcome.

One blueprint; its pages are in one file per feature, mirroring ``services``: calendars, bookings,
decisions, rooms, closures, feeds, stats. The helpers every page file shares are here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from core import calendar
from core.db import db
from core.plugins import registry
from core.services import attachments
from core.services.attachments import UploadPolicy
from plugins.rooms import PLUGIN_ID, services
from plugins.rooms.models import Booking, Room
from plugins.rooms.services import EQUIPMENT, RoomError

# Rooted at the modules folder, not views/: templates/rooms/ sits beside views/.
bp = Blueprint(PLUGIN_ID, __name__, root_path=str(Path(__file__).parent.parent), template_folder="templates")

PHOTO_POLICY = UploadPolicy(max_count=6, max_bytes=5 * attachments.MiB, allowed=frozenset({"jpg", "png"}))


@bp.context_processor
def _helpers():
    return {"equipment_labels": EQUIPMENT, "letter_url": letter_url, "status_label": status_label,
            "local_day": lambda moment: services.local(moment).date().isoformat()}


def status_label(status: str) -> str:
    return {
        "pending": _("Waiting for approval"), "confirmed": _("Confirmed"), "cancelled": _("Cancelled"),
        "refused": _("Refused"), "blocked": _("Closed"),
    }.get(status, status)


def letter_url(record: Booking) -> str | None:
    """A link to the letter the meeting answers, only while the correspondence module is switched on."""
    if not record.letter_id or not registry().is_enabled("correspondence"):
        return None
    try:
        return url_for("correspondence.show", letter_id=record.letter_id)
    except BuildError:
        return None


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
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
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
    from core.i18n import current_locale

    return current_locale()


# The page files add their routes to ``bp`` as they are imported.
from plugins.rooms.views import bookings, calendars, closures, decisions, feeds, rooms, stats  # noqa: E402, F401
