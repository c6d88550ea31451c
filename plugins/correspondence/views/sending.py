"""Pages of sending a letter to schools, groups and people."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.db import db
from core.models import Group, Person, School, SchoolList, SchoolNetwork
from core.permissions import require
from plugins.correspondence.forms import SendForm
from plugins.correspondence.services import CorrespondenceError, sending as sending_rules
from plugins.correspondence.views import _readable_letter, bp


def _send_choices(form: SendForm) -> None:
    form.network_ids.choices = [(n.id, n.name) for n in db.session.scalars(select(SchoolNetwork).order_by(SchoolNetwork.name))]
    form.school_list_ids.choices = [(sl.id, sl.name) for sl in db.session.scalars(
        select(SchoolList).where(SchoolList.shared.is_(True) | (SchoolList.owner_id == current_user.id))
        .order_by(SchoolList.name))]
    form.school_ids.choices = [(s.id, s.name) for s in db.session.scalars(
        select(School).where(School.active.is_(True)).order_by(School.name))]
    form.group_ids.choices = [(g.id, g.name) for g in db.session.scalars(
        select(Group).where(Group.active.is_(True)).order_by(Group.sort_order))]
    form.person_ids.choices = [(p.id, p.full_name) for p in db.session.scalars(
        select(Person).where(Person.active.is_(True)).order_by(Person.first_name, Person.last_name))]


@bp.route("/letters/<int:letter_id>/send", methods=["GET", "POST"])
@require("correspondence.send")
def send(letter_id):
    letter = _readable_letter(letter_id)
    if not sending_rules.may_send(current_user, letter):
        abort(403)
    form = SendForm()
    _send_choices(form)
    if form.validate_on_submit():
        recipients = sending_rules.Recipients(
            all_schools=form.all_schools.data, network_ids=form.network_ids.data, school_list_ids=form.school_list_ids.data,
            school_ids=form.school_ids.data, group_ids=form.group_ids.data, person_ids=form.person_ids.data)
        try:
            made = sending_rules.send_letter(letter, recipients, current_user, remote_addr=request.remote_addr)
        except CorrespondenceError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("Sent to %(count)s new recipient(s).", count=len(made)), "success")
            return redirect(url_for("correspondence.show", letter_id=letter.id))
    return render_template("correspondence/send.html", form=form, letter=letter)
