"""The notices' pages: the list, one notice, posting and withdrawing. Read the form, call a service, commit."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.api import Group, db, paginate, require
from plugins.notices import services
from plugins.notices.forms import NoticeForm
from plugins.notices.models import Notice
from plugins.notices.permissions import POST, READ
from plugins.notices.services import NoticeError
from plugins.notices.services.access import is_visible
from plugins.notices.views import bp


def _form() -> NoticeForm:
    form = NoticeForm()
    form.group_id.choices = [(0, "—")] + [(g.id, g.name) for g in db.session.scalars(select(Group).order_by(Group.sort_order))]
    return form


def _notice_or_404(notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if not is_visible(notice):
        abort(404)
    return notice


@bp.route("/")
@require(READ)
def index():
    return render_template("notices/index.html", page=paginate(services.current_notices()))


@bp.route("/<int:notice_id>")
@require(READ)
def show(notice_id):
    return render_template("notices/show.html", notice=_notice_or_404(notice_id))


@bp.route("/new", methods=["GET", "POST"])
@require(POST)
def create():
    form = _form()
    if form.validate_on_submit():
        try:
            notice = services.post(form.title.data, form.body.data or "", current_user, form.group_id.data,
                                   form.pinned.data)
        except NoticeError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The notice has been posted."), "success")
            return redirect(url_for("notices.show", notice_id=notice.id))
    return render_template("notices/form.html", form=form)


@bp.route("/<int:notice_id>/withdraw", methods=["POST"])
@require(POST)
def withdraw(notice_id):
    services.withdraw(_notice_or_404(notice_id))
    db.session.commit()
    flash(_("The notice has been withdrawn."), "success")
    return redirect(url_for("notices.index"))
