"""Deciding room requests: the approver's buttons and list of what waits for them."""

from __future__ import annotations


from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.api import require
from plugins.rooms import services
from plugins.rooms.forms import ReasonForm
from plugins.rooms.permissions import APPROVE
from plugins.rooms.services import RoomError
from plugins.rooms.views import (
    _booking_or_404, _refused, bp,
)


@bp.route("/bookings/<int:booking_id>/decide", methods=["POST"])
@require(APPROVE)
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


@bp.route("/waiting")
@require(APPROVE)
def waiting():
    return render_template("rooms/waiting.html", waiting=services.waiting_for(current_user), reason_form=ReasonForm())
