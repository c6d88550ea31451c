"""Signing in and out, and changing one's own password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from core import security
from core.db import db, utcnow
from core.forms import ChangePasswordForm, LoginForm
from core.models import Person
from core.permissions import PUBLIC, SIGNED_IN, require

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow ?next= within this site: an open redirect helps phishing."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
@require(PUBLIC)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        address = request.remote_addr or "-"
        if security.is_locked_out(username, address):
            flash(_("Too many failed attempts. Wait a few minutes, then try again."), "danger")
            return render_template("auth/login.html", form=form), 429
        person = db.session.query(Person).filter(db.func.lower(Person.username) == username.lower()).one_or_none()
        if person is None or not person.active or not security.verify_password(person.password_hash, form.password.data):
            security.record_failure(username, address)
            flash(_("The username or password is wrong."), "danger")
            return render_template("auth/login.html", form=form), 200
        if security.needs_rehash(person.password_hash):
            person.password_hash = security.hash_password(form.password.data)
        person.last_login_at = utcnow()
        db.session.commit()
        security.clear_failures(username)
        login_user(person)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@require(SIGNED_IN)
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@require(SIGNED_IN)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not security.verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            problems = security.password_problems(form.new_password.data, current_user.username)
            if problems:
                form.new_password.errors.extend(problems)
            else:
                person = current_user._get_current_object()
                security.set_password(person, form.new_password.data)
                db.session.commit()
                login_user(person)  # the session id carries the new version
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)
