"""Pages of retention and destruction: a letter's retention, a place's destruction lists, one list, its decision.

Everything here is for the keepers of a place's registers (``services.may_register``); the rules, and what
a keeper of the secret register sees, are in services.retention.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from core.api import SIGNED_IN, Office, attachments, audit, db, local_today, require, saving
from plugins.correspondence import services
from plugins.correspondence.forms.retention import PERMANENT, DecisionForm, RetentionForm
from plugins.correspondence.models import DestructionList
from plugins.correspondence.services import MODULE, CorrespondenceError, retention
from plugins.correspondence.views import _kept_letter, _place_or_404, bp


@bp.context_processor
def _retention_helpers():
    return {"retention_panel": _retention_panel, "retention_label": retention.retention_label,
            "destruction_decisions": retention.DECISIONS, "letter_reference": retention.letter_reference}


def _retention_panel(letter) -> dict:
    """What the letter page's retention panel shows: the class, the years, the list, the form for its keeper."""
    keeper = services.may_register(current_user, letter.register)
    form = None
    if keeper and letter.destroyed_at is None:
        form = RetentionForm(formdata=None)
        form.fill_from(letter.retention_years)
    destroyed_by = db.session.get(DestructionList, letter.destruction_list_id) if letter.destruction_list_id else None
    purged = [f for f in attachments.attachments_of((MODULE, "letter", letter.id), include_purged=True)
              if f.purged_at is not None] if letter.destroyed_at else []
    return {"label": retention.retention_label(letter.retention_years),
            "kept_through": retention.kept_through_year(letter), "first_list_year": retention.first_list_year(letter),
            "open_list": retention.open_list_of(letter) if keeper else None, "destroyed_by": destroyed_by,
            "purged_files": purged, "form": form, "keeper": keeper}


@bp.route("/letters/<int:letter_id>/retention", methods=["POST"])
@require(SIGNED_IN)
def set_retention(letter_id):
    letter = _kept_letter(letter_id)
    form = RetentionForm()
    with saving() as saved:
        if not form.validate_on_submit():
            raise CorrespondenceError(_("Choose how long the letter is kept; another number of years is from 1 to "
                                        "%(most)s.", most=retention.MAX_YEARS))
        if retention.set_retention(letter, form.years(), current_user, remote_addr=request.remote_addr):
            saved.message = _("The letter is now kept: %(label)s.",
                              label=retention.retention_label(letter.retention_years))
    return redirect(url_for("correspondence.show", letter_id=letter.id))


# --- a keeper's places and their lists ------------------------------------------


def _scope_kept_or_abort(scope: str) -> str:
    _place_or_404(scope)
    if not retention.may_keep(current_user, scope):
        abort(403)
    return scope


def _count(statement) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0


@bp.route("/retention/")
@require(SIGNED_IN)
def retention_index():
    scopes = retention.places_kept_by(current_user)
    if not scopes:
        abort(403)
    year = retention.list_year_of()
    places = [{"scope": scope, "title": retention.place_title(scope),
               "due": _count(retention.due_letters(current_user, scope, year)),
               "lists": db.session.scalars(retention.lists_of(scope).limit(3)).all()} for scope in scopes]
    return render_template("correspondence/retention/index.html", places=places, year=year,
                           deadline=retention.list_deadline(year))


@bp.route("/retention/places/<scope>")
@require(SIGNED_IN)
def retention_place(scope):
    _scope_kept_or_abort(scope)
    year = retention.list_year_of()
    return render_template("correspondence/retention/place.html", scope=scope, title=retention.place_title(scope),
                           year=year, deadline=retention.list_deadline(year),
                           due=db.session.scalars(retention.due_letters(current_user, scope, year)).all(),
                           lists=db.session.scalars(retention.lists_of(scope)).all())


@bp.route("/retention/places/<scope>/lists", methods=["POST"])
@require(SIGNED_IN)
def retention_make(scope):
    _scope_kept_or_abort(scope)
    with saving() as saved:
        made = retention.make_list(scope, current_user, remote_addr=request.remote_addr)
        db.session.flush()  # the list's number, for the message
        saved.message = _("Destruction list No. %(number)s is made; the committee decides on it next.", number=made.id)
    if not saved:
        return redirect(url_for("correspondence.retention_place", scope=scope))
    return redirect(url_for("correspondence.retention_list", list_id=made.id))


