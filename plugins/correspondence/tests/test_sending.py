"""Sending a letter to schools, groups and people; each recipient's inbox; receipt recorded once; what the sender sees."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from core.api import db
from plugins.correspondence import services
from plugins.correspondence.models import Delivery, Letter
from plugins.correspondence.services import CorrespondenceError, inbox, sending
from plugins.correspondence.services.sending import Recipients

pytestmark = pytest.mark.khet_plugins("correspondence")

SENT = dt.datetime(2026, 7, 1, 2, 0)  # 1 July 2569, 09:00 in Bangkok


@pytest.fixture
def schools(make_school, make_person):
    """Thirty active schools, each with its clerk, and one closed school."""
    made = []
    for n in range(30):
        clerk = make_person(first_name=f"ธุรการ{n}")
        made.append(make_school(name=f"โรงเรียนบ้านทดสอบ {n:02d}", clerks=[clerk]))
    make_school(name="โรงเรียนที่ยุบแล้ว", active=False)
    return made


def _clerk_of(school):
    return next(m.person for m in school.memberships if m.role == "clerk")


@pytest.fixture
def circular(office, grant, letter_fields):
    grant("correspondence.send", to=office.registry_clerk)
    return services.register_letter(services.register_for("circular"), letter_fields("การประชุมผู้บริหารสถานศึกษา"),
                                    office.registry_clerk, now=SENT)


def test_office_sends_to_thirty_schools_two_receive_and_the_sender_sees_exactly_those(
        office, schools, circular, login_as):
    sending.send_letter(circular, Recipients(all_schools=True), office.registry_clerk, now=SENT)
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 30  # the closed school gets nothing
    first, second = schools[3], schools[17]
    received_times = {first.id: dt.datetime(2026, 7, 1, 2, 57, 26), second.id: dt.datetime(2026, 7, 2, 1, 5)}
    for school in (first, second):
        delivery = db.session.scalar(select(Delivery).where(Delivery.school_id == school.id))
        inbox.receive(delivery, _clerk_of(school), now=received_times[school.id])

    db.session.expire_all()
    received = {d.school_id: (d.received_at, d.received_by_id) for d in sending.deliveries_of(circular) if d.received_at}
    assert received == {first.id: (received_times[first.id], _clerk_of(first).id),
                        second.id: (received_times[second.id], _clerk_of(second).id)}

    page = login_as(office.registry_clerk).get(f"/correspondence/letters/{circular.id}").get_data(as_text=True)
    ticks = re.findall(r"<td>([^<]+)</td>\s*<td class=\"text-success\" data-received>✓ ([^<]+)</td>", page)
    assert sorted(name for name, _when in ticks) == sorted([first.name, second.name])
    assert page.count("data-not-received") == 28
    assert any("09:57" in when and _clerk_of(first).full_name in when for name, when in ticks if name == first.name)


def test_receipt_writes_the_letter_in_the_school_incoming_register(office, schools, circular):
    sending.send_letter(circular, Recipients(school_ids=[schools[0].id]), office.registry_clerk, now=SENT)
    (delivery,) = sending.deliveries_of(circular)
    inbox.receive(delivery, _clerk_of(schools[0]))
    line = db.session.get(Letter, delivery.incoming_letter_id)
    assert line.register.kind == "incoming" and line.register.school_id == schools[0].id
    assert (line.number, line.sender_ref, line.subject) == (1, "ศธ 04183/ว 1", circular.subject)
    assert line.source_letter_id == circular.id


def test_second_receipt_changes_nothing(office, schools, circular):
    sending.send_letter(circular, Recipients(school_ids=[schools[0].id]), office.registry_clerk, now=SENT)
    (delivery,) = sending.deliveries_of(circular)
    first_clerk = _clerk_of(schools[0])
    inbox.receive(delivery, first_clerk, now=SENT + dt.timedelta(hours=1))
    inbox.receive(delivery, first_clerk, now=SENT + dt.timedelta(hours=5))
    db.session.expire_all()
    assert db.session.get(Delivery, delivery.id).received_at == SENT + dt.timedelta(hours=1)
    assert db.session.scalar(select(func.count()).select_from(Letter).where(Letter.source_letter_id == circular.id)) == 1


def test_a_clerk_of_another_school_cannot_receive(office, schools, circular):
    sending.send_letter(circular, Recipients(school_ids=[schools[0].id]), office.registry_clerk, now=SENT)
    (delivery,) = sending.deliveries_of(circular)
    with pytest.raises(CorrespondenceError):
        inbox.receive(delivery, _clerk_of(schools[1]))
    db.session.rollback()
    assert db.session.get(Delivery, delivery.id).received_at is None


def test_each_school_inbox_holds_only_its_own_letters(office, schools, circular, login_as):
    sending.send_letter(circular, Recipients(school_ids=[schools[0].id, schools[1].id]), office.registry_clerk, now=SENT)
    assert len(db.session.scalars(inbox.inbox_of(_clerk_of(schools[0]))).all()) == 1
    assert db.session.scalars(inbox.inbox_of(_clerk_of(schools[2]))).all() == []
    other_delivery = db.session.scalar(select(Delivery).where(Delivery.school_id == schools[1].id))
    client = login_as(_clerk_of(schools[0]))
    assert circular.subject in client.get("/correspondence/inbox").get_data(as_text=True)
    assert client.get(f"/correspondence/deliveries/{other_delivery.id}").status_code == 403
    assert client.post(f"/correspondence/deliveries/{other_delivery.id}/receive").status_code == 403
    assert db.session.get(Delivery, other_delivery.id).received_at is None


def test_receiving_through_the_page_opens_the_letter(office, schools, circular, login_as):
    sending.send_letter(circular, Recipients(school_ids=[schools[0].id]), office.registry_clerk, now=SENT)
    (delivery,) = sending.deliveries_of(circular)
    client = login_as(_clerk_of(schools[0]))
    assert client.get(f"/correspondence/letters/{circular.id}").status_code == 403  # not received yet
    assert client.post(f"/correspondence/deliveries/{delivery.id}/receive").status_code == 302
    db.session.expire_all()
    assert db.session.get(Delivery, delivery.id).received_by_id == _clerk_of(schools[0]).id
    assert client.get(f"/correspondence/letters/{circular.id}").status_code == 200


def test_sending_through_the_page_previews_then_sends_to_a_network_a_group_and_a_person(
        office, schools, circular, login_as, make_person):
    from core.api import SchoolNetwork

    network = SchoolNetwork(name="เครือข่ายทดสอบ")
    db.session.add(network)
    db.session.flush()
    for school in schools[:4]:
        school.network_id = network.id
    db.session.commit()
    client = login_as(office.registry_clerk)
    choices = {"network_ids": [network.id], "school_ids": [schools[0].id, schools[10].id],
               "group_ids": [office.planning.id], "person_ids": [office.reader.id]}
    preview = client.post(f"/correspondence/letters/{circular.id}/send", data={**choices, "action": "preview"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'data-count="7"' in page
    assert sorted(int(i) for i in re.findall(r'data-resolved-school="(\d+)"', page)) == sorted(
        s.id for s in schools[:4] + [schools[10]])
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0  # the preview sends nothing
    confirmed = re.search(r'name="confirmed" type="hidden" value="(\w+)"', page).group(1)

    response = client.post(f"/correspondence/letters/{circular.id}/send",
                           data={**choices, "action": "send", "confirmed": confirmed})
    assert response.status_code == 302
    deliveries = sending.deliveries_of(circular)
    assert sorted(d.school_id for d in deliveries if d.school_id) == sorted(s.id for s in schools[:4] + [schools[10]])
    assert [d.group_id for d in deliveries if d.group_id] == [office.planning.id]
    assert [d.person_id for d in deliveries if d.person_id] == [office.reader.id]


def test_recipients_are_told_once_each_and_a_second_send_tells_only_the_new_ones(office, schools, circular):
    from core.api import Notification

    sending.send_letter(circular, Recipients(school_ids=[schools[0].id], person_ids=[office.reader.id]),
                        office.registry_clerk, now=SENT)
    sending.send_letter(circular, Recipients(school_ids=[schools[0].id, schools[1].id]), office.registry_clerk, now=SENT)
    told = db.session.scalars(select(Notification.person_id).order_by(Notification.id)).all()
    assert told == [office.reader.id, _clerk_of(schools[0]).id, _clerk_of(schools[1]).id]
    assert all(title.startswith("Letter ศธ 04183/ว 1: การประชุมผู้บริหารสถานศึกษา")
               for title in db.session.scalars(select(Notification.title)))


def test_a_send_page_post_without_the_preview_shows_the_recipients_and_sends_nothing(office, schools, circular, login_as):
    response = login_as(office.registry_clerk).post(f"/correspondence/letters/{circular.id}/send",
                                                    data={"all_schools": "y", "action": "send"})
    assert response.status_code == 200 and 'data-count="30"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0


def test_sending_to_nobody_or_a_cancelled_number_is_refused(office, schools, circular, login_as):
    client = login_as(office.registry_clerk)
    assert client.post(f"/correspondence/letters/{circular.id}/send", data={}).status_code == 200
    services.cancel_letter(circular, "ยกเลิก", office.registry_clerk)
    with pytest.raises(CorrespondenceError):
        sending.send_letter(circular, Recipients(all_schools=True), office.registry_clerk)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0


def test_sending_needs_the_send_permission(office, schools, circular, login_as):
    response = login_as(office.group_clerk).post(f"/correspondence/letters/{circular.id}/send",
                                                 data={"all_schools": "y"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0
