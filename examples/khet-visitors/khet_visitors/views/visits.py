"""The log's pages: the day's visits, recording an arrival and a departure. Forms in, services do the work, the view commits."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.api import Person, db, local_today, paginate, parse_thai_date, require, saving, to_local
from khet_visitors import PLUGIN_ID, services
from khet_visitors.forms import VisitForm
from khet_visitors.models import Visit
from khet_visitors.permissions import RECORD, VIEW
from khet_visitors.views import bp

def _requested_day() -> dt.date:
    """The day asked for with ?day= (04/12/2569 from the date box, 2026-12-04 from a link), else today."""
    text = request.args.get("day", "")
    if not text:
        return local_today()
    try:
        return parse_thai_date(text) or local_today()
    except ValueError:
        flash(_("That is not a date; showing today instead."), "warning")
        return local_today()


@bp.route("/")
@require(VIEW)
def index():
    day = _requested_day()
    return render_template(
        "visitors/index.html", day=day, page=paginate(services.visits_on(day)),
        previous_day=day - dt.timedelta(days=1), next_day=day + dt.timedelta(days=1), today=local_today(),
    )


@bp.route("/new", methods=["GET", "POST"])
@require(RECORD)
def record():
    form = VisitForm()
    if form.validate_on_submit():
        # saving(): commit and say so, or roll back and show the VisitError on the form (core.api).
        with saving(form=form) as saved:
            visit = services.record_arrival(
                visitor_name=form.visitor_name.data, organisation=form.organisation.data or "",
                phone=form.phone.data or "", purpose=form.purpose.data,
                host=db.session.get(Person, form.host_id.data), recorded_by=current_user,
                arrived_at=services.arrival_today(form.arrived_time.data) if form.arrived_time.data else None,
            )
            saved.message = _("%(name)s has been recorded.", name=visit.visitor_name)
        if saved:
            return redirect(url_for(f"{PLUGIN_ID}.index" if current_user.can(VIEW) else f"{PLUGIN_ID}.record"))
    return render_template("visitors/record.html", form=form)


@bp.route("/<int:visit_id>/leave", methods=["POST"])
@require(RECORD)
def leave(visit_id):
    visit = db.session.get(Visit, visit_id) or abort(404)
    with saving(_("%(name)s has signed out.", name=visit.visitor_name)):
        services.record_departure(visit)
    return redirect(url_for(f"{PLUGIN_ID}.index", day=to_local(visit.arrived_at).date().isoformat()))
