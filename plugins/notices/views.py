from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.db import db
from core.models import Group
from core.permissions import require
from core.web import paginate
from plugins.notices import services
from plugins.notices.forms import NoticeForm
from plugins.notices.models import Notice

bp = Blueprint("notices", __name__, template_folder="templates")


def _form() -> NoticeForm:
    form = NoticeForm()
    form.group_id.choices = [(0, "—")] + [(g.id, g.name) for g in db.session.scalars(select(Group).order_by(Group.sort_order))]
    return form


@bp.route("/")
@require("notices.read")
def index():
    return render_template("notices/index.html", page=paginate(services.current_notices()))


@bp.route("/<int:notice_id>")
@require("notices.read")
def show(notice_id):
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.withdrawn_at is not None:
        abort(404)
    return render_template("notices/show.html", notice=notice)


@bp.route("/new", methods=["GET", "POST"])
@require("notices.post")
def create():
    form = _form()
    if form.validate_on_submit():
        notice = services.post(form.title.data, form.body.data or "", current_user, form.group_id.data, form.pinned.data)
        flash(_("The notice has been posted."), "success")
        return redirect(url_for("notices.show", notice_id=notice.id))
    return render_template("notices/form.html", form=form)


@bp.route("/<int:notice_id>/withdraw", methods=["POST"])
@require("notices.post")
def withdraw(notice_id):
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.withdrawn_at is not None:
        abort(404)
    services.withdraw(notice)
    flash(_("The notice has been withdrawn."), "success")
    return redirect(url_for("notices.index"))
