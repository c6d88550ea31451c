"""One generic settings page for every module that declares a SettingsSpec (permission core.admin).

The module's form class names the setting keys; the page shows each default,
runs the module's own check, and stores only what differs from the defaults,
so a default that changes in a later version still reaches this office.
"""

from __future__ import annotations

import datetime as dt
import decimal

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeField, DecimalField

from core.db import db
from core.i18n import current_locale
from core.permissions import require
from core.plugins import registry
from core.settings import get_settings, save_settings
from core.views.admin import bp


def _settings_spec(plugin_id: str):
    """The SettingsSpec of an enabled module, or None."""
    reg = registry()
    if plugin_id not in reg.plugins or not reg.is_enabled(plugin_id):
        return None
    return reg.call_one(plugin_id, "settings_form")


def _form_class(spec) -> type[FlaskForm]:
    """The module's form, made a Flask-WTF form if it is a plain WTForms one, so it carries a CSRF token."""
    if issubclass(spec.form_class, FlaskForm):
        return spec.form_class
    return type(f"{spec.form_class.__name__}WithCsrf", (FlaskForm, spec.form_class), {})


def _setting_fields(form) -> list:
    return [f for f in form if f.type not in ("CSRFTokenField", "SubmitField")]


def _storable(value):
    """Settings are a JSON document: dates and decimals are kept as text."""
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _loaded(field_class, value):
    """The reverse of _storable, for the field that shows the value."""
    if not isinstance(value, str) or not value:
        return value
    try:
        if issubclass(field_class, DateField):  # first: WTForms' DateField is a DateTimeField
            return dt.date.fromisoformat(value)
        if issubclass(field_class, DateTimeField):
            return dt.datetime.fromisoformat(value)
        if issubclass(field_class, DecimalField):
            return decimal.Decimal(value)
    except (ValueError, decimal.InvalidOperation):
        return None
    return value


def _initial_data(form_class, values: dict) -> dict:
    data = {}
    for name, value in values.items():
        unbound = getattr(form_class, name, None)
        field_class = getattr(unbound, "field_class", None)
        data[name] = _loaded(field_class, value) if isinstance(field_class, type) else value
    return data


@bp.route("/settings")
@require("core.admin")
def module_settings_index():
    reg = registry()
    rows = []
    for plugin_id in reg.plugins:
        if reg.is_enabled(plugin_id) and reg.call_one(plugin_id, "settings_form") is not None:
            rows.append((plugin_id, reg.plugins[plugin_id].info.display_name(current_locale())))
    return render_template("admin/settings_index.html", rows=rows)


@bp.route("/modules/<plugin_id>/settings", methods=["GET", "POST"])
@require("core.admin")
def module_settings(plugin_id):
    spec = _settings_spec(plugin_id)
    if spec is None:
        abort(404)
    form_class = _form_class(spec)
    stored = get_settings(plugin_id, defaults={})
    form = form_class(data=_initial_data(form_class, {**spec.defaults, **stored}))
    if form.validate_on_submit():
        values = {f.name: _storable(f.data) for f in _setting_fields(form)}
        problems = list(spec.validate(values)) if spec.validate else []
        if problems:
            for problem in problems:
                flash(problem, "danger")
        else:
            changed = {
                name: value for name, value in values.items()
                if name in stored or value != _storable(spec.defaults.get(name))
            }
            save_settings(plugin_id, changed)
            db.session.commit()
            flash(_("The settings have been saved."), "success")
            return redirect(url_for("admin.module_settings", plugin_id=plugin_id))
    defaults = {name: _storable(value) for name, value in spec.defaults.items()}
    return render_template(
        "admin/module_settings.html", form=form, fields=_setting_fields(form), defaults=defaults,
        module_name=registry().plugins[plugin_id].info.display_name(current_locale()), plugin_id=plugin_id,
    )
