"""Booking a room, seeing, changing and cancelling a booking, waiting for a taken time, one's own bookings."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.api import SIGNED_IN, Group, calendar, db, links, paginate, require, utcnow
from plugins.rooms import services
from plugins.rooms.forms import BookingForm, ReasonForm
from plugins.rooms.models import Booking, Room
from plugins.rooms.permissions import APPROVE, BOOK, MANAGE
from plugins.rooms.services import BookingDetails, RoomError
from plugins.rooms.views import (
    LETTER_LINK, _booking_or_404, _day_arg, _letter_is_readable, _locale, _refused, _room_or_404, _time_arg, bp,
)


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


def _requested_already(form: BookingForm, record: Booking | None = None) -> list[Booking]:
    """Pending requests for the room and time on the form (as it was filled in or carried by the link), for the
    warning shown before a second request for that time is sent."""
    room_id, day, start, end = (form.room_id.data, form.day.data, form.start.data, form.end.data)
    if not (room_id and isinstance(day, dt.date) and start and end):
        return []
    room = db.session.get(Room, room_id)
    if room is None or not room.needs_approval:
        return []
    return services.requested_already(room, services.at(day, start), services.at(day, end), exclude=record)


def _warn_capacity(record: Booking) -> None:
    if record.over_capacity:
        flash(_("%(room)s seats %(capacity)s; you expect %(count)s people.", room=record.room.name,
                capacity=record.room.capacity, count=record.attendees), "warning")


@bp.route("/book", methods=["GET", "POST"])
@require(BOOK)
def new_booking():
    form = _booking_form()
    if request.method == "GET":
        form.room_id.data = request.args.get("room_id", type=int)
        form.day.data = _day_arg()
        form.start.data = _time_arg("start") or dt.time(9, 0)
        form.end.data = _time_arg("end") or dt.time(10, 0)
    taken = None
    requested = _requested_already(form)
    if form.validate_on_submit() and _letter_is_readable(form):
        room = _room_or_404(form.room_id.data)
        start, end = _times(form)
        if requested and not form.repeat.data and request.form.get("queue_anyway") != "1":
            # Warned before sending: the form comes back with the requests already made and a "send anyway".
            return render_template("rooms/booking_form.html", form=form, taken=None, record=None,
                                   requested=requested, asks_to_queue=True)
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
    return render_template("rooms/booking_form.html", form=form, taken=taken, record=None, requested=requested,
                           asks_to_queue=False)


@bp.route("/bookings/<int:booking_id>")
@require(SIGNED_IN)
def show_booking(booking_id):
    if not any(current_user.can(code) for code in (BOOK, APPROVE, MANAGE)):
        abort(403)
    record = _booking_or_404(booking_id)
    request_open = services.approval_of(record)
    may_decide = False
    if request_open is not None and request_open.current_step is not None:
        from core.api import approvals

        # The same rule as core's /approvals page: the approver (or whoever acts for them) holding rooms.approve.
        may_decide = approvals.authority(request_open.current_step, current_user)[0]
    series = services.series_bookings(record.series_id) if record.series_id else []
    return render_template("rooms/booking.html", record=record, approval_requests=services.approval_history(record),
                           may_change=services.may_change(record, current_user),
                           may_cancel=services.may_cancel(record, current_user), may_decide=may_decide,
                           series=series, reason_form=ReasonForm(), competing=services.competing_requests(record))


@bp.route("/bookings/<int:booking_id>/edit", methods=["GET", "POST"])
@require(BOOK)
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
    requested = _requested_already(form, record)
    if form.validate_on_submit() and _letter_is_readable(form):
        room = _room_or_404(form.room_id.data)
        start, end = _times(form)
        moved = (room.id != record.room_id or services.utc(start) != record.starts_at
                 or services.utc(end) != record.ends_at)
        if requested and moved and request.form.get("queue_anyway") != "1":
            # Moving onto a time others already asked for: warned first, as a new request is.
            return render_template("rooms/booking_form.html", form=form, taken=None, record=record,
                                   requested=requested, asks_to_queue=True)
        try:
            services.edit_booking(record, current_user, room, start, end, _details(form), remote_addr=request.remote_addr)
        except RoomError as error:
            _refused(error)
        else:
            flash(_("The booking has been changed.") if record.status == "confirmed"
                  else _("The changed booking waits for approval again."), "success")
            _warn_capacity(record)
            return redirect(url_for("rooms.show_booking", booking_id=record.id))
    return render_template("rooms/booking_form.html", form=form, taken=None, record=record, requested=requested,
                           asks_to_queue=False)


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


@bp.route("/watch", methods=["POST"])
@require(BOOK)
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
@require(BOOK)
def mine():
    return render_template("rooms/mine.html", page=paginate(services.bookings_of(current_user)),
                           now=utcnow())