# --- one list ------------------------------------------------------------------


def _list_for_keeper(list_id: int) -> DestructionList:
    found = db.session.get(DestructionList, list_id)
    if found is None:
        abort(404)
    if not retention.may_keep(current_user, found.scope):
        audit.record("view", MODULE, "destruction_list", found.id, current_user, found.scope,
                     remote_addr=request.remote_addr, outcome="refused")
        db.session.commit()
        abort(403)
    return found


def _items_seen(found: DestructionList) -> list:
    """The lines this person sees; showing secret lines is a view of secret letters, so it is audited."""
    items = retention.visible_items(current_user, found)
    secret_ids = [item.letter_id for item in items if item.letter.is_secret]
    if secret_ids:
        audit.record("view", MODULE, "destruction_list", found.id, current_user, found.scope,
                     details={"secret_letter_ids": secret_ids}, remote_addr=request.remote_addr)
        db.session.commit()
    return items


def _decision_form(items) -> DecisionForm:
    return DecisionForm(formdata=None, data={"items": [
        {"item_id": str(item.id), "keep": False, "keep_for": "1", "note": ""} for item in items]})


def _render_list(found: DestructionList, form: DecisionForm | None = None, status: int = 200):
    items = _items_seen(found)
    may_act = retention.may_act_on(current_user, found)
    if form is None and found.decision == "pending" and may_act:
        form = _decision_form(items)
    entries = {}
    for entry in (form.items if form is not None else []):
        if str(entry.item_id.data or "").isdigit():
            entries[int(entry.item_id.data)] = entry
    return render_template("correspondence/retention/list.html", dlist=found, items=items, form=form, entries=entries,
                           hidden=retention.item_count(found) - len(items), may_act=may_act,
                           title=retention.place_title(found.scope),
                           committee=retention.committee_names(found.committee)), status


@bp.route("/retention/lists/<int:list_id>")
@require(SIGNED_IN)
def retention_list(list_id):
    return _render_list(_list_for_keeper(list_id))


@bp.route("/retention/lists/<int:list_id>/print")
@require(SIGNED_IN)
def retention_print(list_id):
    found = _list_for_keeper(list_id)
    return render_template("correspondence/retention/print.html", dlist=found, items=_items_seen(found),
                           title=retention.place_title(found.scope), office=Office.current(), today=local_today(),
                           committee=retention.committee_names(found.committee))


def _item_decisions(form: DecisionForm) -> dict[int, retention.ItemDecision]:
    decisions = {}
    for entry in form.items:
        if not str(entry.item_id.data or "").isdigit():
            raise CorrespondenceError(_("A line of the decision is not on this list."))
        years = None if entry.keep_for.data == PERMANENT else int(entry.keep_for.data)
        decisions[int(entry.item_id.data)] = retention.ItemDecision(keep=bool(entry.keep.data), years=years,
                                                                    note=entry.note.data or "")
    return decisions


@bp.route("/retention/lists/<int:list_id>/decision", methods=["POST"])
@require(SIGNED_IN)
def retention_decide(list_id):
    found = _list_for_keeper(list_id)
    form = DecisionForm()
    with saving(form=form) as saved:
        if not form.validate_on_submit():
            raise CorrespondenceError(_("Choose the committee's decision; notes are at most 1000 characters a line."))
        retention.decide(found, current_user, committee=form.committee.data or "",
                         approve=form.decision.data == "approve", note=form.note.data or "",
                         items=_item_decisions(form), remote_addr=request.remote_addr)
        if found.decision == "approved":
            saved.message = _("The committee's approval is recorded; the lines not kept may now be destroyed.")
        else:
            saved.message = _("The committee's rejection is recorded; nothing will be destroyed by this list.")
    if not saved:
        return _render_list(db.session.get(DestructionList, list_id), form)
    return redirect(url_for("correspondence.retention_list", list_id=found.id))


@bp.route("/retention/lists/<int:list_id>/destroy", methods=["POST"])
@require(SIGNED_IN)
def retention_destroy(list_id):
    found = _list_for_keeper(list_id)
    with saving() as saved:
        count = retention.destroy(found, current_user, remote_addr=request.remote_addr)
        saved.message = _("%(count)s letter(s) destroyed: their files are gone, their register lines remain.",
                          count=count)
    return redirect(url_for("correspondence.retention_list", list_id=list_id))
