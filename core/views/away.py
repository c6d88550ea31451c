"""The who-is-away calendar: today or this week, merged from the enabled modules' away_entries."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from core import calendar
from core.permissions import SIGNED_IN, require
from core.services import away
from core.web import module_name

bp = Blueprint("away", __name__, url_prefix="/away")


@bp.route("/")
@require(SIGNED_IN)  # every signed-in person; away.entries narrows to the people they may see
def index():
    today = calendar.local_today()
    span = "week" if request.args.get("span") == "week" else "today"
    start, end = away.week_of(today) if span == "week" else (today, today)
    return render_template("away/index.html", entries=away.entries(start, end, current_user),
                           span=span, start=start, end=end, module_name=module_name)
