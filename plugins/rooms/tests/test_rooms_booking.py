"""Booking rooms through the services: overlaps, approvals, who may book, limits, changes, closures, waiting lists."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.api import (
    BOOKING_CANCELLED as CANCELLED, BOOKING_CONFIRMED as CONFIRMED, BOOKING_PENDING as PENDING,
    BOOKING_REFUSED as REFUSED, ApprovalRequest, Notification, Reservation, approvals, db, holidays,
)
from plugins.rooms import services
from plugins.rooms.models import Booking, SlotWatch
from plugins.rooms.services import RoomError
from plugins.rooms.tests.helpers import NOW, at

pytestmark = pytest.mark.khet_plugins("rooms")


def book(room, start, end, person, details, **kwargs) -> Booking:
    return services.request_booking(room, start, end, person, details(**kwargs), now=NOW)


def statuses() -> list[tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Booking.title, Reservation.status).join(Booking.reservation).order_by(Reservation.starts_at, Booking.id)
    ).all()
    return [tuple(row) for row in rows]


def notified(person, event: str) -> list[str]:
    return list(db.session.scalars(
        select(Notification.title).where(Notification.person_id == person.id, Notification.event == event)
    ))


# --- overlaps -----------------------------------------------------------------------------


def test_a_meeting_ending_at_ten_and_one_starting_at_ten_do_not_overlap(people, make_room, details):
    room = make_room()
    book(room, at(1, 10), at(1, 11), people.booker, details, title="สิบโมง")
    book(room, at(1, 9), at(1, 10), people.colleague, details, title="เก้าโมง")
    book(room, at(1, 11), at(1, 12), people.colleague, details, title="สิบเอ็ดโมง")
    assert statuses() == [("เก้าโมง", CONFIRMED), ("สิบโมง", CONFIRMED), ("สิบเอ็ดโมง", CONFIRMED)]


def test_an_overlap_of_one_quarter_hour_is_refused_naming_the_meeting_in_the_way(people, make_room, details):
    room = make_room()
    book(room, at(1, 10), at(1, 11), people.booker, details, title="ประชุมสิบโมง")
    with pytest.raises(RoomError, match="ประชุมสิบโมง") as refused:
        book(room, at(1, 9), at(1, 10, 15), people.colleague, details, title="ล้ำเวลา")
    assert [r.title for r in refused.value.conflicts] == ["ประชุมสิบโมง"]
    assert statuses() == [("ประชุมสิบโมง", CONFIRMED)]


def test_times_off_the_quarter_hour_are_refused(people, make_room, details):
    room = make_room()
    with pytest.raises(RoomError, match="quarter hour"):
        book(room, at(1, 9), at(1, 9, 59), people.booker, details)
    assert statuses() == []


def test_a_closure_until_nine_fifty_nine_overlaps_a_meeting_from_nine_thirty(people, make_room, details):
    """Closures are not held to quarter hours: the guard's own boundary, seen through the module."""
    room = make_room()
    book(room, at(1, 9, 30), at(1, 10, 30), people.booker, details, title="ประชุมเก้าโมงครึ่ง")
    with pytest.raises(RoomError, match="1 bookings fall in this time"):
        services.block_room(room, at(1, 8), at(1, 9, 59), "ซ่อมแอร์", people.manager, now=NOW)
    services.block_room(room, at(1, 8), at(1, 9, 30), "ซ่อมแอร์", people.manager, now=NOW)
    services.block_room(room, at(1, 10, 30), at(1, 12), "ซ่อมแอร์", people.manager, now=NOW)
    assert statuses() == [("ประชุมเก้าโมงครึ่ง", CONFIRMED)]


def test_other_rooms_do_not_conflict(people, make_room, details):
    small, large = make_room(name="ห้องเล็ก"), make_room(name="ห้องใหญ่")
    book(small, at(1, 9), at(1, 10), people.booker, details)
    book(large, at(1, 9), at(1, 10), people.colleague, details)
    assert [status for _, status in statuses()] == [CONFIRMED, CONFIRMED]


# --- approvals ----------------------------------------------------------------------------


