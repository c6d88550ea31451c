"""Forms of the meeting-rooms module: the shape of the input; the rules are in services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField, TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.api import PeopleField, PersonField, PersonScope, ThaiDateField, WithinKhetYears
from plugins.rooms.services import EQUIPMENT

QUARTER_HOUR = {"step": 900}


def equipment_choices():
    return [SelectChoice(code, label) for code, label in EQUIPMENT.items()]


class BookingForm(FlaskForm):
    room_id = SelectField(_l("Room"), coerce=int, validators=[InputRequired()])
    day = ThaiDateField(_l("Date"), validators=[InputRequired(message=_l("Give the date of the meeting.")), WithinKhetYears()])
    start = TimeField(_l("Starts at"), validators=[InputRequired(message=_l("Give the start time."))], render_kw=QUARTER_HOUR)
    end = TimeField(_l("Ends at"), validators=[InputRequired(message=_l("Give the end time."))], render_kw=QUARTER_HOUR)
    title = StringField(_l("Title of the meeting"), validators=[DataRequired(), Length(max=255)])
    purpose = TextAreaField(_l("Purpose"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 3})
    chair = StringField(_l("Chaired by"), validators=[Optional(), Length(max=200)])
    attendees = IntegerField(_l("Number of attendees"), default=1,
                             validators=[InputRequired(), NumberRange(min=1, max=5000)])
    attendee_groups = SelectMultipleField(_l("Groups attending"), coerce=int, validators=[Optional()])
    equipment = SelectMultipleField(_l("Equipment needed"), choices=equipment_choices, validators=[Optional()])
    refreshments = TextAreaField(_l("Refreshments"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    # Filled in by the letter picker (search by number or subject); typed by hand only without JavaScript.
    letter_id = IntegerField(_l("Letter this meeting answers"), validators=[Optional()],
                             description=_l("Search above by the letter's number or subject and choose it."))
    repeat = SelectField(_l("Repeat"), default="", choices=[
        SelectChoice("", _l("Does not repeat")), SelectChoice("weekly", _l("Every week")),
        SelectChoice("daily", _l("Every working day")), SelectChoice("monthly", _l("Every month on this date")),
    ])
    repeat_until = ThaiDateField(_l("Repeat until"), validators=[Optional(), WithinKhetYears()])
    on_conflict = SelectField(_l("If some dates are taken"), default="fail", choices=[
        SelectChoice("fail", _l("Book nothing and show me the dates")),
        SelectChoice("skip", _l("Book the free dates, skip the taken ones")),
    ])


class RoomForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    building = StringField(_l("Building"), validators=[Optional(), Length(max=200)])
    floor = StringField(_l("Floor"), validators=[Optional(), Length(max=50)])
    capacity = IntegerField(_l("Seats"), default=10, validators=[InputRequired(), NumberRange(min=1, max=5000)])
    equipment = SelectMultipleField(_l("Equipment"), choices=equipment_choices, validators=[Optional()])
    notes = TextAreaField(_l("Notes for people booking (where the key is, whom to call)"),
                          validators=[Optional(), Length(max=5000)], render_kw={"rows": 3})
    opens_at = TimeField(_l("Bookable from"), validators=[InputRequired()], render_kw=QUARTER_HOUR)
    closes_at = TimeField(_l("Bookable until"), validators=[InputRequired()], render_kw=QUARTER_HOUR)
    needs_approval = BooleanField(_l("Bookings need approval"))
    approver_id = PersonField(_l("Approved by"), scope=PersonScope("office"), validators=[Optional()])
    restricted = BooleanField(_l("Only the groups and people listed below may book it"))
    allowed_groups = SelectMultipleField(_l("Groups who may book it"), coerce=int, validators=[Optional()])
    allowed_people = PeopleField(_l("People who may book it"), scope=PersonScope("office"), validators=[Optional()])
    open_on_days_off = BooleanField(_l("May be booked on weekends and holidays"))
    active = BooleanField(_l("In use (shown and bookable)"), default=True)
    sort_order = IntegerField(_l("Order in lists"), default=0, validators=[Optional()])


class PhotosForm(FlaskForm):
    photos = MultipleFileField(_l("Photos (JPEG, PNG)"))


class BlockForm(FlaskForm):
    room_id = SelectField(_l("Room"), coerce=int, validators=[InputRequired()])
    start_day = ThaiDateField(_l("From"), validators=[InputRequired(), WithinKhetYears()])
    start_time = TimeField(_l("From time"), default=None, validators=[InputRequired()], render_kw=QUARTER_HOUR)
    end_day = ThaiDateField(_l("Until"), validators=[InputRequired(), WithinKhetYears()])
    end_time = TimeField(_l("Until time"), validators=[InputRequired()], render_kw=QUARTER_HOUR)
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=255)])
    cancel_bookings = BooleanField(_l("Cancel the bookings in this time (their bookers are told)"))


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=1000)])


class FindForm(FlaskForm):
    """Read from the query string: searching changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    day = ThaiDateField(_l("Date"), validators=[InputRequired(), WithinKhetYears()])
    start = TimeField(_l("From"), validators=[InputRequired()], render_kw=QUARTER_HOUR)
    end = TimeField(_l("To"), validators=[InputRequired()], render_kw=QUARTER_HOUR)
    capacity = IntegerField(_l("Seats at least"), validators=[Optional(), NumberRange(min=1, max=5000)])
    equipment = SelectMultipleField(_l("With"), choices=equipment_choices, validators=[Optional()])
