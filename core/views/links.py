"""The JSON a record picker asks for: records of one link target the signed-in person may see."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user

from core.permissions import SIGNED_IN, require
from core.services import links

bp = Blueprint("links", __name__, url_prefix="/links")


@bp.route("/<kind>")
@require(SIGNED_IN)
def search(kind):
    """?q=... -> {"results": [{id, title, url, summary}]}; the target's own search leaves out what the person may not see."""
    if links.target(kind) is None:
        abort(404)  # no enabled module declares this kind
    found = links.search(kind, current_user, request.args.get("q", ""))
    return jsonify(results=[
        {"id": record.id, "title": record.title, "url": record.url, "summary": record.summary} for record in found
    ])
