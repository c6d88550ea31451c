"""The visitor log, tested the way any third-party module is: with Khet's own pytest fixtures."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from core.api import BANGKOK, db, utcnow
from core.testing import schema_differences
from khet_visitors import services
from khet_visitors.demo import DEMO_VISITORS, create_demo_visits
from khet_visitors.models import Visit
from khet_visitors.permissions import VIEW

pytestmark = pytest.mark.khet_plugins("visitors")


def a_visit(host, **values) -> Visit:
    values.setdefault("visitor_name", "นายสมศักดิ์ ทองดี")
    values.setdefault("organisation", "โรงเรียนวัดธรรมามูล")
    values.setdefault("purpose", "ส่งเอกสาร")
    visit = Visit(host_id=host.id, **values)
    db.session.add(visit)
    db.session.commit()
    return visit


def arrival_form(host, **values) -> dict:
    form = {
        "visitor_name": "นางอรทัย บุญเรือง", "organisation": "ผู้ปกครองนักเรียน", "phone": "081-234-5678",
        "purpose": "ขอคำแนะนำเรื่องการย้ายโรงเรียน", "host_id": str(host.id), "arrived_time": "",
    }
    form.update(values)
    return form


def test_receptionist_records_a_visitor_who_shows_on_todays_log(login_as, receptionist, host):
    client = login_as(receptionist)
    response = client.post("/visitors/new", data=arrival_form(host))
    assert response.status_code == 302
    visit = db.session.scalars(select(Visit)).one()
    assert (visit.visitor_name, visit.organisation, visit.phone) == ("นางอรทัย บุญเรือง", "ผู้ปกครองนักเรียน", "081-234-5678")
    assert visit.host_id == host.id and visit.recorded_by_id == receptionist.id
    assert abs(visit.arrived_at - utcnow()) < dt.timedelta(minutes=1) and visit.left_at is None
    page = client.get("/visitors/").get_data(as_text=True)
    assert "นางอรทัย บุญเรือง" in page and "สมศรี" in page


def test_a_time_in_earlier_today_is_stored_as_that_bangkok_time(login_as, receptionist, host):
    now_in_bangkok = dt.datetime.now(BANGKOK)
    if now_in_bangkok.hour == 0:
        pytest.skip("just after midnight there is no earlier minute today to record")
    login_as(receptionist).post("/visitors/new", data=arrival_form(host, arrived_time="00:05"))
    visit = db.session.scalars(select(Visit)).one()
    local = visit.arrived_at.replace(tzinfo=dt.timezone.utc).astimezone(BANGKOK)
    assert (local.date(), local.hour, local.minute) == (now_in_bangkok.date(), 0, 5)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"visitor_name": ""}, "This field is required."),
        ({"purpose": "   "}, "This field is required."),
        ({"host_id": "0"}, "Choose the person being visited."),
        ({"arrived_time": "25:99"}, "Not a valid time value."),
    ],
)
def test_incomplete_arrival_is_refused_with_a_message_and_nothing_saved(login_as, receptionist, host, changes, message):
    response = login_as(receptionist).post("/visitors/new", data=arrival_form(host, **changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(Visit)).all() == []


def test_a_time_in_later_than_now_is_refused(app, host, receptionist):
    now = utcnow()
    with pytest.raises(services.VisitError) as refused:
        services.record_arrival(
            visitor_name="นายวิชัย", purpose="ประสานงาน", host=host, recorded_by=receptionist,
            arrived_at=now + dt.timedelta(minutes=5), now=now,
        )
    with app.test_request_context(), force_locale("en"):
        assert str(refused.value) == "The time in cannot be later than now."
    assert db.session.scalars(select(Visit)).all() == []


def test_a_deactivated_host_cannot_be_visited(app, host, receptionist):
    host.active = False
    db.session.commit()
    with pytest.raises(services.VisitError):
        services.record_arrival(visitor_name="นายวิชัย", purpose="ประสานงาน", host=host, recorded_by=receptionist)
    assert db.session.scalars(select(Visit)).all() == []


def test_without_the_record_permission_nothing_is_recorded(login_as, make_person, grant, host):
    viewer = make_person()
    grant(VIEW, to=viewer)
    client = login_as(viewer)
    assert client.get("/visitors/new").status_code == 403
    assert client.post("/visitors/new", data=arrival_form(host)).status_code == 403
    assert db.session.scalars(select(Visit)).all() == []


def test_the_log_is_closed_to_people_without_the_view_permission(login_as, make_person, host):
    a_visit(host)
    response = login_as(make_person()).get("/visitors/")
    assert response.status_code == 403
    assert "นายสมศักดิ์" not in response.get_data(as_text=True)


def test_todays_log_leaves_out_yesterdays_visitors(login_as, receptionist, host):
    a_visit(host, visitor_name="ผู้มาเมื่อวาน", arrived_at=utcnow() - dt.timedelta(days=1, minutes=1))
    a_visit(host, visitor_name="ผู้มาวันนี้")
    page = login_as(receptionist).get("/visitors/").get_data(as_text=True)
    assert "ผู้มาวันนี้" in page and "ผู้มาเมื่อวาน" not in page


def test_another_day_is_shown_when_asked_for(login_as, receptionist, host):
    a_visit(host, visitor_name="ผู้มาวันแม่", arrived_at=dt.datetime(2025, 8, 12, 3, 0))
    receptionist.locale = "th"  # Thai readers see Buddhist Era dates
    db.session.commit()
    page = login_as(receptionist).get("/visitors/?day=2025-08-12").get_data(as_text=True)
    assert "ผู้มาวันแม่" in page and "12 สิงหาคม 2568" in page


def test_the_day_follows_bangkok_not_utc():
    # 17:30 UTC on 1 Jan is 00:30 on 2 Jan in Bangkok: the visit belongs to 2 Jan's log.
    start, end = services.day_range(dt.date(2026, 1, 2))
    assert start == dt.datetime(2026, 1, 1, 17, 0) and end == dt.datetime(2026, 1, 2, 17, 0)
    assert start <= dt.datetime(2026, 1, 1, 17, 30) < end


def test_signing_out_records_the_time_once(login_as, receptionist, host):
    visit = a_visit(host)
    client = login_as(receptionist)
    assert client.post(f"/visitors/{visit.id}/leave").status_code == 302
    db.session.refresh(visit)
    left_at = visit.left_at
    assert left_at is not None and abs(left_at - utcnow()) < dt.timedelta(minutes=1)
    response = client.post(f"/visitors/{visit.id}/leave", follow_redirects=True)
    assert "has already signed out" in response.get_data(as_text=True)
    db.session.refresh(visit)
    assert visit.left_at == left_at


def test_signing_out_needs_the_csrf_token(login_as, receptionist, host):
    visit = a_visit(host)
    assert login_as(receptionist).post(f"/visitors/{visit.id}/leave", csrf=False).status_code == 400
    db.session.refresh(visit)
    assert visit.left_at is None


def test_dashboard_card_counts_todays_visitors_and_those_still_here(login_as, receptionist, make_person, host):
    a_visit(host)
    a_visit(host, left_at=utcnow())
    a_visit(host, arrived_at=utcnow() - dt.timedelta(days=2))
    page = login_as(receptionist).get("/").get_data(as_text=True)
    assert "Visitors today" in page or "visitors-today" in page
    assert 'data-visitors-today="2"' in page
    assert services.today_counts() == {"total": 2, "still_here": 1}


def test_dashboard_card_is_not_shown_without_the_view_permission(login_as, make_person, host):
    a_visit(host)
    page = login_as(make_person()).get("/").get_data(as_text=True)
    assert "data-visitors-today" not in page


def test_search_finds_visitors_by_organisation_for_viewers_only(login_as, receptionist, make_person, host):
    visit = a_visit(host, organisation="สถานีตำรวจภูธรเมืองชัยนาท")
    found = login_as(receptionist).get("/search?q=ตำรวจ").get_data(as_text=True)
    assert "สถานีตำรวจภูธรเมืองชัยนาท" in found and f"#visit-{visit.id}" in found
    other = make_person(username="outsider")
    found = login_as(other).get("/search?q=ตำรวจ").get_data(as_text=True)
    assert "สถานีตำรวจภูธรเมืองชัยนาท" not in found


def test_menu_offers_the_log_and_the_form_to_those_who_may_use_them(login_as, receptionist, make_person):
    page = login_as(receptionist).get("/").get_data(as_text=True)
    assert 'href="/visitors/"' in page and 'href="/visitors/new"' in page
    page = login_as(make_person()).get("/").get_data(as_text=True)
    assert 'href="/visitors/"' not in page


def test_demo_data_fills_the_morning(app, host):
    import random

    create_demo_visits(random.Random(1))
    visits = db.session.scalars(select(Visit)).all()
    assert len(visits) == len(DEMO_VISITORS)
    assert {visit.host_id for visit in visits} == {host.id}
    assert any(visit.left_at is None for visit in visits) and any(visit.left_at for visit in visits)


@pytest.mark.khet_plugins()
def test_a_disabled_module_answers_not_found(login_as, make_person):
    admin = make_person(admin=True)
    assert login_as(admin).get("/visitors/").status_code == 404


def test_models_and_migrations_agree(app):
    assert "visitors" not in schema_differences(app)


def test_the_host_sees_on_the_home_page_who_is_waiting(login_as, make_person, host):
    visit = a_visit(host, visitor_name="นางอรทัย บุญเรือง")
    page = login_as(host).get("/").get_data(as_text=True)
    assert "data-visitors-waiting" in page and "นางอรทัย บุญเรือง" in page
    assert "นางอรทัย" not in login_as(make_person()).get("/").get_data(as_text=True)
    services.record_departure(visit)
    db.session.commit()
    assert "data-visitors-waiting" not in login_as(host).get("/").get_data(as_text=True)


def test_a_visitor_name_is_escaped_on_the_home_page(login_as, host):
    a_visit(host, visitor_name="<script>alert(1)</script>")
    page = login_as(host).get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_sign_out_all_closes_every_open_visit(app, host):
    gone = a_visit(host, left_at=utcnow() - dt.timedelta(hours=1))
    left_at = gone.left_at
    a_visit(host)
    a_visit(host, arrived_at=utcnow() - dt.timedelta(days=1))
    result = app.test_cli_runner().invoke(args=["visitors", "sign-out-all"])
    assert result.exit_code == 0, result.output
    assert "signed out 2 visitor(s)" in result.output
    db.session.expire_all()
    assert all(visit.left_at is not None for visit in db.session.scalars(select(Visit)))
    assert db.session.get(Visit, gone.id).left_at == left_at
