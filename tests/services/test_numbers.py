"""Running numbers: consecutive, never duplicated, never reused — also under concurrency."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db import db, write_transaction
from core.services import numbers
from core.services.numbers import IssuedNumber, NumberSeries
from core.testing import run_in_threads

OUTGOING = "correspondence.outgoing"
REPO = Path(__file__).resolve().parents[2]


def take(series_key=OUTGOING, scope="office", on_date=dt.date(2026, 3, 2), **kwargs) -> int:
    """One clerk's save: take a number and commit, as a web POST would."""
    with write_transaction():
        issued = numbers.take_number(series_key, scope, on_date, **kwargs)
        number = issued.number
        db.session.commit()
    return number


def stored_numbers(series_key=OUTGOING, scope="office", year=2569) -> list[int]:
    db.session.commit()  # a fresh transaction sees what other sessions committed (MariaDB, SQLite snapshots)
    return [row.number for row in db.session.scalars(numbers.issued_numbers(series_key, scope, year))]


def test_the_second_clerk_gets_the_next_number(app):
    assert take() == 1
    assert take() == 2
    assert stored_numbers() == [1, 2]


def test_each_series_scope_and_year_counts_on_its_own(app):
    assert take(OUTGOING, "office") == 1
    assert take("correspondence.circular", "office") == 1
    assert take("correspondence.incoming", "group:12") == 1
    assert take("correspondence.incoming", "group:12") == 2
    assert take(OUTGOING, "office") == 2
    assert take(OUTGOING, "office", dt.date(2027, 3, 2)) == 1  # BE 2570


def test_the_number_records_who_took_it_for_which_date(app, make_person):
    clerk = make_person()
    with write_transaction():
        issued = numbers.take_number(OUTGOING, "office", dt.date(2026, 3, 2), taken_by=clerk, note="ถึง สพฐ.")
        db.session.commit()
    row = db.session.scalars(numbers.issued_numbers(OUTGOING, "office", 2569)).one()
    assert (row.id, row.taken_by_id, row.issued_for, row.note, row.year) == (issued.id, clerk.id, dt.date(2026, 3, 2), "ถึง สพฐ.", 2569)


def test_a_cancelled_number_is_kept_and_never_given_again(app, make_person):
    clerk, director = make_person(), make_person()
    take(taken_by=clerk)
    with write_transaction():
        second = numbers.take_number(OUTGOING, "office", dt.date(2026, 3, 2), taken_by=clerk)
        db.session.commit()
        numbers.cancel_number(second, "ออกเลขซ้ำกับหนังสือเดิม", by=director)
        db.session.commit()
    assert take() == 3
    db.session.expire_all()
    cancelled = db.session.get(IssuedNumber, second.id)
    assert cancelled.number == 2 and cancelled.cancelled
    assert (cancelled.cancel_reason, cancelled.cancelled_by_id) == ("ออกเลขซ้ำกับหนังสือเดิม", director.id)
    assert stored_numbers() == [1, 2, 3]


def test_cancelling_needs_a_reason_and_happens_once(app, make_person):
    with write_transaction():
        issued = numbers.take_number(OUTGOING, "office", dt.date(2026, 3, 2))
        db.session.commit()
        with pytest.raises(numbers.NumberError):
            numbers.cancel_number(issued, "  ", by=None)
        numbers.cancel_number(issued, "พิมพ์ผิด", by=None)
        with pytest.raises(numbers.NumberError):
            numbers.cancel_number(issued, "อีกครั้ง", by=None)
        db.session.commit()
    assert db.session.get(IssuedNumber, issued.id).cancel_reason == "พิมพ์ผิด"


def test_an_office_leaving_amss_continues_from_its_next_number(app):
    with write_transaction():
        numbers.set_next_number(OUTGOING, "office", 2569, 2632)
        db.session.commit()
    assert numbers.peek_next(OUTGOING, "office", dt.date(2026, 6, 1)) == 2632
    assert take() == 2632
    assert take() == 2633
    assert stored_numbers() == [2632, 2633]


def test_the_next_number_cannot_go_back_to_one_already_given(app):
    for _ in range(3):
        take()
    with write_transaction():
        with pytest.raises(numbers.NumberError):
            numbers.set_next_number(OUTGOING, "office", 2569, 3)
        db.session.rollback()
        numbers.set_next_number(OUTGOING, "office", 2569, 10)
        numbers.set_next_number(OUTGOING, "office", 2569, 4)  # back down, but above every number given
        db.session.commit()
    assert take() == 4


def test_a_failed_save_gives_the_number_back(app):
    take()
    with write_transaction():
        issued = numbers.take_number(OUTGOING, "office", dt.date(2026, 3, 2))
        assert issued.number == 2
        db.session.rollback()  # the letter could not be saved
    assert take() == 2
    assert stored_numbers() == [1, 2]


