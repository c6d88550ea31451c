"""Every hook in core/hookspecs.py is documented, has a one-line docstring, and is really called by core.

The first half reads the hook specifications and docs/. The second half loads
tests/contract_plugin/ (a module that answers every hook) into an app of its
own through an entry point, and proves from the outside (pages, rows, command
output) that core calls each hook. A hook added to hookspecs.py without a
``### name`` section in docs/ or without a test here marked ``@exercises(name)``
makes this file fail.
"""

from __future__ import annotations

import importlib.util
import io
import inspect
import re
import sys
import types
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from sqlalchemy import inspect as inspect_database
from sqlalchemy import select, text

from core import builtin, hookspecs, migrate
from core.app import create_app
from core.db import db
from core.hookspecs import hookimpl
from core.models import Grant, Group, Person, School
from core.plugin_api import PluginInfo
from core.plugins import ENTRY_POINT_GROUP, PluginConflict, PluginRegistry, registry
from core.testing import KhetTestClient, enable_plugins, wipe_database

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CONTRACT_FOLDER = Path(__file__).resolve().parent / "contract_plugin"
CONTRACT_PACKAGE = "khet_contract_plugin"

HOOKSPECS = {name: spec for name, spec in vars(hookspecs).items() if hasattr(spec, "khet_spec")}


def signature_of(name: str) -> str:
    """How docs/hooks.md writes a hook: ``menu_items(user)``."""
    return f"{name}({', '.join(inspect.signature(HOOKSPECS[name]).parameters)})"


# --- documented ---------------------------------------------------------------------

HEADING = re.compile(r"^(#{1,6}) +(.+?) *$", re.MULTILINE)


