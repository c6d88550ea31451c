"""Pages of the meeting-rooms module, mounted at /rooms/. Thin: read the form, call a service, show the outcome."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core import calendar
from core.db import db, utcnow
from core.fields import parse_thai_date
from core.models import Group, Person
from core.permissions import PUBLIC, SIGNED_IN, require
from core.services import attachments, links
from core.services.attachments import UploadPolicy
from core.web import attach_from_form, paginate
from plugins.rooms import services
from plugins.rooms.forms import BlockForm, BookingForm, FindForm, PhotosForm, ReasonForm, RoomForm
from plugins.rooms.models import BlockedPeriod, Booking, Room
from plugins.rooms.services import EQUIPMENT, BookingDetails, RoomError, RoomFields

bp = Blueprint("rooms", __name__, template_folder="templates")

PHOTO_POLICY = UploadPolicy(max_count=6, max_bytes=5 * attachments.MiB, allowed=frozenset({"jpg", "png"}))


@bp.context_processor
def _helpers():
    return {"equipment_labels": EQUIPMENT, "linked_letter": linked_letter, "letter_link": LETTER_LINK, "status_label": status_label,
            "local_day": lambda moment: services.local(moment).date().isoformat()}


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


def _letter_is_readable(form: BookingForm) -> bool:
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
    from core.i18n import current_locale

    return current_locale()


# --- calendars --------------------------------------------------------------------------


@bp.route("/")
@require("rooms.book")
def index():
    """The day across all rooms: rooms as columns, half hours as rows."""
    day = _day_arg()
    rooms = list(db.session.scalars(services.all_rooms()))
    return render_template("rooms/day.html", schedule=services.day_schedule(day, rooms), day=day,
                           previous=day - dt.timedelta(days=1), following=day + dt.timedelta(days=1))


@bp.route("/room/<int:room_id>")
@require("rooms.book")
def room(room_id):
    """A room's week, with its details and photos."""
    room = _room_or_404(room_id, include_inactive=services.is_manager(current_user))
    day = _day_arg()
    week = services.week_schedule(room, day)
    return render_template("rooms/week.html", room=room, week=week, photos=attachments.attachments_of(("rooms", "room", room.id)),
                           previous=week.days[0] - dt.timedelta(days=7), following=week.days[0] + dt.timedelta(days=7),
                           may_book=services.may_book(current_user, room))


@bp.route("/room/<int:room_id>/month")
@require("rooms.book")
def room_month(room_id):
    room = _room_or_404(room_id, include_inactive=services.is_manager(current_user))
    month = services.month_schedule(room, _month_arg())
    first = month.first
    return render_template("rooms/month.html", room=room, month=month,
                           previous=(first - dt.timedelta(days=1)).replace(day=1),
                           following=(first + dt.timedelta(days=32)).replace(day=1))


@bp.route("/room/<int:room_id>/print")
@require("rooms.book")
def print_month(room_id):
    """The month of one room on A4, to pin on the door."""
    room = _room_or_404(room_id, include_inactive=True)
    return render_template("rooms/print.html", room=room, month=services.month_schedule(room, _month_arg()))


@bp.route("/find")
@require("rooms.book")
def find():
    form = FindForm(request.args)
    if not request.args:
        now = calendar.to_local(dt.datetime.now(dt.timezone.utc))
        form.day.data = calendar.local_today()
        form.start.data = (now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0).time()
        form.end.data = (now + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0).time()
    found = None
    if request.args and form.validate():
        try:
            found = services.find_rooms(current_user, form.day.data, form.start.data, form.end.data,
                                        form.capacity.data, form.equipment.data)
        except RoomError as error:
            form.form_errors.append(str(error))
    return render_template("rooms/find.html", form=form, found=found)


# --- booking ----------------------------------------------------------------------------