def test_a_room_needing_approval_waits_for_its_approver_who_is_told(people, make_room, details):
    room = make_room(needs_approval=True)
    booking = book(room, at(1, 9), at(1, 10), people.booker, details, title="ประชุมแผน")
    assert booking.status == PENDING
    request = services.approval_of(booking)
    assert [step.approver_id for step in request.steps] == [people.approver.id]
    assert len(notified(people.approver, "approvals.waiting")) == 1
    assert [w.booking.id for w in services.waiting_for(people.approver)] == [booking.id]
    assert services.waiting_for(people.other_approver) == []

    services.decide(booking, people.approver, "approve")
    assert statuses() == [("ประชุมแผน", CONFIRMED)]
    assert db.session.get(ApprovalRequest, request.id).status == "approved"
    assert notified(people.booker, "approvals.decided")
    assert services.waiting_for(people.approver) == []


def test_refusing_needs_a_reason_the_booker_reads(people, make_room, details):
    room = make_room(needs_approval=True)
    booking = book(room, at(1, 9), at(1, 10), people.booker, details, title="ประชุมแผน")
    with pytest.raises(RoomError, match="reason"):
        services.decide(booking, people.approver, "refuse", "  ")
    assert statuses() == [("ประชุมแผน", PENDING)]
    services.decide(booking, people.approver, "refuse", "ห้องใช้จัดสอบ")
    db.session.expire_all()
    assert booking.status == REFUSED and booking.reservation.status_reason == "ห้องใช้จัดสอบ"
    assert notified(people.booker, "approvals.decided")


def test_another_approver_cannot_decide_this_rooms_bookings(people, make_room, details):
    room = make_room(needs_approval=True)
    booking = book(room, at(1, 9), at(1, 10), people.booker, details)
    with pytest.raises(RoomError, match="may not decide"):
        services.decide(booking, people.other_approver, "approve")
    assert [status for _, status in statuses()] == [PENDING]


def test_the_approver_s_own_booking_is_confirmed_at_once(people, make_room, details):
    room = make_room(needs_approval=True)
    booking = book(room, at(1, 9), at(1, 10), people.approver, details)
    assert booking.status == CONFIRMED and services.approval_of(booking) is None


def test_a_request_for_a_confirmed_time_is_refused_at_once(people, make_room, details):
    room = make_room(needs_approval=True)
    first = book(room, at(1, 9), at(1, 10), people.booker, details, title="อนุมัติแล้ว")
    services.decide(first, people.approver, "approve")
    with pytest.raises(RoomError, match="อนุมัติแล้ว"):
        book(room, at(1, 9, 30), at(1, 10, 30), people.colleague, details)
    assert statuses() == [("อนุมัติแล้ว", CONFIRMED)]


def test_approving_one_of_two_overlapping_requests_refuses_the_other_and_tells_its_booker(people, make_room, details):
    room = make_room(needs_approval=True)
    first = book(room, at(1, 9), at(1, 10), people.booker, details, title="คำขอแรก")
    second = book(room, at(1, 9, 30), at(1, 10, 30), people.colleague, details, title="คำขอที่สอง")
    later = book(room, at(1, 10), at(1, 11), people.outsider, details, title="ต่อจากนั้น")  # touches, no overlap
    second_request = services.approval_of(second)
    assert [b.title for b in services.competing_requests(first)] == ["คำขอที่สอง"]
    services.decide(first, people.approver, "approve")
    assert statuses() == [("คำขอแรก", CONFIRMED), ("คำขอที่สอง", REFUSED), ("ต่อจากนั้น", PENDING)]
    refused = db.session.get(Booking, second.id).reservation
    assert "คำขอแรก" in refused.status_reason
    closed = db.session.get(ApprovalRequest, second_request.id)
    assert closed.status == "refused" and closed.events[-1].actor_id == people.approver.id  # /approvals agrees
    assert "คำขอแรก" in closed.events[-1].comment
    assert notified(people.colleague, services.EVENT_REQUEST_CLOSED) == ["Your room request was not granted: คำขอที่สอง"]
    assert services.waiting_for(people.approver)[0].booking.id == later.id
    with pytest.raises(RoomError, match="no longer waiting for a decision: The time was given to another meeting: คำขอแรก"):
        services.decide(db.session.get(Booking, second.id), people.approver, "approve")


def test_the_approver_sees_the_requests_competing_for_a_time(people, make_room, details):
    room = make_room(needs_approval=True)
    first = book(room, at(1, 9), at(1, 10), people.booker, details, title="คำขอแรก")
    second = book(room, at(1, 9, 30), at(1, 10, 30), people.colleague, details, title="คำขอที่สอง")
    waiting = {item.booking.id: [b.id for b in item.competing] for item in services.waiting_for(people.approver)}
    assert waiting == {first.id: [second.id], second.id: [first.id]}


