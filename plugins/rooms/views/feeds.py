"""Calendar feeds: making and revoking one's secret links, and the .ics files calendar programs fetch."""

from __future__ import annotations


from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.api import PUBLIC, db, require
from plugins.rooms import services
from plugins.rooms.models import Room
from plugins.rooms.permissions import BOOK
from plugins.rooms.views import (
    bp,
)


@bp.route("/feeds")
@require(BOOK)
def feeds():
    token = services.feed_token_of(current_user)
    rooms = db.session.scalars(services.all_rooms()).all()
    return render_template("rooms/feeds.html", token=token, rooms=rooms)


@bp.route("/feeds/new", methods=["POST"])
@require(BOOK)
def new_feed():
    services.new_feed_token(current_user)
    db.session.commit()
    flash(_("New calendar links made; the old ones no longer work."), "success")
    return redirect(url_for("rooms.feeds"))


@bp.route("/feeds/revoke", methods=["POST"])
@require(BOOK)
def revoke_feed():
    services.revoke_feed_token(current_user)
    db.session.commit()
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
