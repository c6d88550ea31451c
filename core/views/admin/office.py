"""The office's own details and branding."""

from __future__ import annotations

from pathlib import Path

import filetype
from flask import abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from core.db import db
from core.models import Office
from core.permissions import PUBLIC, require
from core.views.admin import bp


class OfficeForm(FlaskForm):
    name = StringField(_l("Office name"), validators=[DataRequired(), Length(max=255)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=100)])
    letter_code = StringField(
        _l("Letter number prefix"),
        description=_l('Printed before each letter number, e.g. "ศธ 04183".'),
        validators=[Optional(), Length(max=50)],
    )
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=2000)])
    phone = StringField(_l("Telephone"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("Email"), validators=[Optional(), Email(), Length(max=255)])
    primary_colour = StringField(
        _l("Main colour"),
        validators=[DataRequired(), Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Give a colour as #RRGGBB."))],
    )
    logo = FileField(_l("Logo"), description=_l("PNG or JPEG, at most 1 MB."))


OFFICE_FIELDS = ("name", "short_name", "letter_code", "address", "phone", "email", "primary_colour")
LOGO_TYPES = {"image/png": "png", "image/jpeg": "jpg"}
MAX_LOGO_BYTES = 1024 * 1024


def _logo_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "branding"


def _read_logo(upload) -> tuple[bytes, str] | str:
    """The logo's bytes and extension, or a message saying why it is refused."""
    data = upload.read(MAX_LOGO_BYTES + 1)
    if len(data) > MAX_LOGO_BYTES:
        return _("The logo is larger than 1 MB.")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in LOGO_TYPES:
        return _("The logo must be a PNG or JPEG picture.")
    return data, LOGO_TYPES[kind.mime]


@bp.route("/office", methods=["GET", "POST"])
@require("core.admin")
def office():
    record = Office.current() or Office(name="", primary_colour="#1f4e8c")
    form = OfficeForm(obj=record)
    if form.validate_on_submit():
        logo = None
        if form.logo.data:
            logo = _read_logo(form.logo.data)
            if isinstance(logo, str):
                form.logo.errors.append(logo)
                return render_template("admin/office.html", form=form), 400
        for name in OFFICE_FIELDS:
            setattr(record, name, getattr(form, name).data or "")
        if logo:
            data, extension = logo
            folder = _logo_folder()
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"logo.{extension}").write_bytes(data)
            record.logo_path = f"branding/logo.{extension}"
        db.session.add(record)
        db.session.commit()
        flash(_("The office details have been saved."), "success")
        return redirect(url_for("admin.office"))
    return render_template("admin/office.html", form=form)


@bp.route("/office/logo")
@require(PUBLIC)
def office_logo():
    """The logo shows on the sign-in page too, so it needs no permission."""
    record = Office.current()
    if record is None or not record.logo_path:
        abort(404)
    path = Path(current_app.config["UPLOAD_FOLDER"]) / record.logo_path
    if not path.is_file():
        abort(404)
    return send_file(path, max_age=3600)
