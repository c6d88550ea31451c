"""Closing a room for a while, and lifting the closure."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.api import calendar, db, paginate, require
from plugins.rooms import services
from plugins.rooms.forms import BlockForm
from plugins.rooms.models import BlockedPeriod
from plugins.rooms.permissions import MANAGE
from plugins.rooms.services import RoomError
from plugins.rooms.views import (
    _locale, _room_or_404, bp,
)


@bp.route("/manage/closures", methods=["GET", "POST"])
@require(MANAGE)
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
@require(MANAGE)
def lift_closure(blocked_period_id):
    block = db.session.get(BlockedPeriod, blocked_period_id)
    if block is None or block.reservation.status != "confirmed":
        abort(404)
    services.unblock(block, current_user)
    flash(_("The closure has been lifted."), "success")
    return redirect(url_for("rooms.closures"))
