from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class NoticeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=255)])
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=20000)], render_kw={"rows": 8})
    group_id = SelectField(_l("From group"), coerce=int, validators=[Optional()])
    pinned = BooleanField(_l("Pin to the top"))
