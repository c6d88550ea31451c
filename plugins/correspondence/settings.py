"""The office's settings of correspondence: what a letter may carry (how many files, how large, which types).

Defaults, the admin form (Administration → Module settings → Correspondence) and the check of what is saved.
``services.sending.upload_policy`` reads the saved values.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import Form, IntegerField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange

from core.api import FILE_KINDS, SettingsSpec, attachments

SETTINGS_DEFAULTS = {
    "attachments_max_count": 10,
    "attachments_max_mb": 20,
    "attachments_types": sorted(attachments.DEFAULT_ALLOWED),  # doc, docx, gif, jpg, pdf, png, rar, xls, xlsx, zip
}
FEWEST_FILES_ALLOWED = 10  # the issue asks that a letter may carry at least ten files


class SendingSettingsForm(Form):
    """The office's rules for letters' files (Administration → Module settings → Correspondence)."""

    attachments_max_count = IntegerField(_l("Most files on one letter"),
                                         validators=[InputRequired(), NumberRange(min=10, max=100)])
    attachments_max_mb = IntegerField(_l("Largest file (MB)"), validators=[InputRequired(), NumberRange(min=1, max=500)])
    attachments_types = SelectMultipleField(
        _l("Types of file a letter may carry"), validators=[DataRequired()],
        choices=lambda: [SelectChoice(name, name) for name in sorted(FILE_KINDS)])


def validate_settings(values: dict) -> list[str]:
    """The admin's settings page: at least ten files, a known type, and a whole letter the server can receive."""
    problems = []
    count, size = int(values.get("attachments_max_count") or 0), int(values.get("attachments_max_mb") or 0)
    if count < FEWEST_FILES_ALLOWED:
        problems.append(str(_l("A letter must be able to carry at least %(count)s files.", count=FEWEST_FILES_ALLOWED)))
    if size < 1:
        problems.append(str(_l("Each file must be allowed at least 1 MB.")))
    if not values.get("attachments_types"):
        problems.append(str(_l("Choose at least one type of file.")))
    server_limit_mb = current_app.config.get("MAX_CONTENT_LENGTH", 0) // attachments.MiB
    if server_limit_mb and count * size > server_limit_mb:
        problems.append(str(_l("%(count)s files of %(size)s MB are more than the server accepts in one letter "
                               "(%(limit)s MB); lower one of them, or have whoever runs the server raise MAX_CONTENT_LENGTH.",
                               count=count, size=size, limit=server_limit_mb)))
    return problems


def settings_spec() -> SettingsSpec:
    """What the ``settings_form`` hook hands core."""
    return SettingsSpec(form_class=SendingSettingsForm, defaults=dict(SETTINGS_DEFAULTS), validate=validate_settings)
