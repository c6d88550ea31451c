"""The audit log search page. There is deliberately no page or API that changes or deletes audit rows."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from core import calendar
from core.permissions import require
from core.services import audit
from core.views.admin import bp
from core.web import module_name, paginate


def _be_date(form, field):
    if field.data and field.data.strip():
        try:
            field.parsed = calendar.parse_be_date(field.data)
        except ValueError:
            raise ValidationError(_("Write the date as 31/12/2568.")) from None


class AuditSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a search changes nothing

    person = StringField(_l("Person (name or id)"), validators=[Optional(), Length(max=100)])
    module = SelectField(_l("Module"), validators=[Optional()])
    record_type = StringField(_l("Record type"), validators=[Optional(), Length(max=64)])
    record_id = StringField(_l("Record id"), validators=[Optional(), Length(max=64)])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    outcome = SelectField(_l("Outcome"), choices=[("", _l("Any")), ("done", _l("Done")), ("refused", _l("Refused"))],
                          validators=[Optional()])
    date_from = StringField(_l("From (dd/mm/yyyy BE)"), validators=[Optional(), _be_date])
    date_to = StringField(_l("To (dd/mm/yyyy BE)"), validators=[Optional(), _be_date])


@bp.route("/audit")
@require("core.audit.view")
def audit_log():
    form = AuditSearchForm(request.args)
    form.module.choices = [("", _("Any"))] + [(m, module_name(m)) for m in audit.known_modules()]
    if request.args and not form.validate():
        return render_template("admin/audit.html", form=form, page=None, action_label=audit.action_label), 400
    query = audit.AuditQuery(
        person=form.person.data or "", module=form.module.data or "", record_type=form.record_type.data or "",
        record_id=form.record_id.data or "", action=form.action.data or "", outcome=form.outcome.data or "",
        date_from=getattr(form.date_from, "parsed", None), date_to=getattr(form.date_to, "parsed", None),
    )
    return render_template("admin/audit.html", form=form, page=paginate(audit.search(query)), action_label=audit.action_label)
