"""Forms of the correspondence module: the shape of the input; the rules are in services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from core.api import PeopleField, PersonField, ThaiDateField, WithinKhetYears
from plugins.correspondence.services import DOC_TYPES, SECRECIES, URGENCIES


def _choices(labels):
    return lambda: [SelectChoice(code, label) for code, label in labels.items()]


PERMANENT = "permanent"


def retention_field():
    """The retention classes of the regulation, chosen when a letter is registered (other years: on the letter page)."""
    return SelectField(_l("Kept for"), default="10", choices=lambda: [
        SelectChoice("10", _l("10 years (general)")), SelectChoice("1", _l("1 year (routine matters)")),
        SelectChoice(PERMANENT, _l("Permanently"))])


def retention_years_of(field) -> int | None:
    """The years a retention field chose; None for permanently; the default ten when the form has no such field."""
    if field is None:
        return 10
    return None if field.data == PERMANENT else int(field.data)


SUBJECT_MAX = 500  # the register's subject column


def subject_field() -> StringField:
    """The subject, with its limit shown and counted while typing (static/count.js) and a too-long one refused.

    No ``maxlength``: a browser cuts a pasted 5,000-character subject to 500 without a word and the shortened one
    was saved (issue 16); the counter turns red past the limit and the server says why it refuses."""
    return StringField(_l("Subject"), validators=[
        DataRequired(), Length(max=SUBJECT_MAX, message=_l("The subject is at most %(max)d characters: shorten it."))],
        description=_l("At most %(count)d characters.", count=SUBJECT_MAX),
        render_kw={"maxlength": False, "data-khet-count": SUBJECT_MAX})


class LetterForm(FlaskForm):
    """One register line. The number is not on the form: it is taken when the line is saved."""

    subject = subject_field()
    sender_ref = StringField(_l("Letter number (ที่)"), validators=[Optional(), Length(max=100)])
    letter_date = ThaiDateField(_l("Dated"), validators=[Optional(), WithinKhetYears()])
    from_text = StringField(_l("From"), validators=[Optional(), Length(max=255)])
    to_text = StringField(_l("To"), validators=[Optional(), Length(max=255)])
    urgency = SelectField(_l("Urgency"), choices=_choices(URGENCIES), default="normal")
    secrecy = SelectField(_l("Secrecy"), choices=_choices(SECRECIES), default="none")
    doc_type = SelectField(_l("Document type"), choices=_choices(DOC_TYPES), default="external")
    group_id = SelectField(_l("Group"), coerce=int, validators=[Optional()])
    officer_id = PersonField(_l("Officer"), validators=[Optional()])
    action = TextAreaField(_l("Action taken"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})
    remarks = TextAreaField(_l("Remarks"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})
    retention = retention_field()
    readers = PeopleField(_l("Named readers (secret letters only)"), validators=[Optional()])
    files = MultipleFileField(_l("Attachments"))


class CorrectionForm(LetterForm):
    """A correction: the same fields; secrecy, readers and files are not changed here."""

    secrecy = None
    retention = None  # changed on the letter page, where the destruction lists are minded
    readers = None
    files = None


class CancelForm(FlaskForm):
    reason = StringField(_l("Why the number is cancelled"), validators=[DataRequired(), Length(max=1000)])


class FilesForm(FlaskForm):
    files = MultipleFileField(_l("Attachments"))


class ForwardForm(FlaskForm):
    person_id = PersonField(_l("Forward to"), validators=[InputRequired()])
