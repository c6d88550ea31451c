"""How much the rooms are used, on screen and as a workbook."""

from __future__ import annotations


from flask import render_template, request
from flask_login import current_user

from core.api import calendar, db, require
from plugins.rooms import PLUGIN_ID, services
from plugins.rooms.permissions import VIEW_STATS
from plugins.rooms.views import (
    _locale, bp,
)


def _year_arg() -> int:
    """A BE year from ?year= (2570), as CE; this year by default."""
    year = request.args.get("year", type=int)
    return calendar.ce_year(year) if year and 2400 < year < 2700 else calendar.local_today().year


def _month_names() -> list[str]:
    months = calendar.THAI_MONTHS_SHORT if _locale() != "en" else calendar.ENGLISH_MONTHS_SHORT
    return list(months)


@bp.route("/stats")
@require(VIEW_STATS)
def stats():
    year = _year_arg()
    return render_template("rooms/stats.html", report=services.usage(year), year_be=calendar.be_year(year),
                           month_names=_month_names())


@bp.route("/stats.xlsx")
@require(VIEW_STATS)
def stats_xlsx():
    from core.api import send_export
    from core.api import audit
    from plugins.rooms.exports import usage_file

    year = _year_arg()
    written = usage_file(services.usage(year), _month_names())
    audit.record("export", PLUGIN_ID, "usage", calendar.be_year(year), current_user, f"usage {calendar.be_year(year)}",
                 remote_addr=request.remote_addr)
    db.session.commit()
    return send_export(written)
