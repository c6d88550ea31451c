"""Searching letters: Thai substrings, printed numbers, filters; only letters the person may open, decided in SQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.api import db
from core.testing import schema_differences
from plugins.correspondence import services
from plugins.correspondence.models import Delivery
from plugins.correspondence.services import CorrespondenceError, inbox, sending
from plugins.correspondence.integrations import search_results
from plugins.correspondence.services.search import SearchFilters, search_page
from plugins.correspondence.services.sending import Recipients

pytestmark = pytest.mark.khet_plugins("correspondence")

MAY_1 = dt.datetime(2026, 5, 1, 3, 0)  # 1 May 2569, 10:00 in Bangkok
JUNE_30_LATE = dt.datetime(2026, 6, 30, 16, 30)  # 30 June, 23:30 in Bangkok: still June there
JULY_1_EARLY = dt.datetime(2026, 6, 30, 17, 30)  # 1 July, 00:30 in Bangkok


def found(person, query, **filters):
    return [letter.subject for letter in search_page(person, query, SearchFilters(**filters)).items]


@pytest.fixture
def letters(office, letter_fields):
    """Lines of the central registry's incoming and outgoing registers, oldest first."""
    incoming, outgoing = services.register_for("incoming"), services.register_for("outgoing")

    def register(register_, subject, at, **values):
        return services.register_letter(register_, letter_fields(subject, **values), office.registry_clerk, now=at)

    return {
        "budget": register(incoming, "ขออนุมัติงบประมาณโครงการอาหารกลางวัน", MAY_1, sender_ref="ศธ 04002/1187",
                           from_text="สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน"),
        "students": register(incoming, "รายงานจำนวนนักเรียนรายบุคคล", JUNE_30_LATE, urgency="urgent",
                             from_text="โรงเรียนบ้านหนองบัว", group_id=office.planning.id),
        "meeting": register(outgoing, "เชิญประชุมผู้บริหารสถานศึกษา", JULY_1_EARLY, to_text="โรงเรียนบ้านโนนสูง",
                            remarks="แจ้งเวียนทุกโรงเรียน", action="มอบกลุ่มนโยบายและแผนดำเนินการ"),
    }


def test_a_thai_word_is_found_inside_a_longer_word(office, letters):
    assert found(office.reader, "ประมาณ") == ["ขออนุมัติงบประมาณโครงการอาหารกลางวัน"]
    assert found(office.reader, "เรียนราย") == ["รายงานจำนวนนักเรียนรายบุคคล"]


def test_sender_recipient_remarks_and_action_are_searched(office, letters):
    assert found(office.reader, "ขั้นพื้นฐาน") == [letters["budget"].subject]
    assert found(office.reader, "หนองบัว") == [letters["students"].subject]
    assert found(office.reader, "โนนสูง") == [letters["meeting"].subject]
    assert found(office.reader, "แจ้งเวียน") == [letters["meeting"].subject]
    assert found(office.reader, "นโยบายและแผน") == [letters["meeting"].subject]


def test_every_word_must_match_and_results_come_newest_first(office, letters):
    assert found(office.reader, "โรงเรียน") == [letters["meeting"].subject, letters["students"].subject]
    assert found(office.reader, "โรงเรียน หนองบัว") == [letters["students"].subject]
    assert found(office.reader, "โรงเรียน ไม่มีคำนี้") == []


def test_the_sender_number_and_the_printed_number_are_found(office, letters):
    meeting = letters["meeting"]
    assert services.printed_number(meeting) == f"ศธ 04183/{meeting.number}"
    assert found(office.reader, "04002/1187") == [letters["budget"].subject]
    assert found(office.reader, f"ศธ 04183/{meeting.number}") == [meeting.subject]
    assert found(office.reader, f"ศธ 04999/{meeting.number}") == []  # another office's code
    assert letters["meeting"].subject in found(office.reader, str(meeting.number))