def test_no_request_stays_pending_after_its_time_and_its_booker_is_told(people, make_room, details):
    import datetime as dt

    room = make_room(needs_approval=True)
    old = book(room, at(1, 9), at(1, 10), people.booker, details, title="ไม่มีใครตัดสิน")
    future = book(room, at(2, 9), at(2, 10), people.colleague, details, title="ยังไม่ถึงเวลา")
    request = services.approval_of(old)
    assert services.close_stale_requests(at(1, 9).astimezone(dt.timezone.utc).replace(tzinfo=None)) == 1
    assert statuses() == [("ไม่มีใครตัดสิน", REFUSED), ("ยังไม่ถึงเวลา", PENDING)]
    assert db.session.get(ApprovalRequest, request.id).status == "refused"
    assert notified(people.booker, services.EVENT_REQUEST_CLOSED) == ["Your room request was not granted: ไม่มีใครตัดสิน"]
    assert services.close_stale_requests(at(1, 9).astimezone(dt.timezone.utc).replace(tzinfo=None)) == 0
    assert [w.booking.id for w in services.waiting_for(people.approver)] == [future.id]


def test_the_scheduled_job_closes_requests_whose_time_has_passed(people, make_room, details):
    import datetime as dt

    from core.api import jobs

    room = make_room(needs_approval=True)
    book(room, at(1, 9), at(1, 10), people.booker, details, title="ไม่มีใครตัดสิน")
    job = jobs.scheduled_jobs()["rooms.close_requests"]
    assert "closed 1" in job.run(at(1, 11).astimezone(dt.timezone.utc).replace(tzinfo=None))
    assert statuses() == [("ไม่มีใครตัดสิน", REFUSED)]


def test_a_decision_through_core_s_approval_page_reaches_the_booking(people, make_room, details):
    room = make_room(needs_approval=True)
    booking = book(room, at(1, 9), at(1, 10), people.booker, details)
    approvals.decide(services.approval_of(booking), people.approver, "approve")
    db.session.commit()
    assert statuses()[0][1] == CONFIRMED


# --- who may book -------------------------------------------------------------------------


def test_only_listed_groups_and_people_may_book_a_restricted_room(people, make_room, details):
    room = make_room(restricted=True, group_ids=[people.planning.id], person_ids=[people.manager.id])
    with pytest.raises(RoomError, match="may not book"):
        book(room, at(1, 9), at(1, 10), people.outsider, details)
    assert statuses() == []
    book(room, at(1, 9), at(1, 10), people.booker, details, title="กลุ่มที่ได้รับอนุญาต")
    book(room, at(1, 10), at(1, 11), people.manager, details, title="คนที่ได้รับอนุญาต")
    assert [title for title, _ in statuses()] == ["กลุ่มที่ได้รับอนุญาต", "คนที่ได้รับอนุญาต"]
    assert room not in db.session.scalars(services.bookable_rooms(people.outsider)).all()


def test_a_person_without_the_booking_permission_cannot_book(make_person, people, make_room, details):
    room = make_room()
    with pytest.raises(RoomError, match="may not book"):
        book(room, at(1, 9), at(1, 10), make_person(first_name="ไม่มีสิทธิ์"), details)


def test_inactive_rooms_cannot_be_booked(people, make_room, details):
    room = make_room(active=False)
    with pytest.raises(RoomError, match="may not book"):
        book(room, at(1, 9), at(1, 10), people.booker, details)


# --- hours, days off, limits ----------------------------------------------------------------


def test_bookings_stay_inside_the_room_s_hours_and_in_the_future(people, make_room, details):
    room = make_room(opens_at=dt.time(8, 30), closes_at=dt.time(16, 30))
    with pytest.raises(RoomError, match="08:30 to 16:30"):
        book(room, at(1, 8), at(1, 9), people.booker, details)
    with pytest.raises(RoomError, match="08:30 to 16:30"):
        book(room, at(1, 16), at(1, 17), people.booker, details)
    with pytest.raises(RoomError, match="past"):
        book(room, at(22, 8, 30, month=2), at(22, 9, 30, month=2), people.booker, details)
    with pytest.raises(RoomError, match="end after"):
        book(room, at(1, 10), at(1, 9), people.booker, details)
    book(room, at(1, 8, 30), at(1, 16, 30), people.booker, details)
    assert len(statuses()) == 1


