from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional

from core.api import PersonField, PersonScope


class VisitForm(FlaskForm):
    visitor_name = StringField(_l("Visitor's name"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=255)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    purpose = TextAreaField(_l("Purpose of the visit"), validators=[DataRequired(), Length(max=500)], render_kw={"rows": 3})
    # Core's people picker: type a name; only the office's staff are offered and accepted.
    host_id = PersonField(
        _l("Person visited"), scope=PersonScope("office"),
        validators=[DataRequired(message=_l("Choose the person being visited."))],
    )
    arrived_time = TimeField(
        _l("Time in"), validators=[Optional()], description=_l("Leave empty when the visitor arrives now.")
    )
