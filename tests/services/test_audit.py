"""The audit log: appending rows, refused access, the search page, and that nothing changes or deletes rows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from core.db import db
from core.services import audit
from core.services.audit import AuditEntry, AuditError, AuditQuery


def rows() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_record_keeps_who_did_what_to_which_record_and_from_where(make_person):
    clerk = make_person(first_name="สมศรี", last_name="ใจดี")
    audit.record("register", "docs", "letter", 42, clerk, "ลงทะเบียนรับ ที่ ศธ 04183/2631",
                 details={"number": 2631}, remote_addr="10.0.0.7")
    db.session.commit()
    [row] = rows()
    assert (row.action, row.module, row.record_type, row.record_id) == ("register", "docs", "letter", "42")
    assert (row.person_id, row.person_name, row.remote_addr, row.outcome) == (clerk.id, "สมศรี ใจดี", "10.0.0.7", "done")
    assert row.details == {"number": 2631} and row.at is not None


def test_refused_access_to_a_secret_record_is_recorded(make_person):
    stranger = make_person()
    audit.record("view", "docs", "secret_letter", 7, stranger, "เปิดหนังสือลับ", outcome="refused")
    db.session.commit()
    assert [(r.action, r.outcome) for r in rows()] == [("view", "refused")]


def test_the_system_may_act_without_a_person(app):
    audit.record("escalated", "leave", "leave", 3, None, "ส่งต่ออัตโนมัติ")
    [row] = rows()
    assert (row.person_id, row.person_name) == (None, "")


def test_bad_input_is_refused_and_nothing_is_written(make_person):
    with pytest.raises(AuditError):
        audit.record("view", "docs", "letter", 1, make_person(), outcome="maybe")
    with pytest.raises(AuditError):
        audit.record("", "docs")
    assert rows() == []


def test_the_row_keeps_the_name_the_person_had_at_the_time(make_person):
    person = make_person(first_name="เดิม")
    audit.record("edit", "docs", "letter", 1, person)
    person.first_name = "ใหม่"
    db.session.commit()
    assert rows()[0].person_name.startswith("เดิม")


def test_a_rolled_back_action_leaves_no_audit_row(make_person):
    audit.record("delete", "docs", "letter", 1, make_person())
    db.session.rollback()
    assert rows() == []


def test_search_filters_by_person_module_record_outcome_and_dates(make_person):
    somchai, somsri = make_person(first_name="สมชาย"), make_person(first_name="สมศรี")
    # A row from last year, written as record() would have then (rows cannot be changed afterwards).
    db.session.add(AuditEntry(at=dt.datetime(2025, 1, 10, 3, 0), action="view", module="docs", record_type="letter",
                              record_id="1", person_id=somchai.id, person_name=str(somchai)))
    audit.record("view", "docs", "letter", 2, somsri, outcome="refused")
    audit.record("approve", "leave", "leave", 1, somchai)
    db.session.commit()

    def found(**filters):
        return [(r.module, r.record_id, r.person_id) for r in db.session.scalars(audit.search(AuditQuery(**filters)))]

    assert found(person=str(somchai.id)) == [("leave", "1", somchai.id), ("docs", "1", somchai.id)]
    assert found(person="สมศรี") == [("docs", "2", somsri.id)]
    assert found(module="docs", record_type="letter", record_id="1") == [("docs", "1", somchai.id)]
    assert found(outcome="refused") == [("docs", "2", somsri.id)]
    assert found(date_from=dt.date(2025, 1, 10), date_to=dt.date(2025, 1, 10)) == [("docs", "1", somchai.id)]
    assert found(person="100%") == []  # LIKE wildcards typed by the admin match literally


def test_audit_page_needs_its_permission(client, login_as, make_person):
    login_as(make_person())
    assert client.get("/admin/audit").status_code == 403


def test_audit_page_searches_and_pages(app, client, login_as, grant, make_person):
    auditor = make_person()
    grant("core.audit.view", to=auditor)
    for number in range(app.config["PER_PAGE"] + 3):
        audit.record("view", "docs", "letter", number, auditor, f"เปิดหนังสือ {number}")
    audit.record("view", "leave", "leave", 1, auditor, "ใบลาของคนอื่น")
    db.session.commit()
    login_as(auditor)
    first = client.get("/admin/audit?module=docs").get_data(as_text=True)
    assert first.count("data-audit-row=") == app.config["PER_PAGE"] and "ใบลาของคนอื่น" not in first
    second = client.get("/admin/audit?module=docs&page=2").get_data(as_text=True)
    assert second.count("data-audit-row=") == 3
    by_date = client.get("/admin/audit?date_from=31/02/2568")
    assert by_date.status_code == 400  # not a date: said so, no results


def test_no_route_can_change_or_delete_audit_rows(app):
    for rule in app.url_map.iter_rules():
        if "audit" in rule.endpoint or "audit" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, f"{rule.rule} accepts {rule.methods}"


def test_postgresql_refuses_to_change_or_delete_audit_rows(make_person):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    audit.record("view", "docs", "letter", 1, make_person(), "ของจริง")
    db.session.commit()
    for statement in (update(AuditEntry).values(summary="แก้แล้ว"), delete(AuditEntry)):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as connection:
                connection.execute(statement)
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as connection:
            connection.execute(text("TRUNCATE core_audit_log"))
    assert db.session.scalar(select(AuditEntry.summary)) == "ของจริง"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_every_action_core_and_the_first_party_modules_record_has_a_label(app):
    """The audit log shows labels, not codes (issue 16): each literal action in the code, and core's approval ones."""
    import re
    from pathlib import Path

    from core.services.approvals import STEP_STATUS_AFTER

    root = Path(__file__).resolve().parents[2]
    recorded = re.compile(r'audit\.record\(\s*"([a-z_.]+)"')
    wanted: set[tuple[str, str]] = set()
    for path in [*root.joinpath("core").rglob("*.py"), *root.joinpath("plugins").rglob("*.py")]:
        if "tests" in path.parts or path.name == "audit.py":
            continue
        owner = path.relative_to(root).parts[1] if path.parts[len(root.parts)] == "plugins" else "core"
        wanted |= {(owner, action) for action in recorded.findall(path.read_text(encoding="utf-8"))}
    wanted |= {("rooms", f"approval.{status}") for status in
               [*STEP_STATUS_AFTER.values(), "submitted", "withdrawn", "resubmitted", "escalated"]}
    assert ("correspondence", "receive") in wanted and ("rooms", "booking.create") in wanted
    with app.test_request_context("/"):
        unlabelled = sorted(f"{owner}: {action}" for owner, action in wanted
                            if audit.action_label(owner, action) == action)
        assert unlabelled == []
        assert audit.action_label("correspondence", "receive") == "ลงรับหนังสือ"


def test_the_audit_page_shows_labels_and_module_names(app, client, login_as, grant, make_person):
    admin = make_person()
    grant("core.audit.view", to=admin)
    audit.record("mail.settings_changed", "core", "setting", "core.mail", admin, "")
    db.session.commit()
    page = login_as(admin).get("/admin/audit").get_data(as_text=True)
    assert "แก้ไขการตั้งค่าอีเมล" in page and "data-audit-action>mail.settings_changed<" in page
    assert "แกนระบบ" in page
