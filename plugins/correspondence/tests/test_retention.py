"""Retention and destruction lists: who is listed when, the committee's decision, and what destruction leaves behind."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

from core.api import AuditEntry, attachments, db, get_storage
from plugins.correspondence import services
from plugins.correspondence.models import DestructionItem, DestructionList, Letter
from plugins.correspondence.services import CorrespondenceError, retention

pytestmark = pytest.mark.khet_plugins("correspondence")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Stored times are UTC; Bangkok is UTC+7. 31 Dec 2024 23:00 in Bangkok is still BE 2567; 00:30 on 1 Jan is 2568.
LAST_EVENING_OF_2567 = dt.datetime(2024, 12, 31, 16, 0)
FIRST_NIGHT_OF_2568 = dt.datetime(2024, 12, 31, 17, 30)


@pytest.fixture
def register_in(office, letter_fields):
    """Register a letter in the office's incoming register at a past moment, optionally with a PDF."""

    def make(subject, when, retention_years=10, with_file=False, kind="incoming", by=None, **values):
        by = by or office.registry_clerk
        letter = services.register_letter(services.register_for(kind), letter_fields(subject, **values), by,
                                          now=when, commit=False)
        letter.retention_years = retention_years
        if with_file:
            attachments.save_uploads([(f"{subject}.pdf", io.BytesIO(PDF))], ("correspondence", "letter", letter.id), by,
                                     policy=attachments.UploadPolicy(allowed=frozenset({"pdf"})))
        db.session.commit()
        return letter

    return make


def _listed(destruction_list):
    db.session.expire_all()
    return {item.letter.subject for item in db.session.scalars(
        select(DestructionItem).where(DestructionItem.list_id == destruction_list.id))}


def _file_of(letter):
    (found,) = attachments.attachments_of(("correspondence", "letter", letter.id), include_purged=True)
    return found


def _approve(destruction_list, by):
    return retention.decide(destruction_list, by, committee="นายประธาน ใจดี\nนางกรรมการ หนึ่ง\nนายกรรมการ สอง",
                            approve=True)


# --- counting the years --------------------------------------------------------------


def test_a_letter_of_2557_kept_ten_years_is_listed_in_2568_not_on_the_last_evening_of_2567(office, register_in):
    letter = register_in("หนังสือปี 2557", dt.datetime(2014, 6, 1, 3, 0))
    assert letter.year == 2557
    assert (retention.kept_through_year(letter), retention.first_list_year(letter)) == (2567, 2568)

    with pytest.raises(CorrespondenceError, match="past its retention"):
        retention.make_list("office", office.registry_clerk, now=LAST_EVENING_OF_2567)
    made = retention.make_list("office", office.registry_clerk, now=FIRST_NIGHT_OF_2568)

    assert made.year == 2568 and _listed(made) == {"หนังสือปี 2557"}


def test_a_routine_letter_waits_one_full_calendar_year(office, register_in):
    register_in("เรื่องธรรมดาปี 2567", dt.datetime(2024, 1, 10, 3, 0), retention_years=1)
    register_in("เรื่องธรรมดาปี 2566", dt.datetime(2023, 12, 28, 3, 0), retention_years=1)

    made = retention.make_list("office", office.registry_clerk, now=FIRST_NIGHT_OF_2568)

    assert _listed(made) == {"เรื่องธรรมดาปี 2566"}


def test_a_permanent_letter_is_never_listed(office, register_in):
    register_in("ประกาศจัดตั้งสำนักงาน", dt.datetime(1997, 3, 1, 3, 0), retention_years=None)
    register_in("หนังสือเก่า", dt.datetime(1997, 3, 1, 3, 0))

    made = retention.make_list("office", office.registry_clerk, now=dt.datetime(2060, 1, 1))

    assert _listed(made) == {"หนังสือเก่า"}


