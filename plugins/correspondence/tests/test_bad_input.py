"""Input nobody should send, sent anyway: a clear answer (a message or 404), never a 500, never a half-saved line."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.api import AuditEntry, db
from plugins.correspondence import services
from plugins.correspondence.models import Letter
from plugins.correspondence.services import CorrespondenceError, inbox, sending
from plugins.correspondence.services.sending import Recipients

pytestmark = pytest.mark.khet_plugins("correspondence")


@pytest.fixture
def school(make_school, make_person):
    return make_school(name="โรงเรียนบ้านหนองบัว", clerks=[make_person(first_name="ธุรการ")])


def _clerk_of(school):
    return next(m.person for m in school.memberships if m.role == "clerk")


def test_a_letter_its_sender_cancelled_cannot_be_received_and_leaves_the_inbox(office, school, grant, letter_fields,
                                                                               login_as):
    grant("correspondence.send", to=office.registry_clerk)
    circular = services.register_letter(services.register_for("circular"), letter_fields(), office.registry_clerk)
    sending.send_letter(circular, Recipients(school_ids=[school.id]), office.registry_clerk)
    (delivery,) = sending.deliveries_of(circular)
    services.cancel_letter(circular, "ออกเลขซ้ำ", office.registry_clerk)

    with pytest.raises(CorrespondenceError):
        inbox.receive(delivery, _clerk_of(school))
    client = login_as(_clerk_of(school))
    assert client.get(f"/correspondence/deliveries/{delivery.id}").status_code == 404
    assert client.post(f"/correspondence/deliveries/{delivery.id}/receive").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Letter).where(Letter.source_letter_id == circular.id)) == 0


@pytest.mark.parametrize("scope", ["school:01", "school:๑", "school:²", "group:99999999999999999999", "school:x",
                                   "nowhere"])
def test_a_place_spelled_any_other_way_than_khet_writes_it_is_not_found(office, school, login_as, scope):
    client = login_as(office.registry_clerk)
    for url in (f"/correspondence/new/incoming/{scope}", f"/correspondence/compose/outgoing/{scope}",
                f"/correspondence/numbering/outgoing/{scope}", f"/correspondence/letter-codes/{scope}",
                f"/correspondence/retention/places/{scope}"):
        assert client.get(url).status_code in (403, 404), url


def test_dates_outside_what_khet_keeps_get_a_message_not_an_error(office, letter_fields, login_as):
    letter = services.register_letter(services.register_for("incoming"), letter_fields(), office.registry_clerk)
    client = login_as(office.registry_clerk)
    register = f"/correspondence/registers/{letter.register_id}"
    for url in (f"{register}/print?first=0001-01-01", f"{register}/export.csv?first=0001-01-01&last=0001-01-02",
                "/correspondence/search?q=ประชุม&date_from=0001-01-01", "/correspondence/inbox?status=all&sent_from=0001-01-01",
                f"{register}?year=20000", f"{register}?year=99999999999999999999",
                "/correspondence/search?q=ประชุม&page=99999999999999999999"):
        assert client.get(url).status_code < 500, url


def test_pasted_control_characters_are_dropped_and_the_register_still_exports(office, letter_fields, login_as):
    letter = services.register_letter(services.register_for("incoming"), letter_fields("ขอเชิญ\x0bประชุม\x07"),
                                      office.registry_clerk)
    assert letter.subject == "ขอเชิญประชุม"
    client = login_as(office.registry_clerk)
    response = client.get(f"/correspondence/registers/{letter.register_id}/export.xlsx")  # this month
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert any("ขอเชิญประชุม" in (cell or "") for row in rows for cell in row if isinstance(cell, str))


def test_ids_too_large_for_the_database_are_refused_not_crashed_on(office, letter_fields, make_group, login_as):
    letter = services.register_letter(services.register_for("incoming"), letter_fields(), office.registry_clerk)
    client = login_as(office.registry_clerk)
    response = client.post(f"/correspondence/letters/{letter.id}/routing/forward",
                           data={"group_id": "99999999999999999999"})
    assert response.status_code < 500
    assert services.people_by_ids(["99999999999999999999", str(office.reader.id)]) == [office.reader]


def test_the_audit_log_keeps_what_changed_on_a_secret_letter_but_not_its_words(office, letter_fields):
    secret = services.register_letter(services.register_for("secret"), letter_fields("ย้ายข้าราชการ", secrecy="secret"),
                                      office.registry_clerk, readers=[office.reader])
    values = services.fields_of(secret)
    values.subject = "ย้ายข้าราชการ รายที่ 2"
    services.correct_letter(secret, values, office.registry_clerk)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "correct")).one()
    assert entry.details == {"fields": ["subject"]}
    assert "ย้าย" not in str(entry.details) + entry.summary


def test_a_subject_over_the_limit_is_refused_with_a_message_and_the_limit_shows_while_typing(office, login_as):
    """Issue 16: a 5,000-character subject was cut to 500 and saved without a word (the browser's maxlength cut
    the paste). Now the field counts up to its limit, and a longer subject is refused and saves nothing."""
    import re


    client = login_as(office.registry_clerk)
    page = client.get("/correspondence/new/incoming/office").get_data(as_text=True)
    subject_input = re.search(r'<input[^>]*id="subject"[^>]*>', page).group(0)
    assert 'data-khet-count="500"' in subject_input and "maxlength" not in subject_input
    assert "At most 500 characters." in page
    script = re.search(r'<script src="(/correspondence/static/count\.js[^"]*)"', page).group(1)
    assert "data-khet-count" in client.get(script).get_data(as_text=True)

    long_subject = "ขอความอนุเคราะห์" * 400  # 6,400 characters
    answer = client.post("/correspondence/new/incoming/office", data={
        "subject": long_subject, "urgency": "normal", "secrecy": "none", "doc_type": "external", "group_id": 0,
        "officer_id": 0})
    assert answer.status_code == 200
    assert "The subject is at most 500 characters: shorten it." in answer.get_data(as_text=True)
    assert long_subject in answer.get_data(as_text=True)  # kept in the field to shorten, not cut
    assert db.session.scalar(select(func.count(Letter.id))) == 0
