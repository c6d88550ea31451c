"""Where an installation's settings come from, in order of precedence.

1. values passed to ``create_app(config=...)`` (tests, the CLI),
2. ``KHET_*`` environment variables (``KHET_DATABASE_URL`` ...),
3. ``instance/config.toml``,
4. the defaults below.

Keys in config.toml and after the ``KHET_`` prefix are the lower- or upper-case
form of the Flask config key they set (``database_url`` -> ``DATABASE_URL``).
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path

DEFAULTS = {
    "DATABASE_URL": None,  # None -> sqlite in the instance folder
    "THEME": "default",
    "PLUGINS_ALLOWED": None,  # None -> any installed module may be enabled
    "BABEL_DEFAULT_LOCALE": "th",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Bangkok",
    "LANGUAGES": ["th", "en"],
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,  # also Secure whenever the request is HTTPS
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "LOGIN_MAX_FAILURES": 5,  # per (address, username) before delays start
    "LOGIN_ACCOUNT_MAX_FAILURES": 20,  # per username from any address before delays start
    "LOGIN_ADDRESS_MAX_FAILURES": 200,  # per address before each attempt is slowed (never refused)
    "LOGIN_DELAY_SECONDS": 2,  # the first delay; it doubles with each further failure
    "LOGIN_LOCK_MINUTES": 15,  # the longest delay
    "LOGIN_ADDRESS_DELAY_SECONDS": 1,
    "LOGIN_FAILURE_WINDOW_MINUTES": 60,  # failures older than this no longer count
    "SESSION_IDLE_MINUTES": 120,  # a session unused this long ends
    "SESSION_ABSOLUTE_MINUTES": 720,  # and every session ends this long after signing in
    "UPLOAD_FOLDER": None,  # None -> instance/uploads
    "ORPHAN_GRACE_HOURS": 24,  # the orphan sweep leaves younger files alone
    "MAX_CONTENT_LENGTH": 256 * 1024 * 1024,  # a letter of ten 20 MB files and its form fit
    "PER_PAGE": 25,
    "PROXY_FIX": False,  # trust one X-Forwarded-* hop (behind nginx)
    "MAIL_SERVER": None,
}

# KHET_* variables that are not settings: they must not end up in app.config (a password would).
_NOT_SETTINGS = {"KHET_INSTANCE_PATH", "KHET_TEST_DATABASE_URL", "KHET_ADMIN_PASSWORD", "KHET_DEBUG"}

# The databases Khet supports, by SQLAlchemy backend name.
SUPPORTED_BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB/MySQL"}

# Values in the environment are strings; these keys are parsed into other types.
_BOOLEAN_KEYS = {"SESSION_COOKIE_SECURE", "PROXY_FIX", "TESTING"}
_INTEGER_KEYS = {
    "LOGIN_MAX_FAILURES", "LOGIN_ACCOUNT_MAX_FAILURES", "LOGIN_ADDRESS_MAX_FAILURES", "LOGIN_DELAY_SECONDS",
    "LOGIN_LOCK_MINUTES", "LOGIN_ADDRESS_DELAY_SECONDS", "LOGIN_FAILURE_WINDOW_MINUTES",
    "SESSION_IDLE_MINUTES", "SESSION_ABSOLUTE_MINUTES", "PER_PAGE", "MAX_CONTENT_LENGTH", "ORPHAN_GRACE_HOURS",
}
_LIST_KEYS = {"PLUGINS_ALLOWED", "LANGUAGES"}


class ConfigError(Exception):
    """The installation's configuration cannot be used; the message says why."""


def _coerce(key: str, value: str):
    if key in _BOOLEAN_KEYS:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if key in _INTEGER_KEYS:
        try:
            return int(value)
        except ValueError as exc:
            raise ConfigError(f"KHET_{key} must be a whole number, not {value!r}") from exc
    if key in _LIST_KEYS:
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def read_config_file(instance_path: Path) -> dict:
    path = instance_path / "config.toml"
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return {key.upper(): value for key, value in data.items()}


def read_environment(environ=os.environ) -> dict:
    values = {}
    for name, value in environ.items():
        if name.startswith("KHET_") and name not in _NOT_SETTINGS:
            key = name[len("KHET_"):]
            values[key] = _coerce(key, value)
    return values


def ensure_secret_key(instance_path: Path) -> str:
    """Return the installation's secret key, creating it once if there is none.

    The key lives in ``instance/secret_key`` so that every worker process of one
    installation shares it (sessions signed by one are valid in all). It is
    written to a private temporary file and then linked into place, so a worker
    starting at the same moment sees either no key or the whole key, never half.
    """
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        draft = instance_path / f".secret_key.{secrets.token_hex(8)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
            try:
                os.link(draft, path)
            except FileExistsError:  # another worker won the race; use its key
                pass
        finally:
            draft.unlink()
    key = path.read_text().strip()
    if not key:
        raise ConfigError(f"{path} is empty: delete it and Khet makes a new one (everyone must sign in again)")
    return key


def build_config(instance_path: Path, overrides: dict | None = None) -> dict:
    config = dict(DEFAULTS)
    config.update(read_config_file(instance_path))
    config.update(read_environment())
    config.update({key.upper(): value for key, value in (overrides or {}).items()})
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{instance_path / 'khet.db'}"
    if not config.get("UPLOAD_FOLDER"):
        config["UPLOAD_FOLDER"] = str(instance_path / "uploads")
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = ensure_secret_key(instance_path)
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["DATABASE_URL"])
    check_database_url(config["SQLALCHEMY_DATABASE_URI"])
    return config


def check_database_url(url: str) -> None:
    """Refuse, with a clear ConfigError, a database URL Khet cannot use, before anything connects."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    example = "sqlite:////path/khet.db, postgresql://user:password@host/khet or mysql://user:password@host/khet"
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(f"the database URL {url!r} cannot be read; write it like {example}") from exc
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ConfigError(f"the database URL {shown!r} names a database Khet does not support; use {example}")
    try:
        parsed.get_dialect().import_dbapi()
    except ImportError as exc:
        extra = "postgres" if parsed.get_backend_name() == "postgresql" else "mysql"
        raise ConfigError(
            f"the driver for {shown!r} is not installed ({exc.name or exc}); install it with: pip install 'khet[{extra}]'"
        ) from exc
    except Exception as exc:  # an unknown driver name after "+"
        raise ConfigError(f"the database URL {shown!r} names a driver Khet cannot load: {exc}") from exc


def normalise_database_url(url: str) -> str:
    """Pick the drivers Khet installs when a URL names only the database."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith(("mysql://", "mariadb://")):
        url = "mysql+pymysql://" + url.split("://", 1)[1]
    if url.startswith("mysql+pymysql://") and "charset=" not in url:
        # Thai needs four-byte-safe UTF-8 on MariaDB/MySQL.
        url += ("&" if "?" in url else "?") + "charset=utf8mb4"
    return url
