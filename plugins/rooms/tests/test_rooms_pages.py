"""The pages of the meeting-rooms module: booking, approving, permissions, calendars, feeds, statistics."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.api import (
    BOOKING_CANCELLED as CANCELLED, BOOKING_CONFIRMED as CONFIRMED, BOOKING_PENDING as PENDING, Reservation, db,
    utcnow,
)
from plugins.rooms import services
from plugins.rooms.models import Booking, FeedToken, Room
from plugins.rooms.tests.helpers import next_weekday

pytestmark = pytest.mark.khet_plugins("rooms")


def form_for(room, day: dt.date, start="09:00", end="10:00", **values) -> dict:
    data = {"room_id": room.id, "day": day.isoformat(), "start": start, "end": end, "title": "ประชุมคณะทำงาน",
            "attendees": 8, "on_conflict": "fail"}
    data.update(values)
    return data


def bookings() -> list[tuple[str, str]]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        select(Booking.title, Reservation.status).join(Booking.reservation).order_by(Reservation.starts_at, Booking.id))]


@pytest.fixture
def day():
    return next_weekday(7)


# --- booking and approving ------------------------------------------------------------------


def test_a_booker_books_a_free_room_and_sees_it_confirmed(people, make_room, login_as, day):
    room = make_room()
    client = login_as(people.booker)
    response = client.post("/rooms/book", data=form_for(room, day, title="ประชุมวางแผน"))
    assert response.status_code == 302
    record = db.session.scalar(select(Booking))
    assert response.headers["Location"].endswith(f"/rooms/bookings/{record.id}")
    assert bookings() == [("ประชุมวางแผน", CONFIRMED)]
    page = client.get(f"/rooms/bookings/{record.id}").get_data(as_text=True)
    assert "ประชุมวางแผน" in page and 'data-status="confirmed"' in page


def test_a_taken_time_is_refused_and_the_booker_may_ask_to_be_told(people, make_room, login_as, day):
    room = make_room()
    login_as(people.colleague).post("/rooms/book", data=form_for(room, day, title="จองก่อน"))
    client = login_as(people.booker)
    page = client.post("/rooms/book", data=form_for(room, day, "09:30", "10:30")).get_data(as_text=True)
    assert "จองก่อน" in page and "data-taken" in page
    assert bookings() == [("จองก่อน", CONFIRMED)]
    assert client.post("/rooms/watch", data={"room_id": room.id, "day": day.isoformat(), "start": "09:30",
                                             "end": "10:30"}).status_code == 302
    from plugins.rooms.models import SlotWatch

    assert db.session.scalar(select(func.count()).select_from(SlotWatch)) == 1


def test_bad_input_changes_nothing_and_says_why(people, make_room, login_as, day):
    room = make_room()
    client = login_as(people.booker)
    page = client.post("/rooms/book", data=form_for(room, day, "09:10", "10:00")).get_data(as_text=True)
    assert "quarter hour" in page
    page = client.post("/rooms/book", data=form_for(room, day, title="")).get_data(as_text=True)
    assert "data-form-errors" in page
    assert bookings() == []


def test_more_attendees_than_seats_is_booked_with_a_warning(people, make_room, login_as, day):
    room = make_room(capacity=6)
    client = login_as(people.booker)
    page = client.post("/rooms/book", data=form_for(room, day, attendees=9), follow_redirects=True).get_data(as_text=True)
    assert "seats 6" in page and "9 people" in page
    assert bookings()[0][1] == CONFIRMED


def test_booking_and_approving_through_the_pages(people, make_room, login_as, day):
    room = make_room(needs_approval=True)
    login_as(people.booker).post("/rooms/book", data=form_for(room, day, title="ขอใช้ห้องประชุม"))
    assert bookings() == [("ขอใช้ห้องประชุม", PENDING)]
    record = db.session.scalar(select(Booking))

    # Someone who may approve rooms, but not this one: refused, nothing changes.
    other = login_as(people.other_approver)
    assert 'data-booking="%d"' % record.id not in other.get("/rooms/waiting").get_data(as_text=True)
    page = other.post(f"/rooms/bookings/{record.id}/decide", data={"decision": "approve"},
                      follow_redirects=True).get_data(as_text=True)
    assert "may not decide" in page
    assert bookings() == [("ขอใช้ห้องประชุม", PENDING)]

    # The room's approver sees it waiting and approves it.
    approver = login_as(people.approver)
    assert 'data-booking="%d"' % record.id in approver.get("/rooms/waiting").get_data(as_text=True)
    response = approver.post(f"/rooms/bookings/{record.id}/decide", data={"decision": "approve", "next": "waiting"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/rooms/waiting")
    assert bookings() == [("ขอใช้ห้องประชุม", CONFIRMED)]


def test_the_second_requester_is_warned_before_sending_and_may_still_queue(people, make_room, login_as, day):
    room = make_room(needs_approval=True)
    login_as(people.booker).post("/rooms/book", data=form_for(room, day, title="คำขอแรก"))
    first = db.session.scalar(select(Booking))
    client = login_as(people.colleague)

    # Coming from the calendar with the time filled in: warned at once.
    page = client.get(f"/rooms/book?room_id={room.id}&day={day.isoformat()}&start=09:30&end=10:30").get_data(as_text=True)
    assert "data-requested-already" in page and "คำขอแรก" in page and people.booker.full_name in page
    # Sending without having seen it: nothing is sent, the warning and a "send anyway" come back.
    page = client.post("/rooms/book", data=form_for(room, day, "09:30", "10:30", title="คำขอที่สอง")).get_data(as_text=True)
    assert "data-requested-already" in page and "data-queue-anyway" in page
    assert bookings() == [("คำขอแรก", PENDING)]
    # Sending anyway queues the request.
    assert client.post("/rooms/book", data=form_for(room, day, "09:30", "10:30", title="คำขอที่สอง",
                                                    queue_anyway="1")).status_code == 302
    assert bookings() == [("คำขอแรก", PENDING), ("คำขอที่สอง", PENDING)]
    # A time next to it is no conflict: no warning.
    page = client.get(f"/rooms/book?room_id={room.id}&day={day.isoformat()}&start=10:30&end=11:00").get_data(as_text=True)
    assert "data-requested-already" not in page
    assert first.id


def test_moving_a_booking_onto_a_requested_time_warns_first(people, make_room, login_as, day):
    room = make_room(needs_approval=True)
    login_as(people.booker).post("/rooms/book", data=form_for(room, day, title="คำขอแรก"))
    client = login_as(people.colleague)
    client.post("/rooms/book", data=form_for(room, day, "13:00", "14:00", title="ย้ายได้"))
    mine = db.session.scalar(select(Booking).where(Booking.title == "ย้ายได้"))
    page = client.post(f"/rooms/bookings/{mine.id}/edit",
                       data=form_for(room, day, "09:30", "10:30", title="ย้ายได้")).get_data(as_text=True)
    assert "data-requested-already" in page and "คำขอแรก" in page and "data-queue-anyway" in page
    assert services.local(db.session.get(Booking, mine.id).starts_at).hour == 13  # not moved yet
    assert client.post(f"/rooms/bookings/{mine.id}/edit", data=form_for(room, day, "09:30", "10:30", title="ย้ายได้",
                                                                         queue_anyway="1")).status_code == 302
    db.session.expire_all()
    assert services.local(db.session.get(Booking, mine.id).starts_at).hour == 9


def test_the_approver_sees_the_conflict_and_approving_one_refuses_the_other(people, make_room, login_as, day):
    room = make_room(needs_approval=True)
    login_as(people.booker).post("/rooms/book", data=form_for(room, day, title="คำขอแรก"))
    login_as(people.colleague).post("/rooms/book", data=form_for(room, day, "09:30", "10:30", title="คำขอที่สอง",
                                                                 queue_anyway="1"))
    first, second = db.session.scalars(select(Booking).order_by(Booking.id)).all()
    approver = login_as(people.approver)
    waiting = approver.get("/rooms/waiting").get_data(as_text=True)
    assert f'data-competing-booking="{second.id}"' in waiting and f'data-competing-booking="{first.id}"' in waiting
    page = approver.get(f"/rooms/bookings/{first.id}").get_data(as_text=True)
    assert "data-competing" in page and "คำขอที่สอง" in page
    approver.post(f"/rooms/bookings/{first.id}/decide", data={"decision": "approve"})
    assert bookings() == [("คำขอแรก", CONFIRMED), ("คำขอที่สอง", "refused")]
    told = login_as(people.colleague).get("/notifications/").get_data(as_text=True)
    assert "Your room request was not granted: คำขอที่สอง" in told


def test_refusing_through_the_page_needs_a_reason(people, make_room, login_as, day):
    room = make_room(needs_approval=True)
    login_as(people.booker).post("/rooms/book", data=form_for(room, day))
    record = db.session.scalar(select(Booking))
    approver = login_as(people.approver)
    page = approver.post(f"/rooms/bookings/{record.id}/decide", data={"decision": "refuse", "reason": ""},
                         follow_redirects=True).get_data(as_text=True)
    assert "reason" in page and bookings()[0][1] == PENDING
    approver.post(f"/rooms/bookings/{record.id}/decide", data={"decision": "refuse", "reason": "ห้องใช้จัดสอบ"})
    assert bookings()[0][1] == "refused"


def test_people_without_the_approval_permission_cannot_open_or_decide(people, make_room, login_as, day):
    room = make_room(needs_approval=True)
    login_as(people.booker).post("/rooms/book", data=form_for(room, day))
    record = db.session.scalar(select(Booking))
    client = login_as(people.colleague)
    assert client.get("/rooms/waiting").status_code == 403
    assert client.post(f"/rooms/bookings/{record.id}/decide", data={"decision": "approve"}).status_code == 403
    assert bookings()[0][1] == PENDING


def test_a_forged_decision_without_a_csrf_token_is_refused(people, make_room, login_as, day):
    room = make_room(needs_approval=True)
    login_as(people.booker).post("/rooms/book", data=form_for(room, day))
    record = db.session.scalar(select(Booking))
    response = login_as(people.approver).post(f"/rooms/bookings/{record.id}/decide", data={"decision": "approve"},
                                              csrf=False)
    assert response.status_code == 400 and bookings()[0][1] == PENDING


def test_a_person_outside_the_allowed_groups_cannot_book_the_room(people, make_room, login_as, day):
    room = make_room(restricted=True, group_ids=[people.planning.id])
    client = login_as(people.outsider)
    assert room.name not in client.get("/rooms/book").get_data(as_text=True)
    page = client.post("/rooms/book", data=form_for(room, day)).get_data(as_text=True)
    assert "data-form-errors" in page
    assert bookings() == []
    login_as(people.booker).post("/rooms/book", data=form_for(room, day, title="คนในกลุ่ม"))
    assert bookings() == [("คนในกลุ่ม", CONFIRMED)]


def test_people_without_the_booking_permission_see_no_room_pages(make_person, login_as):
    client = login_as(make_person(first_name="ครู"))
    for url in ("/rooms/", "/rooms/book", "/rooms/mine", "/rooms/find", "/rooms/manage", "/rooms/stats"):
        assert client.get(url).status_code == 403, url


def test_a_recurring_booking_through_the_form_in_both_modes(people, make_room, login_as, day):
    room = make_room()
    taken_day = day + dt.timedelta(weeks=2)
    login_as(people.colleague).post("/rooms/book", data=form_for(room, taken_day, title="จองไว้ก่อน"))
    client = login_as(people.booker)
    weekly = form_for(room, day, title="ประชุมประจำสัปดาห์", repeat="weekly",
                      repeat_until=(day + dt.timedelta(weeks=3)).isoformat())
    page = client.post("/rooms/book", data=weekly, follow_redirects=True).get_data(as_text=True)
    assert "จองไว้ก่อน" in page
    assert bookings() == [("จองไว้ก่อน", CONFIRMED)]
    response = client.post("/rooms/book", data={**weekly, "on_conflict": "skip"})
    assert response.status_code == 302
    assert [title for title, status in bookings() if status == CONFIRMED].count("ประชุมประจำสัปดาห์") == 3


def test_the_booker_changes_and_cancels_their_booking(people, make_room, login_as, day):
    room = make_room()
    client = login_as(people.booker)
    client.post("/rooms/book", data=form_for(room, day))
    record = db.session.scalar(select(Booking))
    assert client.get(f"/rooms/bookings/{record.id}/edit").status_code == 200
    assert login_as(people.colleague).get(f"/rooms/bookings/{record.id}/edit").status_code == 403
    client = login_as(people.booker)
    response = client.post(f"/rooms/bookings/{record.id}/edit", data=form_for(room, day, "13:00", "14:30", title="ย้ายเวลา"))
    assert response.status_code == 302
    db.session.expire_all()
    assert services.local(record.starts_at).time() == dt.time(13, 0) and record.title == "ย้ายเวลา"
    client.post(f"/rooms/bookings/{record.id}/cancel")
    assert bookings() == [("ย้ายเวลา", CANCELLED)]


def test_a_manager_adds_a_room_and_others_may_not(people, login_as):
    data = {"name": "ห้องประชุมใหม่", "capacity": 20, "opens_at": "08:00", "closes_at": "17:00", "approver_id": 0,
            "equipment": ["projector", "tv"], "active": "y"}
    assert login_as(people.booker).post("/rooms/manage/new", data=data).status_code == 403
    manager = login_as(people.manager)
    response = manager.post("/rooms/manage/new", data=data)
    assert response.status_code == 302
    assert "ห้องประชุมใหม่ has been saved." in manager.get(response.location).get_data(as_text=True)
    room = db.session.scalar(select(Room))
    assert room.name == "ห้องประชุมใหม่" and room.equipment == ["projector", "tv"]
    page = login_as(people.manager).post("/rooms/manage/new", data={**data, "needs_approval": "y"}).get_data(as_text=True)
    assert "Choose who approves" in page
    assert db.session.scalar(select(func.count()).select_from(Room)) == 1


def test_room_photos_are_uploaded_by_managers_and_seen_by_bookers(app, people, make_room, login_as):
    from core.api import attachments
    from plugins.rooms.demo import _png

    room = make_room()
    client = login_as(people.manager)
    client.post(f"/rooms/manage/{room.id}/photos", data={"photos": [(io.BytesIO(_png(8, 8, (1, 2, 3))), "ห้อง.png")]},
                content_type="multipart/form-data")
    [photo] = attachments.attachments_of(("rooms", "room", room.id))
    with app.test_request_context():
        url = photo.download_url
    assert login_as(people.booker).get(url).status_code == 200
    page = login_as(people.booker).get(f"/rooms/room/{room.id}").get_data(as_text=True)
    assert url in page


# --- calendars --------------------------------------------------------------------------


def test_the_day_week_and_month_views_colour_bookings_by_status(people, make_room, login_as, day):
    confirmed_room, approval_room = make_room(name="ห้องเอ"), make_room(name="ห้องบี", needs_approval=True)
    client = login_as(people.booker)
    client.post("/rooms/book", data=form_for(confirmed_room, day, title="ยืนยันแล้ว"))
    client.post("/rooms/book", data=form_for(approval_room, day, title="รออนุมัติ"))
    day_page = client.get(f"/rooms/?day={day.isoformat()}").get_data(as_text=True)
    assert "ห้องเอ" in day_page and "ห้องบี" in day_page
    assert '<td class="rooms-confirmed">' in day_page and '<td class="rooms-pending">' in day_page
    assert "ยืนยันแล้ว" in day_page and "รออนุมัติ" in day_page
    week = client.get(f"/rooms/room/{confirmed_room.id}?day={day.isoformat()}").get_data(as_text=True)
    assert "ยืนยันแล้ว" in week and "data-week-view" in week
    month = client.get(f"/rooms/room/{approval_room.id}/month?month={day:%Y-%m}").get_data(as_text=True)
    assert "รออนุมัติ" in month and 'class="rooms-entry rooms-pending"' in month


def test_the_week_view_names_the_weekdays_in_thai(people, make_room, login_as, day):
    room = make_room(name="ห้องสัปดาห์")
    people.booker.locale = "th"
    db.session.commit()
    page = login_as(people.booker).get(f"/rooms/room/{room.id}?day={day.isoformat()}").get_data(as_text=True)
    names = ["วันจันทร์", "วันอังคาร", "วันพุธ", "วันพฤหัสบดี", "วันศุกร์", "วันเสาร์", "วันอาทิตย์"]
    assert page.count("data-weekday") == 7 and all(name in page for name in names)
    assert page.index("วันจันทร์") < page.index("วันอาทิตย์")


def test_every_request_sharing_a_half_hour_is_named_in_the_day_view(people, make_room, login_as, day):
    room = make_room(needs_approval=True)
    login_as(people.booker).post("/rooms/book", data=form_for(room, day, "09:00", "09:15", title="คำขอสั้น"))
    login_as(people.colleague).post("/rooms/book", data=form_for(room, day, "09:15", "10:00", title="คำขอต่อเนื่อง"))
    login_as(people.outsider).post("/rooms/book", data=form_for(room, day, "09:00", "10:00", title="คำขอซ้อน",
                                                                queue_anyway="1"))
    page = login_as(people.booker).get(f"/rooms/?day={day.isoformat()}").get_data(as_text=True)
    for title in ("คำขอสั้น", "คำขอต่อเนื่อง", "คำขอซ้อน"):
        assert page.count(title) == 1, title


def test_the_printed_month_has_thai_buddhist_era_dates(people, make_room, login_as, day):
    room = make_room(name="ห้องพิมพ์")
    people.booker.locale = "th"
    db.session.commit()
    client = login_as(people.booker)
    client.post("/rooms/book", data=form_for(room, day, title="ประชุมที่พิมพ์"))
    page = client.get(f"/rooms/room/{room.id}/print?month={day:%Y-%m}").get_data(as_text=True)
    assert "ประชุมที่พิมพ์" in page and str(day.year + 543) in page and "@page { size: A4" in page


def test_find_a_room_lists_free_rooms_first(people, make_room, login_as, day):
    make_room(name="ห้องว่าง", capacity=30, equipment=["projector"])
    busy = make_room(name="ห้องไม่ว่าง", capacity=30, equipment=["projector"])
    make_room(name="ห้องเล็กเกินไป", capacity=4, equipment=["projector"])
    client = login_as(people.booker)
    client.post("/rooms/book", data=form_for(busy, day))
    page = client.get(f"/rooms/find?day={day.isoformat()}&start=09:00&end=10:00&capacity=20&equipment=projector"
                      ).get_data(as_text=True)
    assert page.index("ห้องว่าง") < page.index("ห้องไม่ว่าง")
    assert 'data-free="yes"' in page and 'data-free="no"' in page and "ห้องเล็กเกินไป" not in page


def test_the_letter_field_is_left_out_while_the_correspondence_module_is_not_there(people, make_room, login_as):
    page = login_as(people.booker).get("/rooms/book").get_data(as_text=True)
    assert 'name="letter_id"' not in page


# --- calendar feeds ---------------------------------------------------------------------


def test_calendar_feeds_answer_a_live_token_and_refuse_a_revoked_one(app, people, make_room, login_as, day):
    room = make_room(name="ห้องประชุม, ชั้น 2")
    booker = login_as(people.booker)
    booker.post("/rooms/book", data=form_for(room, day, title="ประชุม; สำคัญ"))
    booker.post("/rooms/feeds/new")
    token = db.session.scalar(select(FeedToken.token))
    anonymous = app.test_client()  # a calendar program: never signed in
    mine = anonymous.get(f"/rooms/feed/{token}/mine.ics")
    assert mine.status_code == 200 and mine.mimetype == "text/calendar"
    body = mine.get_data(as_text=True)
    assert "BEGIN:VEVENT" in body and "SUMMARY:ประชุม\\; สำคัญ" in body and "STATUS:CONFIRMED" in body
    assert anonymous.get(f"/rooms/feed/{token}/room/{room.id}.ics").status_code == 200

    login_as(people.booker).post("/rooms/feeds/revoke")
    assert anonymous.get(f"/rooms/feed/{token}/mine.ics").status_code == 404
    assert anonymous.get(f"/rooms/feed/{token}/room/{room.id}.ics").status_code == 404
    login_as(people.booker).post("/rooms/feeds/new")
    fresh = db.session.scalar(select(FeedToken.token).where(FeedToken.revoked_at.is_(None)))
    assert fresh != token and anonymous.get(f"/rooms/feed/{fresh}/mine.ics").status_code == 200
    assert anonymous.get("/rooms/feed/not-a-token/mine.ics").status_code == 404


def test_long_lines_of_a_feed_are_folded_without_breaking_thai_characters(people, make_room, details):
    from plugins.rooms.tests.helpers import NOW, at

    room = make_room()
    record = services.request_booking(room, at(1, 9), at(1, 10), people.booker, details(title="ประชุม" * 30), now=NOW)
    text = services.ics("ห้อง", [record])
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:" + "ประชุม" * 30 in unfolded


# --- statistics, reminders, settings, search ---------------------------------------------


def test_usage_statistics_count_confirmed_hours_and_export_to_excel(people, make_room, login_as, grant, details):
    from plugins.rooms.tests.helpers import at

    room = make_room(name="ห้องสถิติ")
    services.record_past_booking(room, at(1, 9), at(1, 11, 30), people.booker, details())
    services.record_past_booking(room, at(5, 9, month=4), at(5, 10, month=4), people.outsider, details())
    grant("rooms.view_stats", to=people.colleague)
    assert login_as(people.booker).get("/rooms/stats?year=2570").status_code == 403
    client = login_as(people.colleague)
    page = client.get("/rooms/stats?year=2570").get_data(as_text=True)
    assert "ห้องสถิติ" in page and "3.5" in page
    report = services.usage(2027)
    assert report.by_room["ห้องสถิติ"][2] == 2.5 and report.by_room["ห้องสถิติ"][3] == 1.0
    assert report.by_group[people.planning.name][2] == 2.5 and report.by_group[people.finance.name][3] == 1.0
    response = client.get("/rooms/stats.xlsx?year=2570")
    assert response.status_code == 200
    assert 'filename="rooms-usage-2570.xlsx"' in response.headers["Content-Disposition"]
    by_room, by_group = load_workbook(io.BytesIO(response.data)).worksheets
    rows = list(by_room.iter_rows(values_only=True))
    assert rows[0][-1] == "Total"
    assert rows[1][0] == "ห้องสถิติ" and rows[1][3] == 2.5 and rows[1][-1] == 3.5
    assert {row[0] for row in by_group.iter_rows(min_row=2, values_only=True)} == {people.planning.name,
                                                                                  people.finance.name}


def test_the_reminder_command_reminds_tomorrow_s_bookers_once(app, people, make_room, details):
    from core.api import Notification

    room = make_room(opens_at=dt.time(0, 0), closes_at=dt.time(23, 45))
    tomorrow = services.local(utcnow()).date() + dt.timedelta(days=1)
    room.open_on_days_off = True
    db.session.commit()
    services.request_booking(room, services.at(tomorrow, dt.time(9)), services.at(tomorrow, dt.time(10)), people.booker,
                             details(title="พรุ่งนี้"))
    runner = app.test_cli_runner()
    assert "reminded 1 booking(s)" in runner.invoke(args=["rooms", "remind"]).output
    assert "reminded 0 booking(s)" in runner.invoke(args=["rooms", "remind"]).output
    titles = db.session.scalars(select(Notification.title).where(Notification.person_id == people.booker.id)).all()
    assert titles == ["Tomorrow: พรุ่งนี้"]


def test_the_limits_are_module_settings_an_admin_can_change(make_person, login_as):
    from core.api import get_settings

    admin = login_as(make_person(admin=True))
    page = admin.get("/admin/modules/rooms/settings").get_data(as_text=True)
    assert 'name="max_days_ahead"' in page and 'name="max_open_bookings"' in page
    response = admin.post("/admin/modules/rooms/settings", data={"max_days_ahead": 30, "max_duration_hours": 4,
                                                                  "max_open_bookings": 3, "approval_escalation_hours": 8})
    assert response.status_code == 302
    assert get_settings("rooms")["max_days_ahead"] == 30


def test_search_finds_rooms_and_bookings(people, make_room, login_as, day):
    room = make_room(name="ห้องประชุมพุทธรักษา")
    client = login_as(people.booker)
    client.post("/rooms/book", data=form_for(room, day, title="ประชุมคณะกรรมการกองทุน"))
    page = client.get("/search?q=กองทุน").get_data(as_text=True)
    assert "ประชุมคณะกรรมการกองทุน" in page
    assert "ห้องประชุมพุทธรักษา" in client.get("/search?q=พุทธรักษา").get_data(as_text=True)


def test_the_home_page_card_shows_my_next_meetings(people, make_room, login_as, day):
    room = make_room()
    client = login_as(people.booker)
    client.post("/rooms/book", data=form_for(room, day, title="ประชุมถัดไป"))
    page = client.get("/").get_data(as_text=True)
    assert "data-rooms-card" in page and "ประชุมถัดไป" in page


def test_the_home_card_s_kept_statement_asks_for_meetings_after_the_time_of_each_visit(app, people, make_room, details):
    """upcoming_of keeps its statement between requests; the time is a parameter, so a meeting that ended drops off."""
    from plugins.rooms.tests.helpers import NOW, at

    record = services.request_booking(make_room(), at(1, 9), at(1, 10), people.booker, details(title="ประชุมเช้า"), now=NOW)
    db.session.commit()
    with app.test_request_context("/"):
        assert [b.id for b in services.upcoming_of(people.booker, now=NOW)] == [record.id]
        assert services.upcoming_of(people.booker, now=at(1, 11)) == []
