"""Home dashboard, global search, language switch, health check and static assets."""

from __future__ import annotations

from pathlib import Path

import flask_bootstrap
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_from_directory, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.app import THEMES_FOLDER
from core.db import db
from core.permissions import PUBLIC, SIGNED_IN, require
from core.plugins import registry

bp = Blueprint("main", __name__)
core_static = Blueprint("core", __name__)  # name "core" so theme assets read core.theme_static

BOOTSTRAP_FOLDER = Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5"


@bp.route("/")
@require(SIGNED_IN)
def home():
    cards = [
        card
        for card in registry().collect("dashboard_cards", user=current_user)
        if card.permission is None or current_user.can(card.permission)
    ]
    cards.sort(key=lambda card: (card.weight, str(card.title)))
    return render_template("home.html", cards=cards)


@bp.route("/search")
@require(SIGNED_IN)
def search():
    query = request.args.get("q", "").strip()
    results = []
    if len(query) >= 2:
        for plugin_id, found in registry().call_each("search", user=current_user, query=query, limit=20):
            for result in found:
                result.module = result.module or plugin_id
                results.append(result)
    elif query:
        flash(_("Type at least two characters to search."), "warning")
    return render_template("search.html", query=query, results=results)


@bp.route("/people/search")
@require(SIGNED_IN)
def people_search():
    """The people picker's suggestions: JSON, one page of active people of the field's scope.

    ``scope`` is the signed token the field rendered (the browser cannot widen it), ``q`` the words typed,
    ``page`` from 1. Answers {"results": [{"id", "name", "position", "place", "label"}], "more": bool}.
    """
    from core.fields import SEARCH_LIMIT, PersonScope, person_option_json, search_people

    try:
        scope = PersonScope.from_token(request.args.get("scope", ""), current_user.id)
    except ValueError:
        abort(400)
    page = request.args.get("page", "1")
    people, more = search_people(scope, request.args.get("q", "").strip()[:100],
                                 page=min(int(page), 500) if page.isdigit() else 1, limit=SEARCH_LIMIT)
    response = jsonify(results=[person_option_json(p) for p in people], more=more)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/locale", methods=["POST"])
@require(PUBLIC)
def set_locale():
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    referrer = request.referrer or ""
    host_url = request.host_url
    return redirect(referrer if referrer.startswith(host_url) else url_for("main.home"))


@bp.route("/healthz")
@require(PUBLIC)
def healthz():
    try:
        db.session.execute(select(1))
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        db.session.rollback()
        current_app.logger.warning("health check: database unreachable: %s", exc)
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


@bp.route("/assets/bootstrap/<path:filename>")
@require(PUBLIC)
def bootstrap_asset(filename):
    """Bootstrap from the install: an intranet may have no internet."""
    return send_from_directory(BOOTSTRAP_FOLDER, filename, max_age=86400)


@core_static.route("/theme/<path:filename>")
@require(PUBLIC)
def theme_static(filename):
    """The active theme's file if it has one, else the default theme's."""
    for theme in (current_app.config["THEME"], "default"):
        folder = THEMES_FOLDER / theme / "static"
        if (folder / filename).is_file():
            return send_from_directory(folder, filename, max_age=3600)
    abort(404)