def test_holidays_and_weekends_are_closed_unless_the_room_opens_on_them(people, make_room, details):
    holidays.add_holiday("วันมาฆบูชา", dt.date(2027, 3, 3))
    db.session.commit()
    closed, hall = make_room(name="ห้องปกติ"), make_room(name="หอประชุม", open_on_days_off=True)
    with pytest.raises(RoomError, match="วันมาฆบูชา"):
        book(closed, at(3, 9), at(3, 10), people.booker, details)
    with pytest.raises(RoomError, match="weekend"):
        book(closed, at(6, 9), at(6, 10), people.booker, details)
    book(hall, at(3, 9), at(3, 10), people.booker, details, title="วันหยุด")
    book(hall, at(6, 9), at(6, 10), people.booker, details, title="เสาร์")
    assert statuses() == [("วันหยุด", CONFIRMED), ("เสาร์", CONFIRMED)]


def test_a_request_refused_by_the_open_bookings_limit_commits_nothing_of_the_caller_s(people, make_room, details):
    """The count runs under the booker's named lock; nothing the caller had not committed is committed halfway."""
    from core.api import Group, locking, save_settings

    save_settings("rooms", {"max_open_bookings": 1})
    db.session.commit()
    room = make_room()
    book(room, at(1, 9), at(1, 10), people.booker, details)
    db.session.add(Group(code="unsaved", name="ยังไม่บันทึก"))  # the caller's own, not yet committed
    with pytest.raises(RoomError, match="You already hold 1 bookings"):
        book(room, at(1, 11), at(1, 12), people.booker, details)
    assert db.session.scalar(select(Group).where(Group.code == "unsaved")) is None
    assert "rooms.booker:%d" % people.booker.id in db.session.scalars(select(locking.NamedLock.key)).all()


def test_the_office_s_limits_hold_for_everyone_but_room_managers(people, make_room, details):
    from core.api import save_settings

    save_settings("rooms", {"max_days_ahead": 30, "max_duration_hours": 2, "max_open_bookings": 2})
    db.session.commit()
    room = make_room(opens_at=dt.time(7, 0), closes_at=dt.time(20, 0))
    with pytest.raises(RoomError, match="30 days ahead"):
        book(room, at(1, 9, month=4), at(1, 10, month=4), people.booker, details)
    with pytest.raises(RoomError, match="2 hours"):
        book(room, at(1, 9), at(1, 11, 15), people.booker, details)
    book(room, at(1, 9), at(1, 10), people.booker, details)
    book(room, at(2, 9), at(2, 10), people.booker, details)
    with pytest.raises(RoomError, match="already hold 2 bookings"):
        book(room, at(3, 9), at(3, 10), people.booker, details)
    book(room, at(3, 9, month=5), at(3, 19, month=5), people.manager, details)
    assert len(statuses()) == 3


def test_more_attendees_than_seats_is_allowed_and_flagged(people, make_room, details):
    room = make_room(capacity=10)
    booking = book(room, at(1, 9), at(1, 10), people.booker, details, attendees=14)
    assert booking.over_capacity and booking.status == CONFIRMED


# --- recurring ----------------------------------------------------------------------------


@pytest.fixture
def holiday_and_conflict(people, make_room, details):
    """Four Mondays from 1 March 2027: the 15th a holiday, the 22nd taken by a confirmed meeting."""
    holidays.add_holiday("วันหยุดพิเศษ", dt.date(2027, 3, 15))
    db.session.commit()
    room = make_room()
    book(room, at(22, 9, 30), at(22, 10, 30), people.colleague, details, title="ประชุมที่จองไว้ก่อน")
    return room


def test_a_recurring_booking_with_a_taken_date_books_nothing_by_default(people, holiday_and_conflict, details):
    with pytest.raises(RoomError, match="ประชุมที่จองไว้ก่อน") as refused:
        services.request_series(holiday_and_conflict, at(1, 9), at(1, 10), people.booker, details(title="ประชุมประจำสัปดาห์"),
                                "weekly", count=4, now=NOW)
    assert refused.value.dates == [dt.date(2027, 3, 22)]
    assert statuses() == [("ประชุมที่จองไว้ก่อน", CONFIRMED)]


