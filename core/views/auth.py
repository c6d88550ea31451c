"""Signing in and out, and changing one's own password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from core import security
from core.db import db, write_transaction
from core.forms import ChangePasswordForm, LoginForm
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
        outcome = security.sign_in(form.username.data, form.password.data, request.remote_addr or "-")
        if outcome.refused:
            flash(_("Too many failed attempts. Wait %(seconds)d seconds, then try again.", seconds=outcome.wait_seconds), "danger")
            response = make_response(render_template("auth/login.html", form=form), 429)
            response.headers["Retry-After"] = str(outcome.wait_seconds)
            return response
        if outcome.person is None:
            flash(_("The username or password is wrong."), "danger")
            return render_template("auth/login.html", form=form), 200
        with write_transaction():
            security.start_session(outcome.person, request.remote_addr or "")
            db.session.commit()
        login_user(outcome.person)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@require(SIGNED_IN)
def logout():
    security.end_session(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@require(SIGNED_IN)
def sign_out_everywhere():
    """End every session of the signed-in person, on every computer and phone, this one included."""
    security.end_all_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("You have been signed out on every computer and phone."), "info")
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
                security.set_password(person, form.new_password.data)  # ends every session
                security.start_session(person, request.remote_addr or "")  # a new one for this browser
                db.session.commit()
                login_user(person)
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)
