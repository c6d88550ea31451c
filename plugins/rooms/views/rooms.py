"""Managing the rooms: creating and changing them, their photos."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.api import Group, Person, attach_from_form, attachments, db, require, saving
from plugins.rooms import PLUGIN_ID, services
from plugins.rooms.forms import PhotosForm, RoomForm
from plugins.rooms.models import Room
from plugins.rooms.permissions import MANAGE
from plugins.rooms.services import RoomFields
from plugins.rooms.views import (
    PHOTO_POLICY, _room_or_404, bp,
)


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
@require(MANAGE)
def manage():
    return render_template("rooms/manage.html", rooms=db.session.scalars(services.all_rooms(include_inactive=True)).all())


@bp.route("/manage/new", methods=["GET", "POST"])
@require(MANAGE)
def new_room():
    return _edit_room(None)


@bp.route("/manage/<int:room_id>", methods=["GET", "POST"])
@require(MANAGE)
def edit_room(room_id):
    return _edit_room(_room_or_404(room_id, include_inactive=True))


def _edit_room(room: Room | None):
    form = _room_form(room)
    if form.validate_on_submit():
        with saving(form=form) as saved:
            kept = services.save_room(room, _room_fields(form), current_user)
            saved.message = _("%(name)s has been saved.", name=kept.name)
        if saved:
            return redirect(url_for("rooms.edit_room", room_id=kept.id))
    photos = attachments.attachments_of((PLUGIN_ID, "room", room.id)) if room else []
    return render_template("rooms/room_form.html", form=form, room=room, photos=photos, photos_form=PhotosForm())


@bp.route("/manage/<int:room_id>/photos", methods=["POST"])
@require(MANAGE)
def add_photos(room_id):
    room = _room_or_404(room_id, include_inactive=True)
    form = PhotosForm()
    if form.validate_on_submit():
        attach_from_form(form.photos.data, (PLUGIN_ID, "room", room.id), current_user, PHOTO_POLICY,
                         _("The photos have been added."))
    return redirect(url_for("rooms.edit_room", room_id=room.id))


@bp.route("/manage/<int:room_id>/photos/<int:attachment_id>/delete", methods=["POST"])
@require(MANAGE)
def delete_photo(room_id, attachment_id):
    room = _room_or_404(room_id, include_inactive=True)
    photo = next((a for a in attachments.attachments_of((PLUGIN_ID, "room", room.id)) if a.id == attachment_id), None)
    if photo is None:
        abort(404)
    attachments.delete_attachment(photo)
    db.session.commit()
    flash(_("The photo has been removed."), "success")
    return redirect(url_for("rooms.edit_room", room_id=room.id))
