"""Forms of routing a letter inside the office or a school. Field names differ between forms: they share the letter page.

Whether a text is required, and who may be chosen, is decided by services.routing (one message for each rule).
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, Optional

from core.api import PeopleField, ThaiDateField, WithinKhetYears

TEXT = [Optional(), Length(max=5000)]


class ForwardForm(FlaskForm):
    group_id = SelectField(_l("Forward to group"), coerce=int, validate_choice=False)
    forward_note = TextAreaField(_l("Note"), validators=TEXT, render_kw={"rows": 2})


class PresentForm(FlaskForm):
    present_note = TextAreaField(_l("Note to the director"), validators=TEXT, render_kw={"rows": 2})


class AssignForm(FlaskForm):
    # The panel narrows the picker to the people services.routing offers; on posting, services.routing names
    # anyone else it refuses (a clearer message than the field's own).
    officer_ids = PeopleField(_l("Officers"), validators=[Optional()])
    instruction = TextAreaField(_l("Instruction"), validators=TEXT, render_kw={"rows": 3})
    due_on = ThaiDateField(_l("Due date"), validators=[Optional(), WithinKhetYears()])


class AcknowledgeForm(FlaskForm):
    """Only the CSRF token: the officer presses one button."""


class DoneForm(FlaskForm):
    done_note = TextAreaField(_l("What was done"), validators=TEXT, render_kw={"rows": 2})


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Why the letter is returned"), validators=TEXT, render_kw={"rows": 2})


def routing_forms() -> dict:
    """One of each form, by the action it posts."""
    return {"forward": ForwardForm(), "present": PresentForm(), "assign": AssignForm(), "acknowledge": AcknowledgeForm(),
            "done": DoneForm(), "return": ReturnForm()}
