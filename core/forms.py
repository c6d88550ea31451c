"""Core forms. Field labels are lazy so they follow each user's language."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
    )


class SetPasswordForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])


class WithinKhetYears:
    """A date field's validator: CE 1900 to 2400, the dates Khet stores and converts to Bangkok time and BE.

    A browser's date box lets anyone send year 1 or 9999; left alone it would fail deep in a query.
    """

    first, last = dt.date(1900, 1, 1), dt.date(2400, 12, 31)

    @classmethod
    def message(cls) -> str:
        """Says the range in BE: "out of range" alone left people guessing (issue 16)."""
        from core.calendar import format_date
        from core.i18n import current_locale

        locale = current_locale()
        return _("Give a date between %(first)s and %(last)s.",
                 first=format_date(cls.first, "long", locale), last=format_date(cls.last, "long", locale))

    def __call__(self, form, field) -> None:
        if field.data is not None and not self.first <= field.data <= self.last:
            raise ValidationError(self.message())
