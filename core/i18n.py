"""Language choice and the Jinja filters that print Thai dates.

English message ids in the code; Thai is the default locale; each person may
switch (stored on their record, or in the session before they sign in).
"""

from __future__ import annotations

from flask import current_app, has_request_context, session
from flask_babel import get_locale
from flask_login import current_user

from core import calendar


def select_locale() -> str:
    """The person's choice, else this browser's choice, else Thai; outside a request (CLI, cron) Thai."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    """The language of this request's pages, "th" or "en" ("th" outside a request)."""
    locale = get_locale()
    return locale.language if locale else "th"


def register_filters(app) -> None:
    @app.template_filter("thai_date")
    def thai_date(value, style="short"):
        return calendar.format_date(value, style, current_locale())

    @app.template_filter("thai_time")
    def thai_time(value, seconds=False):
        return calendar.format_time(value, current_locale(), seconds)

    @app.template_filter("thai_datetime")
    def thai_datetime(value, style="short", seconds=False):
        return calendar.format_datetime(value, style, current_locale(), seconds)

    @app.template_filter("fiscal_year")
    def fiscal_year(value):
        return calendar.fiscal_year(value)

    @app.template_filter("number")
    def number(value, digits=0):
        if value is None:
            return ""
        return f"{value:,.{digits}f}"

    app.jinja_env.globals["current_locale"] = current_locale


def translation_directories(registry) -> str:
    """Core's catalog and each module's own ``translations/`` folder, merged by Flask-Babel."""
    folders = []
    for loaded in registry.plugins.values():
        folder = loaded.package_folder / "translations"
        if folder.is_dir():
            folders.append(str(folder))
    return ";".join(folders)