def test_a_letter_on_an_open_list_is_not_listed_again_but_one_rejected_may_be(office, register_in):
    register_in("หนังสือเก่า", dt.datetime(2010, 3, 1, 3, 0))
    first = retention.make_list("office", office.registry_clerk)
    with pytest.raises(CorrespondenceError):
        retention.make_list("office", office.registry_clerk)

    retention.decide(first, office.registry_clerk, committee="ก\nข\nค", approve=False, note="ขาดหนังสือบางฉบับ")

    assert _listed(retention.make_list("office", office.registry_clerk)) == {"หนังสือเก่า"}


# --- the committee ---------------------------------------------------------------------


def test_the_committee_needs_at_least_three_names(office, register_in, login_as):
    register_in("หนังสือเก่า", dt.datetime(2010, 3, 1, 3, 0))
    made = retention.make_list("office", office.registry_clerk)
    with pytest.raises(CorrespondenceError, match="at least 3"):
        retention.decide(made, office.registry_clerk, committee="นายหนึ่ง\nนายสอง\nนายหนึ่ง", approve=True)

    response = login_as(office.registry_clerk).post(f"/correspondence/retention/lists/{made.id}/decision", data={
        "committee": "นายหนึ่ง\nนายสอง", "decision": "approve", "note": ""})

    assert response.status_code == 200 and "at least 3" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(DestructionList, made.id).decision == "pending"


def test_a_rejection_needs_a_reason(office, register_in):
    register_in("หนังสือเก่า", dt.datetime(2010, 3, 1, 3, 0))
    made = retention.make_list("office", office.registry_clerk)
    with pytest.raises(CorrespondenceError, match="why"):
        retention.decide(made, office.registry_clerk, committee="ก\nข\nค", approve=False)


# --- destroying ------------------------------------------------------------------------


def test_nothing_is_destroyed_before_the_committee_approves(office, register_in, login_as):
    letter = register_in("หนังสือเก่า", dt.datetime(2010, 3, 1, 3, 0), with_file=True)
    made = retention.make_list("office", office.registry_clerk)
    client = login_as(office.registry_clerk)

    page = client.post(f"/correspondence/retention/lists/{made.id}/destroy", follow_redirects=True)
    assert "before the committee approves" in page.get_data(as_text=True)
    retention.decide(made, office.registry_clerk, committee="ก\nข\nค", approve=False, note="ยังใช้งานอยู่")
    with pytest.raises(CorrespondenceError, match="before the committee approves"):
        retention.destroy(made, office.registry_clerk)

    db.session.expire_all()
    assert db.session.get(Letter, letter.id).destroyed_at is None
    assert get_storage().exists(_file_of(letter).storage_key)


def test_destroying_an_approved_list_removes_the_files_and_keeps_the_register_line(office, register_in, login_as):
    letter = register_in("หนังสือเก่า", dt.datetime(2010, 3, 1, 3, 0), with_file=True)
    made = retention.make_list("office", office.registry_clerk)
    _approve(made, office.registry_clerk)
    stored = _file_of(letter)
    client = login_as(office.registry_clerk)
    assert client.get(f"/files/{stored.id}/{stored.token}").status_code == 200

    client.post(f"/correspondence/retention/lists/{made.id}/destroy")

    db.session.expire_all()
    stored, letter = _file_of(letter), db.session.get(Letter, letter.id)
    assert letter.destroyed_at is not None and letter.destruction_list_id == made.id
    assert stored.purged_at is not None and not get_storage().exists(stored.storage_key)
    assert client.get(f"/files/{stored.id}/{stored.token}").status_code == 404
    register_page = client.get(f"/correspondence/registers/{letter.register_id}?year={letter.year}")
    assert "หนังสือเก่า" in register_page.get_data(as_text=True)
    letter_page = client.get(f"/correspondence/letters/{letter.id}").get_data(as_text=True)
    assert "data-destroyed" in letter_page and f"destruction list No. {made.id}" in letter_page
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.module == "correspondence",
                                                                     AuditEntry.record_id == str(letter.id))))
    assert "destroy" in actions
    with pytest.raises(CorrespondenceError, match="already been destroyed"):
        retention.destroy(db.session.get(DestructionList, made.id), office.registry_clerk)


