"""The plugin manager's contract, proved with fake modules handed to ``create_app(entry_points=...)``.

A broken module is reported, not fatal; a module that would silently misbehave
(misspelled hook, clashing id, permission, URL or table prefix) stops start-up
with a message naming both culprits; dependencies and the allow-list guard
switching; a disabled module vanishes from every surface and keeps its data.
"""

from __future__ import annotations

import html

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from pluggy import PluginValidationError
from sqlalchemy import select

from core import CORE_API_VERSION
from core.app import create_app
from core.cli import cli
from core.db import db
from core.models import Grant, PluginState
from core.permissions import has_permission
from core.plugins import PluginConflict, registry
from core.testing import KhetTestClient
from plugins.notices.models import Notice
from tests.fake_plugins import entry_point, installed


@pytest.fixture
def site(app, khet_app_config, tmp_path):
    """``site(*entry_points, **config)``: an app with exactly these modules, on the test database."""
    made = []

    def make(*entry_points, **config):
        made.append(create_app(config={**khet_app_config, **config}, instance_path=tmp_path / f"site{len(made)}",
                               entry_points=list(entry_points)))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def browser(site_app, person) -> KhetTestClient:
    """A test client of ``site_app`` signed in as ``person``."""
    site_app.test_client_class = KhetTestClient
    client = site_app.test_client()
    with client.session_transaction() as stored:
        stored["_user_id"] = person.get_id()
        stored["_fresh"] = True
    return client


def khet(site_app, *args, **env):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: site_app), env={"LANG": "C", **env})


def enabled(plugin_id: str) -> bool:
    db.session.rollback()  # end this session's transaction: see what the site's requests committed
    state = db.session.get(PluginState, plugin_id)
    return bool(state and state.enabled)


def switch(plugin_id: str, on: bool) -> None:
    db.session.merge(PluginState(plugin_id=plugin_id, enabled=on))
    db.session.commit()


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- loading -----------------------------------------------------------------------------


def test_a_module_that_fails_to_import_is_listed_with_its_error_and_the_site_works(site, make_person):
    site_app = site(*installed("notices"), entry_point("broken"))
    admin = browser(site_app, make_person(admin=True, locale="en"))

    assert "broken" not in registry(site_app).plugins
    error = "ModuleNotFoundError: No module named 'khet_module_nobody_installed'"
    assert registry(site_app).broken["broken"] == error
    modules_page = page_text(admin.get("/admin/modules"))
    assert 'data-broken-module="broken"' in modules_page and error in modules_page
    assert admin.get("/").status_code == 200
    assert admin.get("/notices/").status_code == 200
    assert f"ERR  broken           {error}" in khet(site_app, "plugins", "list").output


def test_a_misspelled_hook_stops_start_up(site):
    with pytest.raises(PluginValidationError, match="menu_itmes"):
        site(*installed("notices"), entry_point("misspelled_hook", name="typo"))


@pytest.mark.parametrize(
    "fake, plugin_id, message",
    [
        ("duplicate_id", "notices", "module id 'notices' is claimed by both khet and tests.fake_plugins.duplicate_id"),
        ("duplicate_permission", "dupperm", "permission 'notices.read' is declared by both 'notices' and 'dupperm'"),
        ("clashing_prefix", "clash", "URL prefix '/notices' is used by both 'clash' and 'notices'"),
        ("admin_prefix", "adminprefix", "URL prefix '/admin' is used by both 'core' and 'adminprefix'"),
        ("overlapping_prefix", "notices_archive", "table prefixes of modules 'notices' and 'notices_archive' overlap"),
        ("bad_table", "badtable", "table 'records_of_badtable' of module 'badtable' must start with 'badtable_'"),
    ],
)
def test_a_clash_between_modules_stops_start_up_naming_both(site, fake, plugin_id, message):
    with pytest.raises(PluginConflict) as refused:
        site(*installed("notices"), entry_point(fake, name=plugin_id))
    assert str(refused.value) == message


def test_a_module_whose_dependency_is_not_installed_is_reported_and_left_out(site):
    site_app = site(*installed("notices"), entry_point("needs_missing", name="orphan"))

    assert "orphan" not in registry(site_app).plugins
    assert registry(site_app).broken["orphan"] == "needs module(s) that are not installed: nosuchmodule"


def test_a_module_written_for_another_core_api_is_refused_with_the_versions(site):
    site_app = site(*installed("notices"), entry_point("future_api", name="future"))

    assert "future" not in registry(site_app).plugins
    assert registry(site_app).broken["future"] == f"RuntimeError: module 'future' needs core API 2.0, this Khet provides {CORE_API_VERSION}"


# --- switching ---------------------------------------------------------------------------


@pytest.fixture
def dependent_site(site):
    return site(*installed("notices"), entry_point("dependent"))


def test_enabling_a_module_whose_dependency_is_off_is_refused_on_the_admin_page(dependent_site, make_person):
    switch("notices", False)
    admin = browser(dependent_site, make_person(admin=True, locale="en"))

    response = admin.post("/admin/modules/dependent", data={"enabled": "1"}, follow_redirects=True)

    assert "Enable notices first: the module dependent depends on it." in page_text(response)
    assert not enabled("dependent")


def test_enabling_a_module_whose_dependency_is_off_is_refused_by_the_cli(dependent_site):
    switch("notices", False)

    result = khet(dependent_site, "plugins", "enable", "dependent")

    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: Enable notices first: the module dependent depends on it."
    assert not enabled("dependent")


