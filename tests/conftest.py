"""Fixtures shared by the web-shell tests: the demo office, and a live server for the browser tests."""

from __future__ import annotations


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
# The browser fixtures (chromium, live_server) come from core.testing, shared with every module.
from core.testing import CHROMIUM, CHROMIUM_ARGS  # noqa: E402,F401


def pytest_generate_tests(metafunc):
    """A test that asks for ``demo_username`` runs once for each person of DEMO_ROLES."""
    if "demo_username" in metafunc.fixturenames:
        metafunc.parametrize("demo_username", list(DEMO_ROLES))


@pytest.fixture
def demo(app, demo_database):
    """The demo office of `khet demo`, every module enabled; returns {username: Person} of DEMO_ROLES.

    Seeded once per test session and copied into this test's database (``core.testing.demo_database``).
    """
    from sqlalchemy import select

    from core.db import db
    from core.models import Person

    people = db.session.scalars(select(Person).where(Person.username.in_(DEMO_ROLES))).all()
    found = {person.username: person for person in people}
    missing = set(DEMO_ROLES) - set(found)
    assert not missing, f"the demo has no people called {sorted(missing)}"
    return found
