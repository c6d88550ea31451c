"""The holiday table: list by year, add, edit, delete, and a CSV import of next year's holidays."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from core.calendar import be_year, ce_year, local_today
from core.db import db
from core.fields import ThaiDateField
from core.permissions import require
from core.services import holidays
from core.views.admin import bp

MAX_CSV_BYTES = 256 * 1024


class HolidayForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    holiday_date = ThaiDateField(_l("Date"), validators=[DataRequired(message=_l("Give the date of the holiday."))])
    yearly = BooleanField(
        _l("Every year on this day and month"),
        description=_l("Leave unticked for a one-off holiday, such as a day the Cabinet declares."),
    )


class HolidayImportForm(FlaskForm):
    csv_file = FileField(
        _l("CSV file"),
        validators=[FileRequired(message=_l("Choose a CSV file."))],
        description=_l('Columns "date", "name" and optionally "yearly". Dates as 13/04/2570 or 2027-04-13.'),
    )


def _year_asked() -> int:
    """The BE year of ?year=, this year if absent or unreadable."""
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        year = 0
    return year if 2400 < year < 2800 else be_year(local_today().year)


def _holiday_or_404(holiday_id: int) -> holidays.Holiday:
    holiday = db.session.get(holidays.Holiday, holiday_id)
    if holiday is None:
        abort(404)
    return holiday


def _back_to(holiday: holidays.Holiday):
    return redirect(url_for("admin.holidays", year=be_year(holiday.holiday_date.year)))


@bp.route("/holidays", endpoint="holidays")
@require("core.holidays.manage")
def holidays_list():
    year = _year_asked()
    return render_template("admin/holidays.html", year=year, listed=holidays.holidays_in_year(ce_year(year)))


def _save(form: HolidayForm, holiday: holidays.Holiday | None):
    try:
        if holiday is None:
            holiday = holidays.add_holiday(form.name.data, form.holiday_date.data, form.yearly.data)
        else:
            holidays.update_holiday(holiday, form.name.data, form.holiday_date.data, form.yearly.data)
    except ValueError as exc:
        db.session.rollback()
        form.name.errors.append(str(exc))
        return None
    db.session.commit()
    flash(_("The holiday has been saved."), "success")
    return _back_to(holiday)


@bp.route("/holidays/new", methods=["GET", "POST"])
@require("core.holidays.manage")
def holiday_new():
    form = HolidayForm()
    if form.validate_on_submit():
        done = _save(form, None)
        if done:
            return done
    return render_template("admin/holidays_form.html", form=form, holiday=None), 400 if form.errors else 200


@bp.route("/holidays/<int:holiday_id>/edit", methods=["GET", "POST"])
@require("core.holidays.manage")
def holiday_edit(holiday_id):
    holiday = _holiday_or_404(holiday_id)
    form = HolidayForm(obj=holiday)
    if form.validate_on_submit():
        done = _save(form, holiday)
        if done:
            return done
    return render_template("admin/holidays_form.html", form=form, holiday=holiday), 400 if form.errors else 200


@bp.route("/holidays/<int:holiday_id>/delete", methods=["POST"])
@require("core.holidays.manage")
def holiday_delete(holiday_id):
    holiday = _holiday_or_404(holiday_id)
    holidays.delete_holiday(holiday)
    db.session.commit()
    flash(_("%(name)s has been removed from the holidays.", name=holiday.name), "success")
    return _back_to(holiday)


@bp.route("/holidays/import", methods=["GET", "POST"])
@require("core.holidays.manage")
def holiday_import():
    form = HolidayImportForm()
    report = None
    if form.validate_on_submit():
        data = form.csv_file.data.read(MAX_CSV_BYTES + 1)
        if len(data) > MAX_CSV_BYTES:
            form.csv_file.errors.append(_("The file is larger than 256 KB."))
        else:
            report = holidays.import_holidays(data)
            if report.saved:
                db.session.commit()
                flash(_("%(count)s holidays added.", count=report.count("add")), "success")
            else:
                db.session.rollback()
    status = 400 if form.errors or (report is not None and not report.saved) else 200
    return render_template("admin/holidays_import.html", form=form, report=report), status