def test_a_circular_is_found_by_its_ว_number(office, letter_fields):
    circular = services.register_letter(services.register_for("circular"), letter_fields("แนวปฏิบัติการลา"),
                                        office.registry_clerk, now=MAY_1)
    assert found(office.reader, f"ว {circular.number}") == ["แนวปฏิบัติการลา"]
    assert found(office.reader, f"ศธ 04183/ว {circular.number}") == ["แนวปฏิบัติการลา"]


def test_a_two_character_query_falls_back_to_like(office, letters):
    assert found(office.reader, "ขอ") == [letters["budget"].subject]
    assert found(office.reader, "ขอ หาร") == [letters["budget"].subject]  # "หาร" inside อาหาร, by the index
    assert found(office.reader, "ฯฯ") == []


def test_like_wildcards_in_a_query_are_plain_characters(office, letter_fields):
    services.register_letter(services.register_for("incoming"), letter_fields("ส่วนลด 10% ค่าเช่า"),
                             office.registry_clerk, now=MAY_1)
    services.register_letter(services.register_for("incoming"), letter_fields("ส่วนลด 100 บาท"),
                             office.registry_clerk, now=MAY_1)
    assert found(office.reader, "10%") == ["ส่วนลด 10% ค่าเช่า"]
    assert found(office.reader, "%") == ["ส่วนลด 10% ค่าเช่า"]


def test_a_corrected_subject_is_found_by_its_new_words_and_not_its_old(office, letters):
    budget = letters["budget"]
    values = services.fields_of(budget)
    values.subject = "ขออนุมัติค่าตอบแทนวิทยากร"
    services.correct_letter(budget, values, office.registry_clerk)
    assert found(office.reader, "วิทยากร") == ["ขออนุมัติค่าตอบแทนวิทยากร"]
    assert found(office.reader, "งบประมาณ") == []


def test_filters_narrow_the_results(office, letters):
    everything = ["เชิญประชุมผู้บริหารสถานศึกษา", "รายงานจำนวนนักเรียนรายบุคคล", "ขออนุมัติงบประมาณโครงการอาหารกลางวัน"]
    assert found(office.reader, "ร") == everything
    assert found(office.reader, "ร", urgency="urgent") == [letters["students"].subject]
    assert found(office.reader, "ร", group_id=office.planning.id) == [letters["students"].subject]
    assert found(office.reader, "ร", kind="outgoing") == [letters["meeting"].subject]
    assert found(office.reader, "ร", scope="office", kind="incoming") == everything[1:]
    assert found(office.reader, "ร", scope=f"group:{office.planning.id}") == []


def test_the_date_range_is_of_bangkok_days(office, letters):
    june = dict(date_from=dt.date(2026, 6, 1), date_to=dt.date(2026, 6, 30))
    assert found(office.reader, "ร", **june) == [letters["students"].subject]  # 23:30 on 30 June, Bangkok time
    assert found(office.reader, "ร", date_from=dt.date(2026, 7, 1)) == [letters["meeting"].subject]
    assert found(office.reader, "ร", date_to=dt.date(2026, 5, 1)) == [letters["budget"].subject]


def test_bad_input_is_refused_with_a_message(office, letters):
    with pytest.raises(CorrespondenceError, match="first day comes after"):
        search_page(office.reader, "ร", SearchFilters(date_from=dt.date(2026, 7, 1), date_to=dt.date(2026, 6, 1)))
    with pytest.raises(CorrespondenceError, match="urgency"):
        search_page(office.reader, "ร", SearchFilters(urgency="whenever"))
    with pytest.raises(CorrespondenceError, match="at most"):
        search_page(office.reader, "ก" * 201)


@pytest.fixture
def secret(office, letter_fields):
    return services.register_letter(services.register_for("secret"), letter_fields(
        "ผลการสอบสวนข้อเท็จจริงกรณีทุจริตงบประมาณ", secrecy="secret"), office.registry_clerk, readers=[office.director])


