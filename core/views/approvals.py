"""Approvals across all modules: what waits for me, my own requests, one request with its timeline.

Modules create and react to requests through core.services.approvals; these
pages are where people decide, wherever the request came from.
"""

from __future__ import annotations

import click
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.db import db
from core.fields import PersonField
from core.models import Person
from core.permissions import SIGNED_IN, require
from core.services import approvals
from core.services.approvals import ApprovalChain, ApprovalError, ApprovalRequest
from core.web import paginate

bp = Blueprint("approvals", __name__, url_prefix="/approvals")

DECISION_LABELS = {
    "approve": _l("Approve"),
    "refuse": _l("Refuse"),
    "comment": _l("Comment and pass on"),
    "return": _l("Return for changes"),
}


class DecisionForm(FlaskForm):
    step_id = HiddenField()
    decision = RadioField(_l("Decision"), validators=[DataRequired(message=_l("Choose a decision."))])
    comment = TextAreaField(
        _l("Comment or reason"), validators=[Optional(), Length(max=4000)],
        description=_l("Required when you refuse, return or comment."),
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=4000)])


class ChainForm(FlaskForm):
    commenter = PersonField(_l("Commenter"), validators=[Optional()],
                            description=_l("Gives an opinion before the approver decides. Leave empty for none."))
    approver = PersonField(_l("Approver"), validators=[Optional()],
                           description=_l("Leave both empty to follow the org chart."))


def _load(request_id: int) -> ApprovalRequest:
    found = db.session.get(ApprovalRequest, request_id)
    if found is None or not approvals.may_view(found, current_user):
        abort(404)
    return found


def _decision_form(approval: ApprovalRequest) -> DecisionForm | None:
    step = approval.current_step
    if approval.status != "pending" or step is None or not approvals.authority(step, current_user)[0]:
        return None
    form = DecisionForm()
    form.decision.choices = [(d, DECISION_LABELS[d]) for d in step.decisions()]
    if not form.step_id.data:
        form.step_id.data = str(step.id)
    return form


def _render_show(approval: ApprovalRequest, form=None, status: int = 200):
    step = approval.current_step
    acting = approvals.authority(step, current_user)[1] if step else None
    return render_template(
        "approvals/show.html", approval=approval, form=form if form is not None else _decision_form(approval),
        acting_for=acting, reason_form=ReasonForm(), cancellation=approvals.open_cancellation_of(approval),
        kind_label=approvals.kind_label(approval),
    ), status


@bp.route("/")
@require(SIGNED_IN)
def index():
    page = paginate(approvals.waiting_for(current_user))
    return render_template("approvals/index.html", page=page, kind_label=approvals.kind_label)


@bp.route("/mine")
@require(SIGNED_IN)
def mine():
    page = paginate(approvals.requests_by(current_user))
    return render_template("approvals/mine.html", page=page, kind_label=approvals.kind_label)


@bp.route("/<int:request_id>")
@require(SIGNED_IN)
def show(request_id):
    return _render_show(_load(request_id))


def _fail(approval: ApprovalRequest, message: str, form=None):
    db.session.rollback()
    flash(message, "danger")
    return _render_show(db.session.get(ApprovalRequest, approval.id), form, 400)


@bp.route("/<int:request_id>/decide", methods=["POST"])
@require(SIGNED_IN)
def decide(request_id):
    approval = _load(request_id)
    form = _decision_form(approval)
    if form is None:
        return _fail(approval, _("You may not decide this request."))
    if not form.validate_on_submit():
        return _render_show(approval, form, 400)
    try:
        approvals.decide(
            approval, current_user, form.decision.data, form.comment.data,
            expected_step_id=int(form.step_id.data) if (form.step_id.data or "").isdigit() else None,
            remote_addr=request.remote_addr,
        )
    except ApprovalError as exc:
        form.comment.errors = [str(exc)]
        return _fail(approval, str(exc), form)
    db.session.commit()
    flash(_("Your decision has been recorded."), "success")
    return redirect(url_for("approvals.index"))


def _requester_action(request_id: int, action, done_message):
    approval = _load(request_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _fail(approval, _("The reason is too long."))
    try:
        result = action(approval, current_user, form.reason.data or "", remote_addr=request.remote_addr)
    except ApprovalError as exc:
        return _fail(approval, str(exc))
    db.session.commit()
    flash(done_message, "success")
    target = result.id if isinstance(result, ApprovalRequest) else approval.id
    return redirect(url_for("approvals.show", request_id=target))


@bp.route("/<int:request_id>/withdraw", methods=["POST"])
@require(SIGNED_IN)
def withdraw(request_id):
    return _requester_action(request_id, approvals.withdraw, _("The request has been withdrawn."))


@bp.route("/<int:request_id>/resubmit", methods=["POST"])
@require(SIGNED_IN)
def resubmit(request_id):
    return _requester_action(request_id, approvals.resubmit, _("The request has been sent again."))


@bp.route("/<int:request_id>/cancel", methods=["POST"])
@require(SIGNED_IN)
def cancel(request_id):
    return _requester_action(request_id, approvals.request_cancellation,
                             _("Your request to cancel has been sent for approval."))


# --- per-person chains (admin) -------------------------------------------------------


@bp.route("/chains")
@require("core.approvals.manage")
def chains():
    query = request.args.get("q", "").strip()
    statement = (
        select(Person).outerjoin(ApprovalChain, ApprovalChain.person_id == Person.id).where(Person.active.is_(True))
    )
    if query:
        pattern = f"%{query}%"
        statement = statement.where(or_(Person.first_name.like(pattern), Person.last_name.like(pattern),
                                        Person.username.like(pattern)))
    else:
        statement = statement.where(ApprovalChain.person_id.is_not(None))
    page = paginate(statement.order_by(Person.first_name, Person.last_name, Person.id))
    found = {c.person_id: c for c in db.session.scalars(
        select(ApprovalChain).where(ApprovalChain.person_id.in_([p.id for p in page.items])))}
    return render_template("approvals/chains.html", page=page, chains=found, query=query)


@bp.route("/chains/<int:person_id>", methods=["GET", "POST"])
@require("core.approvals.manage")
def chain(person_id):
    person = db.session.get(Person, person_id) or abort(404)
    current = approvals.chain_of(person)
    form = ChainForm(data={
        "commenter": current.commenter_id if current else None,
        "approver": current.approver_id if current else None,
    } if request.method == "GET" else None)
    if form.validate_on_submit():  # the pickers took only active people (core.fields)
        commenter = db.session.get(Person, form.commenter.data) if form.commenter.data else None
        approver = db.session.get(Person, form.approver.data) if form.approver.data else None
        try:
            approvals.set_chain(person, commenter, approver)
        except ApprovalError as exc:
            db.session.rollback()
            form.approver.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The approval chain of %(name)s has been saved.", name=person.full_name), "success")
            return redirect(url_for("approvals.chains"))
    status = 400 if any(f.errors for f in form) else 200
    return render_template("approvals/chain_form.html", form=form, person=person), status


# --- cron ------------------------------------------------------------------------------


@click.group("approvals")
def approvals_cli():
    """Approval workflow jobs."""


@approvals_cli.command("escalate")
@with_appcontext
def escalate_command():
    """Escalate approval steps nobody acted on in time (run every 15-60 minutes from cron)."""
    done = approvals.escalate_overdue()
    for item in done:
        click.echo(f"request {item.request_id}: step {item.step_id} {item.outcome}")
    click.echo(f"{len(done)} step(s) escalated")
