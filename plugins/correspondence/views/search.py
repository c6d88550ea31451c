"""The search page: one box over the letters this person may open, with filters; results newest first."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from core.api import SIGNED_IN, Group, db, require
from plugins.correspondence import services
from plugins.correspondence.forms.search import SearchForm
from plugins.correspondence.services import KINDS, URGENCIES, CorrespondenceError
from plugins.correspondence.services import search as search_rules
from plugins.correspondence.views import bp

MAX_PAGE = 10_000  # deeper than anyone pages; a larger number would overflow the database's OFFSET


def _fill_choices(form: SearchForm) -> None:
    form.kind.choices = [("", _l("Any register"))] + [(code, label) for code, label in KINDS.items()]
    form.scope.choices = [("", _l("Anyone's"))] + [(place.scope, place.title) for place in services.places_of(current_user)]
    form.urgency.choices = [("", _l("Any urgency"))] + [(code, label) for code, label in URGENCIES.items()]
    form.group_id.choices = [(0, _l("Any group"))] + [(g.id, g.name) for g in db.session.scalars(
        select(Group).where(Group.active.is_(True)).order_by(Group.sort_order))]


def _filters_from(form: SearchForm) -> search_rules.SearchFilters:
    return search_rules.SearchFilters(date_from=form.date_from.data, date_to=form.date_to.data,
                                      kind=form.kind.data or None, scope=form.scope.data or None,
                                      urgency=form.urgency.data or None, group_id=form.group_id.data or None)


@bp.route("/search")
@require(SIGNED_IN)
def search():
    form = SearchForm(request.args)
    _fill_choices(form)
    page, error = None, None
    if form.q.data and form.q.data.strip():
        if not form.validate():
            error = " ".join(str(message) for messages in form.errors.values() for message in messages)
        else:
            try:
                page = search_rules.search_page(current_user, form.q.data, _filters_from(form),
                                                page=min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE))
            except CorrespondenceError as failed:
                db.session.rollback()
                error = str(failed)
    return render_template("correspondence/search.html", form=form, page=page, error=error)
