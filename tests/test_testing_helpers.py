"""The helpers core.testing gives every module's tests: run_in_threads and english_messages."""

from __future__ import annotations

import threading

from flask_babel import gettext
from sqlalchemy import func, select

from core.db import db
from core.models import Group
from core.testing import run_in_threads


def test_run_in_threads_releases_every_thread_together_and_keeps_results_refusals_and_errors():
    arrived, released = [], threading.Event()

    def work(n):
        arrived.append(n)
        if len(arrived) == 6:
            released.set()
        assert released.wait(5), "a thread started before the others had arrived at the barrier"
        if n == 0:
            raise KeyError("expected")
        if n == 1:
            raise ZeroDivisionError("unexpected")
        return n * 10

    race = run_in_threads(work, 6, expected=KeyError)
    assert sorted(race.results) == [20, 30, 40, 50]
    assert [type(error) for error in race.refused] == [KeyError]
    assert [type(error) for error in race.errors] == [ZeroDivisionError]


def test_run_in_threads_gives_each_thread_its_own_session_and_commits_what_it_left(app):
    sessions = []  # the sessions themselves, kept alive, so no two can share an id

    def work(n):
        sessions.append(db.session())
        db.session.add(Group(code=f"race{n}", name=f"กลุ่ม {n}"))
        if n == 3:
            raise ValueError("refused")  # this one's group is rolled back
        return n

    race = run_in_threads(work, 4, expected=ValueError)
    assert sorted(race.results) == [0, 1, 2] and len(race.refused) == 1 and race.errors == []
    assert len({id(session) for session in sessions}) == 4 and db.session() not in sessions
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Group)) == 3


def test_english_messages_shows_english_whatever_the_default_language(app, english_messages):
    with app.test_request_context():
        assert gettext("The group has been saved.") == "The group has been saved."


def test_without_english_messages_tests_read_thai(app):
    with app.test_request_context():
        assert gettext("The group has been saved.") == "บันทึกกลุ่มแล้ว"
