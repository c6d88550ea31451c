"""Attachments: checked by content, all-or-nothing, never orphaned, served only to whom the owning module allows."""

from __future__ import annotations

import io
import os
import struct
import time
import tracemalloc
import types
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from core.db import db
from core.hookspecs import hookimpl
from core.plugin_api import Permission, PluginInfo
from core.services import attachments
from core.services.attachments import Attachment, Owner, UploadPolicy, UploadRejected
from core.settings import save_settings
from core.storage import LocalStorage, StorageError, get_storage

LETTER = Owner("fakedocs", "letter", 1)
SECRET_LETTER = Owner("fakedocs", "secret", 2)
THAI_NAME = "หนังสือราชการ ที่ ศธ 04183.pdf"


# --- sample files, made the way the programs that write them do ----------------------------------


def pdf_bytes(padding: int = 0) -> bytes:
    body = b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    return b"%PDF-1.4\n" + body + b"%" + b"x" * padding + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg_bytes() -> bytes:
    """An 8x8 mid-grey baseline JPEG: one DC-only block, one-symbol Huffman tables."""
    def segment(marker, payload):
        return b"\xff" + marker + struct.pack(">H", len(payload) + 2) + payload

    return b"".join([
        b"\xff\xd8",
        segment(b"\xe0", b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        segment(b"\xdb", b"\x00" + b"\x01" * 64),
        segment(b"\xc0", b"\x08\x00\x08\x00\x08\x01\x01\x11\x00"),
        segment(b"\xc4", b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00"),  # DC: category 0 only
        segment(b"\xc4", b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00"),  # AC: end-of-block only
        segment(b"\xda", b"\x01\x01\x00\x00\x3f\x00"),
        b"\x3f",  # DC "0", EOB "0", padded with ones
        b"\xff\xd9",
    ])


GIF_BYTES = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
RAR_BYTES = b"Rar!\x1a\x07\x00\xcf\x90\x73\x00\x00\x0d\x00\x00\x00\x00\x00\x00\x00"  # an empty RAR 4 archive


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
        "word/document.xml": "<w:document><w:body><w:p><w:r><w:t>บันทึกข้อความ</w:t></w:r></w:p></w:body></w:document>".encode(),
    })


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "รายชื่อโรงเรียน"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ole_bytes(stream_name: str) -> bytes:
    """A compound file (Office 97-2003 container) with one 4 KiB stream, laid out as the spec says."""
    sector, free, end, fat_sector, no_stream = 512, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    data_sectors = 8  # sectors 2..9 hold the stream
    fat = [fat_sector, end] + list(range(3, 2 + data_sectors)) + [end]
    fat += [free] * (sector // 4 - len(fat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6,
        0, 1, 1, 0, 4096, end, 0, end, 0,
    ) + struct.pack("<109I", 0, *[free] * 108)

    def entry(name, kind, child=no_stream, start=end, size=0):
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, no_stream, no_stream, child,
                           b"\0" * 16, 0, 0, 0, start, size)

    directory = entry("Root Entry", 5, child=1) + entry(stream_name, 2, start=2, size=4096) + entry("", 0) * 2
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + b"\x11" * (sector * data_sectors)


EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + b"This program cannot be run in DOS mode.\r\n"
HTML_BYTES = b"<!DOCTYPE html>\n<html><body><script>fetch('/admin')</script></body></html>"


def upload(name: str, data: bytes) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def url_of(attachment: Attachment) -> str:
    from flask import current_app

    with current_app.test_request_context():
        return attachment.download_url


# --- a fake module that owns records with files ---------------------------------------------------

SECRET_READERS: set[int] = set()  # person ids who may read SECRET_LETTER