def _booking_form(record: Booking | None = None) -> BookingForm:
    form = BookingForm(obj=record)
    rooms = list(db.session.scalars(services.bookable_rooms(current_user)))
    if record is not None and record.room not in rooms:
        rooms.append(record.room)
    form.room_id.choices = [(r.id, f"{r.name} ({r.capacity})") for r in rooms]
    form.attendee_groups.choices = [(g.id, g.name) for g in db.session.scalars(
        select(Group).where(Group.active.is_(True)).order_by(Group.sort_order))]
    if links.target(LETTER_LINK) is None:
        del form.letter_id
    return form


def _details(form: BookingForm) -> BookingDetails:
    return BookingDetails(
        title=form.title.data, purpose=form.purpose.data, chair=form.chair.data, attendees=form.attendees.data,
        equipment=form.equipment.data or [], refreshments=form.refreshments.data,
        group_ids=form.attendee_groups.data or [], letter_id=form.letter_id.data if "letter_id" in form else None,
    )


def _times(form: BookingForm) -> tuple[dt.datetime, dt.datetime]:
    return services.at(form.day.data, form.start.data), services.at(form.day.data, form.end.data)


def _warn_capacity(record: Booking) -> None:
    if record.over_capacity:
        flash(_("%(room)s seats %(capacity)s; you expect %(count)s people.", room=record.room.name,
                capacity=record.room.capacity, count=record.attendees), "warning")


@bp.route("/book", methods=["GET", "POST"])
@require("rooms.book")
def new_booking():
    form = _booking_form()
    if request.method == "GET":
        form.room_id.data = request.args.get("room_id", type=int)
        form.day.data = _day_arg()
        form.start.data = _time_arg("start") or dt.time(9, 0)
        form.end.data = _time_arg("end") or dt.time(10, 0)
    taken = None
    if form.validate_on_submit() and _letter_is_readable(form):
        room = _room_or_404(form.room_id.data)
        start, end = _times(form)
        try:
            if form.repeat.data:
                if not form.repeat_until.data:
                    raise RoomError(_("Say until when the meeting repeats."))
                outcome = services.request_series(
                    room, start, end, current_user, _details(form), form.repeat.data, until=form.repeat_until.data,
                    on_conflict=form.on_conflict.data, remote_addr=request.remote_addr,
                )
                first = outcome.bookings[0]
                flash(_("%(count)s dates booked.", count=len(outcome.bookings)), "success")
                for label, dates in ((_("Taken, not booked"), outcome.conflicting_dates),
                                     (_("Weekends and holidays, left out"), outcome.skipped_dates)):
                    if dates:
                        flash(f"{label}: " + ", ".join(calendar.format_date(d, locale=_locale()) for d in dates), "warning")
            else:
                first = services.request_booking(room, start, end, current_user, _details(form),
                                                 remote_addr=request.remote_addr)
        except RoomError as error:
            _refused(error)
            taken = (room, start, end) if error.conflicts and not form.repeat.data else None
        else:
            flash(_("The room is booked.") if first.status == "confirmed"
                  else _("Your request has been sent to %(name)s for approval.", name=first.room.approver.full_name),
                  "success")
            _warn_capacity(first)
            return redirect(url_for("rooms.show_booking", booking_id=first.id))
    return render_template("rooms/booking_form.html", form=form, taken=taken, record=None)


@bp.route("/bookings/<int:booking_id>")
@require(SIGNED_IN)
def show_booking(booking_id):
    if not any(current_user.can(code) for code in ("rooms.book", "rooms.approve", "rooms.manage")):
        abort(403)
    record = _booking_or_404(booking_id)
    request_open = services.approval_of(record)
    may_decide = False
    if request_open is not None and request_open.current_step is not None:
        from core.services import approvals

        # The same rule as core's /approvals page: the approver (or whoever acts for them) holding rooms.approve.
        may_decide = approvals.authority(request_open.current_step, current_user)[0]
    series = services.series_bookings(record.series_id) if record.series_id else []
    return render_template("rooms/booking.html", record=record, approval_requests=services.approval_history(record),
                           may_change=services.may_change(record, current_user),
                           may_cancel=services.may_cancel(record, current_user), may_decide=may_decide,
                           series=series, reason_form=ReasonForm())