def test_disabling_a_module_others_depend_on_is_refused(dependent_site, make_person):
    switch("dependent", True)
    admin = browser(dependent_site, make_person(admin=True, locale="en"))

    response = admin.post("/admin/modules/notices", data={"enabled": "0"}, follow_redirects=True)
    result = khet(dependent_site, "plugins", "disable", "notices")

    refusal = "Disable dependent first: it depends on the module notices."
    assert refusal in page_text(response)
    assert result.exit_code == 1 and result.stderr.strip() == f"Error: {refusal}"
    assert enabled("notices")


def test_the_allow_list_refuses_enabling_other_modules(site, make_person):
    site_app = site(*installed("notices"), entry_point("dependent"), PLUGINS_ALLOWED=["notices"])
    admin = browser(site_app, make_person(admin=True, locale="en"))

    response = admin.post("/admin/modules/dependent", data={"enabled": "1"}, follow_redirects=True)

    assert "The configuration of this installation does not allow the module dependent." in page_text(response)
    assert not enabled("dependent")
    assert "Not allowed by the configuration" in page_text(admin.get("/admin/modules"))


# --- a disabled module vanishes, its data stays --------------------------------------------


def surfaces(client) -> dict[str, bool]:
    """Where the dependent module shows itself to this person."""
    home = page_text(client.get("/"))
    return {
        "page": client.get("/dependent/").status_code == 200,
        "menu": "Dependent menu item" in home,
        "card": "dependent card body" in home,
        "search": "Dependent result for ขอ" in page_text(client.get("/search?q=ขอ")),
    }


def test_a_disabled_module_loses_its_pages_menu_cards_search_and_permissions(dependent_site, make_person):
    clerk = make_person()
    db.session.add(Grant(permission="dependent.view", person_id=clerk.id))
    db.session.commit()
    admin_person = make_person(admin=True, locale="en")
    admin, clerk_browser = browser(dependent_site, admin_person), browser(dependent_site, clerk)
    assert admin.post("/admin/modules/dependent", data={"enabled": "1"}).status_code == 302
    assert enabled("dependent")
    on = {"page": True, "menu": True, "card": True, "search": True}
    assert surfaces(clerk_browser) == on

    admin.post("/admin/modules/dependent", data={"enabled": "0"})

    assert not enabled("dependent")
    assert clerk_browser.get("/dependent/").status_code == 404
    assert surfaces(clerk_browser) == {"page": False, "menu": False, "card": False, "search": False}
    with dependent_site.test_request_context():
        assert not has_permission(clerk, "dependent.view")
        assert not has_permission(admin_person, "dependent.view")
    assert db.session.scalar(select(Grant).where(Grant.person_id == clerk.id)) is not None  # the grant is kept

    admin.post("/admin/modules/dependent", data={"enabled": "1"})
    assert surfaces(clerk_browser) == on


def test_disabling_a_module_keeps_its_data_and_enabling_it_shows_the_data_again(dependent_site, make_person):
    admin_person = make_person(admin=True, locale="en")
    admin = browser(dependent_site, admin_person)
    notice = Notice(title="ประกาศรับสมัครครูดีเด่น", body="ส่งรายชื่อภายในวันที่ 30", author_id=admin_person.id)
    db.session.add(notice)
    db.session.commit()
    assert admin.get(f"/notices/{notice.id}").status_code == 200
    assert "ประกาศรับสมัครครูดีเด่น" in page_text(admin.get("/search?q=ครูดีเด่น"))

    admin.post("/admin/modules/notices", data={"enabled": "0"})

    assert not enabled("notices")
    assert admin.get(f"/notices/{notice.id}").status_code == 404
    assert "ประกาศรับสมัครครูดีเด่น" not in page_text(admin.get("/search?q=ครูดีเด่น"))
    assert "ประกาศรับสมัครครูดีเด่น" not in page_text(admin.get("/"))
    assert db.session.get(Notice, notice.id).title == "ประกาศรับสมัครครูดีเด่น"

    admin.post("/admin/modules/notices", data={"enabled": "1"})

    assert "ประกาศรับสมัครครูดีเด่น" in page_text(admin.get(f"/notices/{notice.id}"))


# --- calls go through pluggy ------------------------------------------------------------


def test_a_hookwrapper_of_an_enabled_module_wraps_the_call_and_a_disabled_one_does_not(app, make_person):
    """Core calls hooks through pluggy (a subset hook caller of the enabled modules), so a module's wrapper runs;
    calling the implementations one by one, as core once did, would have called the wrapper as a plain hook."""
    from core.plugin_api import MenuItem
    from core.testing import installed_module

    def wrap_menu(user):
        items = yield
        return [*items, MenuItem("wrapped", "main.home", weight=999)] if items else items

    from core.hookspecs import hookimpl

    with installed_module(app, "wrapper") as module:
        reg = registry()
        module.menu_items = hookimpl(wrapper=True)(wrap_menu)
        reg.pm.unregister(module)
        reg.pm.register(module, name="wrapper")
        admin = make_person(admin=True)
        reg.forget_cached_state()
        assert "wrapped" in [item.label for item in reg.collect("menu_items", user=admin)]
        reg.set_enabled("wrapper", False)
        assert "wrapped" not in [item.label for item in reg.collect("menu_items", user=admin)]


def test_a_firstresult_hook_answers_with_one_value(app):
    """settings_form is firstresult: core gets the module's SettingsSpec itself, not a list of answers."""
    from core.plugin_api import SettingsSpec

    spec = registry().call_one("rooms", "settings_form")
    assert isinstance(spec, SettingsSpec)
    assert registry().hook("settings_form").spec.opts["firstresult"] is True
