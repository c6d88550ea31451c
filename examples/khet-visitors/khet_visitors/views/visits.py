"""The visitor log's pages, mounted at /visitors/. Thin: forms in, services do the work."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.calendar import local_today, to_local
from core.db import db
from core.models import Person
from core.permissions import require
from core.web import paginate
from khet_visitors import services
from khet_visitors.forms import VisitForm
from khet_visitors.models import Visit

bp = Blueprint("visitors", __name__, template_folder="templates")


def _requested_day() -> dt.date:
    """The day asked for with ?day=YYYY-MM-DD (what a date input sends), else today."""
    text = request.args.get("day", "")
    if not text:
        return local_today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        flash(_("That is not a date; showing today instead."), "warning")
        return local_today()


@bp.route("/")
@require("visitors.view")
def index():
    day = _requested_day()
    return render_template(
        "visitors/index.html", day=day, page=paginate(services.visits_on(day)),
        previous_day=day - dt.timedelta(days=1), next_day=day + dt.timedelta(days=1), today=local_today(),
    )


@bp.route("/new", methods=["GET", "POST"])
@require("visitors.record")
def record():
    form = VisitForm()
    form.host_id.choices = [(0, "—")] + [(person.id, person.full_name) for person in services.office_staff()]
    if form.validate_on_submit():
        try:
            visit = services.record_arrival(
                visitor_name=form.visitor_name.data, organisation=form.organisation.data or "",
                phone=form.phone.data or "", purpose=form.purpose.data,
                host=db.session.get(Person, form.host_id.data), recorded_by=current_user,
                arrived_at=services.arrival_today(form.arrived_time.data) if form.arrived_time.data else None,
            )
        except services.VisitError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("%(name)s has been recorded.", name=visit.visitor_name), "success")
            if current_user.can("visitors.view"):
                return redirect(url_for("visitors.index"))
            return redirect(url_for("visitors.record"))
    return render_template("visitors/record.html", form=form)


@bp.route("/<int:visit_id>/leave", methods=["POST"])
@require("visitors.record")
def leave(visit_id):
    visit = db.session.get(Visit, visit_id) or abort(404)
    try:
        services.record_departure(visit)
    except services.VisitError as error:
        flash(str(error), "danger")
    else:
        flash(_("%(name)s has signed out.", name=visit.visitor_name), "success")
    return redirect(url_for("visitors.index", day=to_local(visit.arrived_at).date().isoformat()))