@bp.route("/bookings/<int:booking_id>/edit", methods=["GET", "POST"])
@require("rooms.book")
def edit_booking(booking_id):
    record = _booking_or_404(booking_id)
    if not services.may_change(record, current_user):
        abort(403)
    form = _booking_form(record)
    for name in ("repeat", "repeat_until", "on_conflict"):
        delattr(form, name)
    if request.method == "GET":
        form.room_id.data = record.room_id
        form.day.data = services.local(record.starts_at).date()
        form.start.data = services.local(record.starts_at).time()
        form.end.data = services.local(record.ends_at).time()
        form.attendee_groups.data = [g.id for g in record.attendee_groups]
        form.equipment.data = record.equipment or []
    if form.validate_on_submit() and _letter_is_readable(form):
        room = _room_or_404(form.room_id.data)
        start, end = _times(form)
        try:
            services.edit_booking(record, current_user, room, start, end, _details(form), remote_addr=request.remote_addr)
        except RoomError as error:
            _refused(error)
        else:
            flash(_("The booking has been changed.") if record.status == "confirmed"
                  else _("The changed booking waits for approval again."), "success")
            _warn_capacity(record)
            return redirect(url_for("rooms.show_booking", booking_id=record.id))
    return render_template("rooms/booking_form.html", form=form, taken=None, record=record)


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@require(SIGNED_IN)
def cancel_booking(booking_id):
    record = _booking_or_404(booking_id)
    form = ReasonForm()
    if not services.may_cancel(record, current_user):
        abort(403)
    try:
        services.cancel_booking(record, current_user, form.reason.data or "", remote_addr=request.remote_addr)
    except RoomError as error:
        _refused(error)
    else:
        flash(_("The booking has been cancelled."), "success")
    return redirect(url_for("rooms.show_booking", booking_id=record.id))


@bp.route("/bookings/<int:booking_id>/cancel-series", methods=["POST"])
@require(SIGNED_IN)
def cancel_series(booking_id):
    record = _booking_or_404(booking_id)
    form = ReasonForm()
    if not services.may_cancel(record, current_user):
        abort(403)
    try:
        cancelled = services.cancel_series(record, current_user, form.reason.data or "", remote_addr=request.remote_addr)
    except RoomError as error:
        _refused(error)
    else:
        flash(_("%(count)s dates have been cancelled.", count=len(cancelled)), "success")
    return redirect(url_for("rooms.show_booking", booking_id=record.id))


@bp.route("/bookings/<int:booking_id>/decide", methods=["POST"])
@require("rooms.approve")
def decide(booking_id):
    record = _booking_or_404(booking_id)
    form = ReasonForm()
    decision = request.form.get("decision", "")
    try:
        services.decide(record, current_user, decision, form.reason.data or "", remote_addr=request.remote_addr)
    except RoomError as error:
        _refused(error)
    else:
        flash(_("The booking is confirmed.") if decision == "approve" else _("The booking has been refused."), "success")
    if request.form.get("next") == "waiting":
        return redirect(url_for("rooms.waiting"))
    return redirect(url_for("rooms.show_booking", booking_id=record.id))


@bp.route("/watch", methods=["POST"])
@require("rooms.book")
def watch():
    room = _room_or_404(request.form.get("room_id", type=int) or 0)
    try:
        day = dt.date.fromisoformat(request.form.get("day", ""))
        start, end = (dt.time.fromisoformat(request.form.get(name, "")) for name in ("start", "end"))
    except ValueError:
        abort(400)
    try:
        services.watch_slot(room, services.at(day, start), services.at(day, end), current_user)
    except RoomError as error:
        _refused(error)
    else:
        flash(_("You will be told if this time becomes free."), "success")
    return redirect(url_for("rooms.index", day=day.isoformat()))


@bp.route("/mine")
@require("rooms.book")
def mine():
    return render_template("rooms/mine.html", page=paginate(services.bookings_of(current_user)),
                           now=utcnow())


@bp.route("/waiting")
@require("rooms.approve")
def waiting():
    return render_template("rooms/waiting.html", waiting=services.waiting_for(current_user), reason_form=ReasonForm())


