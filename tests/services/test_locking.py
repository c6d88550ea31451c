"""core.services.locking.lock(key): one transaction at a time per key, on every database."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from core.db import db, write_transaction
from core.models import Setting
from core.services.locking import MAX_KEY_LENGTH, NamedLock, lock

LIMIT = 3


def _race(app, count: int, work) -> list[BaseException]:
    """Run ``work(i)`` in ``count`` threads released at once, each with its own session; return the errors."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i):
        with app.app_context():
            try:
                start.wait()
                with write_transaction():
                    work(i)
            except BaseException as exc:  # noqa: BLE001  (reported to the test)
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return errors


def _requests_held() -> int:
    return db.session.scalar(select(func.count()).select_from(Setting).where(Setting.owner.like("test.request.%")))


@pytest.mark.slow
def test_a_limit_counted_under_the_lock_holds_when_twenty_ask_at_once(app):
    def ask(i):
        lock("test.requests:person-1")
        if _requests_held() < LIMIT:
            time.sleep(0.005)  # saving the request: the others wait on the lock meanwhile
            db.session.add(Setting(owner=f"test.request.{i}", values={}))
        db.session.commit()

    assert _race(app, 20, ask) == []
    assert _requests_held() == LIMIT


@pytest.mark.slow
def test_the_first_holder_rolling_back_leaves_the_lock_usable_for_those_waiting(app):
    """The row of a new key is committed on its own, so the creator's rollback takes nothing from the waiters.

    Made in the creator's transaction instead, the rollback left several waiters on MariaDB deadlocked.
    """
    first_holds = threading.Event()

    def ask(i):
        if i == 0:
            lock("test.rollback:new-key")
            first_holds.set()
            time.sleep(0.3)  # the others queue behind the new row meanwhile
            db.session.rollback()  # a refused request
            return
        first_holds.wait(10)
        lock("test.rollback:new-key")
        db.session.add(Setting(owner=f"test.request.{i}", values={}))
        db.session.commit()

    assert _race(app, 6, ask) == []
    assert _requests_held() == 5
    assert db.session.scalar(select(func.count()).select_from(NamedLock)) == 1


def test_locks_of_different_keys_are_independent_rows(app):
    with write_transaction():
        lock("test.a:1")
        lock("test.a:2")
        lock("test.a:1")  # taking a lock one already holds again is harmless
        db.session.commit()
    assert sorted(db.session.scalars(select(NamedLock.key))) == ["test.a:1", "test.a:2"]


@pytest.mark.parametrize("key", ["", "x" * (MAX_KEY_LENGTH + 1)])
def test_a_key_must_be_a_short_name(app, key):
    with pytest.raises(ValueError):
        lock(key)