def test_a_secret_letter_is_found_only_by_the_people_named_on_it(office, letters, secret, make_person):
    assert found(office.director, "สอบสวน") == [secret.subject]
    assert found(office.registry_clerk, "สอบสวน") == [secret.subject]  # registered it
    for outsider in (office.outsider, office.reader, make_person(admin=True)):
        assert found(outsider, "สอบสวน") == []
        assert found(outsider, "งบประมาณ") == [letters["budget"].subject]
        assert secret.subject not in found(outsider, str(secret.number))


def test_someone_without_the_registers_finds_only_what_was_sent_to_them(office, letters, letter_fields, make_person,
                                                                         make_school, grant):
    clerk = make_person(first_name="ธุรการ")
    school = make_school(name="โรงเรียนบ้านหนองบัว", clerks=[clerk])
    grant("correspondence.send", to=office.registry_clerk)
    assert found(clerk, "ประชุม") == []
    sending.send_letter(letters["meeting"], Recipients(school_ids=[school.id]), office.registry_clerk, now=JULY_1_EARLY)
    assert found(clerk, "ประชุม") == []  # sent, not yet received
    inbox.receive(db.session.scalar(select(Delivery).where(Delivery.school_id == school.id)), clerk)
    subjects = found(clerk, "ประชุม")
    assert subjects == [letters["meeting"].subject] * 2  # the office's line and the school's own incoming line
    assert found(clerk, "งบประมาณ") == []  # not sent to the school


def test_the_search_page_shows_results_filters_and_refusals(office, letters, secret, login_as):
    client = login_as(office.outsider)
    page = client.get("/correspondence/search?q=ประมาณ").get_data(as_text=True)
    assert "ขออนุมัติงบประมาณโครงการอาหารกลางวัน" in page and "สอบสวน" not in page
    page = client.get("/correspondence/search?q=ร&urgency=urgent").get_data(as_text=True)
    assert "รายงานจำนวนนักเรียน" in page and "เชิญประชุม" not in page
    page = client.get("/correspondence/search?q=ร&date_from=2026-07-01&date_to=2026-06-01").get_data(as_text=True)
    assert "The first day comes after the last day." in page and "เชิญประชุม" not in page
    assert client.get("/correspondence/search").status_code == 200


def test_results_come_a_page_at_a_time(office, letter_fields, login_as):
    incoming = services.register_for("incoming")
    for n in range(25):
        services.register_letter(incoming, letter_fields(f"หนังสือเวียนฉบับที่ {n:02d}"), office.registry_clerk,
                                 now=MAY_1 + dt.timedelta(minutes=n))
    first = search_page(office.reader, "เวียน")
    second = search_page(office.reader, "เวียน", page=2)
    assert [letter.subject[-2:] for letter in first.items] == [f"{n:02d}" for n in range(24, 4, -1)]
    assert first.has_next and not first.has_prev
    assert [letter.subject[-2:] for letter in second.items] == ["04", "03", "02", "01", "00"]
    assert not second.has_next
    page = login_as(office.reader).get("/correspondence/search?q=เวียน&page=2").get_data(as_text=True)
    assert "หนังสือเวียนฉบับที่ 00" in page and "หนังสือเวียนฉบับที่ 24" not in page and 'rel="prev"' in page


def test_the_global_search_box_lists_letters_the_person_may_open(app, office, letters, secret, login_as):
    with app.test_request_context():
        results = search_results(office.reader, "งบประมาณ", 10)
    assert [result.title for result in results] == [
        f"{services.printed_number(letters['budget'])} ขออนุมัติงบประมาณโครงการอาหารกลางวัน"]
    assert results[0].url == f"/correspondence/letters/{letters['budget'].id}"
    page = login_as(office.director).get("/search?q=สอบสวน").get_data(as_text=True)
    assert "ผลการสอบสวนข้อเท็จจริง" in page and f"/correspondence/letters/{secret.id}" in page
    page = login_as(office.outsider).get("/search?q=สอบสวน").get_data(as_text=True)
    assert "ผลการสอบสวนข้อเท็จจริง" not in page


