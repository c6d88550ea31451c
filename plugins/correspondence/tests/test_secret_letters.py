"""Secret letters: only the people named on them list, open, download or forward them; every view and refusal is audited."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from core.api import AuditEntry, attachments, db
from plugins.correspondence import services
from plugins.correspondence.models import SecretReader
from plugins.correspondence.services import CorrespondenceError, inbox, sending
from plugins.correspondence.services.sending import Recipients

pytestmark = pytest.mark.khet_plugins("correspondence")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def secret(office, letter_fields):
    """A secret letter naming the director, with a PDF attached, and an ordinary letter in the incoming register."""
    letter = services.register_letter(services.register_for("secret"), letter_fields(
        "ผลการสอบสวนข้อเท็จจริง", secrecy="secret"), office.registry_clerk, readers=[office.director], commit=False)
    attachments.save_uploads([("ผลสอบสวน.pdf", io.BytesIO(PDF))], ("correspondence", "letter", letter.id),
                             office.registry_clerk, policy=attachments.UploadPolicy(allowed=frozenset({"pdf"}),
                                                                                    audit_downloads=True))
    db.session.commit()
    return letter


def _file_of(letter):
    (found,) = attachments.attachments_of(("correspondence", "letter", letter.id))
    return found


def _url_of(letter):
    found = _file_of(letter)
    return f"/files/{found.id}/{found.token}"


def _audit_rows(letter, action):
    db.session.expire_all()
    return [(row.person_id, row.outcome) for row in db.session.scalars(
        select(AuditEntry).where(AuditEntry.module == "correspondence", AuditEntry.record_id == str(letter.id),
                                 AuditEntry.action == action).order_by(AuditEntry.id))]


def test_named_reader_opens_the_letter_and_the_view_is_audited(office, secret, login_as):
    response = login_as(office.director).get(f"/correspondence/letters/{secret.id}")
    assert response.status_code == 200 and "ผลการสอบสวนข้อเท็จจริง" in response.get_data(as_text=True)
    assert _audit_rows(secret, "view") == [(office.director.id, "done")]


def test_outsider_is_refused_and_the_attempt_is_audited(office, secret, login_as):
    response = login_as(office.outsider).get(f"/correspondence/letters/{secret.id}")
    assert response.status_code == 403
    assert "ผลการสอบสวน" not in response.get_data(as_text=True)
    assert _audit_rows(secret, "view") == [(office.outsider.id, "refused")]


def test_an_admin_not_named_is_refused_too(office, secret, login_as, make_person):
    admin = make_person(admin=True)
    assert login_as(admin).get(f"/correspondence/letters/{secret.id}").status_code == 403
    assert _audit_rows(secret, "view") == [(admin.id, "refused")]


def test_secret_lines_are_filtered_out_of_the_register_list_in_sql(office, secret, login_as):
    register = secret.register
    query = services.visible_letters(office.outsider, register, secret.year)
    assert db.session.scalars(query).all() == []
    assert db.session.scalars(services.visible_letters(office.director, register, secret.year)).all() == [secret]
    assert office.outsider.can("correspondence.read")  # reading the registers does not open secret lines
    page = login_as(office.outsider).get(f"/correspondence/registers/{register.id}?year={secret.year}")
    assert page.status_code == 200 and "ผลการสอบสวน" not in page.get_data(as_text=True)


def test_outsider_with_the_attachment_url_is_refused_and_audited(office, secret, login_as):
    url = _url_of(secret)
    assert login_as(office.outsider).get(url).status_code == 403
    assert _audit_rows(secret, "download_attachment") == [(office.outsider.id, "refused")]


def test_named_reader_downloads_the_attachment_and_it_is_audited(office, secret, login_as):
    response = login_as(office.director).get(_url_of(secret))
    assert response.status_code == 200 and response.data == PDF
    assert _audit_rows(secret, "download_attachment") == [(office.director.id, "done")]


def test_a_guessed_token_gives_nothing(office, secret, login_as):
    attachment = _file_of(secret)
    assert login_as(office.outsider).get(f"/files/{attachment.id}/guessed-token").status_code == 404


def test_named_reader_forwards_and_the_new_reader_may_open(office, secret, login_as):
    client = login_as(office.director)
    client.post(f"/correspondence/letters/{secret.id}/forward", data={"person_id": office.reader.id})
    assert db.session.scalar(select(SecretReader).where(SecretReader.person_id == office.reader.id)) is not None
    assert login_as(office.reader).get(f"/correspondence/letters/{secret.id}").status_code == 200
    assert login_as(office.reader).get(_url_of(secret)).status_code == 200


def test_outsider_cannot_forward_to_themself(office, secret, login_as):
    response = login_as(office.outsider).post(f"/correspondence/letters/{secret.id}/forward",
                                              data={"person_id": office.outsider.id})
    assert response.status_code == 403
    assert db.session.scalar(select(SecretReader).where(SecretReader.person_id == office.outsider.id)) is None
    assert _audit_rows(secret, "forward") == [(office.outsider.id, "refused")]


def test_secret_letter_goes_only_to_named_people_and_their_inbox(office, secret, grant, make_school, make_person):
    clerk = make_person()
    school = make_school(clerks=[clerk])
    with pytest.raises(CorrespondenceError, match="named people"):
        sending.send_letter(secret, Recipients(school_ids=[school.id]), office.registry_clerk)
    db.session.rollback()
    sending.send_letter(secret, Recipients(person_ids=[office.reader.id]), office.registry_clerk)
    assert [d.letter_id for d in db.session.scalars(inbox.inbox_of(office.reader))] == [secret.id]
    assert db.session.scalars(inbox.inbox_of(office.outsider)).all() == []
    assert services.may_read(office.reader, secret) and not services.may_read(office.outsider, secret)


# --- issue 17: ids and field names only, wherever people not named on the letter may look ---------------


def _everything_logged():
    """Every text of the audit log and of the issued numbers: what an admin, or anyone with a backup, reads."""
    from core.api import numbers

    db.session.expire_all()
    texts = []
    for row in db.session.scalars(select(AuditEntry)):
        texts.append(f"{row.summary} {row.details}")
    for issued in db.session.scalars(select(numbers.IssuedNumber)):
        texts.append(f"{issued.note} {issued.cancel_reason}")
    return "\n".join(texts)


def test_the_subject_and_file_name_of_a_secret_letter_stay_out_of_the_log_and_the_number_note(office, secret, login_as):
    assert login_as(office.outsider).get(_url_of(secret)).status_code == 403  # refused: logged without the name
    assert login_as(office.director).get(_url_of(secret)).status_code == 200  # done: logged without the name
    services.cancel_letter(secret, "ผลการสอบสวนข้อเท็จจริงซ้ำ", office.registry_clerk)
    logged = _everything_logged()
    for secret_text in ("ผลการสอบสวน", "ผลสอบสวน.pdf", "ผลสอบสวน"):
        assert secret_text not in logged
    assert f"letter {secret.id}" in logged  # the ids are there to follow up
    # The readers still see the subject and the reason on the letter itself.
    page = login_as(office.director).get(f"/correspondence/letters/{secret.id}").get_data(as_text=True)
    assert "ผลการสอบสวนข้อเท็จจริง" in page and "ผลสอบสวน.pdf" in page


def test_an_ordinary_letter_keeps_its_subject_in_the_number_note(office, letter_fields):
    from core.api import numbers

    letter = services.register_letter(services.register_for("incoming"), letter_fields("เชิญประชุมผู้บริหาร"),
                                      office.registry_clerk)
    assert db.session.get(numbers.IssuedNumber, letter.issued_number_id).note == "เชิญประชุมผู้บริหาร"
