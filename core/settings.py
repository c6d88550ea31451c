"""Module settings: defaults declared by the module's SettingsSpec, values saved by the admin.

``get_settings("rooms")["max_days_ahead"]`` reads a setting; the stored JSON
document holds only what the admin changed, so new defaults reach every office.
"""

from __future__ import annotations

from core.db import db
from core.models import Setting
from core.plugins import registry


def defaults_of(owner: str) -> dict:
    spec = registry().call_one(owner, "settings_form")
    return dict(spec.defaults) if spec else {}


def get_settings(owner: str, defaults: dict | None = None) -> dict:
    """The owner's settings: its declared defaults (or ``defaults``) overlaid with what was saved."""
    values = dict(defaults if defaults is not None else defaults_of(owner))
    row = db.session.get(Setting, owner)
    if row is not None and row.values:
        values.update(row.values)
    return values


def save_settings(owner: str, values: dict) -> None:
    """Store the owner's settings (the caller commits together with whatever else it changed)."""
    row = db.session.get(Setting, owner) or Setting(owner=owner, values={})
    row.values = {**(row.values or {}), **values}
    db.session.add(row)
