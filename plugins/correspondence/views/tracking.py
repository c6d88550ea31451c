"""Pages of a sender: who has received a letter and who has not, letters not received after N days, reminders."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from core.api import SIGNED_IN, paginate, require, saving
from plugins.correspondence.forms.inbox import FollowUpForm, RemindForm
from plugins.correspondence.services import tracking
from plugins.correspondence.views import _readable_letter, bp


@bp.context_processor
def _receipt_helpers():
    """The letter page's recipients panel reads the counts through this, so it stays one query for 300 schools."""
    return {"receipt_counts": tracking.receipt_counts, "recipient_name": tracking.recipient_name}


def _tracked_letter(letter_id: int):
    letter = _readable_letter(letter_id)
    if not tracking.may_track(current_user, letter):
        abort(403)
    return letter


@bp.route("/letters/<int:letter_id>/receipts")
@require(SIGNED_IN)
def receipts(letter_id):
    letter = _tracked_letter(letter_id)
    show = request.args.get("show", "all")
    if show not in tracking.RECEIPT_FILTERS:
        show = "all"
    return render_template("correspondence/tracking/receipts.html", letter=letter, show=show,
                           counts=tracking.receipt_counts(letter), deliveries=tracking.receipts_of(letter, show))


@bp.route("/letters/<int:letter_id>/receipts/remind", methods=["POST"])
@require(SIGNED_IN)
def remind_letter(letter_id):
    letter = _tracked_letter(letter_id)
    form = RemindForm()
    if not form.validate_on_submit():
        flash(_("The number of days is a whole number from 0 to %(most)s.", most=tracking.MAX_DAYS), "danger")
    else:
        with saving() as saved:
            result = tracking.remind_letter(letter, current_user, older_than_days=form.days.data or 0,
                                            remote_addr=request.remote_addr)
        if saved:
            _flash_reminded(result)
    if request.form.get("back") == "follow_up":
        return redirect(url_for("correspondence.follow_up", days=form.days.data or 0))
    return redirect(url_for("correspondence.receipts", letter_id=letter.id, show="unreceived"))


@bp.route("/follow-up")
@require(SIGNED_IN)
def follow_up():
    if not tracking.is_sender(current_user):
        abort(403)
    form = FollowUpForm(request.args)
    if request.args and not form.validate():
        return render_template("correspondence/tracking/follow_up.html", form=form, page=None, rows=[],
                               window_days=tracking.FOLLOW_UP_WINDOW.days), 400
    days = form.days.data if form.days.data is not None else tracking.DEFAULT_DAYS
    page = paginate(tracking.follow_up_letters(current_user, days))
    return render_template("correspondence/tracking/follow_up.html", form=form, page=page, days=days,
                           rows=tracking.follow_up_rows(page.items, days), window_days=tracking.FOLLOW_UP_WINDOW.days)


@bp.route("/follow-up/remind", methods=["POST"])
@require(SIGNED_IN)
def remind_overdue():
    if not tracking.is_sender(current_user):
        abort(403)
    form = RemindForm()
    if not form.validate_on_submit() or form.days.data is None:
        flash(_("The number of days is a whole number from 0 to %(most)s.", most=tracking.MAX_DAYS), "danger")
        return redirect(url_for("correspondence.follow_up"))
    with saving() as saved:
        result = tracking.remind_overdue(current_user, form.days.data, remote_addr=request.remote_addr)
    if saved:
        _flash_reminded(result)
    return redirect(url_for("correspondence.follow_up", days=form.days.data))


def _flash_reminded(result: tracking.Reminded) -> None:
    if result.reminded:
        flash(ngettext("%(num)d recipient has been reminded.", "%(num)d recipients have been reminded.",
                       result.reminded), "success")
    if result.recently:
        flash(ngettext("%(num)d recipient was already reminded in the last 24 hours and was left alone.",
                       "%(num)d recipients were already reminded in the last 24 hours and were left alone.",
                       result.recently), "info")
    if result.nobody:
        flash(ngettext("%(num)d recipient has nobody in Khet who receives its letters: call them.",
                       "%(num)d recipients have nobody in Khet who receives their letters: call them.",
                       result.nobody), "warning")
    if not (result.reminded or result.recently or result.nobody):
        flash(_("Every recipient has received the letter: nobody to remind."), "info")