def test_lines_the_committee_keeps_are_not_destroyed_and_come_back_after_their_new_retention(office, register_in):
    kept = register_in("หนังสือที่ยังใช้", dt.datetime(2014, 6, 1, 3, 0), with_file=True)
    gone = register_in("หนังสือหมดอายุ", dt.datetime(2014, 6, 2, 3, 0), with_file=True)
    made = retention.make_list("office", office.registry_clerk, now=FIRST_NIGHT_OF_2568)
    kept_item = db.session.scalar(select(DestructionItem).where(DestructionItem.letter_id == kept.id))

    retention.decide(made, office.registry_clerk, committee="ก\nข\nค", approve=True,
        items={kept_item.id: retention.ItemDecision(keep=True, years=5, note="คดียังไม่สิ้นสุด")})
    assert retention.destroy(made, office.registry_clerk) == 1

    db.session.expire_all()
    kept, gone = db.session.get(Letter, kept.id), db.session.get(Letter, gone.id)
    assert kept.destroyed_at is None and gone.destroyed_at is not None
    assert get_storage().exists(_file_of(kept).storage_key) and not get_storage().exists(_file_of(gone).storage_key)
    assert (kept.retention_years, retention.kept_through_year(kept)) == (15, 2572)
    assert db.session.get(DestructionItem, kept_item.id).note == "คดียังไม่สิ้นสุด"
    with pytest.raises(CorrespondenceError):
        retention.make_list("office", office.registry_clerk, now=dt.datetime(2029, 6, 1))  # 2572: still kept
    assert _listed(retention.make_list("office", office.registry_clerk, now=dt.datetime(2030, 1, 2))) == {
        "หนังสือที่ยังใช้"}


# --- the pages ---------------------------------------------------------------------------


def test_the_clerk_makes_decides_prints_and_destroys_through_the_pages(office, register_in, login_as):
    kept = register_in("หนังสือที่ยังใช้", dt.datetime(2010, 6, 1, 3, 0), sender_ref="ศธ 04002/ว 15",
                       letter_date=dt.date(2010, 5, 28))
    gone = register_in("หนังสือหมดอายุ", dt.datetime(2010, 6, 2, 3, 0), with_file=True)
    client = login_as(office.registry_clerk)
    assert "หนังสือหมดอายุ" in client.get("/correspondence/retention/places/office").get_data(as_text=True)

    made_response = client.post("/correspondence/retention/places/office/lists")
    made = db.session.scalar(select(DestructionList))
    assert made_response.headers["Location"].endswith(f"/correspondence/retention/lists/{made.id}")
    page = client.get(f"/correspondence/retention/lists/{made.id}").get_data(as_text=True)
    assert "data-decision-form" in page and "หนังสือที่ยังใช้" in page
    items = {item.letter_id: item.id for item in db.session.scalars(select(DestructionItem))}
    data = {"committee": "นายประธาน ใจดี\nนางกรรมการ หนึ่ง\nนายกรรมการ สอง", "decision": "approve", "note": ""}
    for index, letter in enumerate((kept, gone)):
        data[f"items-{index}-item_id"] = str(items[letter.id])
        data[f"items-{index}-keep_for"] = "permanent"
        data[f"items-{index}-note"] = ""
    data["items-0-keep"] = "y"
    assert client.post(f"/correspondence/retention/lists/{made.id}/decision", data=data).status_code == 302
    client.post(f"/correspondence/retention/lists/{made.id}/destroy")

    db.session.expire_all()
    assert db.session.get(Letter, kept.id).retention_years is None
    assert db.session.get(Letter, kept.id).destroyed_at is None and db.session.get(Letter, gone.id).destroyed_at
    printed = client.get(f"/correspondence/retention/lists/{made.id}/print").get_data(as_text=True)
    assert "ศธ 04002/ว 15" in printed and "28 May 2010" in printed and "นางกรรมการ หนึ่ง" in printed
    with client.session_transaction() as stored:
        stored["locale"] = "th"
    assert "28 พ.ค. 2553" in client.get(f"/correspondence/retention/lists/{made.id}/print").get_data(as_text=True)


