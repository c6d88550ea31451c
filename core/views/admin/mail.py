"""Outgoing mail: the SMTP server, a test button, and how the outbox is doing."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, URL

from core.db import db
from core.permissions import require
from core.services import audit, notifications
from core.settings import save_settings
from core.views.admin import bp


class MailForm(FlaskForm):
    host = StringField(_l("Mail server (SMTP)"), validators=[Optional(), Length(max=255)],
                       description=_l("Leave empty to send no email; the inbox in Khet still works."))
    port = IntegerField(_l("Port"), validators=[DataRequired(), NumberRange(1, 65535)])
    security = SelectField(_l("Connection security"), choices=[
        ("starttls", _l("STARTTLS (usually port 587)")), ("ssl", _l("SSL/TLS (usually port 465)")),
        ("none", _l("None (only inside the office network)")),
    ])
    username = StringField(_l("Username"), validators=[Optional(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=255)],
                             description=_l("Leave empty to keep the saved password."))
    sender = StringField(_l("Sender address"), validators=[Optional(), Email(), Length(max=255)])
    sender_name = StringField(_l("Sender name"), validators=[Optional(), Length(max=255)])
    site_url = StringField(_l("Address of this Khet"), validators=[Optional(), URL(require_tld=False), Length(max=255)],
                           description=_l("e.g. https://khet.example.go.th — links in email start with it."))
    timeout = IntegerField(_l("Timeout (seconds)"), validators=[DataRequired(), NumberRange(1, 120)])


class TestMailForm(FlaskForm):
    address = EmailField(_l("Send a test message to"), validators=[DataRequired(), Email(), Length(max=255)])


FIELDS = ("host", "port", "security", "username", "sender", "sender_name", "site_url", "timeout")


def _render(form, test_form, status=200):
    saved = notifications.mail_settings()
    return render_template(
        "admin/mail.html", form=form, test_form=test_form, summary=notifications.outbox_summary(),
        problems=notifications.outbox_problems(), password_saved=bool(saved["password"]),
        password_unreadable=saved["password_unreadable"],
    ), status


@bp.route("/mail", methods=["GET", "POST"])
@require("core.mail.manage")
def mail():
    if request.method == "GET" and notifications.seal_plain_mail_password():
        db.session.commit()  # a password saved in plain text before sealing existed: seal it now
    saved = notifications.mail_settings()
    form = MailForm(data={k: saved[k] for k in FIELDS} if request.method == "GET" else None)
    test_form = TestMailForm(data={"address": current_user.email} if request.method == "GET" else None, prefix="test")
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in FIELDS}
        for name in ("host", "username", "sender", "sender_name", "site_url"):
            values[name] = (values[name] or "").strip()
        save_settings(notifications.MAIL_SETTINGS, values)
        if form.password.data:
            notifications.save_mail_password(form.password.data)
        else:
            notifications.seal_plain_mail_password()
        audit.record("mail.settings_changed", "core", "setting", notifications.MAIL_SETTINGS, current_user,
                     _("Mail settings changed"), details={k: values[k] for k in FIELDS}, remote_addr=request.remote_addr)
        db.session.commit()
        flash(_("The mail settings have been saved."), "success")
        return redirect(url_for("admin.mail"))
    return _render(form, test_form, 400 if request.method == "POST" else 200)


@bp.route("/mail/test", methods=["POST"])
@require("core.mail.manage")
def mail_test():
    test_form = TestMailForm(prefix="test")
    saved = notifications.mail_settings()
    form = MailForm(data={k: saved[k] for k in FIELDS}, formdata=None)
    if not test_form.validate_on_submit():
        return _render(form, test_form, 400)
    try:
        notifications.send_test_email(test_form.address.data)
    except Exception as exc:  # the admin needs to see whatever the server said
        flash(_("The test message could not be sent: %(error)s", error=f"{type(exc).__name__}: {exc}"), "danger")
        return _render(form, test_form, 400)
    flash(_("A test message has been sent to %(address)s.", address=test_form.address.data), "success")
    return redirect(url_for("admin.mail"))