def hook_sections() -> dict[str, list[tuple[Path, str]]]:
    """Every ``### name`` section of docs/**/*.md: name -> [(file, the text up to the next heading of its level or above)]."""
    sections: dict[str, list[tuple[Path, str]]] = {}
    for path in sorted(DOCS.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        headings = list(HEADING.finditer(text))
        for index, heading in enumerate(headings):
            if len(heading.group(1)) != 3:
                continue
            end = next((later.start() for later in headings[index + 1:] if len(later.group(1)) <= 3), len(text))
            sections.setdefault(heading.group(2).strip("` "), []).append((path, text[heading.end():end]))
    return sections


def test_there_are_hooks_to_check():
    assert {"plugin_info", "blueprints", "menu_items", "template_slot"} <= set(HOOKSPECS)


@pytest.mark.parametrize("name", sorted(HOOKSPECS))
def test_hookspec_has_a_one_line_docstring(name):
    docstring = (HOOKSPECS[name].__doc__ or "").strip()
    assert docstring, f"hookspec {name} has no docstring"
    assert "\n" not in docstring, f"hookspec {name}: the docstring must be one line (details go in docs/hooks.md)"


@pytest.mark.parametrize("name", sorted(HOOKSPECS))
def test_hook_has_a_section_in_the_docs(name):
    sections = hook_sections()
    assert name in sections, f"no '### {name}' section in docs/hooks.md (or any docs/**/*.md)"
    complete = [path for path, text in sections[name] if signature_of(name) in text and "```" in text]
    assert complete, f"the '### {name}' section must show the signature {signature_of(name)} and an example"


def test_hooks_md_documents_no_hook_that_does_not_exist():
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    headings = {match.group(2).strip("` ") for match in HEADING.finditer(text) if len(match.group(1)) == 3}
    assert headings - set(HOOKSPECS) == set(), "docs/hooks.md documents hooks core/hookspecs.py does not have"


LINK = re.compile(r"\]\(([^)\s#]*)(?:#([^)\s]*))?\)")


def anchors_of(path: Path) -> set[str]:
    """The anchors a Markdown viewer makes of the page's headings (GitHub's rule)."""
    return {
        re.sub(r"[^\w\- ]", "", heading.group(2).lower()).replace(" ", "-")
        for heading in HEADING.finditer(path.read_text(encoding="utf-8"))
    }


@pytest.mark.parametrize("page", sorted(path.name for path in DOCS.glob("*.md")))
def test_links_between_the_docs_lead_somewhere(page):
    path = DOCS / page
    for target, anchor in LINK.findall(path.read_text(encoding="utf-8")):
        if "://" in target:
            continue
        linked = (path.parent / target).resolve() if target else path
        assert linked.exists(), f"{page} links to {target}, which does not exist"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors_of(linked), f"{page} links to {target}#{anchor}, a heading {target or page} lacks"


# --- exercised: the contract plugin -------------------------------------------------

EXERCISED: dict[str, list[str]] = {}


def exercises(*hook_names: str):
    """Mark a test as the proof that core calls these hooks."""

    def mark(test):
        for hook_name in hook_names:
            EXERCISED.setdefault(hook_name, []).append(test.__name__)
        return test

    return mark


def load_contract_plugin() -> types.ModuleType:
    """Import tests/contract_plugin/ as a package, the way an entry point would import an installed module."""
    if CONTRACT_PACKAGE in sys.modules:
        return sys.modules[CONTRACT_PACKAGE]
    spec = importlib.util.spec_from_file_location(
        CONTRACT_PACKAGE, CONTRACT_FOLDER / "__init__.py", submodule_search_locations=[str(CONTRACT_FOLDER)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[CONTRACT_PACKAGE] = module
    spec.loader.exec_module(module)
    return module


def contract_entry_point() -> EntryPoint:
    load_contract_plugin()
    return EntryPoint(name="contract", value=CONTRACT_PACKAGE, group=ENTRY_POINT_GROUP)


@pytest.fixture(scope="module")
def contract_app(app, khet_app_config, tmp_path_factory):
    """An app whose only module is the contract plugin, on the test session's database, migrated to head.

    The contract plugin's table joins the one shared metadata, so it must exist
    wherever that metadata is wiped: it is created in the session's database
    here, and dropped (and taken out of the metadata) when these tests end.
    """
    contract = create_app(
        config=khet_app_config,
        instance_path=tmp_path_factory.mktemp("contract-instance"),
        entry_points=[contract_entry_point()],
    )
    contract.test_client_class = KhetTestClient
    migrate.upgrade_all(contract)
    yield contract
    note_table = db.metadata.tables["contract_note"]
    with contract.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            note_table.drop(connection)
            connection.execute(text("DROP TABLE alembic_version_contract"))
        db.engine.dispose()
    db.metadata.remove(note_table)


@pytest.fixture
def contract(contract_app):
    """The contract app's context with the contract module switched on; every row wiped afterwards."""
    with contract_app.app_context():
        enable_plugins(contract_app, ["contract"])
        try:
            yield contract_app
        finally:
            db.session.rollback()
    wipe_database(contract_app)


def person(username: str, admin: bool = False) -> Person:
    record = Person(username=username, first_name=username, is_admin=admin)
    db.session.add(record)
    db.session.commit()
    return record


def grant_use(someone: Person) -> None:
    db.session.add(Grant(permission="contract.use", person_id=someone.id))
    db.session.commit()


def signed_in(app, someone: Person):
    client = app.test_client()
    with client.session_transaction() as stored:
        stored["_user_id"] = someone.get_id()
        stored["_fresh"] = True
    return client


def notes() -> list[str]:
    from khet_contract_plugin.models import ContractNote

    return list(db.session.scalars(select(ContractNote.text).order_by(ContractNote.id)))


def test_the_contract_plugin_implements_every_hook():
    module = load_contract_plugin()
    implemented = {name for name, value in vars(module).items() if hasattr(value, "khet_impl")}
    assert set(HOOKSPECS) - implemented == set(), "tests/contract_plugin/__init__.py must implement every hook"


def test_every_hook_is_exercised_by_a_contract_test():
    missing = set(HOOKSPECS) - set(EXERCISED)
    assert not missing, f"no test in this file is marked @exercises(...) for: {', '.join(sorted(missing))}"
    assert set(EXERCISED) - set(HOOKSPECS) == set(), "tests claim to exercise hooks that do not exist"


@exercises("plugin_info")
def test_plugin_info_names_the_module_on_the_modules_page(contract):
    assert registry().module_ids == ["contract"]
    page = signed_in(contract, person("admin", admin=True)).get("/admin/modules").get_data(as_text=True)
    assert 'data-module="contract"' in page and "โมดูลทดสอบสัญญา" in page


@exercises("blueprints", "permissions")
def test_the_blueprint_serves_under_the_module_id_to_holders_of_its_permission(contract):
    assert "contract.use" in registry().permissions
    clerk = person("clerk")
    client = signed_in(contract, clerk)
    assert client.get("/contract/").status_code == 403
    grant_use(clerk)
    response = client.get("/contract/")
    assert response.status_code == 200 and "data-contract-page" in response.get_data(as_text=True)


@exercises("model_classes")
def test_model_classes_are_checked_for_the_module_prefix(contract, monkeypatch):
    assert registry().plugins["contract"].tables == ["contract_note"]
    stray_table = types.SimpleNamespace(__table__=types.SimpleNamespace(name="elsewhere_note"))
    module = types.ModuleType("khet_stray_tables")
    module.plugin_info = hookimpl(lambda: PluginInfo(id="stray", name_th="ผิดที่", name_en="Stray", version="0"))
    module.model_classes = hookimpl(lambda: [stray_table])
    monkeypatch.setitem(sys.modules, module.__name__, module)
    with pytest.raises(PluginConflict, match="'elsewhere_note' of module 'stray' must start with 'stray_'"):
        PluginRegistry().load(builtin, entry_points=[EntryPoint(name="stray", value=module.__name__, group=ENTRY_POINT_GROUP)])


@exercises("migrations_folder")
def test_migrations_come_from_the_folder_the_module_names(contract):
    assert registry().plugins["contract"].migrations_folder == CONTRACT_FOLDER / "revisions"
    assert inspect_database(db.engine).has_table("contract_note")
    assert migrate.current_revisions(contract)["contract"] == "c0a7c7000001"
    assert "contract" not in migrate.differences(contract)


@exercises("menu_items")
def test_menu_item_shows_to_holders_of_its_permission(contract):
    clerk, other = person("clerk"), person("other")
    grant_use(clerk)
    assert 'href="/contract/"' in signed_in(contract, clerk).get("/").get_data(as_text=True)
    assert 'href="/contract/"' not in signed_in(contract, other).get("/").get_data(as_text=True)


@exercises("dashboard_cards")
def test_dashboard_card_renders_on_the_home_page(contract):
    clerk = person("clerk")
    grant_use(clerk)
    page = signed_in(contract, clerk).get("/").get_data(as_text=True)
    assert "Contract card" in page or "data-contract-card" in page
    assert "<p data-contract-card>card for clerk</p>" in page


@exercises("template_slot")
def test_template_slot_output_appears_on_the_home_page(contract):
    page = signed_in(contract, person("clerk")).get("/").get_data(as_text=True)
    assert '<div data-contract-slot="home_top">clerk</div>' in page


@exercises("search")
def test_search_results_appear_on_the_search_page(contract):
    clerk = person("clerk")
    grant_use(clerk)
    page = signed_in(contract, clerk).get("/search?q=contractword").get_data(as_text=True)
    assert "Contract result for contractword" in page and "found by the contract module" in page


@exercises("settings_form")
def test_settings_form_gives_the_module_its_defaults_and_its_admin_page(contract):
    from core.settings import get_settings

    assert get_settings("contract") == {"greeting": "สวัสดี"}
    clerk = person("clerk")
    grant_use(clerk)
    assert "สวัสดี" in signed_in(contract, clerk).get("/contract/").get_data(as_text=True)
    admin = signed_in(contract, person("admin", admin=True))
    form_page = admin.get("/admin/modules/contract/settings").get_data(as_text=True)
    assert 'name="greeting"' in form_page and 'value="สวัสดี"' in form_page
    assert admin.post("/admin/modules/contract/settings", data={"greeting": "ยินดีต้อนรับ"}).status_code == 302
    assert "ยินดีต้อนรับ" in signed_in(contract, clerk).get("/contract/").get_data(as_text=True)


@exercises("cli_commands")
def test_cli_command_runs_under_the_module_id(contract):
    result = contract.test_cli_runner().invoke(args=["contract", "hello", "สมชาย"])
    assert result.exit_code == 0, result.output
    assert "contract says hello to สมชาย" in result.output


@exercises("demo_data")
def test_demo_data_runs_in_seed_demo(contract):
    from core import demo

    assert demo.seed_demo() is True
    assert [text for text in notes() if text.startswith("demo_data:")] == [
        "demo_data:สำนักงานเขตพื้นที่การศึกษาประถมศึกษาชัยนาท (สาธิต)"
    ]


@exercises("person_deactivated", "person_changed_group", "school_added")
def test_core_events_reach_the_module_in_the_same_transaction(contract):
    from core import org_services

    somchai = person("somchai")
    old_group, new_group = Group(code="old", name="กลุ่มเดิม"), Group(code="new", name="กลุ่มใหม่")
    db.session.add_all([old_group, new_group])
    db.session.flush()
    org_services.add_to_group(somchai, old_group)
    org_services.move_person_to_group(somchai, new_group)
    org_services.deactivate_person(somchai)
    org_services.add_school(code="1018000001", name="โรงเรียนบ้านทดสอบ")
    db.session.commit()
    assert notes() == [
        f"person_changed_group:{somchai.id}:None:{old_group.id}",
        f"person_changed_group:{somchai.id}:{old_group.id}:{new_group.id}",
        f"person_deactivated:{somchai.id}",
        "school_added:1018000001",
    ]
    org_services.add_school(code="1018000002", name="โรงเรียนที่ยกเลิก")
    db.session.rollback()
    assert notes()[-1] == "school_added:1018000001"  # the module's reaction went with the undone change


@exercises("attachment_access")
def test_the_owning_module_decides_who_downloads_an_attachment(contract):
    from core.services.attachments import UploadPolicy, save_uploads

    clerk, other = person("clerk"), person("other")
    grant_use(clerk)
    content = "บันทึกข้อความ".encode()
    [attachment] = save_uploads(
        [("บันทึก.txt", io.BytesIO(content))], ("contract", "note", 1), clerk, policy=UploadPolicy(allowed=frozenset({"txt"}))
    )
    db.session.commit()
    url = f"/files/{attachment.id}/{attachment.token}"
    response = signed_in(contract, clerk).get(url)
    assert response.status_code == 200 and response.data == content
    assert signed_in(contract, other).get(url).status_code == 403


@exercises("notification_channels")
def test_notifications_are_delivered_through_the_modules_channel(contract):
    from core.services import notifications
    from khet_contract_plugin import SENT

    SENT.clear()
    clerk = person("clerk")
    notifications.notify(clerk, "contract.test", "มีนกพิราบมาส่งข่าว")
    db.session.commit()
    report = notifications.deliver_due()
    assert report.sent == 1 and SENT == [("pigeon:clerk", "มีนกพิราบมาส่งข่าว")]


@exercises("template_slot")
def test_the_person_detail_slot_is_on_the_admin_person_page(contract):
    admin = signed_in(contract, person("admin", admin=True))
    somchai = person("somchai")
    page = admin.get(f"/admin/people/{somchai.id}").get_data(as_text=True)
    assert '<div data-contract-slot="person_detail">somchai</div>' in page


@exercises("approval_kinds")
def test_approval_kinds_give_the_label_and_hear_the_outcome(contract):
    from core.services import approvals
    from core.services.approvals import Step

    clerk, boss = person("clerk"), person("boss")
    request = approvals.submit("contract", "request", 7, "ขอทดสอบสัญญา", clerk, steps=[Step(boss)])
    db.session.commit()
    assert str(approvals.kind_label(request)) == "Contract request"
    approvals.decide(request, boss, "approve")
    db.session.commit()
    assert notes() == ["approval:7:approved"]  # the kind's on_outcome ran in the deciding transaction


@exercises("notification_events")
def test_notification_events_are_listed_on_the_preferences_page(contract):
    page = signed_in(contract, person("clerk")).get("/notifications/preferences").get_data(as_text=True)
    assert "Contract event happened" in page and 'value="contract.test|inbox"' in page
    assert 'value="approvals.waiting|inbox"' in page  # core's own events come from core's hook implementation


def khet(app, *args):
    """Run `khet <args>` against this app, as cron would."""
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from core.cli import cli

    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


@exercises("scheduled_jobs")
def test_jobs_run_runs_a_due_job_once_and_logs_it(contract):
    first = khet(contract, "jobs", "run")
    assert first.exit_code == 0, first.output
    assert "contract.tick: ok: ticked" in first.output and "core.escalate_approvals: ok" in first.output
    assert "contract.tick" not in khet(contract, "jobs", "run").output  # not due again within the hour
    forced = khet(contract, "jobs", "run", "--job", "contract.tick")
    assert "contract.tick: ok: ticked" in forced.output
    assert notes() == ["job:contract.tick", "job:contract.tick"]
    listing = khet(contract, "jobs", "list").output
    assert "contract.tick" in listing and "ok ticked" in listing
    unknown = khet(contract, "jobs", "run", "--job", "contract.nothing")
    assert unknown.exit_code != 0 and "contract.nothing" in unknown.output


@exercises("link_targets")
def test_link_targets_answer_the_picker_and_describe_links(contract):
    from core.services import links
    from khet_contract_plugin.models import ContractNote

    clerk, other = person("clerk"), person("other")
    grant_use(clerk)
    row = ContractNote(text="สมุดพัสดุ")
    db.session.add(row)
    db.session.commit()
    answer = signed_in(contract, clerk).get("/links/contract.note?q=พัสดุ").get_json()
    assert answer == {"results": [{"id": str(row.id), "title": "note สมุดพัสดุ", "url": "/contract/", "summary": ""}]}
    assert signed_in(contract, other).get("/links/contract.note?q=พัสดุ").get_json() == {"results": []}
    assert signed_in(contract, clerk).get("/links/nobody.thing?q=x").status_code == 404
    assert links.describe_one("contract.note", row.id, clerk).title == "note สมุดพัสดุ"
    assert links.describe_one("contract.note", row.id, other) is None  # not theirs to see
    assert list(links.targets(category=links.ASSET)) == ["contract.note"]


@exercises("away_entries")
def test_away_entries_appear_on_the_who_is_away_page(contract):
    from core import org_services

    away = person("away_somchai")
    office_clerk, outsider = person("clerk"), person("outsider")
    group = Group(code="g1", name="กลุ่มอำนวยการ")
    db.session.add(group)
    db.session.flush()
    org_services.add_to_group(office_clerk, group)
    db.session.commit()
    page = signed_in(contract, office_clerk).get("/away/?span=week").get_data(as_text=True)
    assert f'data-away-entry="contract:{away.id}"' in page and "Contract trip" in page
    # Someone of neither the office's groups nor a school sees only themselves: core narrows what modules give.
    assert "data-away-entry" not in signed_in(contract, outsider).get("/away/").get_data(as_text=True)


@exercises("audit_actions")
def test_audit_actions_label_the_rows_of_the_audit_log(contract):
    from core.services import audit

    admin = person("admin", admin=True)
    audit.record("note.make", "contract", "note", 1, admin, "สมุดพัสดุ")
    audit.record("approval.approved", "contract", "note", 1, admin, "สมุดพัสดุ")
    audit.record("note.unlabelled", "contract", "note", 1, admin, "สมุดพัสดุ")
    db.session.commit()
    page = signed_in(contract, admin).get("/admin/audit").get_data(as_text=True)
    assert "Contract note made" in page  # the module's label, with the code beside it
    assert "โมดูลทดสอบสัญญา" in page  # the module's name, not its id
    with contract.test_request_context("/"):
        assert str(audit.action_label("contract", "approval.approved")) == "อนุมัติแล้ว"  # core's label fills in
        assert audit.action_label("contract", "note.unlabelled") == "note.unlabelled"


def test_a_disabled_module_contributes_nothing(contract):
    from core.services import approvals, jobs, links, notifications

    clerk = person("clerk")
    grant_use(clerk)
    person("away_somchai")
    registry().set_enabled("contract", False)
    client = signed_in(contract, clerk)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/contract/"' not in home and "data-contract-card" not in home and "data-contract-slot" not in home
    assert "Contract result" not in client.get("/search?q=contractword").get_data(as_text=True)
    assert client.get("/contract/").status_code == 404
    assert "Contract event" not in client.get("/notifications/preferences").get_data(as_text=True)
    assert "data-away-entry" not in client.get("/away/?span=week").get_data(as_text=True)
    assert client.get("/links/contract.note?q=x").status_code == 404
    assert ("contract", "request") not in approvals.kinds()
    assert "contract.test" not in {event.id for event in notifications.registered_events()}
    assert "contract.tick" not in jobs.scheduled_jobs() and links.targets() == {}
    assert "contract.tick" not in khet(contract, "jobs", "run").output
    registry().notify("school_added", school=School(code="1018000002", name="โรงเรียนที่ไม่มีใครได้ยิน"))
    assert notes() == []


def test_notify_goes_on_to_the_next_module_when_one_fails(contract, monkeypatch):
    """notify() calls each module through pluggy on its own, so one module's exception stops no other."""
    from khet_contract_plugin import note

    failing = types.ModuleType("khet_failing_listener")
    failing.school_added = hookimpl(lambda school: (_ for _ in ()).throw(RuntimeError("boom")))
    reg = registry()
    core_hooks = reg.plugins["core"].module
    monkeypatch.setattr(core_hooks, "school_added", failing.school_added, raising=False)
    reg.pm.unregister(core_hooks)
    reg.pm.register(core_hooks, name="core")
    try:
        reg.notify("school_added", school=School(code="1018000003", name="โรงเรียนทดสอบ"))
    finally:
        monkeypatch.undo()
        reg.pm.unregister(core_hooks)
        reg.pm.register(core_hooks, name="core")
    assert notes() == ["school_added:1018000003"] and note