def test_the_search_index_is_made_by_migration_and_models_still_agree(app):
    assert "correspondence" not in schema_differences(app)


def test_results_come_in_the_order_they_were_registered(office, letter_fields):
    """Newest first means the last line written in the registers: the order the indexes keep, so a page of a
    common word is read without sorting every match (the registered time a clerk gave does not reorder it)."""
    incoming = services.register_for("incoming")
    written_first = services.register_letter(incoming, letter_fields("ขอเชิญประชุมครั้งที่หนึ่ง"), office.registry_clerk,
                                             now=MAY_1 + dt.timedelta(hours=2))
    written_last = services.register_letter(incoming, letter_fields("ขอเชิญประชุมครั้งที่สอง"), office.registry_clerk,
                                            now=MAY_1)
    assert found(office.reader, "เชิญประชุม") == [written_last.subject, written_first.subject]
    assert found(office.reader, "ญป") == [written_last.subject, written_first.subject]  # the LIKE path too


def test_a_long_word_must_match_whole_not_only_its_ending(office, letter_fields):
    """The index looks up the end of a long word; the rows it finds are checked against the whole word."""
    incoming = services.register_for("incoming")
    for sender in ("โรงเรียนบ้านหนองบัวแดง", "โรงเรียนวัดหนองบัวแดง"):
        services.register_letter(incoming, letter_fields("ส่งแบบรายงาน", from_text=sender), office.registry_clerk,
                                 now=MAY_1)
    page = search_page(office.reader, "โรงเรียนบ้านหนองบัวแดง")
    assert [letter.from_text for letter in page.items] == ["โรงเรียนบ้านหนองบัวแดง"]
    page = search_page(office.reader, "หนองบัวแดง ส่งแบบรายงาน")
    assert [letter.from_text for letter in page.items] == ["โรงเรียนวัดหนองบัวแดง", "โรงเรียนบ้านหนองบัวแดง"]


def test_a_school_clerk_pages_through_only_the_letters_of_their_school(office, letter_fields, make_person,
                                                                       make_school, grant):
    """Paging follows the registration order, and only the school's own lines are counted in a page."""
    clerk = make_person(first_name="ธุรการ")
    school = make_school(name="โรงเรียนบ้านหนองบัว", clerks=[clerk])
    other = make_school(name="โรงเรียนบ้านโนนสูง")
    own, others = services.register_for("incoming", school=school), services.register_for("incoming", school=other)
    for n in range(23):
        for register in (own, others):
            services.register_letter(register, letter_fields(f"รายงานผลการเรียนฉบับที่ {n:02d}"), clerk
                                     if register is own else office.registry_clerk, now=MAY_1 + dt.timedelta(minutes=n))
    first = search_page(clerk, "รายงานผลการเรียน", per_page=10)
    third = search_page(clerk, "รายงานผลการเรียน", page=3, per_page=10)
    assert [letter.subject[-2:] for letter in first.items] == [f"{n:02d}" for n in range(22, 12, -1)]
    assert [letter.subject[-2:] for letter in third.items] == ["02", "01", "00"] and not third.has_next
    assert {letter.register_id for letter in first.items + third.items} == {own.id}


def test_someone_granted_a_schools_registers_finds_its_lines(office, letter_fields, make_person, make_school, grant):
    school, other = make_school(name="โรงเรียนบ้านหนองบัว"), make_school(name="โรงเรียนบ้านโนนสูง")
    supervisor = make_person(first_name="ศึกษานิเทศก์")
    grant("correspondence.read", to=supervisor, scope=school)
    for place in (school, other):
        services.register_letter(services.register_for("incoming", school=place),
                                 letter_fields(f"แบบสำรวจข้อมูลครู {place.name}"), office.registry_clerk, now=MAY_1)
    assert found(supervisor, "แบบสำรวจ") == ["แบบสำรวจข้อมูลครู โรงเรียนบ้านหนองบัว"]
