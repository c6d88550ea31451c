"""Pages of a register's print view and its Excel and CSV files, for a range of days."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from core.api import SIGNED_IN, audit, current_locale, db, local_today, require, saving, send_export, utcnow
from plugins.correspondence import exports as files
from plugins.correspondence import services
from plugins.correspondence.models import Register
from plugins.correspondence.services import CorrespondenceError, exports
from plugins.correspondence.services.numbering import may_set_letter_code
from plugins.correspondence.views import bp


@bp.context_processor
def _register_tools():
    """What the register page's tools (print, export, next number, letter code) need to draw themselves."""
    return {"print_range_of_year": exports.default_range, "may_set_letter_code": may_set_letter_code}


def _listable_register(register_id: int) -> Register:
    found = db.session.get(Register, register_id)
    if found is None:
        abort(404)
    if not services.may_list(current_user, found):
        abort(403)
    return found


@bp.route("/registers/<int:register_id>/print")
@require(SIGNED_IN)
def print_register(register_id):
    register = _listable_register(register_id)
    error = None
    try:
        days = exports.parse_range(request.args.get("first"), request.args.get("last"))
    except CorrespondenceError as refused:
        error, days = str(refused), exports.month_of(local_today())
    if register.kind == "secret":  # who printed the secret register, and which days, is kept
        audit.record("print", services.MODULE, "register", register.id, current_user,
                     f"{days.first.isoformat()}..{days.last.isoformat()}", remote_addr=request.remote_addr)
        db.session.commit()
    return render_template("correspondence/print_register.html", register=register, days=days, error=error,
                           title=exports.range_title(register, days, current_locale()),
                           receiving=register.kind in exports.RECEIVING_KINDS,
                           lines=list(exports.register_lines(current_user, register, days)), now_stamp=utcnow())


@bp.route("/registers/<int:register_id>/export.<file_format>")
@require(SIGNED_IN)
def export_register(register_id, file_format):
    register = _listable_register(register_id)
    if file_format not in files.FORMATS:
        abort(404)
    asked = {"first": request.args.get("first", ""), "last": request.args.get("last", "")}
    try:
        days = exports.parse_range(asked["first"], asked["last"])
    except CorrespondenceError:  # the print page says what is wrong with the days
        return redirect(url_for("correspondence.print_register", register_id=register.id, **asked))
    with saving() as saved:
        written = files.export_register(current_user, register, days, file_format, remote_addr=request.remote_addr)
    if not saved:
        return redirect(url_for("correspondence.print_register", register_id=register.id, **days.as_args()))
    return send_export(written)
