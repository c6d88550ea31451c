"""Forms of sending: who receives a letter, the compose form (line, files, recipients) and the office's upload settings.

The buttons of the send and compose forms are named ``action``: "preview" shows whom the choices reach,
"save_list" keeps them as a saved recipient list, "send" sends (only what the preview showed, see ``confirmed``).
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import InputRequired, Length, Optional

from core.api import PeopleField, PersonField, ThaiDateField, WithinKhetYears
from plugins.correspondence.forms import _choices, retention_field, subject_field
from plugins.correspondence.services import DOC_TYPES, SECRECIES, URGENCIES


class RecipientsForm(FlaskForm):
    """Who receives the letter; any mix of the ways, each school once."""

    all_schools = BooleanField(_l("All active schools"))
    network_ids = SelectMultipleField(_l("School networks"), coerce=int, validators=[Optional()])
    school_list_ids = SelectMultipleField(_l("Saved school lists"), coerce=int, validators=[Optional()])
    school_ids = SelectMultipleField(_l("Schools"), coerce=int, validators=[Optional()])
    group_ids = SelectMultipleField(_l("Groups of the office"), coerce=int, validators=[Optional()])
    person_ids = PeopleField(_l("People"), validators=[Optional()])
    recipient_list_ids = SelectMultipleField(_l("Saved recipient lists"), coerce=int, validators=[Optional()])
    # The fingerprint of the recipients the sender was shown; "send" sends only to those.
    confirmed = HiddenField()
    list_name = StringField(_l("Keep these recipients as a list named"), validators=[Optional(), Length(max=200)])
    list_shared = BooleanField(_l("Share the list with everyone who sends letters"))


class SendForm(RecipientsForm):
    """Sending a letter registered earlier."""


class AttachmentRow(Form):
    """One file of the letter and what it is (the register lists each file by its description)."""

    file = FileField(_l("File"))
    description = StringField(_l("What the file is"), validators=[Optional(), Length(max=500)])


class ComposeForm(RecipientsForm):
    """A letter written, numbered, given its files and sent in one go."""

    typed_number = StringField(
        _l("Number given elsewhere"), validators=[Optional(), Length(max=100)],
        description=_l("Only for a letter already numbered elsewhere (e.g. by the central registry on paper). "
                       "Leave empty to take the next number of this register."))
    letter_date = ThaiDateField(_l("Dated"), validators=[InputRequired(message=_l("Give the date of the letter.")), WithinKhetYears()])
    from_text = StringField(_l("From"), validators=[Optional(), Length(max=255)])
    to_text = StringField(_l("To"), validators=[Optional(), Length(max=255)])
    subject = subject_field()
    urgency = SelectField(_l("Urgency"), choices=_choices(URGENCIES), default="normal")
    secrecy = SelectField(_l("Secrecy"), choices=_choices(SECRECIES), default="none",
                          description=_l("A secret letter is written in the secret register and sent only to "
                                         "the people named below."))
    doc_type = SelectField(_l("Document type"), choices=_choices(DOC_TYPES), default="external")
    group_id = SelectField(_l("Responsible group"), coerce=int, validators=[Optional()])
    officer_id = PersonField(_l("Responsible officer"), validators=[Optional()])
    # The summary is the register's หมายเหตุ (remarks) column: what the recipients read before opening the files.
    remarks = TextAreaField(_l("Summary of the letter"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 3})
    retention = retention_field()
    attachments = FieldList(FormField(AttachmentRow))
