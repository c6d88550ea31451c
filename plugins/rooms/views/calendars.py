"""The rooms' calendars: the day across rooms, a room's week and month, the month on A4, finding a free room."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request
from flask_login import current_user

from core.api import attachments, calendar, db, require
from plugins.rooms import PLUGIN_ID, services
from plugins.rooms.forms import FindForm
from plugins.rooms.permissions import BOOK
from plugins.rooms.services import RoomError
from plugins.rooms.views import (
    _day_arg, _month_arg, _room_or_404, bp,
)


@bp.route("/")
@require(BOOK)
def index():
    """The day across all rooms: rooms as columns, half hours as rows."""
    day = _day_arg()
    rooms = list(db.session.scalars(services.all_rooms()))
    return render_template("rooms/day.html", schedule=services.day_schedule(day, rooms), day=day,
                           previous=day - dt.timedelta(days=1), following=day + dt.timedelta(days=1))


@bp.route("/room/<int:room_id>")
@require(BOOK)
def room(room_id):
    """A room's week, with its details and photos."""
    room = _room_or_404(room_id, include_inactive=services.is_manager(current_user))
    day = _day_arg()
    week = services.week_schedule(room, day)
    return render_template("rooms/week.html", room=room, week=week, photos=attachments.attachments_of((PLUGIN_ID, "room", room.id)),
                           previous=week.days[0] - dt.timedelta(days=7), following=week.days[0] + dt.timedelta(days=7),
                           may_book=services.may_book(current_user, room))


@bp.route("/room/<int:room_id>/month")
@require(BOOK)
def room_month(room_id):
    room = _room_or_404(room_id, include_inactive=services.is_manager(current_user))
    month = services.month_schedule(room, _month_arg())
    first = month.first
    return render_template("rooms/month.html", room=room, month=month,
                           previous=(first - dt.timedelta(days=1)).replace(day=1),
                           following=(first + dt.timedelta(days=32)).replace(day=1))


@bp.route("/room/<int:room_id>/print")
@require(BOOK)
def print_month(room_id):
    """The month of one room on A4, to pin on the door."""
    room = _room_or_404(room_id, include_inactive=True)
    return render_template("rooms/print.html", room=room, month=services.month_schedule(room, _month_arg()))


@bp.route("/find")
@require(BOOK)
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