def test_the_keeper_changes_a_letters_retention_and_it_is_audited(office, register_in, login_as):
    letter = register_in("แจ้งวันหยุด", dt.datetime(2026, 1, 5, 3, 0))
    client = login_as(office.registry_clerk)
    assert "10 years (general)" in client.get(f"/correspondence/letters/{letter.id}").get_data(as_text=True)

    client.post(f"/correspondence/letters/{letter.id}/retention", data={"retention": "1"})
    refused = client.post(f"/correspondence/letters/{letter.id}/retention", data={"retention": "other"},
                          follow_redirects=True)

    db.session.expire_all()
    assert db.session.get(Letter, letter.id).retention_years == 1
    assert "Choose how long" in refused.get_data(as_text=True)
    (row,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retention"))
    assert row.details == {"before": 10, "after": 1} and row.person_id == office.registry_clerk.id


def test_a_destroyed_letters_retention_cannot_change(office, register_in):
    letter = register_in("หนังสือเก่า", dt.datetime(2010, 3, 1, 3, 0))
    made = retention.make_list("office", office.registry_clerk)
    with pytest.raises(CorrespondenceError, match="committee decides"):
        retention.set_retention(letter, 20, office.registry_clerk)
    _approve(made, office.registry_clerk)
    retention.destroy(made, office.registry_clerk)
    with pytest.raises(CorrespondenceError, match="destroyed"):
        retention.set_retention(letter, None, office.registry_clerk)


def test_outsiders_are_refused_everywhere(office, register_in, login_as):
    letter = register_in("หนังสือเก่า", dt.datetime(2010, 3, 1, 3, 0))
    made = retention.make_list("office", office.registry_clerk)
    for person in (office.outsider, office.group_clerk):  # reads the registers / keeps another place's
        client = login_as(person)
        assert client.get(f"/correspondence/retention/lists/{made.id}").status_code == 403
        assert client.get(f"/correspondence/retention/lists/{made.id}/print").status_code == 403
        assert client.get("/correspondence/retention/places/office").status_code == 403
        assert client.post("/correspondence/retention/places/office/lists").status_code == 403
        assert client.post(f"/correspondence/retention/lists/{made.id}/decision", data={
            "committee": "ก\nข\nค", "decision": "approve"}).status_code == 403
        assert client.post(f"/correspondence/retention/lists/{made.id}/destroy").status_code == 403
    outsider = login_as(office.outsider)
    assert outsider.get("/correspondence/retention/").status_code == 403
    assert outsider.post(f"/correspondence/letters/{letter.id}/retention", data={"retention": "1"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(DestructionList, made.id).decision == "pending"
    assert db.session.get(Letter, letter.id).retention_years == 10


def test_secret_lines_appear_only_to_their_named_keepers(office, register_in, make_person, grant, login_as):
    register_in("หนังสือเก่า", dt.datetime(2010, 3, 1, 3, 0))
    register_in("ผลการสอบสวนเก่า", dt.datetime(2010, 3, 1, 3, 0), kind="secret", secrecy="secret")
    second_clerk = make_person(first_name="สมพร")
    grant("correspondence.register", to=second_clerk)

    assert {letter.subject for letter in db.session.scalars(retention.due_letters(second_clerk, "office", 2569))} == {
        "หนังสือเก่า"}
    made = retention.make_list("office", office.registry_clerk)
    assert _listed(made) == {"หนังสือเก่า", "ผลการสอบสวนเก่า"}

    page = login_as(second_clerk).get(f"/correspondence/retention/lists/{made.id}").get_data(as_text=True)
    assert "หนังสือเก่า" in page and "ผลการสอบสวนเก่า" not in page and "data-decision-form" not in page
    with pytest.raises(CorrespondenceError, match="not named on"):
        _approve(made, second_clerk)
    secret_views = db.session.scalars(select(AuditEntry).where(AuditEntry.record_type == "destruction_list",
                                                               AuditEntry.action == "view")).all()
    assert secret_views == []
    login_as(office.registry_clerk).get(f"/correspondence/retention/lists/{made.id}")
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.record_type == "destruction_list",
                                                           AuditEntry.action == "view")).all()) == 1