def test_a_recurring_booking_may_skip_the_taken_dates_and_leaves_out_the_holiday(people, holiday_and_conflict, details):
    outcome = services.request_series(holiday_and_conflict, at(1, 9), at(1, 10), people.booker,
                                      details(title="ประชุมประจำสัปดาห์"), "weekly", count=4, on_conflict="skip", now=NOW)
    assert [services.local(b.starts_at).date() for b in outcome.bookings] == [dt.date(2027, 3, 1), dt.date(2027, 3, 8)]
    assert outcome.conflicting_dates == [dt.date(2027, 3, 22)]
    assert outcome.skipped_dates == [dt.date(2027, 3, 15)]
    assert len({b.series_id for b in outcome.bookings}) == 1
    assert statuses().count(("ประชุมประจำสัปดาห์", CONFIRMED)) == 2


def test_a_recurring_booking_needing_approval_is_approved_once_for_every_date(people, make_room, details):
    room = make_room(needs_approval=True)
    outcome = services.request_series(room, at(1, 9), at(1, 10), people.booker, details(title="ประชุมประจำสัปดาห์"),
                                      "weekly", until=dt.date(2027, 3, 29), now=NOW)
    assert len(outcome.bookings) == 5 and {b.status for b in outcome.bookings} == {PENDING}
    waiting = services.waiting_for(people.approver)
    assert len(waiting) == 1 and waiting[0].dates == 5
    services.decide(outcome.bookings[2], people.approver, "approve")
    assert {status for _, status in statuses()} == {CONFIRMED}
    assert services.open_bookings_of(people.booker, NOW) == 1  # a recurring meeting counts once


def test_cancelling_the_rest_of_a_series_frees_the_later_dates(people, make_room, details):
    room = make_room()
    outcome = services.request_series(room, at(1, 9), at(1, 10), people.booker, details(title="ประชุมประจำสัปดาห์"),
                                      "weekly", count=4, now=NOW)
    cancelled = services.cancel_series(outcome.bookings[2], people.booker, now=NOW)
    assert [b.id for b in cancelled] == [b.id for b in outcome.bookings[2:]]
    assert [status for _, status in statuses()] == [CONFIRMED, CONFIRMED, CANCELLED, CANCELLED]


# --- changing and cancelling ------------------------------------------------------------------


def test_moving_an_approved_booking_sends_it_back_for_approval(people, make_room, details):
    room = make_room(needs_approval=True)
    booking = book(room, at(1, 9), at(1, 10), people.booker, details, title="ประชุมแผน")
    services.decide(booking, people.approver, "approve")
    services.edit_booking(booking, people.booker, room, at(1, 9), at(1, 10), details(title="ประชุมแผน (แก้ชื่อ)"), now=NOW)
    assert booking.status == CONFIRMED  # only the title changed
    services.edit_booking(booking, people.booker, room, at(2, 13), at(2, 14), details(title="ประชุมแผน"), now=NOW)
    db.session.expire_all()
    assert booking.status == PENDING and services.local(booking.starts_at) == at(2, 13)
    assert services.approval_of(booking).status == "pending"
    reservations = db.session.scalars(select(Reservation.status).order_by(Reservation.id)).all()
    assert reservations == [CANCELLED, PENDING]  # the old time is free, the new one waits


def test_only_the_booker_changes_a_booking_and_only_before_it_starts(people, make_room, details):
    room = make_room()
    booking = book(room, at(1, 9), at(1, 10), people.booker, details)
    with pytest.raises(RoomError, match="Only the booker"):
        services.edit_booking(booking, people.colleague, room, at(1, 9), at(1, 10), details(title="ของฉัน"), now=NOW)
    with pytest.raises(RoomError, match="Only the booker"):
        services.edit_booking(booking, people.booker, room, at(1, 9), at(1, 10), details(title="สาย"),
                              now=services.utc(at(1, 9, 15)))
    with pytest.raises(RoomError):
        services.cancel_booking(booking, people.colleague, now=NOW)
    assert statuses()[0] == ("ประชุมคณะทำงาน", CONFIRMED)


def test_cancelling_frees_the_time_and_tells_whoever_waits_for_it(people, make_room, details):
    room = make_room()
    booking = book(room, at(1, 9), at(1, 11), people.booker, details)
    services.watch_slot(room, at(1, 10), at(1, 11), people.colleague, now=NOW)
    with pytest.raises(RoomError, match="free"):
        services.watch_slot(room, at(1, 13), at(1, 14), people.colleague, now=NOW)
    services.cancel_booking(booking, people.booker, now=NOW)
    assert statuses()[0][1] == CANCELLED
    assert notified(people.colleague, services.EVENT_SLOT_FREED) == [
        f"A room time you waited for is free: {room.name}"]
    assert db.session.scalar(select(SlotWatch.notified_at)) is not None
    book(room, at(1, 10), at(1, 11), people.colleague, details, title="ได้ห้องแล้ว")


