"""Where settings come from, the database drivers a URL selects, the shared secret key, and cookie flags."""

from __future__ import annotations

import pytest

from core.app import create_app
from core.config import ConfigError, build_config, ensure_secret_key, normalise_database_url
from core.db import db
from core.testing import run_in_threads

KHET_VARIABLES = ("KHET_PER_PAGE", "KHET_THEME", "KHET_DATABASE_URL", "KHET_SECRET_KEY", "KHET_PLUGINS_ALLOWED",
                  "KHET_PROXY_FIX", "KHET_LOGIN_MAX_FAILURES", "KHET_ADMIN_PASSWORD")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No KHET_* setting from the shell running the tests may leak in."""
    for name in KHET_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def write_config_file(folder, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(text, encoding="utf-8")


# --- precedence ------------------------------------------------------------------------


def test_each_source_overrides_the_ones_below_it(tmp_path, monkeypatch):
    """create_app overrides > KHET_* environment > instance/config.toml > defaults."""
    assert build_config(tmp_path)["PER_PAGE"] == 25

    write_config_file(tmp_path, "per_page = 10\nlogin_max_failures = 3\n")
    assert build_config(tmp_path)["PER_PAGE"] == 10

    monkeypatch.setenv("KHET_PER_PAGE", "20")
    config = build_config(tmp_path)
    assert (config["PER_PAGE"], config["LOGIN_MAX_FAILURES"]) == (20, 3)

    config = build_config(tmp_path, {"per_page": 30})
    assert (config["PER_PAGE"], config["LOGIN_MAX_FAILURES"]) == (30, 3)


def test_the_app_uses_the_settings_in_that_order(tmp_path, monkeypatch):
    write_config_file(tmp_path, 'per_page = 10\nlogin_max_failures = 3\nsecret_key = "from-the-file"\n')
    monkeypatch.setenv("KHET_LOGIN_MAX_FAILURES", "7")

    app = create_app(config={"PER_PAGE": 50}, instance_path=tmp_path)

    assert (app.config["PER_PAGE"], app.config["LOGIN_MAX_FAILURES"], app.config["SECRET_KEY"]) == (50, 7, "from-the-file")


def test_environment_values_are_read_as_the_type_of_their_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("KHET_PROXY_FIX", "yes")
    monkeypatch.setenv("KHET_PLUGINS_ALLOWED", "notices, rooms ,")
    monkeypatch.setenv("KHET_LOGIN_MAX_FAILURES", "9")

    config = build_config(tmp_path)

    assert config["PROXY_FIX"] is True
    assert config["PLUGINS_ALLOWED"] == ["notices", "rooms"]
    assert config["LOGIN_MAX_FAILURES"] == 9


def test_a_number_setting_that_is_not_a_number_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("KHET_PER_PAGE", "many")

    with pytest.raises(ConfigError, match="KHET_PER_PAGE must be a whole number, not 'many'"):
        build_config(tmp_path)


def test_a_broken_config_file_is_refused_naming_the_file(tmp_path):
    write_config_file(tmp_path, "per_page = = 10\n")

    with pytest.raises(ConfigError, match="config.toml"):
        build_config(tmp_path)


def test_the_admin_password_in_the_environment_is_not_a_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("KHET_ADMIN_PASSWORD", "long-secret-2569")

    assert "long-secret-2569" not in build_config(tmp_path).values()


# --- database URLs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, used",
    [
        ("postgres://khet@db/khet", "postgresql+psycopg://khet@db/khet"),
        ("postgresql://khet:pw@db:5433/khet", "postgresql+psycopg://khet:pw@db:5433/khet"),
        ("mysql://khet@db/khet", "mysql+pymysql://khet@db/khet?charset=utf8mb4"),
        ("mariadb://khet@db/khet", "mysql+pymysql://khet@db/khet?charset=utf8mb4"),
        ("mysql://khet@db/khet?ssl=true", "mysql+pymysql://khet@db/khet?ssl=true&charset=utf8mb4"),
        ("mysql+pymysql://khet@db/khet?charset=utf8mb4", "mysql+pymysql://khet@db/khet?charset=utf8mb4"),
        ("sqlite:////srv/khet/khet.db", "sqlite:////srv/khet/khet.db"),
    ],
)
def test_a_database_url_gets_the_driver_khet_installs(given, used):
    assert normalise_database_url(given) == used


@pytest.mark.parametrize("given, dialect, driver", [
    ("postgresql://khet@127.0.0.1/khet", "postgresql", "psycopg"),
    ("mysql://khet@127.0.0.1/khet", "mysql", "pymysql"),
])
def test_KHET_DATABASE_URL_chooses_the_database_and_its_driver(tmp_path, monkeypatch, given, dialect, driver):
    monkeypatch.setenv("KHET_DATABASE_URL", given)

    app = create_app(instance_path=tmp_path)

    with app.app_context():
        assert (db.engine.dialect.name, db.engine.dialect.driver) == (dialect, driver)
        if dialect == "mysql":
            assert db.engine.url.query["charset"] == "utf8mb4"  # Thai needs four-byte-safe UTF-8
        db.engine.dispose()


@pytest.mark.parametrize("given, problem", [
    ("bogus://db/khet", "names a database Khet does not support"),
    ("oracle://db/khet", "names a database Khet does not support"),
    ("postgresql+nodriver://db/khet", "names a driver Khet cannot load"),
    ("not a url", "cannot be read"),
])
def test_a_database_url_khet_cannot_use_is_refused_before_connecting(tmp_path, monkeypatch, given, problem):
    monkeypatch.setenv("KHET_DATABASE_URL", given)

    with pytest.raises(ConfigError, match=problem):
        create_app(instance_path=tmp_path)


def test_the_password_in_a_refused_database_url_is_not_shown(tmp_path, monkeypatch):
    monkeypatch.setenv("KHET_DATABASE_URL", "bogus://khet:topsecret@db/khet")

    with pytest.raises(ConfigError) as refused:
        build_config(tmp_path)
    assert "topsecret" not in str(refused.value)


# --- the secret key -----------------------------------------------------------------------


def test_the_secret_key_is_created_once_and_shared_by_every_app_of_the_instance(tmp_path):
    first = create_app(instance_path=tmp_path)
    second = create_app(instance_path=tmp_path)
    elsewhere = create_app(instance_path=tmp_path / "another-office")

    assert len(first.config["SECRET_KEY"]) >= 48
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    assert elsewhere.config["SECRET_KEY"] != first.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_workers_starting_together_agree_on_one_non_empty_secret_key(tmp_path):
    for round_number in range(30):
        folder = tmp_path / f"round{round_number}"
        race = run_in_threads(lambda _n, folder=folder: ensure_secret_key(folder), 8)
        keys = race.results
        assert race.errors == [] and len(keys) == 8
        assert len(set(keys)) == 1 and keys[0], keys


# --- the session cookie --------------------------------------------------------------------


@pytest.fixture
def site(app, khet_app_config, tmp_path):
    """``site(**config)``: an app of its own on the test database, so each request gets a fresh app context."""
    made = []

    def make(**config):
        made.append(create_app(config={**khet_app_config, **config}, instance_path=tmp_path / f"site{len(made)}"))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def session_cookie(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert len(cookies) == 1, response.headers
    return cookies[0]


def test_the_session_cookie_is_secure_over_https_and_always_http_only_and_same_site_lax(site):
    plain = site()
    over_https = session_cookie(plain.test_client().get("/login", base_url="https://khet.example.go.th"))
    over_http = session_cookie(plain.test_client().get("/login", base_url="http://khet.local"))

    assert "; Secure" in over_https
    assert "; Secure" not in over_http
    for cookie in (over_https, over_http):
        assert "; HttpOnly" in cookie
        assert "; SameSite=Lax" in cookie


def test_behind_a_proxy_the_forwarded_scheme_decides_the_secure_flag(site):
    proxied = site(PROXY_FIX=True)

    behind_https = session_cookie(proxied.test_client().get("/login", headers={"X-Forwarded-Proto": "https"}))
    behind_http = session_cookie(proxied.test_client().get("/login", headers={"X-Forwarded-Proto": "http"}))

    assert "; Secure" in behind_https
    assert "; Secure" not in behind_http
