"""The generic settings page every module with a SettingsSpec gets (core.admin)."""

from __future__ import annotations

import types

import pytest
from sqlalchemy import select
from wtforms import BooleanField, Form, IntegerField, StringField
from wtforms.validators import NumberRange, Optional

from core.db import db
from core.hookspecs import hookimpl
from core.models import PluginState, Setting
from core.plugin_api import PluginInfo, SettingsSpec
from core.plugins import registry
from core.settings import get_settings

MODULE_ID = "settingstest"
URL = f"/admin/modules/{MODULE_ID}/settings"


class RoomSettingsForm(Form):
    """A plain WTForms form, as a module may well declare: the page must still protect it with CSRF."""

    max_days_ahead = IntegerField("Days ahead a room may be booked", validators=[NumberRange(min=1, max=365)])
    contact_email = StringField("Contact email", validators=[Optional()])
    needs_approval = BooleanField("Bookings need approval")


def _refuse_long_unapproved(values: dict) -> list[str]:
    if values["max_days_ahead"] > 90 and not values["needs_approval"]:
        return ["Bookings more than 90 days ahead need approval."]
    return []


DEFAULTS = {"max_days_ahead": 30, "contact_email": "", "needs_approval": True}


@pytest.fixture
def settings_module(app):
    """A small module, installed and enabled for one test, whose settings_form hook returns a SettingsSpec."""
    module = types.ModuleType("khet_settingstest")

    @hookimpl
    def plugin_info():
        return PluginInfo(id=MODULE_ID, name_th="ห้องทดสอบ", name_en="Settings test", version="1.0")

    @hookimpl
    def settings_form():
        return SettingsSpec(RoomSettingsForm, defaults=dict(DEFAULTS), validate=_refuse_long_unapproved)

    module.plugin_info, module.settings_form = plugin_info, settings_form
    reg = registry(app)
    reg._register(module, distribution="tests")
    db.session.merge(PluginState(plugin_id=MODULE_ID, enabled=True))
    db.session.commit()
    try:
        yield module
    finally:
        reg.pm.unregister(module)
        reg.plugins.pop(MODULE_ID)


@pytest.fixture
def admin(make_person):
    return make_person(admin=True)


def _stored() -> dict:
    db.session.expire_all()
    row = db.session.get(Setting, MODULE_ID)
    return dict(row.values) if row else {}


def test_page_shows_the_defaults(client, login_as, admin, settings_module):
    login_as(admin)
    page = client.get(URL).get_data(as_text=True)
    assert 'name="max_days_ahead"' in page and 'value="30"' in page
    assert "Default: 30" in page or "ค่าเริ่มต้น" in page


def test_saving_stores_only_what_differs_from_the_defaults(client, login_as, admin, settings_module):
    login_as(admin)
    response = client.post(URL, data={"max_days_ahead": "60", "contact_email": "", "needs_approval": "y"})
    assert response.status_code == 302
    assert _stored() == {"max_days_ahead": 60}
    assert get_settings(MODULE_ID) == {**DEFAULTS, "max_days_ahead": 60}
    assert 'value="60"' in client.get(URL).get_data(as_text=True)


def test_a_value_the_form_refuses_is_not_saved(client, login_as, admin, settings_module):
    login_as(admin)
    response = client.post(URL, data={"max_days_ahead": "0", "needs_approval": "y"})
    assert response.status_code == 200
    assert _stored() == {}


def test_the_modules_own_check_can_refuse(client, login_as, admin, settings_module):
    login_as(admin)
    response = client.post(URL, data={"max_days_ahead": "120"})  # needs_approval unticked
    assert "need approval" in response.get_data(as_text=True)
    assert _stored() == {}


def test_settings_need_the_admin_permission(client, login_as, make_person, grant, settings_module):
    manager = make_person()
    grant("core.org.manage", to=manager)
    login_as(manager)
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={"max_days_ahead": "60", "needs_approval": "y"}).status_code == 403
    assert _stored() == {}
    settings_admin = make_person()
    grant("core.admin", to=settings_admin)
    login_as(settings_admin)
    assert client.get(URL).status_code == 200


def test_posting_without_csrf_token_is_refused(client, login_as, admin, settings_module):
    login_as(admin)
    assert client.post(URL, data={"max_days_ahead": "60", "needs_approval": "y"}, csrf=False).status_code == 400
    assert _stored() == {}


def test_disabled_module_and_module_without_settings_have_no_page(client, login_as, admin, settings_module):
    login_as(admin)
    assert client.get("/admin/modules/notices/settings").status_code == 404
    assert client.get("/admin/modules/nosuchmodule/settings").status_code == 404
    db.session.merge(PluginState(plugin_id=MODULE_ID, enabled=False))
    db.session.commit()
    assert client.get(URL).status_code == 404


def test_settings_index_lists_modules_with_settings(client, login_as, admin, settings_module):
    login_as(admin)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert f'data-settings="{MODULE_ID}"' in page
    assert 'data-settings="notices"' not in page
    assert db.session.scalar(select(PluginState.enabled).where(PluginState.plugin_id == MODULE_ID)) is True
