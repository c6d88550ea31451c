"""The inbox, its unread count for the bell, and each person's notification preferences.

Also where delivery starts after a request that queued email (or another
channel's messages): the request has been answered by then, so a slow or
broken mail server never holds it up.
"""

from __future__ import annotations

import click
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError

from core.db import db
from core.permissions import SIGNED_IN, require
from core.services import notifications
from core.web import paginate

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.teardown_app_request
def _deliver_after_request(error):
    if error is None and notifications.outbox_waiting():
        notifications.deliver_in_background(current_app._get_current_object())


@bp.app_template_global("unread_notification_count")
def unread_notification_count() -> int:
    """For the bell in base.html; once per request, and 0 rather than an error page when the database is down."""
    if not current_user.is_authenticated:
        return 0
    if "khet_unread_notifications" not in g:
        try:
            g.khet_unread_notifications = notifications.unread_count(current_user)
        except SQLAlchemyError:
            db.session.rollback()
            g.khet_unread_notifications = 0
    return g.khet_unread_notifications


@bp.route("/")
@require(SIGNED_IN)
def inbox():
    unread_only = request.args.get("unread") == "1"
    page = paginate(notifications.inbox(current_user, unread_only=unread_only))
    return render_template("notifications/inbox.html", page=page, unread_only=unread_only,
                           unread=notifications.unread_count(current_user))


@bp.route("/unread-count")
@require(SIGNED_IN)
def unread_count():
    return {"unread": notifications.unread_count(current_user)}


def _checked_form():
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)


@bp.route("/<int:notification_id>/open", methods=["POST"])
@require(SIGNED_IN)
def open_item(notification_id):
    """Mark read and go to what it is about (a POST: reading changes state)."""
    _checked_form()
    item = notifications.mark_read(current_user, notification_id) or abort(404)
    db.session.commit()
    return redirect(item.link or url_for("notifications.inbox"))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@require(SIGNED_IN)
def mark_read(notification_id):
    _checked_form()
    notifications.mark_read(current_user, notification_id) or abort(404)
    db.session.commit()
    return redirect(url_for("notifications.inbox"))


@bp.route("/read-all", methods=["POST"])
@require(SIGNED_IN)
def mark_all_read():
    _checked_form()
    count = notifications.mark_all_read(current_user)
    db.session.commit()
    flash(_("%(count)s notifications marked as read.", count=count), "success")
    return redirect(url_for("notifications.inbox"))


@bp.route("/preferences", methods=["GET", "POST"])
@require(SIGNED_IN)
def preferences():
    form = FlaskForm()
    events = notifications.registered_events()
    channel_choices = notifications.channel_choices()
    if form.validate_on_submit():
        known = {(e.id, c) for e in events for c, _label in channel_choices}
        chosen = {tuple(value.split("|", 1)) for value in request.form.getlist("on") if "|" in value}
        notifications.save_preferences(current_user, chosen & known)
        db.session.commit()
        flash(_("Your notification preferences have been saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template(
        "notifications/preferences.html", form=form, events=events, channel_choices=channel_choices,
        chosen=notifications.preferences_of(current_user), has_email=bool((current_user.email or "").strip()),
    )


# --- cron ------------------------------------------------------------------------------


@click.group("mail")
def mail_cli():
    """Outgoing notifications (email and module channels)."""


@mail_cli.command("send")
@click.option("--limit", default=500, show_default=True, help="At most this many messages in one run.")
@with_appcontext
def send_command(limit):
    """Send the outbox messages that are due, retrying failed ones (run every few minutes from cron)."""
    report = notifications.deliver_due(limit=limit)
    click.echo(f"sent {report.sent}, will retry {report.retrying}, gave up {report.failed}")
    for error in report.errors[:20]:
        click.echo(f"  {error}", err=True)
