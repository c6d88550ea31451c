"""Pages of a recipient: the inbox, a letter waiting to be received, and receiving it."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.api import SIGNED_IN, db, paginate, require, saving
from plugins.correspondence import services
from plugins.correspondence.forms.inbox import InboxFilterForm
from plugins.correspondence.models import Delivery, Letter
from plugins.correspondence.services import CorrespondenceError, inbox as inbox_rules
from plugins.correspondence.views import bp


@bp.route("/inbox")
@require(SIGNED_IN)
def inbox():
    form = InboxFilterForm(request.args)
    form.place.choices = [("", _("Anyone"))] + inbox_rules.sending_places()
    filters = inbox_rules.InboxFilter()
    if request.args and form.validate():
        filters = inbox_rules.InboxFilter(
            status=form.status.data or "unreceived", urgency=form.urgency.data or "", sent_from=form.sent_from.data,
            sent_to=form.sent_to.data, sender=form.sender.data or "", place=form.place.data or "")
    try:
        statement = inbox_rules.inbox_of(current_user, filters)
    except CorrespondenceError as error:
        form.form_errors.append(str(error))
        status = filters.status if filters.status in inbox_rules.STATUSES else "unreceived"
        filters = inbox_rules.InboxFilter(status=status)
        statement = inbox_rules.inbox_of(current_user, filters)
    return render_template("correspondence/inbox.html", form=form, filters=filters, page=paginate(statement),
                           statuses=inbox_rules.STATUSES, sender_name=inbox_rules.sender_name,
                           filtered=any((filters.urgency, filters.sent_from, filters.sent_to, filters.sender,
                                         filters.place)))


def _delivery_for_me(delivery_id: int) -> Delivery:
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.letter.cancelled:  # a cancelled letter leaves every inbox
        abort(404)
    if not services.may_receive(current_user, delivery) or (
            delivery.letter.is_secret and not services.may_read(current_user, delivery.letter)):
        abort(403)
    return delivery


@bp.route("/deliveries/<int:delivery_id>")
@require(SIGNED_IN)
def delivery(delivery_id):
    found = _delivery_for_me(delivery_id)
    if found.received_at is not None:
        return redirect(url_for("correspondence.show", letter_id=_page_after_receipt(found)))
    return render_template("correspondence/delivery.html", delivery=found, letter=found.letter,
                           sender=inbox_rules.sender_name(found.letter))


@bp.route("/deliveries/<int:delivery_id>/receive", methods=["POST"])
@require(SIGNED_IN)
def receive(delivery_id):
    found = _delivery_for_me(delivery_id)
    with saving(_("Received.")) as saved:
        inbox_rules.receive(found, current_user, remote_addr=request.remote_addr)
        line = _line_of(found)
        if line is not None:
            saved.message = _("Received as number %(number)s in your register.", number=services.printed_number(line))
    if not saved:
        return redirect(url_for("correspondence.inbox"))
    return redirect(url_for("correspondence.show", letter_id=_page_after_receipt(found)))


def _page_after_receipt(delivery: Delivery) -> int:
    """The letter a recipient sees once it is received: the line their own register made of it (their receipt
    number, their retention, their next steps), not the sender's page (issue 16); the sent letter when no line
    was made (a letter to a person) or they may not open the line."""
    line = _line_of(delivery)
    if line is not None and services.may_read(current_user, line):
        return line.id
    return delivery.letter_id


def _line_of(delivery: Delivery) -> Letter | None:
    """The line the receipt made in the recipient's incoming register, if any."""
    return db.session.get(Letter, delivery.incoming_letter_id) if delivery.incoming_letter_id else None