# --- managing rooms ---------------------------------------------------------------------


def _room_form(room: Room | None = None) -> RoomForm:
    form = RoomForm(obj=room)
    form.allowed_groups.choices = [(g.id, g.name) for g in db.session.scalars(select(Group).order_by(Group.sort_order))]
    if request.method == "GET":
        if room is not None:
            form.approver_id.data = room.approver_id
            form.allowed_groups.data = [g.id for g in room.allowed_groups]
            form.allowed_people.data = [p.id for p in room.allowed_people]
            form.equipment.data = room.equipment
        else:
            form.opens_at.data, form.closes_at.data = dt.time(8, 0), dt.time(18, 0)
    return form


def _room_fields(form: RoomForm) -> RoomFields:
    return RoomFields(
        name=form.name.data, building=form.building.data or "", floor=form.floor.data or "", capacity=form.capacity.data,
        notes=form.notes.data or "", opens_at=form.opens_at.data, closes_at=form.closes_at.data,
        needs_approval=form.needs_approval.data,
        approver=db.session.get(Person, form.approver_id.data) if form.approver_id.data else None,
        restricted=form.restricted.data, group_ids=form.allowed_groups.data or [], person_ids=form.allowed_people.data or [],
        open_on_days_off=form.open_on_days_off.data, equipment=form.equipment.data or [], active=form.active.data,
        sort_order=form.sort_order.data or 0,
    )


@bp.route("/manage")
@require("rooms.manage")
def manage():
    return render_template("rooms/manage.html", rooms=db.session.scalars(services.all_rooms(include_inactive=True)).all())


@bp.route("/manage/new", methods=["GET", "POST"])
@require("rooms.manage")
def new_room():
    return _edit_room(None)


@bp.route("/manage/<int:room_id>", methods=["GET", "POST"])
@require("rooms.manage")
def edit_room(room_id):
    return _edit_room(_room_or_404(room_id, include_inactive=True))


def _edit_room(room: Room | None):
    form = _room_form(room)
    if form.validate_on_submit():
        from core.errors import saving

        with saving(form=form) as saved:
            kept = services.save_room(room, _room_fields(form), current_user)
            saved.message = _("%(name)s has been saved.", name=kept.name)
        if saved:
            return redirect(url_for("rooms.edit_room", room_id=kept.id))
    photos = attachments.attachments_of(("rooms", "room", room.id)) if room else []
    return render_template("rooms/room_form.html", form=form, room=room, photos=photos, photos_form=PhotosForm())


@bp.route("/manage/<int:room_id>/photos", methods=["POST"])
@require("rooms.manage")
def add_photos(room_id):
    room = _room_or_404(room_id, include_inactive=True)
    form = PhotosForm()
    if form.validate_on_submit():
        attach_from_form(form.photos.data, ("rooms", "room", room.id), current_user, PHOTO_POLICY,
                         _("The photos have been added."))
    return redirect(url_for("rooms.edit_room", room_id=room.id))


@bp.route("/manage/<int:room_id>/photos/<int:attachment_id>/delete", methods=["POST"])
@require("rooms.manage")
def delete_photo(room_id, attachment_id):
    room = _room_or_404(room_id, include_inactive=True)
    photo = next((a for a in attachments.attachments_of(("rooms", "room", room.id)) if a.id == attachment_id), None)
    if photo is None:
        abort(404)
    attachments.delete_attachment(photo)
    db.session.commit()
    flash(_("The photo has been removed."), "success")
    return redirect(url_for("rooms.edit_room", room_id=room.id))


