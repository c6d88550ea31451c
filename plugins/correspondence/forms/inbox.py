"""Forms of receiving and receipt tracking: the inbox filter, the follow-up's number of days, a reminder."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from core.api import ThaiDateField, WithinKhetYears
from plugins.correspondence.services import URGENCIES
from plugins.correspondence.services.inbox import ANY_URGENT, STATUSES
from plugins.correspondence.services.tracking import DEFAULT_DAYS, MAX_DAYS


def _status_choices():
    return [SelectChoice(code, label) for code, label in STATUSES.items()]


def _urgency_choices():
    return [SelectChoice("", _l("Any urgency")), SelectChoice(ANY_URGENT, _l("Urgent, any level"))] + [
        SelectChoice(code, label) for code, label in URGENCIES.items()]


class InboxFilterForm(FlaskForm):
    """Read from the query string: filtering changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    status = SelectField(_l("Show"), choices=_status_choices, default="unreceived", validators=[Optional()])
    urgency = SelectField(_l("Urgency"), choices=_urgency_choices, default="", validators=[Optional()])
    sent_from = ThaiDateField(_l("Sent from"), validators=[Optional(), WithinKhetYears()])
    sent_to = ThaiDateField(_l("Sent until"), validators=[Optional(), WithinKhetYears()])
    sender = StringField(_l("Sender's name"), validators=[Optional(), Length(max=255)])
    place = SelectField(_l("Sent by"), default="", validators=[Optional()])  # choices: inbox.sending_places()


class FollowUpForm(FlaskForm):
    """How many days after sending a letter counts as not received in time; from the query string."""

    class Meta:
        csrf = False

    days = IntegerField(_l("Not received after (days)"), default=DEFAULT_DAYS,
                        validators=[InputRequired(), NumberRange(min=0, max=MAX_DAYS)])


class RemindForm(FlaskForm):
    """A reminder button: the follow-up's number of days travels with it (none on the receipt page: everyone)."""

    days = IntegerField(validators=[Optional(), NumberRange(min=0, max=MAX_DAYS)])
