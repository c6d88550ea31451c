"""The booking guard: confirmed reservations of one resource never overlap — also under concurrency."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.db import db, write_transaction
from core.services import booking, holidays
from core.services.booking import CANCELLED, CONFIRMED, PENDING, REFUSED, BookingConflict, BookingError, Reservation
from core.testing import run_in_threads

BANGKOK = ZoneInfo("Asia/Bangkok")
ROOM = ("rooms.room", 5)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    """A Bangkok time in March 2027 (1 March 2027 is a Monday)."""
    return dt.datetime(2027, month, day, hour, minute, tzinfo=BANGKOK)


def book(start, end, resource=ROOM, confirm=True, title="ประชุม", holder=None) -> Reservation:
    with write_transaction():
        reservation = booking.reserve(resource, start, end, holder=holder, title=title, confirm=confirm)
        db.session.commit()
    return reservation


def statuses(resource=ROOM) -> dict[int, str]:
    db.session.commit()  # a fresh transaction sees what other sessions committed (MariaDB, SQLite snapshots)
    rows = db.session.scalars(booking.reservations_between(resource, at(1, 0), at(30, 0, month=6), statuses=booking.STATUSES))
    return {row.id: row.status for row in rows}


# --- overlaps --------------------------------------------------------------------------------


def test_back_to_back_meetings_do_not_overlap(app):
    book(at(2, 9), at(2, 10))
    book(at(2, 10), at(2, 11))
    book(at(2, 8), at(2, 9))
    assert list(statuses().values()) == [CONFIRMED, CONFIRMED, CONFIRMED]


@pytest.mark.parametrize(
    "start, end",
    [
        ((9, 30), (10, 30)),  # starts before the other ends at 9:59
        ((8, 0), (8, 31)),  # ends a minute into it
        ((8, 30), (9, 59)),  # the same time
        ((9, 0), (9, 10)),  # inside it
        ((8, 0), (11, 0)),  # around it
    ],
)
def test_overlapping_times_are_refused_naming_the_meeting_in_the_way(app, start, end):
    first = book(at(2, 8, 30), at(2, 9, 59), title="ประชุมผู้บริหาร")
    with write_transaction(), pytest.raises(BookingConflict) as refused:
        booking.reserve(ROOM, at(2, *start), at(2, *end), title="อบรม", confirm=True)
    assert [r.id for r in refused.value.conflicts] == [first.id]
    assert "ประชุมผู้บริหาร" in str(refused.value)
    with app.test_request_context():
        assert "ประชุมผู้บริหาร (2 มี.ค. 2570 08:30 น. – 2 มี.ค. 2570 09:59 น.)" in refused.value.describe()
    db.session.rollback()
    assert statuses() == {first.id: CONFIRMED}


def test_pending_requests_may_overlap_anything(app):
    confirmed = book(at(2, 9), at(2, 10))
    first = book(at(2, 9), at(2, 10), confirm=False)
    second = book(at(2, 9, 30), at(2, 11), confirm=False)
    assert statuses() == {confirmed.id: CONFIRMED, first.id: PENDING, second.id: PENDING}


def test_confirming_a_request_that_overlaps_a_confirmed_one_fails_and_leaves_it_pending(app, make_person):
    officer = make_person()
    request_a = book(at(2, 9), at(2, 10), confirm=False)
    request_b = book(at(2, 9, 30), at(2, 10, 30), confirm=False)
    with write_transaction():
        booking.confirm(request_a, by=officer)
        db.session.commit()
        with pytest.raises(BookingConflict) as refused:
            booking.confirm(request_b, by=officer)
        db.session.rollback()
    assert [r.id for r in refused.value.conflicts] == [request_a.id]
    assert statuses() == {request_a.id: CONFIRMED, request_b.id: PENDING}
    assert db.session.get(Reservation, request_a.id).status_changed_by_id == officer.id


def test_other_resources_and_kinds_do_not_conflict(app):
    book(at(2, 9), at(2, 10), resource=("rooms.room", 5))
    book(at(2, 9), at(2, 10), resource=("rooms.room", 6))
    book(at(2, 9), at(2, 10), resource=("vehicles.car", 5))
    assert db.session.scalar(select(func.count()).select_from(Reservation).where(Reservation.status == CONFIRMED)) == 3


def test_times_are_stored_as_utc(app):
    reservation = book(at(2, 9), at(2, 10))
    db.session.expire_all()
    stored = db.session.get(Reservation, reservation.id)
    assert (stored.starts_at, stored.ends_at) == (dt.datetime(2027, 3, 2, 2, 0), dt.datetime(2027, 3, 2, 3, 0))


def test_an_end_before_the_start_is_refused(app):
    with write_transaction(), pytest.raises(BookingError):
        booking.reserve(ROOM, at(2, 10), at(2, 10), title="x")


def test_cancelling_frees_the_time_and_keeps_the_record(app, make_person):
    officer = make_person()
    first = book(at(2, 9), at(2, 10))
    with write_transaction():
        booking.cancel(first, by=officer, reason="ผู้จองยกเลิกการประชุม")
        db.session.commit()
    second = book(at(2, 9), at(2, 10))
    assert statuses() == {first.id: CANCELLED, second.id: CONFIRMED}
    kept = db.session.get(Reservation, first.id)
    assert (kept.status_reason, kept.status_changed_by_id) == ("ผู้จองยกเลิกการประชุม", officer.id)


def test_refusing_needs_a_reason_and_a_refused_request_cannot_be_confirmed(app, make_person):
    officer = make_person()
    request = book(at(2, 9), at(2, 10), confirm=False)
    with write_transaction():
        with pytest.raises(BookingError):
            booking.refuse(request, by=officer, reason="")
        booking.refuse(request, by=officer, reason="ห้องปิดปรับปรุง")
        db.session.commit()
        with pytest.raises(BookingError):
            booking.confirm(request, by=officer)
        db.session.rollback()
    assert statuses() == {request.id: REFUSED}


def test_conflicts_and_free_resources_answer_before_booking(app):
    in_the_way = book(at(2, 9), at(2, 10), resource=("rooms.room", 5))
    book(at(2, 13), at(2, 14), resource=("rooms.room", 6))
    book(at(2, 9), at(2, 10), resource=("rooms.room", 7), confirm=False)  # pending does not block
    assert [r.id for r in booking.conflicts(("rooms.room", 5), at(2, 9, 30), at(2, 11))] == [in_the_way.id]
    assert booking.conflicts(("rooms.room", 5), at(2, 10), at(2, 11)) == []
    assert booking.conflicts(("rooms.room", 99), at(2, 9), at(2, 10)) == []
    assert booking.free_resources("rooms.room", at(2, 9, 30), at(2, 13, 30)) == [7]
    assert booking.free_resources("rooms.room", at(2, 9, 30), at(2, 12), among=[5, 6, 7, 8]) == [6, 7, 8]



@pytest.mark.parametrize(
    ("start", "end", "taken"),
    [
        (at(2, 9), at(2, 10), True),  # the same time
        (at(2, 8), at(2, 9, 15), True),  # runs into it
        (at(2, 9, 45), at(2, 11), True),  # starts inside it
        (at(2, 9, 15), at(2, 9, 45), True),  # inside it
        (at(2, 8), at(2, 11), True),  # around it
        (at(2, 8), at(2, 9), False),  # ends as it starts
        (at(2, 10), at(2, 11), False),  # starts as it ends
        (at(1, 9), at(1, 10), False),  # the day before
    ],
)
def test_free_resources_and_calendars_agree_on_what_overlaps(app, start, end, taken):
    """The overlap test is written for an index (tsrange && on PostgreSQL): it must still mean [start, end)."""
    meeting = book(at(2, 9), at(2, 10), resource=("rooms.room", 5))
    closure = book(at(1, 0), at(28, 0), resource=("rooms.room", 6), title="ปิดปรับปรุง")  # weeks long, around everything
    pending = book(at(2, 9), at(2, 10), resource=("rooms.room", 7), confirm=False)
    assert booking.free_resources("rooms.room", start, end, among=[5, 6, 7]) == ([7] if taken else [5, 7])
    assert [r.id for r in booking.conflicts(("rooms.room", 5), start, end)] == ([meeting.id] if taken else [])
    assert [r.id for r in db.session.scalars(booking.reservations_between(("rooms.room", 5), start, end))] == \
        ([meeting.id] if taken else [])
    assert [r.id for r in db.session.scalars(booking.reservations_between(("rooms.room", 6), start, end))] == [closure.id]
    assert [r.id for r in db.session.scalars(booking.reservations_between(("rooms.room", 7), start, end))] == \
        ([pending.id] if taken else [])


def test_free_resources_among_no_ids_is_empty(app):
    book(at(2, 9), at(2, 10), resource=("rooms.room", 5))
    assert booking.free_resources("rooms.room", at(2, 9), at(2, 10), among=[]) == []


# --- recurring ---------------------------------------------------------------------------


def test_a_weekly_series_books_every_week(app):
    result = _series("weekly", count=4)
    assert [to_day(r.starts_at) for r in result.created] == [dt.date(2027, 3, d) for d in (1, 8, 15, 22)]
    assert {r.recurrence_id for r in result.created} != {None} and len({r.recurrence_id for r in result.created}) == 1
    assert all(r.ends_at - r.starts_at == dt.timedelta(hours=2) for r in result.created)


def to_day(stored: dt.datetime) -> dt.date:
    return stored.replace(tzinfo=dt.timezone.utc).astimezone(BANGKOK).date()


def _series(rule, on_conflict="fail", **kwargs):
    with write_transaction():
        result = booking.reserve_series(ROOM, at(1, 9), at(1, 11), rule, title="ประชุมประจำสัปดาห์", confirm=True,
                                        on_conflict=on_conflict, **kwargs)
        db.session.commit()
    return result


def _holiday_and_conflict():
    """A holiday on the second Monday and a confirmed meeting in the way on the third."""
    holidays.add_holiday("วันหยุดพิเศษ", dt.date(2027, 3, 8))
    db.session.commit()
    return book(at(15, 10), at(15, 12), title="อบรมครู")


def test_a_series_with_a_conflict_fails_whole_by_default(app):
    in_the_way = _holiday_and_conflict()
    with write_transaction(), pytest.raises(BookingConflict) as refused:
        booking.reserve_series(ROOM, at(1, 9), at(1, 11), "weekly", count=4, title="ประชุม", confirm=True)
    db.session.rollback()
    assert refused.value.dates == [dt.date(2027, 3, 15)]
    assert [r.id for r in refused.value.conflicts] == [in_the_way.id]
    assert statuses() == {in_the_way.id: CONFIRMED}


def test_a_series_may_skip_the_conflicting_dates_and_holidays(app):
    in_the_way = _holiday_and_conflict()
    result = _series("weekly", on_conflict="skip", count=4)
    assert [to_day(r.starts_at) for r in result.created] == [dt.date(2027, 3, 1), dt.date(2027, 3, 22)]
    assert result.conflicting_dates == [dt.date(2027, 3, 15)]
    assert result.skipped_dates == [dt.date(2027, 3, 8)]
    assert [r.id for r in result.conflicts] == [in_the_way.id]
    assert sorted(statuses().values()) == [CONFIRMED, CONFIRMED, CONFIRMED]


def test_a_series_can_keep_holidays_and_still_fail_on_the_conflict(app):
    _holiday_and_conflict()
    with write_transaction(), pytest.raises(BookingConflict) as refused:
        booking.reserve_series(ROOM, at(1, 9), at(1, 11), "weekly", count=4, skip_holidays=False, confirm=True)
    db.session.rollback()
    assert refused.value.dates == [dt.date(2027, 3, 15)]


def test_a_daily_series_leaves_out_weekends(app):
    result = _series("daily", until=dt.date(2027, 3, 9))
    assert [to_day(r.starts_at) for r in result.created] == [dt.date(2027, 3, d) for d in (1, 2, 3, 4, 5, 8, 9)]
    assert result.skipped_dates == [dt.date(2027, 3, 6), dt.date(2027, 3, 7)]


def test_a_monthly_series_leaves_out_months_without_the_day(app):
    with write_transaction():
        result = booking.reserve_series(ROOM, at(31, 9), at(31, 10), "monthly", until=dt.date(2027, 8, 31),
                                        skip_holidays=False)
        db.session.commit()
    assert [to_day(r.starts_at) for r in result.created] == [
        dt.date(2027, 3, 31), dt.date(2027, 5, 31), dt.date(2027, 7, 31), dt.date(2027, 8, 31)
    ]
    assert {r.status for r in result.created} == {PENDING}


def test_a_series_whose_occurrences_would_overlap_each_other_is_refused(app):
    with write_transaction(), pytest.raises(BookingError):
        booking.reserve_series(ROOM, at(1, 9), at(2, 10), "daily", count=3)


def test_cancelling_a_series_frees_its_times(app):
    result = _series("weekly", count=3)
    with write_transaction():
        booking.cancel_series(result.created[0].recurrence_id, by=None, reason="ยกเลิกทั้งชุด", from_time=at(8, 0))
        db.session.commit()
    assert [statuses()[r.id] for r in result.created] == [CONFIRMED, CANCELLED, CANCELLED]


# --- the database's part ------------------------------------------------------------------


def test_postgresql_itself_refuses_overlapping_confirmed_reservations(app):
    """The exclusion constraint: even an UPDATE that goes around the service is refused."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the exclusion constraint exists on PostgreSQL only")
    book(at(2, 9), at(2, 10))
    request = book(at(2, 9, 30), at(2, 10, 30), confirm=False)
    with pytest.raises(IntegrityError):
        db.session.execute(update(Reservation).where(Reservation.id == request.id).values(status=CONFIRMED))
        db.session.flush()
    db.session.rollback()
    db.session.execute(update(Reservation).where(Reservation.id == request.id).values(status=CANCELLED))
    db.session.commit()  # other statuses may overlap


