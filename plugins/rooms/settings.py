"""The office's settings of meeting rooms: defaults, the admin form, and the check of what is saved."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form, IntegerField
from wtforms.validators import InputRequired, NumberRange

from core.api import SettingsSpec, get_settings
from plugins.rooms import PLUGIN_ID

SETTINGS_DEFAULTS = {
    "max_days_ahead": 90,
    "max_duration_hours": 8,
    "max_open_bookings": 10,
    "approval_escalation_hours": 24,
}


class RoomSettingsForm(Form):
    max_days_ahead = IntegerField(_l("Bookable up to (days ahead)"), validators=[InputRequired(), NumberRange(1, 730)])
    max_duration_hours = IntegerField(_l("Longest booking (hours)"), validators=[InputRequired(), NumberRange(1, 24)])
    max_open_bookings = IntegerField(_l("Most open bookings per person"), validators=[InputRequired(), NumberRange(1, 500)])
    approval_escalation_hours = IntegerField(
        _l("Remind the approver after (working hours)"), validators=[InputRequired(), NumberRange(1, 720)])


def validate_settings(values: dict) -> list[str]:
    from core.api import notifications

    problems = []
    for key in ("max_days_ahead", "max_duration_hours", "max_open_bookings"):
        if values.get(key) is None or int(values[key]) < 1:
            problems.append(notifications.translated(_l("Every limit must be at least 1.")))
            break
    return problems


def current_settings() -> dict:
    """The office's values, the defaults filling any gap."""
    return get_settings(PLUGIN_ID)


def settings_spec() -> SettingsSpec:
    """What the ``settings_form`` hook hands core."""
    return SettingsSpec(form_class=RoomSettingsForm, defaults=dict(SETTINGS_DEFAULTS), validate=validate_settings)
