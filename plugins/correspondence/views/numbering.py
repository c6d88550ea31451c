"""Pages of a register's numbering: the next number of the year (offices arriving mid-year) and letter codes."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.api import SIGNED_IN, require, saving
from plugins.correspondence import services
from plugins.correspondence.forms.numbering import LetterCodeForm, NextNumberForm
from plugins.correspondence.services import CorrespondenceError
from plugins.correspondence.services import numbering as numbering_rules
from plugins.correspondence.views import bp


@bp.route("/numbering/<kind>/<scope>", methods=["GET", "POST"])
@require(SIGNED_IN)
def next_number(kind, scope):
    try:
        register = numbering_rules.register_of(kind, scope)
    except CorrespondenceError:
        abort(404)
    if not services.may_register(current_user, register):
        abort(403)
    form = NextNumberForm()
    if form.validate_on_submit():
        with saving(form=form) as saved:
            now = numbering_rules.set_next_number(kind, scope, form.next_number.data, current_user,
                                                  remote_addr=request.remote_addr)
            saved.message = _("The next number of this register in %(year)s is %(number)s.", year=now.year,
                              number=now.next_number)
        if saved:
            return redirect(url_for("correspondence.next_number", kind=kind, scope=scope))
    numbering = numbering_rules.numbering_of(kind, scope)
    if request.method == "GET":
        form.next_number.data = numbering.next_number
    return render_template("correspondence/numbering/next_number.html", form=form, register=register,
                           numbering=numbering)


@bp.route("/letter-codes")
@require(SIGNED_IN)
def letter_codes():
    search = request.args.get("q", "")
    places = numbering_rules.coded_places(current_user, search)
    if not places and not search:
        abort(403)
    return render_template("correspondence/numbering/letter_codes.html", places=places, search=search)


@bp.route("/letter-codes/<scope>", methods=["GET", "POST"])
@require(SIGNED_IN)
def letter_code(scope):
    try:
        place = numbering_rules.coded_place(scope)
    except CorrespondenceError:
        abort(404)
    if not numbering_rules.may_set_letter_code(current_user, scope):
        abort(403)
    form = LetterCodeForm(data=None if request.method == "POST" else {"code": place.own_code})
    if form.validate_on_submit():
        with saving(form=form) as saved:
            coded = numbering_rules.set_letter_code(scope, form.code.data, current_user, remote_addr=request.remote_addr)
            if coded.own_code:
                saved.message = _("The letters of %(place)s now print %(code)s.", place=coded.name, code=coded.own_code)
            else:
                saved.message = _("%(place)s has no code of its own now; its letters print the office's code %(code)s.",
                                  place=coded.name, code=coded.printed_code)
        if saved:
            return redirect(url_for("correspondence.letter_code", scope=scope))
    return render_template("correspondence/numbering/letter_code.html", form=form, place=place)