def test_a_manager_cancels_someone_s_booking_with_a_reason_the_booker_is_told(people, make_room, details):
    room = make_room()
    booking = book(room, at(1, 9), at(1, 10), people.booker, details)
    with pytest.raises(RoomError, match="reason"):
        services.cancel_booking(booking, people.manager, now=NOW)
    services.cancel_booking(booking, people.manager, "ผู้บริหารใช้ห้อง", now=NOW)
    assert statuses()[0][1] == CANCELLED
    assert notified(people.booker, services.EVENT_CANCELLED)


def test_a_manager_cancelling_a_pending_request_ends_it_on_core_s_approvals_too(people, make_room, details):
    room = make_room(needs_approval=True)
    booking = book(room, at(1, 9), at(1, 10), people.booker, details)
    request = services.approval_of(booking)
    services.cancel_booking(booking, people.manager, "ผู้บริหารใช้ห้อง", now=NOW)
    closed = db.session.get(ApprovalRequest, request.id)
    assert closed.status == "cancelled" and closed.events[-1].comment == "ผู้บริหารใช้ห้อง"
    assert db.session.scalar(approvals.waiting_count_query(people.approver)) == 0  # /approvals agrees


def test_withdrawing_a_pending_request_by_cancelling_it(people, make_room, details):
    room = make_room(needs_approval=True)
    booking = book(room, at(1, 9), at(1, 10), people.booker, details)
    request = services.approval_of(booking)
    services.cancel_booking(booking, people.booker, now=NOW)
    assert db.session.get(ApprovalRequest, request.id).status == "withdrawn"
    assert statuses()[0][1] == CANCELLED and services.waiting_for(people.approver) == []


# --- closures -----------------------------------------------------------------------------


def test_a_closure_keeps_bookings_out_and_may_cancel_those_in_the_way(people, make_room, details):
    room = make_room()
    booking = book(room, at(2, 9), at(2, 10), people.booker, details, title="ถูกยกเลิกเพราะปิดห้อง")
    with pytest.raises(RoomError):
        services.block_room(room, at(1, 8), at(5, 18), "ปรับปรุงห้อง", people.manager, now=NOW)
    block = services.block_room(room, at(1, 8), at(5, 18), "ปรับปรุงห้อง", people.manager, cancel_bookings=True, now=NOW)
    assert statuses() == [("ถูกยกเลิกเพราะปิดห้อง", CANCELLED)]
    assert notified(people.booker, services.EVENT_CANCELLED)
    with pytest.raises(RoomError, match="ปรับปรุงห้อง"):
        book(room, at(3, 9), at(3, 10), people.colleague, details)
    services.unblock(block, people.manager)
    book(room, at(3, 9), at(3, 10), people.colleague, details, title="เปิดห้องแล้ว")
    assert statuses()[-1] == ("เปิดห้องแล้ว", CONFIRMED)
    assert booking.status == CANCELLED


def test_find_a_room_shows_which_rooms_are_free(people, make_room, details):
    small = make_room(name="ห้องเล็ก", capacity=8, equipment=["tv"])
    large = make_room(name="ห้องใหญ่", capacity=60, equipment=["projector", "microphones"])
    hall = make_room(name="หอประชุม", capacity=200, equipment=["projector"])
    book(large, at(1, 9), at(1, 10), people.colleague, details)
    found = services.find_rooms(people.booker, dt.date(2027, 3, 1), dt.time(9, 30), dt.time(10, 30), capacity=20,
                                equipment=["projector"])
    assert [(f.room.name, f.free) for f in found] == [(hall.name, True), (large.name, False)]
    assert small not in [f.room for f in found]


def test_a_person_leaving_loses_their_future_bookings(people, make_room, details):
    from core.testing import deactivate_person

    room = make_room()
    book(room, at(1, 9), at(1, 10), people.booker, details)
    deactivate_person(people.booker)
    db.session.commit()
    assert statuses()[0][1] == CANCELLED
    assert db.session.scalar(select(func.count()).select_from(Reservation).where(Reservation.status == CONFIRMED)) == 0
