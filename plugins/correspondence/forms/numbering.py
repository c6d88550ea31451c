"""Forms of a register's numbering: the next number of the year, and a school's or group's letter code."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional


class NextNumberForm(FlaskForm):
    next_number = IntegerField(_l("Next number"), validators=[InputRequired(), NumberRange(min=1)],
                               description=_l("The number the next line of this year will get."))


class LetterCodeForm(FlaskForm):
    code = StringField(_l("Letter code"), validators=[Optional(), Length(max=50)],
                       description=_l("For example ศธ 04183.012. Leave it empty to print the office's code."))
