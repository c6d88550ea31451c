"""The application factory."""

from __future__ import annotations

import gc
import os
import re
import secrets
import time
from pathlib import Path

from flask import Flask, abort, g, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from core import i18n, wtforms_i18n
from core.config import build_config
from core.db import configure_engine, db, set_write_intent
from core.extensions import babel, csrf, login_manager
from core.permissions import declared_permission
from core.plugins import PluginRegistry

SOURCE_ROOT = Path(__file__).resolve().parent.parent
THEMES_FOLDER = SOURCE_ROOT / "themes"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def default_instance_path() -> Path:
    if os.environ.get("KHET_INSTANCE_PATH"):
        return Path(os.environ["KHET_INSTANCE_PATH"]).resolve()
    if (SOURCE_ROOT / "pyproject.toml").exists():  # running from a checkout
        return SOURCE_ROOT / "instance"
    return Path.cwd() / "instance"


class KhetSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        from flask import has_request_context

        return app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure)


class KhetFlask(Flask):
    session_interface = KhetSessionInterface()

    def create_global_jinja_loader(self):
        """Active theme first, then core and module templates.

        A theme template may extend the one it replaces as "original/<name>".
        """
        original = super().create_global_jinja_loader()
        theme = THEMES_FOLDER / self.config.get("THEME", "default") / "templates"
        loaders = [FileSystemLoader(str(theme))] if theme.is_dir() else []
        return ChoiceLoader(loaders + [PrefixLoader({"original": original}), original])


def create_app(config: dict | None = None, instance_path: str | Path | None = None, entry_points=None) -> Flask:
    started = time.perf_counter()
    instance = Path(instance_path).resolve() if instance_path else default_instance_path()
    app = KhetFlask("core", instance_path=str(instance), instance_relative_config=True)
    app.config.update(build_config(instance, config))
    theme_folder = THEMES_FOLDER / app.config["THEME"]
    if not theme_folder.is_dir():
        from core.config import ConfigError

        raise ConfigError(f"theme {app.config['THEME']!r} not found in {THEMES_FOLDER}")
    if app.config["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    _init_database(app)
    from core import builtin

    registry = PluginRegistry()
    registry.load(builtin, entry_points=entry_points)
    app.extensions["khet"] = registry

    app.config["BABEL_TRANSLATION_DIRECTORIES"] = i18n.translation_directories(registry)
    babel.init_app(app, locale_selector=i18n.select_locale)
    wtforms_i18n.install()
    i18n.register_filters(app)
    csrf.init_app(app)
    _init_login(app)
    registry.register_blueprints(app)
    _register_plugin_cli(app, registry)
    _install_request_guards(app, registry)
    _install_security_headers(app)
    _install_error_pages(app)
    _install_template_context(app, registry)
    app.config["KHET_STARTUP_SECONDS"] = time.perf_counter() - started
    return app


def settle_for_serving() -> None:
    """Call once the app is built and before it serves: keeps the garbage collector off the start-up objects.

    Everything built so far (modules, templates, the URL map) lives as long as the process. Left in the
    collector's sight, every full collection walks it all, which shows as 50-100 ms spikes on pages that
    build many objects (a letter's 300 receipts). ``gc.freeze()`` moves it out of sight.
    """
    gc.collect()
    gc.freeze()


def _init_database(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    else:
        options.setdefault("pool_pre_ping", True)
        options.setdefault("pool_recycle", 1800)
        if url.startswith("postgresql"):
            # Khet's pages are short queries; PostgreSQL's JIT compiles the ones it guesses are costly (a register's
            # count) and adds about 5 ms each, more than it ever saves here.
            options.setdefault("connect_args", {"options": "-c jit=off"})
        else:
            # Read what others committed, as on PostgreSQL: a transaction that takes a lock (core.services.locking)
            # after its first read must then see what the lock's previous holder wrote, not its old snapshot.
            options.setdefault("isolation_level", "READ COMMITTED")
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    from core import cache

    cache.install(db.session)  # stamps change in the flush that changes what they guard


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_person(session_id: str):
        from core import security

        return security.load_session_person(session_id)


def _register_plugin_cli(app: Flask, registry: PluginRegistry) -> None:
    import click

    for plugin_id, commands in registry.call_each("cli_commands", only_enabled=False):
        group = click.Group(name=plugin_id, help=f"Commands of the {plugin_id} module.")
        for command in commands:
            group.add_command(command)
        app.cli.add_command(group)


def _install_request_guards(app: Flask, registry: PluginRegistry) -> None:
    @app.before_request
    def _guard():
        set_write_intent(request.method not in SAFE_METHODS)
        # One app context may serve several requests (tests do this): nothing, least of all
        # the signed-in person, may carry over from an earlier request.
        registry.forget_cached_state()
        for leftover in ("_login_user", "csrf_token", "csp_nonce"):
            g.pop(leftover, None)
        g.pop("_flask_babel", None)  # Flask-Babel's cached locale: the language may have changed
        if has_control_characters():
            # Refused once here for every form and query: PostgreSQL cannot store NUL, and no field needs the others.
            return render_template("errors/400.html", reason=_l(
                "The form or address contained invisible control characters (such as NUL). Remove them and try again."
            )), 400
        if request.endpoint is None:
            return None  # 404/405 follow
        if request.endpoint == "static" or request.endpoint.endswith(".static"):
            return None
        view = app.view_functions.get(request.endpoint)
        if declared_permission(view) is None:
            # Secure by default: a view that forgot to declare its permission is closed.
            app.logger.error("view %s declares no permission; refusing", request.endpoint)
            abort(403)
        owner = registry.blueprint_owner.get(request.blueprint or "")
        if owner and not registry.is_enabled(owner):
            abort(404)
        return None

    @app.teardown_request
    def _reset_write_intent(_exc):
        set_write_intent(False)


# C0 control characters and DEL; tab, line feed and carriage return are ordinary text in a form.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters() -> bool:
    """Whether any name or value of the query string or the submitted form holds a control character."""
    sources = [request.args]
    if request.method not in SAFE_METHODS and request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        sources.append(request.form)
    for values in sources:
        for name, value in values.items(multi=True):
            if _CONTROL_CHARACTERS.search(name) or _CONTROL_CHARACTERS.search(value):
                return True
    return bool(_CONTROL_CHARACTERS.search(request.path))


def csp_nonce() -> str:
    """This response's nonce for an inline <script nonce="...">; the Content-Security-Policy allows only those."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str | None) -> str:
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
    )


def _install_security_headers(app: Flask) -> None:
    """The same security headers on every response, set once here rather than in each view."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        headers.setdefault("Referrer-Policy", "same-origin")
        # Scripts from this site only (plus this page's nonce); styles may be inline (style="...").
        headers.setdefault("Content-Security-Policy", content_security_policy(g.get("csp_nonce")))
        return response


def _install_error_pages(app: Flask) -> None:
    def render_error(code: int):
        def handler(_error):
            if code == 500:
                db.session.rollback()
            return render_template(f"errors/{code}.html"), code

        return handler

    for code in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(code, render_error(code))

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return render_template("errors/400.html", reason=_l("The form had expired or came from elsewhere. Please try again.")), 400


def _install_template_context(app: Flask, registry: PluginRegistry) -> None:
    from core import web

    app.context_processor(web.template_context)
    app.jinja_env.globals["template_slot"] = web.template_slot
    app.jinja_env.globals["theme_static"] = web.theme_static_url
    from core.fields import date_input, person_select

    app.jinja_env.globals.update(date_input=date_input, person_select=person_select)