def _in_threads(app, count, work) -> tuple[list, list, list]:
    """Run ``work(n)`` in ``count`` threads released together, each with its own session and connection.

    Returns what succeeded, the ids named by each BookingConflict, and any other error.
    """
    def named_conflicts(n):
        try:
            return work(n)
        except BookingConflict as exc:  # the ids, read while the thread's session still holds the rows
            raise _Conflicting([r.id for r in exc.conflicts]) from exc

    race = run_in_threads(named_conflicts, count, expected=_Conflicting, app=app)
    return race.results, [conflict.ids for conflict in race.refused], race.errors


class _Conflicting(Exception):
    def __init__(self, ids):
        super().__init__(ids)
        self.ids = ids


@pytest.fixture
def slow_check(monkeypatch):
    """Widen the race: pause between checking for overlaps and writing, as a loaded server might."""
    check = booking._confirmed_overlapping

    def slowly(*args, **kwargs):
        found = check(*args, **kwargs)
        time.sleep(0.01)
        return found

    monkeypatch.setattr(booking, "_confirmed_overlapping", slowly)


@pytest.mark.slow
@pytest.mark.usefixtures("slow_check")
def test_fifty_officers_confirming_overlapping_requests_at_once_confirm_exactly_one(app):
    requests = [book(at(2, 9, n), at(2, 10, n), confirm=False, title=f"คำขอ {n}") for n in range(50)]
    ids = [r.id for r in requests]
    done, conflicts, errors = _in_threads(app, 50, lambda n: booking.confirm(db.session.get(Reservation, ids[n])).id)
    assert errors == []
    assert len(done) == 1
    assert conflicts == [done] * 49  # each refusal names the one that won
    confirmed = [rid for rid, status in statuses().items() if status == CONFIRMED]
    assert confirmed == done


@pytest.mark.slow
@pytest.mark.usefixtures("slow_check")
def test_fifty_people_booking_a_new_room_at_once_get_exactly_one_booking(app):
    room = ("rooms.room", 4242)  # never booked: all fifty also race to create its row
    done, conflicts, errors = _in_threads(
        app, 50, lambda n: booking.reserve(room, at(3, 13), at(3, 14, n + 1), title=f"จอง {n}", confirm=True).id
    )
    assert errors == []
    assert len(done) == 1
    assert conflicts == [done] * 49
    assert list(statuses(room)) == done
