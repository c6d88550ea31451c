"""Forms of retention and destruction lists: the shape of the input; the rules are in services.retention."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, IntegerField, RadioField, SelectField, \
    StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from plugins.correspondence.forms import PERMANENT
from plugins.correspondence.services.retention import DEFAULT_YEARS, MAX_YEARS, ROUTINE_YEARS

OTHER = "other"


class RetentionForm(FlaskForm):
    """How long one letter is kept: a class of the regulation, or another number of years."""

    retention = SelectField(_l("Kept for"), choices=[
        (str(ROUTINE_YEARS), _l("1 year (routine matters)")), (str(DEFAULT_YEARS), _l("10 years (general)")),
        (PERMANENT, _l("Permanently")), (OTHER, _l("Another number of years"))], default=str(DEFAULT_YEARS))
    other_years = IntegerField(_l("Number of years"), validators=[Optional(), NumberRange(min=1, max=MAX_YEARS)])

    def fill_from(self, years: int | None) -> None:
        if years is None:
            self.retention.data = PERMANENT
        elif years in (ROUTINE_YEARS, DEFAULT_YEARS):
            self.retention.data = str(years)
        else:
            self.retention.data, self.other_years.data = OTHER, years

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.retention.data == OTHER and self.other_years.data is None:
            self.other_years.errors = [_l("Write the number of years.")]
            return False
        return valid

    def years(self) -> int | None:
        """The years chosen (None: permanently), once the form is valid."""
        if self.retention.data == PERMANENT:
            return None
        if self.retention.data == OTHER:
            return self.other_years.data
        return int(self.retention.data)


KEEP_FOR = [("1", _l("1 more year")), ("2", _l("2 more years")), ("3", _l("3 more years")),
            ("5", _l("5 more years")), ("10", _l("10 more years")), (PERMANENT, _l("Permanently"))]


class ItemDecisionForm(Form):
    """The committee's word on one line of the list (การพิจารณา): keep it, for how long, and why."""

    item_id = HiddenField()
    keep = BooleanField(_l("Keep"))
    keep_for = SelectField(_l("Keep for"), choices=KEEP_FOR, default="1")
    note = StringField(_l("Note"), validators=[Optional(), Length(max=1000)])


class DecisionForm(FlaskForm):
    """The destruction committee, its decision, and what it keeps."""

    committee = TextAreaField(_l("Members of the destruction committee (one per line, chair first)"),
                              validators=[Length(max=5000)], render_kw={"rows": 4})
    decision = RadioField(_l("Decision"), choices=[("approve", _l("Approve: destroy the lines not kept")),
                                                   ("reject", _l("Reject the list"))], validators=[DataRequired()])
    note = TextAreaField(_l("Note of the committee"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})
    items = FieldList(FormField(ItemDecisionForm))
