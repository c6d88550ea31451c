"""Fixtures shared by the web-shell tests: the demo office, and a live server for the browser tests."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

# People of the demo office, one for each kind of user the walk and the browser tests sign in as.
DEMO_ROLES = {
    "admin": "the system administrator",
    "director": "the office director",
    "admin_head": "a group director (กลุ่มอำนวยการ)",
    "admin1": "a staff member of a group",
    "school1_clerk": "a school clerk",
    "school1_teacher": "a teacher",
}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


def pytest_generate_tests(metafunc):
    """A test that asks for ``demo_username`` runs once for each person of DEMO_ROLES."""
    if "demo_username" in metafunc.fixturenames:
        metafunc.parametrize("demo_username", list(DEMO_ROLES))


@pytest.fixture
def demo(app):
    """The demo office of `khet demo`, every module enabled; returns {username: Person} of DEMO_ROLES."""
    from sqlalchemy import select

    from core.db import db
    from core.demo import seed_demo
    from core.models import Person

    assert seed_demo(), "the test database already had an office"
    people = db.session.scalars(select(Person).where(Person.username.in_(DEMO_ROLES))).all()
    found = {person.username: person for person in people}
    missing = set(DEMO_ROLES) - set(found)
    assert not missing, f"the demo has no people called {sorted(missing)}"
    return found


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free port of 127.0.0.1, in a background thread; yields its base URL.

    Ask for the data the test needs (``demo``, factories) before this fixture.
    """
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="khet-live-server", daemon=True)
    thread.start()
    from core.db import db

    db.session.commit()  # end the test's own transaction: the server's threads read and write now
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def chromium():
    """The system Chromium driven by Playwright; browser tests skip where there is none."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}; it is not installed here")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