def test_calendar_series_restart_on_1_january(app):
    assert take(on_date=dt.date(2026, 12, 30)) == 1
    assert take(on_date=dt.date(2026, 12, 31)) == 2
    assert take(on_date=dt.date(2027, 1, 1)) == 1
    assert stored_numbers(year=2569) == [1, 2]
    assert stored_numbers(year=2570) == [1]


def test_fiscal_series_restart_on_1_october(app):
    orders = "budget.transfer"
    assert take(orders, on_date=dt.date(2026, 9, 30), year_kind="fiscal") == 1
    assert take(orders, on_date=dt.date(2026, 10, 1), year_kind="fiscal") == 1
    assert take(orders, on_date=dt.date(2026, 12, 31), year_kind="fiscal") == 2
    assert take(orders, on_date=dt.date(2027, 1, 1), year_kind="fiscal") == 3  # still FY 2570
    assert stored_numbers(orders, year=2569) == [1]
    assert stored_numbers(orders, year=2570) == [1, 2, 3]


def test_a_series_keeps_its_year_kind(app):
    take("budget.transfer", on_date=dt.date(2026, 3, 2), year_kind="fiscal")
    with write_transaction(), pytest.raises(ValueError):
        numbers.take_number("budget.transfer", "office", dt.date(2026, 3, 2), year_kind="calendar")


def test_the_database_itself_refuses_a_number_twice(app):
    """Even code that goes around the counter cannot store a number twice."""
    take()
    series = db.session.scalar(select(NumberSeries))
    db.session.add(IssuedNumber(series_id=series.id, number=1, issued_for=dt.date(2026, 3, 2)))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert stored_numbers() == [1]


# --- concurrency ------------------------------------------------------------------------


def _take_in_threads(app, count: int) -> tuple[list[int], list[BaseException]]:
    """``count`` clerks press save at the same moment, each in its own thread, session and connection."""

    def clerk(_n):
        number = numbers.take_number(OUTGOING, "office", dt.date(2026, 3, 2)).number
        time.sleep(0.002)  # saving the letter: others queue on the counter meanwhile (run_in_threads commits after)
        return number

    race = run_in_threads(clerk, count, app=app)
    return race.results, race.errors


@pytest.mark.slow
def test_fifty_clerks_at_once_get_fifty_consecutive_numbers(app):
    taken, errors = _take_in_threads(app, 50)  # the series does not exist yet: all race to create it too
    assert errors == []
    assert sorted(taken) == list(range(1, 51))
    assert stored_numbers() == list(range(1, 51))
    assert db.session.scalar(select(NumberSeries.next_number)) == 51


@pytest.mark.slow
def test_fifty_more_at_once_continue_without_a_gap(app):
    take()
    taken, errors = _take_in_threads(app, 50)
    assert errors == []
    assert sorted(taken) == list(range(2, 52))
    assert stored_numbers() == list(range(1, 52))


PROCESS_SCRIPT = r"""
import datetime as dt, json, sys, time
from pathlib import Path
from sqlalchemy import text
from core.app import create_app
from core.db import db, write_transaction
from core.services import numbers

url, instance, ready, go, count = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5])
app = create_app(config={"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True}, instance_path=instance)
taken = []
with app.app_context():
    db.session.execute(text("SELECT 1"))
    db.session.commit()
    ready.touch()
    while not go.exists():
        time.sleep(0.005)
    for _ in range(count):
        with write_transaction():
            issued = numbers.take_number("correspondence.outgoing", "office", dt.date(2026, 3, 2))
            taken.append(issued.number)
            time.sleep(0.002)
            db.session.commit()
print(json.dumps(taken))
"""


@pytest.mark.slow
def test_clerks_in_separate_processes_never_get_the_same_number(app, khet_database_url, tmp_path):
    processes, per_process = 5, 10
    script = tmp_path / "take_numbers.py"
    script.write_text(PROCESS_SCRIPT)
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("KHET_DATABASE_URL", None)
    children = [
        subprocess.Popen(
            [sys.executable, str(script), khet_database_url, str(tmp_path / f"inst{n}"), str(tmp_path / f"ready{n}"), str(go), str(per_process)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for n in range(processes)
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready{n}").exists() for n in range(processes)):
        assert all(child.poll() is None for child in children), [c.communicate()[1][-2000:] for c in children if c.poll() is not None]
        assert time.monotonic() < deadline, "the processes did not start"
        time.sleep(0.05)
    go.touch()  # all press save together
    taken = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err[-3000:]
        taken.extend(json.loads(out.strip().splitlines()[-1]))
    assert sorted(taken) == list(range(1, processes * per_process + 1))
    assert stored_numbers() == list(range(1, processes * per_process + 1))
