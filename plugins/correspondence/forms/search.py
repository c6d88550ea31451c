"""The search form of the correspondence module: words and the filters that narrow them (read from the query string)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from core.api import ThaiDateField, WithinKhetYears
from plugins.correspondence.services.search import MAX_QUERY


class SearchForm(FlaskForm):
    """A GET form: searching changes nothing, so it needs no CSRF token and its URL can be bookmarked."""

    class Meta:
        csrf = False

    q = StringField(_l("Search letters"), validators=[Optional(), Length(max=MAX_QUERY)])
    date_from = ThaiDateField(_l("Registered from"), validators=[Optional(), WithinKhetYears()])
    date_to = ThaiDateField(_l("Registered until"), validators=[Optional(), WithinKhetYears()])
    kind = SelectField(_l("Register"), validators=[Optional()])
    scope = SelectField(_l("Whose register"), validators=[Optional()])
    urgency = SelectField(_l("Urgency"), validators=[Optional()])
    group_id = SelectField(_l("Group"), coerce=int, validators=[Optional()])
