"""Pages of routing a letter inside the office or a school: the hops (all POST) and "My letters".

The letter page shows the timeline and this person's forms through ``routing_panel`` (see
templates/correspondence/_letter_routing.html).
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.api import SIGNED_IN, Group, PersonScope, db, local_today, paginate, require, saving

from plugins.correspondence.forms.routing import (AcknowledgeForm, AssignForm, DoneForm, ForwardForm, PresentForm,
                                                  ReturnForm, routing_forms)
from plugins.correspondence.services import CorrespondenceError, fits_an_id, people_by_ids, routing as routing_rules
from plugins.correspondence.views import _letter_or_404, bp

MY_LETTER_TABS = ("open", "overdue", "done")


def _active_groups() -> list[Group]:
    return list(db.session.scalars(select(Group).where(Group.active.is_(True)).order_by(Group.sort_order, Group.name)))


@bp.context_processor
def _routing_helpers():
    return {"routing_panel": _routing_panel, "route_actions": routing_rules.ACTIONS,
            "assignment_statuses": routing_rules.ASSIGNMENT_STATUSES}


def _routing_panel(letter) -> dict:
    """The timeline of a letter and the forms of what the signed-in person may do with it now."""
    choices = routing_rules.choices_for(current_user, letter)
    forms = routing_forms()
    forms["forward"].group_id.choices = [(0, "—")] + [(g.id, g.name) for g in _active_groups()]
    forms["assign"].officer_ids.scope = PersonScope.people(p.id for p in choices.assignable)
    return {"hops": routing_rules.timeline_of(letter), "status": routing_rules.status_of(letter, choices.position),
            "choices": choices, "forms": forms}


def _hop(letter_id: int, action: str, form, do, done_message: str):
    """One hop: refuse outsiders with 403 (audited for secret letters), else do it and say how it went."""
    letter = _letter_or_404(letter_id)
    try:
        routing_rules.check_part(letter, current_user, f"route.{action}", remote_addr=request.remote_addr)
    except routing_rules.NotYours:
        abort(403)
    with saving(done_message) as saved:
        if not form.validate_on_submit():
            raise CorrespondenceError("; ".join(str(m) for messages in form.errors.values() for m in messages))
        do(letter)
    if isinstance(saved.refusal, routing_rules.NotYours):
        abort(403)
    return redirect(url_for("correspondence.show", letter_id=letter.id) + "#routing")


def _remote() -> str | None:
    return request.remote_addr


@bp.route("/letters/<int:letter_id>/routing/forward", methods=["POST"])
@require(SIGNED_IN)
def route_forward(letter_id):
    form = ForwardForm()
    return _hop(letter_id, "forward", form, lambda letter: routing_rules.forward(
        letter, db.session.get(Group, form.group_id.data) if fits_an_id(form.group_id.data or 0) else None, current_user, note=form.forward_note.data,
        remote_addr=_remote()), _("Forwarded to the group."))


@bp.route("/letters/<int:letter_id>/routing/present", methods=["POST"])
@require(SIGNED_IN)
def route_present(letter_id):
    form = PresentForm()
    return _hop(letter_id, "present", form, lambda letter: routing_rules.present(
        letter, current_user, note=form.present_note.data, remote_addr=_remote()), _("Presented to the director."))


@bp.route("/letters/<int:letter_id>/routing/assign", methods=["POST"])
@require(SIGNED_IN)
def route_assign(letter_id):
    form = AssignForm()
    return _hop(letter_id, "assign", form, lambda letter: routing_rules.assign(
        letter, people_by_ids(form.officer_ids.data), current_user, instruction=form.instruction.data,
        due_on=form.due_on.data, remote_addr=_remote()), _("Assigned."))


@bp.route("/letters/<int:letter_id>/routing/acknowledge", methods=["POST"])
@require(SIGNED_IN)
def route_acknowledge(letter_id):
    return _hop(letter_id, "acknowledge", AcknowledgeForm(), lambda letter: routing_rules.acknowledge(
        letter, current_user, remote_addr=_remote()), _("Acknowledged."))


@bp.route("/letters/<int:letter_id>/routing/done", methods=["POST"])
@require(SIGNED_IN)
def route_done(letter_id):
    form = DoneForm()
    return _hop(letter_id, "done", form, lambda letter: routing_rules.report_done(
        letter, current_user, note=form.done_note.data, remote_addr=_remote()), _("Reported done."))


@bp.route("/letters/<int:letter_id>/routing/return", methods=["POST"])
@require(SIGNED_IN)
def route_return(letter_id):
    form = ReturnForm()
    return _hop(letter_id, "return", form, lambda letter: routing_rules.return_letter(
        letter, current_user, reason=form.reason.data, remote_addr=_remote()), _("Returned."))


@bp.route("/mine")
@require(SIGNED_IN)
def my_letters():
    """What waits for me: letters to present, instructions to give, returns, and my assignments (open, overdue, done)."""
    show = request.args.get("show", "open")
    if show not in MY_LETTER_TABS:
        show = "open"
    today = local_today()
    counts = {tab: routing_rules.count_of(routing_rules.assigned_to(current_user, tab, today)) for tab in MY_LETTER_TABS}
    to_present = routing_rules.waiting_to_be_presented(current_user)
    return render_template(
        "correspondence/routing/mine.html", show=show, counts=counts, today=today,
        page=paginate(routing_rules.assigned_to(current_user, show, today)),
        to_instruct=db.session.execute(routing_rules.waiting_for_my_instruction(current_user)).all(),
        to_present=db.session.execute(to_present).all() if to_present is not None else [],
        returned=db.session.execute(routing_rules.returned_to(current_user)).all(),
        assignment_status=routing_rules.assignment_status)
