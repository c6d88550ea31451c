"""Themes: the active theme's templates and stylesheet come first; a theme builds on the original it overrides.

Each themed app here has its own instance folder and its own database (a
SQLite file, or a throwaway database on the server of KHET_TEST_DATABASE_URL),
because the theme is chosen when the app is created.
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager

import pytest

import core.app
from core.config import ConfigError
from core.testing import KhetTestClient, _server_database, enable_plugins


@contextmanager
def themed_app(theme: str, tmp_path):
    """An app with ``theme``, its own database migrated, one office and one signed-in-able admin."""
    from core import migrate, seed
    from core.db import db
    from core.models import Person

    server = os.environ.get("KHET_TEST_DATABASE_URL")
    url, drop = _server_database(server) if server else (f"sqlite:///{tmp_path / 'themed.db'}", lambda: None)
    try:
        app = core.app.create_app(
            config={"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(16), "THEME": theme},
            instance_path=tmp_path / "instance",
        )
        app.test_client_class = KhetTestClient
        migrate.upgrade_all(app)
        with app.app_context():
            enable_plugins(app, None)
            seed.seed_office("สพป.ทดสอบธีม เขต 1", short_name="สพป.ทดสอบธีม")
            admin = Person(username="admin", first_name="ผู้ดูแล", last_name="ระบบ", is_admin=True)
            db.session.add(admin)
            db.session.commit()
            app.config["TEST_ADMIN_SESSION_ID"] = admin.get_id()
        yield app
    finally:
        if "app" in locals():
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        drop()


def signed_in_client(app):
    client = app.test_client()
    with client.session_transaction() as stored:
        stored["_user_id"] = app.config["TEST_ADMIN_SESSION_ID"]
    return client


@pytest.fixture(scope="module")
def contrast_app(tmp_path_factory):
    with themed_app("contrast", tmp_path_factory.mktemp("contrast")) as app:
        yield app


def test_contrast_theme_builds_on_the_original_layout(contrast_app):
    page = signed_in_client(contrast_app).get("/").get_data(as_text=True)
    assert 'class="khet-contrast' in page  # the theme's body class
    assert 'data-theme="contrast"' in page  # the theme's footer
    assert "สพป.ทดสอบธีม" in page and "data-user-menu" in page  # the original layout around it


def test_contrast_theme_serves_its_own_stylesheet(contrast_app):
    client = contrast_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "/theme/khet.css" in page
    stylesheet = client.get("/theme/khet.css").get_data(as_text=True)
    assert "High-contrast theme" in stylesheet


def test_a_file_the_theme_lacks_comes_from_the_default_theme(contrast_app):
    response = contrast_app.test_client().get("/theme/favicon.svg")
    assert response.status_code == 200
    assert response.get_data() == (core.app.THEMES_FOLDER / "default" / "static" / "favicon.svg").read_bytes()


def test_default_theme_uses_its_own_stylesheet_and_plain_layout(client, login_as, make_person, make_office):
    make_office()
    page = login_as(make_person()).get("/").get_data(as_text=True)
    assert "khet-contrast" not in page and 'data-theme="contrast"' not in page
    assert "High-contrast theme" not in client.get("/theme/khet.css").get_data(as_text=True)


def test_a_theme_template_overrides_a_module_template(tmp_path, monkeypatch):
    themes = tmp_path / "themes"
    override = themes / "civic" / "templates" / "notices" / "index.html"
    override.parent.mkdir(parents=True)
    override.write_text(
        '{% extends "original/notices/index.html" %}\n'
        '{% block content %}<p data-civic-banner>ข่าวจากเขต</p>{{ super() }}{% endblock %}\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(core.app, "THEMES_FOLDER", themes)
    with themed_app("civic", tmp_path) as app:
        page = signed_in_client(app).get("/notices/")
        text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "data-civic-banner" in text  # the theme's addition
    assert "khet-empty" in text  # the module's own list (empty) still renders through super()


def test_an_unknown_theme_stops_start_up_with_a_clear_message(tmp_path):
    with pytest.raises(ConfigError, match="theme 'nosuch' not found"):
        core.app.create_app(config={"THEME": "nosuch", "DATABASE_URL": "sqlite://"}, instance_path=tmp_path)