@bp.route("/manage/closures", methods=["GET", "POST"])
@require("rooms.manage")
def closures():
    form = BlockForm()
    form.room_id.choices = [(r.id, r.name) for r in db.session.scalars(services.all_rooms(include_inactive=True))]
    if request.method == "GET":
        form.start_time.data, form.end_time.data = dt.time(8, 0), dt.time(18, 0)
    if form.validate_on_submit():
        room = _room_or_404(form.room_id.data, include_inactive=True)
        try:
            services.block_room(room, services.at(form.start_day.data, form.start_time.data),
                                services.at(form.end_day.data, form.end_time.data), form.reason.data, current_user,
                                cancel_bookings=form.cancel_bookings.data)
        except RoomError as error:
            form.form_errors.append(str(error))
            for reservation in error.conflicts:
                form.form_errors.append(f"{reservation.title} · {calendar.format_datetime(reservation.starts_at, locale=_locale())}")
        else:
            flash(_("%(room)s is closed for that time.", room=room.name), "success")
            return redirect(url_for("rooms.closures"))
    return render_template("rooms/closures.html", form=form, page=paginate(services.current_blocks()))


@bp.route("/manage/closures/<int:blocked_period_id>/lift", methods=["POST"])
@require("rooms.manage")
def lift_closure(blocked_period_id):
    block = db.session.get(BlockedPeriod, blocked_period_id)
    if block is None or block.reservation.status != "confirmed":
        abort(404)
    services.unblock(block, current_user)
    flash(_("The closure has been lifted."), "success")
    return redirect(url_for("rooms.closures"))


# --- calendar feeds ---------------------------------------------------------------------


@bp.route("/feeds")
@require("rooms.book")
def feeds():
    token = services.feed_token_of(current_user)
    rooms = db.session.scalars(services.all_rooms()).all()
    return render_template("rooms/feeds.html", token=token, rooms=rooms)


@bp.route("/feeds/new", methods=["POST"])
@require("rooms.book")
def new_feed():
    services.new_feed_token(current_user)
    flash(_("New calendar links made; the old ones no longer work."), "success")
    return redirect(url_for("rooms.feeds"))


@bp.route("/feeds/revoke", methods=["POST"])
@require("rooms.book")
def revoke_feed():
    services.revoke_feed_token(current_user)
    flash(_("Your calendar links no longer work."), "success")
    return redirect(url_for("rooms.feeds"))


def _ics_response(name: str, records) -> Response:
    body = services.ics(name, records, host=request.host.split(":")[0])
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": "inline; filename=rooms.ics", "Cache-Control": "private, no-cache",
        "Referrer-Policy": "no-referrer",
    })


# Calendar programs cannot sign in: these two answer anyone holding a live token, and 404 otherwise.
@bp.route("/feed/<token>/mine.ics")
@require(PUBLIC)
def my_feed(token):
    person = services.person_for_feed(token)
    if person is None:
        abort(404)
    return _ics_response(person.full_name, services.feed_bookings(person=person))


@bp.route("/feed/<token>/room/<int:room_id>.ics")
@require(PUBLIC)
def room_feed(token, room_id):
    person = services.person_for_feed(token)
    room = db.session.get(Room, room_id)
    if person is None or room is None:
        abort(404)
    return _ics_response(room.name, services.feed_bookings(room=room))


# --- statistics -------------------------------------------------------------------------


def _year_arg() -> int:
    """A BE year from ?year= (2570), as CE; this year by default."""
    year = request.args.get("year", type=int)
    return calendar.ce_year(year) if year and 2400 < year < 2700 else calendar.local_today().year


def _month_names() -> list[str]:
    months = calendar.THAI_MONTHS_SHORT if _locale() != "en" else calendar.ENGLISH_MONTHS_SHORT
    return list(months)


@bp.route("/stats")
@require("rooms.view_stats")
def stats():
    year = _year_arg()
    return render_template("rooms/stats.html", report=services.usage(year), year_be=calendar.be_year(year),
                           month_names=_month_names())


@bp.route("/stats.xlsx")
@require("rooms.view_stats")
def stats_xlsx():
    from core.exports import send_export
    from core.services import audit
    from plugins.rooms.exports import usage_file

    year = _year_arg()
    written = usage_file(services.usage(year), _month_names())
    audit.record("export", "rooms", "usage", calendar.be_year(year), current_user, f"usage {calendar.be_year(year)}",
                 remote_addr=request.remote_addr)
    db.session.commit()
    return send_export(written)