def _fake_module(plugin_id: str, folder: Path, access) -> types.ModuleType:
    module = types.ModuleType(f"khet_test_{plugin_id}")
    module.__file__ = str(folder / "__init__.py")  # no migrations folder next to it
    module.plugin_info = hookimpl(lambda: PluginInfo(id=plugin_id, name_th=plugin_id, name_en=plugin_id, version="1"))
    module.permissions = hookimpl(lambda: [Permission(f"{plugin_id}.read", "Read")])
    module.attachment_access = hookimpl(access)
    return module


def fakedocs_access(user, attachment):
    """Letters: anyone with fakedocs.read. Secret letters: only their named readers."""
    if attachment.record_type == "letter":
        return user.can("fakedocs.read")
    if attachment.record_type == "secret":
        return user.id in SECRET_READERS
    return None


class _EntryPoint:
    def __init__(self, module):
        self.module, self.name, self.dist = module, module.plugin_info().id, None

    def load(self):
        return self.module


@pytest.fixture(scope="module")
def app(khet_app_config, tmp_path_factory):
    """The test app with two extra modules: fakedocs (owns letters) and greedy (says yes to everything)."""
    from core import migrate
    from core.app import create_app
    from core.plugins import discover_entry_points

    folder = tmp_path_factory.mktemp("fake-modules")
    fakes = [_fake_module("fakedocs", folder, fakedocs_access), _fake_module("greedy", folder, lambda user, attachment: True)]
    app = create_app(
        config=khet_app_config, instance_path=tmp_path_factory.mktemp("instance"),
        entry_points=[*discover_entry_points(), *map(_EntryPoint, fakes)],
    )
    migrate.upgrade_all(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def uploads(app):
    """The upload folder, emptied before the test; SECRET_READERS reset too."""
    import shutil

    root = Path(app.config["UPLOAD_FOLDER"])
    shutil.rmtree(root, ignore_errors=True)
    SECRET_READERS.clear()
    return root


def files_on_disk(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def count_rows() -> int:
    return db.session.scalar(select(func.count(Attachment.id)))


def save(owner=LETTER, *files, policy=None, person=None):
    return attachments.save_uploads(list(files), owner=owner, uploaded_by=person, policy=policy)


# --- accepted by content ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, data, kind, mime", [
    ("บันทึก.pdf", pdf_bytes(), "pdf", "application/pdf"),
    ("รูป.png", png_bytes(), "png", "image/png"),
    ("รูป.JPG", jpeg_bytes(), "jpg", "image/jpeg"),
    ("photo.jpeg", jpeg_bytes(), "jpg", "image/jpeg"),
    ("ภาพ.gif", GIF_BYTES, "gif", "image/gif"),
    ("หนังสือ.docx", docx_bytes(), "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("ข้อมูล.xlsx", xlsx_bytes(), "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("หนังสือเก่า.doc", ole_bytes("WordDocument"), "doc", "application/msword"),
    ("ตารางเก่า.xls", ole_bytes("Workbook"), "xls", "application/vnd.ms-excel"),
    ("แฟ้ม.zip", zip_bytes({"a.txt": b"hello"}), "zip", "application/zip"),
    ("งาน.zip", docx_bytes(), "zip", "application/zip"),  # a Word file is a zip archive too
    ("แฟ้ม.rar", RAR_BYTES, "rar", "application/vnd.rar"),
])
def test_file_whose_content_matches_its_name_is_stored_with_its_details(uploads, make_person, name, data, kind, mime):
    import hashlib

    person = make_person()
    [attachment] = save(LETTER, upload(name, data), person=person)
    db.session.commit()
    stored = db.session.get(Attachment, attachment.id)
    assert (stored.original_name, stored.kind, stored.content_type, stored.size) == (name, kind, mime, len(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.uploaded_by_id == person.id and stored.owner == LETTER
    [on_disk] = files_on_disk(uploads)
    assert on_disk.read_bytes() == data
    assert name not in str(on_disk) and on_disk.name == stored.storage_key.rsplit("/", 1)[1]
    assert on_disk.stat().st_mode & 0o077 == 0  # readable by the Khet process user only


def test_thai_name_and_description_survive_the_database(uploads):
    save_with = attachments.save_uploads(
        [upload(THAI_NAME, pdf_bytes())], owner=LETTER, uploaded_by=None, descriptions=["สำเนาคู่ฉบับ"]
    )
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Attachment, save_with[0].id)
    assert stored.original_name == THAI_NAME
    assert stored.description == "สำเนาคู่ฉบับ"


def test_file_name_loses_folders_and_direction_tricks_but_keeps_thai():
    assert attachments.clean_file_name("../../etc/รายงาน.pdf") == "รายงาน.pdf"
    assert attachments.clean_file_name("C:\\Users\\ครู\\Desktop\\แบบฟอร์ม.docx") == "แบบฟอร์ม.docx"
    assert attachments.clean_file_name("invoice\u202efdp.exe") == "invoicefdp.exe"
    assert attachments.clean_file_name("   ") == "file"


# --- refused, with nothing kept ---------------------------------------------------------------------


@pytest.mark.parametrize("name, data, reason", [
    ("คำสั่ง.pdf", EXE_BYTES, "program"),
    ("run.jpg", b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "program"),
    ("setup.zip", b"#!/bin/sh\nrm -rf /\n", "program"),
    ("หนังสือ.doc", HTML_BYTES, "markup"),
    ("logo.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "markup"),
    ("page.pdf", "<html><body onload=alert(1)>".encode("utf-16"), "markup"),  # UTF-16 with its BOM
    ("ว่าง.pdf", b"", "empty"),
    ("virus.exe", EXE_BYTES, "program"),
    ("สไลด์.pptx", zip_bytes({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}), "type_not_allowed"),
    ("clip.mp4", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 40, "type_not_allowed"),
    ("notes.txt", b"just text", "type_not_allowed"),  # txt is known but not in the default policy
    ("noextension", pdf_bytes(), "type_not_allowed"),
    ("report.pdf", png_bytes(), "content_mismatch"),
    ("ตาราง.xlsx", docx_bytes(), "content_mismatch"),
    ("แฟ้ม.docx", zip_bytes({"a.txt": b"x"}), "content_mismatch"),
    ("ตาราง.xls", ole_bytes("WordDocument"), "content_mismatch"),
    ("installer.doc", ole_bytes("\x05SummaryInformation"), "content_mismatch"),  # an .msi is a compound file too
    ("broken.zip", b"PK\x03\x04" + b"\x00" * 100, "content_mismatch"),
])
def test_file_refused_by_its_content_leaves_nothing_behind(uploads, name, data, reason):
    with pytest.raises(UploadRejected) as refused:
        save(LETTER, upload(name, data))
    [problem] = refused.value.problems
    assert problem.reason == reason
    assert name in problem.message
    assert count_rows() == 0
    assert files_on_disk(uploads) == []


def test_one_bad_file_refuses_the_whole_batch_and_names_each_bad_one(app, uploads):
    batch = [upload("ดี.pdf", pdf_bytes()), upload("แฝง.pdf", EXE_BYTES), upload("ดีด้วย.png", png_bytes()),
             upload("หน้าเว็บ.doc", HTML_BYTES)]
    with app.test_request_context(), pytest.raises(UploadRejected) as refused:  # messages in the user's language
        save(LETTER, *batch)
    assert "แฝง.pdf" in refused.value.messages[0] and "หน้าเว็บ.doc" in refused.value.messages[1]
    assert [(p.name, p.reason) for p in refused.value.problems] == [("แฝง.pdf", "program"), ("หน้าเว็บ.doc", "markup")]
    db.session.commit()
    assert count_rows() == 0
    assert files_on_disk(uploads) == []


def test_file_over_the_size_limit_is_refused_without_reading_it_all(uploads):
    stream = io.BytesIO(pdf_bytes(padding=300_000))
    with pytest.raises(UploadRejected) as refused:
        save(LETTER, FileStorage(stream=stream, filename="ใหญ่.pdf"), policy=UploadPolicy(max_bytes=4096))
    assert refused.value.problems[0].reason == "too_big"
    assert "4 KB" in refused.value.messages[0]
    assert stream.tell() < 300_000  # stopped one chunk past the limit
    assert files_on_disk(uploads) == []


def test_more_files_than_the_record_may_hold_are_refused_counting_those_already_there(uploads):
    policy = UploadPolicy(max_count=3)
    save(LETTER, upload("1.pdf", pdf_bytes()), upload("2.pdf", pdf_bytes()), policy=policy)
    db.session.commit()
    with pytest.raises(UploadRejected) as refused:
        save(LETTER, upload("3.pdf", pdf_bytes()), upload("4.pdf", pdf_bytes()), policy=policy)
    assert refused.value.problems[0].reason == "too_many"
    assert count_rows() == 2
    assert len(files_on_disk(uploads)) == 2
    assert len(save(LETTER, upload("3.pdf", pdf_bytes()), policy=policy)) == 1


def test_empty_file_fields_of_a_form_are_ignored(uploads):
    assert save(LETTER, FileStorage(stream=io.BytesIO(b""), filename="")) == []


def test_office_settings_change_the_module_policy_but_never_admit_unknown_types(app):
    save_settings("fakedocs", {"attachments_max_count": 5, "attachments_max_mb": 2, "attachments_types": "pdf, jpeg, exe"})
    db.session.commit()
    policy = UploadPolicy(max_count=10).with_office_settings("fakedocs")
    assert (policy.max_count, policy.max_bytes, policy.allowed) == (5, 2 * 1024 * 1024, frozenset({"pdf", "jpg"}))
    with pytest.raises(ValueError):
        UploadPolicy(allowed={"pdf", "exe"})


def test_text_files_may_be_allowed_but_scripts_and_web_pages_among_them_are_not(uploads):
    policy = UploadPolicy(allowed={"txt", "csv"})
    [kept] = save(LETTER, upload("รายชื่อ.csv", "รหัส,ชื่อโรงเรียน\n1001,บ้านหนองบัว\n".encode()), policy=policy)
    assert kept.kind == "csv"
    for name, data in [("a.txt", b"#!/usr/bin/env python\nimport os\n"), ("b.txt", b"  <html><script>x()</script>")]:
        with pytest.raises(UploadRejected):
            save(LETTER, upload(name, data), policy=policy)


# --- files follow the transaction ---------------------------------------------------------------------


def test_rolled_back_upload_leaves_no_file(uploads):
    save(LETTER, upload("a.pdf", pdf_bytes()), upload("b.png", png_bytes()))
    assert len(files_on_disk(uploads)) == 2
    db.session.rollback()
    assert files_on_disk(uploads) == []
    assert count_rows() == 0


def test_session_closed_without_commit_leaves_no_file(uploads):
    save(LETTER, upload("a.pdf", pdf_bytes()))
    db.session.remove()
    assert files_on_disk(uploads) == []


def test_savepoint_rolled_back_removes_only_its_own_files(uploads):
    save(LETTER, upload("outer.pdf", pdf_bytes()))
    savepoint = db.session.begin_nested()
    save(LETTER, upload("inner.pdf", pdf_bytes()))
    savepoint.rollback()
    assert len(files_on_disk(uploads)) == 1
    db.session.commit()
    assert [a.original_name for a in attachments.attachments_of(LETTER)] == ["outer.pdf"]
    assert len(files_on_disk(uploads)) == 1


def test_released_savepoint_files_go_when_the_outer_transaction_rolls_back(uploads):
    with db.session.begin_nested():
        save(LETTER, upload("inner.pdf", pdf_bytes()))
    assert len(files_on_disk(uploads)) == 1
    db.session.rollback()
    assert files_on_disk(uploads) == []


def test_deleted_files_go_only_after_commit(uploads):
    save(LETTER, upload("a.pdf", pdf_bytes()), upload("b.pdf", pdf_bytes()))
    save(SECRET_LETTER, upload("other.pdf", pdf_bytes()))
    db.session.commit()
    assert attachments.delete_attachments(LETTER) == 2
    assert len(files_on_disk(uploads)) == 3  # still there until the deletion commits
    db.session.commit()
    assert len(files_on_disk(uploads)) == 1
    assert attachments.attachments_of(LETTER) == [] and len(attachments.attachments_of(SECRET_LETTER)) == 1


def test_rolled_back_delete_keeps_the_files(uploads):
    [kept] = save(LETTER, upload("a.pdf", pdf_bytes()))
    db.session.commit()
    attachments.delete_attachments(LETTER)
    db.session.rollback()
    assert len(files_on_disk(uploads)) == 1
    assert db.session.get(Attachment, kept.id) is not None


def test_office_that_archives_keeps_deleted_files_out_of_service(app, uploads, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENTS_ON_DELETE", "archive")
    [attachment] = save(LETTER, upload("a.pdf", pdf_bytes()))
    db.session.commit()
    key = attachment.storage_key
    attachments.delete_attachments(LETTER)
    db.session.commit()
    storage = get_storage()
    assert not storage.exists(key) and storage.archived(key)


def test_purged_letter_keeps_its_attachment_lines_but_loses_the_files(uploads, client, login_as, make_person, grant):
    [attachment] = save(LETTER, upload(THAI_NAME, pdf_bytes()))
    db.session.commit()
    url = url_of(attachment)
    assert attachments.purge_files(LETTER) == 1
    db.session.commit()
    assert files_on_disk(uploads) == []
    [row] = attachments.attachments_of(LETTER, include_purged=True)
    assert row.original_name == THAI_NAME and row.purged_at is not None
    assert attachments.attachments_of(LETTER) == []
    reader = make_person()
    grant("fakedocs.read", to=reader)
    assert login_as(reader).get(url).status_code == 404


def test_sweep_removes_old_files_no_row_knows_and_keeps_the_rest(app, uploads):
    [kept] = save(LETTER, upload("a.pdf", pdf_bytes()))
    db.session.commit()
    storage = get_storage()
    incoming, temp_path = storage.incoming()
    incoming.close()
    storage.store(temp_path, "ab/cd/" + "ab" * 16)  # as if a process died before its commit
    abandoned, _ = storage.incoming()
    abandoned.close()
    old = time.time() - 3 * 86400
    for path in files_on_disk(uploads):
        os.utime(path, (old, old))
    assert len(attachments.sweep_orphans().removed) == 2
    assert [path.name for path in files_on_disk(uploads)] == [kept.storage_key.rsplit("/", 1)[1]]


# --- memory ----------------------------------------------------------------------------------------------


def test_twenty_megabyte_upload_is_streamed_not_held_in_memory(uploads, tmp_path):
    size = UploadPolicy().max_bytes  # 20 MB, the largest file the default policy takes
    source = tmp_path / "ใหญ่.pdf"
    with source.open("wb") as fh:
        fh.write(b"%PDF-1.7\n")
        for _ in range(size // (1024 * 1024) - 1):
            fh.write(os.urandom(1024 * 1024))
        fh.write(os.urandom(size - fh.tell()))
    with source.open("rb") as stream:
        tracemalloc.start()
        try:
            baseline = tracemalloc.get_traced_memory()[0]
            [attachment] = save(LETTER, FileStorage(stream=stream, filename=source.name))
            peak = tracemalloc.get_traced_memory()[1] - baseline
        finally:
            tracemalloc.stop()
    db.session.commit()
    print(f"peak Python memory while storing a {attachment.size / 1024 / 1024:.0f} MB upload: {peak / 1024:.0f} KiB")
    assert attachment.size == source.stat().st_size == size
    assert peak < 1024 * 1024  # a twentieth of the file


# --- download ----------------------------------------------------------------------------------------------


@pytest.fixture
def reader(make_person, grant):
    person = make_person()
    grant("fakedocs.read", to=person)
    return person


def test_reader_gets_the_pdf_as_a_download_with_its_thai_name(uploads, client, login_as, reader):
    """A PDF is downloaded, never opened inline: one with JavaScript would run in the browser's viewer (issue 17)."""
    data = pdf_bytes()
    [attachment] = save(LETTER, upload(THAI_NAME, data))
    db.session.commit()
    response = login_as(reader).get(url_of(attachment))
    assert response.status_code == 200
    assert response.data == data
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Length"] == str(len(data))
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert f"filename*=UTF-8''{quote(THAI_NAME)}" in disposition
    # The ASCII part, for clients without RFC 5987: the record and the file, not the scraps of the Thai name.
    assert f'filename="letter-1-file-{attachment.id}.pdf"' in disposition
    assert "private" in response.headers["Cache-Control"]


def test_images_are_shown_in_the_browser(uploads, client, login_as, reader):
    [attachment] = save(LETTER, upload("รูป.png", png_bytes()))
    db.session.commit()
    response = login_as(reader).get(url_of(attachment))
    assert response.headers["Content-Disposition"].startswith("inline; ")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_office_documents_are_downloaded_not_opened_in_the_browser(uploads, client, login_as, reader):
    [attachment] = save(LETTER, upload("บันทึก.docx", docx_bytes()))
    db.session.commit()
    response = login_as(reader).get(url_of(attachment))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="letter-1-file-{attachment.id}.docx"')
    assert response.headers["Content-Type"] == attachments.KINDS["docx"].mime


def test_content_disposition_cannot_be_broken_by_quotes_or_semicolons():
    header = attachments_view().content_disposition('a"b;c\r\n.pdf', inline=False)
    assert header == "attachment; filename=\"a_b_c.pdf\"; filename*=UTF-8''a%22b%3Bc%0D%0A.pdf"


def test_a_thai_file_name_keeps_its_thai_in_filename_star_and_names_the_record_in_the_ascii_fallback():
    """Issue 16: the ASCII fallback of "หนังสือราชการ ที่ ศธ 04183.pdf" was "04183.pdf", the Thai dropped."""
    header = attachments_view().content_disposition(THAI_NAME, inline=False, fallback_stem="letter-7-file-12")
    assert header == f"attachment; filename=\"letter-7-file-12.pdf\"; filename*=UTF-8''{quote(THAI_NAME)}"
    mixed = attachments_view().content_disposition("แบบรายงาน form-2.xlsx", inline=False, fallback_stem="s-1-file-2")
    assert mixed.startswith('attachment; filename="s-1-file-2.xlsx"; ')
    assert attachments_view().content_disposition("report-2569.pdf", inline=True) == 'inline; filename="report-2569.pdf"'


def attachments_view():
    from core.views import attachments as view

    return view


def test_signed_in_person_without_the_right_is_refused(uploads, client, login_as, make_person):
    [attachment] = save(LETTER, upload("a.pdf", pdf_bytes()))
    db.session.commit()
    assert login_as(make_person()).get(url_of(attachment)).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(uploads, client):
    [attachment] = save(LETTER, upload("a.pdf", pdf_bytes()))
    db.session.commit()
    response = client.get(url_of(attachment))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_secret_letter_file_is_refused_to_a_reader_of_ordinary_letters(uploads, client, login_as, reader, make_person):
    [ordinary] = save(LETTER, upload("a.pdf", pdf_bytes()))
    [secret] = save(SECRET_LETTER, upload("ลับ.pdf", pdf_bytes()))
    db.session.commit()
    browser = login_as(reader)
    assert browser.get(url_of(ordinary)).status_code == 200
    assert browser.get(url_of(secret)).status_code == 403
    guessed = f"/files/{secret.id}/{ordinary.token}"  # right id, token of a file the reader may see
    assert browser.get(guessed).status_code == 404
    assert browser.get(f"/files/{secret.id + 1000}/{secret.token}").status_code == 404
    recipient = make_person()
    SECRET_READERS.add(recipient.id)
    assert login_as(recipient).get(url_of(secret)).status_code == 200


def test_deactivated_person_may_not_download_even_through_the_service(uploads, reader):
    [attachment] = save(LETTER, upload("a.pdf", pdf_bytes()))
    assert attachments.may_download(reader, attachment)
    reader.active = False
    assert not attachments.may_download(reader, attachment)
    assert not attachments.may_download(None, attachment)


def test_only_the_owning_module_decides_even_if_another_says_yes(uploads, client, login_as, make_person):
    [letter_file] = save(LETTER, upload("a.pdf", pdf_bytes()))
    [greedy_file] = save(Owner("greedy", "thing", 1), upload("b.pdf", pdf_bytes()))
    db.session.commit()
    browser = login_as(make_person())
    assert browser.get(url_of(greedy_file)).status_code == 200  # greedy says yes to everything...
    assert browser.get(url_of(letter_file)).status_code == 403  # ...but is not asked about fakedocs' files


@pytest.mark.khet_plugins("greedy")
def test_files_of_a_disabled_module_are_not_served(uploads, client, login_as, make_person):
    [attachment] = save(LETTER, upload("a.pdf", pdf_bytes()))
    db.session.commit()
    assert login_as(make_person(admin=True)).get(url_of(attachment)).status_code == 403


def test_browser_revalidation_and_ranges_work(uploads, client, login_as, reader):
    data = pdf_bytes(padding=2000)
    [attachment] = save(LETTER, upload("a.pdf", data))
    db.session.commit()
    browser = login_as(reader)
    assert browser.get(url_of(attachment), headers={"If-None-Match": f'"{attachment.sha256}"'}).status_code == 304
    partial = browser.get(url_of(attachment), headers={"Range": "bytes=0-7"})
    assert partial.status_code == 206 and partial.data == data[:8]


def test_downloads_of_files_the_module_audits_are_logged(uploads, client, login_as, reader, make_person):
    from core.services.audit import AuditEntry

    [plain] = save(LETTER, upload("a.pdf", pdf_bytes()))
    [audited] = save(SECRET_LETTER, upload("ลับ.pdf", pdf_bytes()), policy=UploadPolicy(audit_downloads=True))
    db.session.commit()
    SECRET_READERS.add(reader.id)
    browser = login_as(reader)
    assert browser.get(url_of(plain)).status_code == 200
    assert browser.get(url_of(audited)).status_code == 200
    assert login_as(make_person()).get(url_of(audited)).status_code == 403
    rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(row.module, row.record_type, row.record_id, row.outcome) for row in rows] == [
        ("fakedocs", "secret", "2", "done"), ("fakedocs", "secret", "2", "refused"),
    ]
    assert rows[0].person_id == reader.id
    # Ids only: the log's readers may not be named on the letter, and a file name can say too much (issue 17).
    assert all("ลับ" not in f"{row.summary} {row.details}" and row.details == {"attachment_id": audited.id} for row in rows)


# --- storage --------------------------------------------------------------------------------------------------


def test_storage_refuses_keys_it_did_not_make(tmp_path):
    storage = LocalStorage(tmp_path)
    for key in ("../../etc/passwd", "ab/cd/../../x", "/etc/passwd", "AB/CD/" + "A" * 32):
        with pytest.raises(StorageError):
            storage.open(key)


def test_upload_folder_inside_a_web_served_folder_is_refused(app):
    class Shadow:
        config = {"UPLOAD_FOLDER": str(Path(app.static_folder) / "uploads")}
        static_folder = app.static_folder
        blueprints = {}

    with pytest.raises(StorageError):
        LocalStorage.from_app(Shadow)
