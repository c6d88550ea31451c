"""People, their memberships, passwords, acting-for delegations and CSV import (permission core.people.manage)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from core import importers, org_services
from core.calendar import local_today
from core.db import db
from core.fields import PersonField, PersonScope, ThaiDateField
from core.forms import SetPasswordForm
from core.models import Delegation, Group, GroupMembership, Person, School, SchoolMembership
from core.models.org import SCHOOL_ROLES
from core.org_services import OrgError
from core.permissions import require
from core.views.admin import bp
from core.views.admin.org import (
    SCHOOL_ROLE_LABELS,
    active_arg,
    checked_post,
    csv_download,
    int_arg,
    run_import,
    show_refusal,
)
from core.web import paginate

PERSON_FORM_FIELDS = ("title", "first_name", "last_name", "position", "phone", "email", "username", "locale")


class PersonForm(FlaskForm):
    title = StringField(_l("Name prefix"), description=_l("นาย, นาง, นางสาว, ดร. ..."), validators=[Optional(), Length(max=50)])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=100)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=255)])
    phone = StringField(_l("Telephone"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("Email"), validators=[Optional(), Email(), Length(max=255)])
    username = StringField(
        _l("Username"), description=_l("Leave empty for someone who does not sign in."),
        validators=[Optional(), Length(max=100)],
    )
    locale = SelectField(_l("Language"), validators=[Optional()])


def _person_form(person: Person | None) -> PersonForm:
    form = PersonForm(obj=person)
    names = {"th": "ไทย", "en": "English"}
    form.locale.choices = [("", _("Office default"))] + [(c, names.get(c, c)) for c in current_app.config["LANGUAGES"]]
    if person is not None and request.method == "GET":
        form.locale.data = person.locale or ""
    return form


class GroupChoiceForm(FlaskForm):
    group_id = SelectField(_l("Group"), coerce=int, validators=[InputRequired()])


class SchoolMembershipForm(FlaskForm):
    school_id = SelectField(_l("School"), coerce=int, validators=[InputRequired()])
    role = SelectField(_l("Role"), choices=[(r, SCHOOL_ROLE_LABELS[r]) for r in SCHOOL_ROLES])


def _group_choice_form() -> GroupChoiceForm:
    form = GroupChoiceForm()
    form.group_id.choices = [
        (g.id, g.name) for g in db.session.scalars(select(Group).where(Group.active.is_(True)).order_by(Group.sort_order, Group.name))
    ]
    return form


def _school_membership_form() -> SchoolMembershipForm:
    form = SchoolMembershipForm()
    form.school_id.choices = [
        (s.id, f"{s.name} ({s.code})") for s in db.session.scalars(select(School).where(School.active.is_(True)).order_by(School.name))
    ]
    return form


def people_search(query: str, group_id: int | None, school_id: int | None, active: str):
    """The people page's search: name, username, position or email contains ``query``; filters narrow it."""
    statement = select(Person).options(selectinload(Person.group_memberships).selectinload(GroupMembership.group))
    if query:
        pattern = f"%{query}%"
        statement = statement.where(
            or_(
                Person.first_name.ilike(pattern), Person.last_name.ilike(pattern), Person.username.ilike(pattern),
                Person.position.ilike(pattern), Person.email.ilike(pattern),
                (Person.first_name + " " + Person.last_name).ilike(pattern),
            )
        )
    if group_id:
        statement = statement.where(Person.id.in_(select(GroupMembership.person_id).where(GroupMembership.group_id == group_id)))
    if school_id:
        statement = statement.where(Person.id.in_(select(SchoolMembership.person_id).where(SchoolMembership.school_id == school_id)))
    if active != "all":
        statement = statement.where(Person.active.is_(active == "yes"))
    return statement.order_by(Person.first_name, Person.last_name, Person.id)


@bp.route("/people")
@require("core.people.manage")
def people():
    filters = {"q": request.args.get("q", "").strip(), "group": int_arg("group"), "school": int_arg("school"), "active": active_arg()}
    page = paginate(people_search(filters["q"], filters["group"], filters["school"], filters["active"]))
    groups = db.session.scalars(select(Group).order_by(Group.sort_order, Group.name)).all()
    school = db.session.get(School, filters["school"]) if filters["school"] else None
    return render_template("admin/people.html", page=page, filters=filters, groups=groups, school=school)


@bp.route("/people/new", methods=["GET", "POST"])
@require("core.people.manage")
def create_person():
    return _edit_person(None)


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@require("core.people.manage")
def edit_person(person_id):
    return _edit_person(db.get_or_404(Person, person_id))


def _edit_person(person: Person | None):
    form = _person_form(person)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data or "" for name in PERSON_FORM_FIELDS}
        try:
            person = org_services.save_person(person or Person(active=True), **values)
            db.session.commit()
        except OrgError as error:
            show_refusal(form, error)
        else:
            flash(_("The person's details have been saved."), "success")
            return redirect(url_for("admin.person", person_id=person.id))
    title = _("Edit person") if person else _("New person")
    return render_template("admin/form.html", form=form, title=title, back=url_for("admin.people"), back_label=_("People"))


@bp.route("/people/<int:person_id>")
@require("core.people.manage")
def person(person_id):
    record = db.get_or_404(Person, person_id)
    return render_template(
        "admin/person.html", person=record, password_form=SetPasswordForm(), group_form=_group_choice_form(),
        school_form=_school_membership_form(), role_labels=SCHOOL_ROLE_LABELS,
    )


def _back_to(person_id: int):
    return redirect(url_for("admin.person", person_id=person_id))


@bp.route("/people/<int:person_id>/deactivate", methods=["POST"])
@require("core.people.manage")
def deactivate_person(person_id):
    checked_post()
    record = db.get_or_404(Person, person_id)
    try:
        org_services.deactivate_person(record, by=current_user)
        db.session.commit()
    except OrgError as error:
        show_refusal(None, error)
    else:
        flash(_("%(person)s has been deactivated and signed out everywhere.", person=record.full_name), "success")
    return _back_to(person_id)


@bp.route("/people/<int:person_id>/reactivate", methods=["POST"])
@require("core.people.manage")
def reactivate_person(person_id):
    checked_post()
    record = db.get_or_404(Person, person_id)
    org_services.reactivate_person(record)
    db.session.commit()
    flash(_("%(person)s is active again.", person=record.full_name), "success")
    return _back_to(person_id)


@bp.route("/people/<int:person_id>/password", methods=["POST"])
@require("core.people.manage")
def reset_password(person_id):
    record = db.get_or_404(Person, person_id)
    form = SetPasswordForm()
    if not form.validate_on_submit():
        flash(_("Type the new password."), "danger")
        return _back_to(person_id)
    try:
        org_services.reset_password(record, form.new_password.data)
        db.session.commit()
    except OrgError as error:
        show_refusal(None, error)
    else:
        flash(_("The new password is set. Tell it to %(person)s in person.", person=record.full_name), "success")
    return _back_to(person_id)


# --- group memberships from the person's side ---------------------------------------------


def _chosen_group() -> Group:
    form = _group_choice_form()
    if not form.validate_on_submit():
        abort(400)
    return db.get_or_404(Group, form.group_id.data)


@bp.route("/people/<int:person_id>/groups", methods=["POST"])
@require("core.people.manage")
def add_person_to_group(person_id):
    record = db.get_or_404(Person, person_id)
    try:
        org_services.add_to_group(record, _chosen_group())
        db.session.commit()
    except OrgError as error:
        show_refusal(None, error)
    return _back_to(person_id)


@bp.route("/people/<int:person_id>/move", methods=["POST"])
@require("core.people.manage")
def move_person(person_id):
    record = db.get_or_404(Person, person_id)
    target = _chosen_group()
    org_services.move_person_to_group(record, target)
    db.session.commit()
    flash(_("%(person)s now works in %(group)s.", person=record.full_name, group=target.name), "success")
    return _back_to(person_id)


def _own_group_membership(person_id: int, membership_id: int) -> GroupMembership:
    membership = db.session.get(GroupMembership, membership_id)
    if membership is None or membership.person_id != person_id:
        abort(404)
    return membership


@bp.route("/people/<int:person_id>/groups/<int:membership_id>/primary", methods=["POST"])
@require("core.people.manage")
def make_primary_group(person_id, membership_id):
    checked_post()
    org_services.set_primary_group(_own_group_membership(person_id, membership_id))
    db.session.commit()
    return _back_to(person_id)


@bp.route("/people/<int:person_id>/groups/<int:membership_id>/remove", methods=["POST"])
@require("core.people.manage")
def leave_group(person_id, membership_id):
    checked_post()
    org_services.remove_from_group(_own_group_membership(person_id, membership_id))
    db.session.commit()
    return _back_to(person_id)


# --- school memberships from the person's side -------------------------------------------


@bp.route("/people/<int:person_id>/schools", methods=["POST"])
@require("core.people.manage")
def add_person_to_school(person_id):
    record = db.get_or_404(Person, person_id)
    form = _school_membership_form()
    if not form.validate_on_submit():
        abort(400)
    try:
        org_services.add_school_member(db.get_or_404(School, form.school_id.data), record, form.role.data)
        db.session.commit()
    except OrgError as error:
        show_refusal(None, error)
    return _back_to(person_id)


@bp.route("/people/<int:person_id>/schools/<int:membership_id>/remove", methods=["POST"])
@require("core.people.manage")
def leave_school(person_id, membership_id):
    checked_post()
    membership = db.session.get(SchoolMembership, membership_id)
    if membership is None or membership.person_id != person_id:
        abort(404)
    org_services.remove_school_member(membership)
    db.session.commit()
    return _back_to(person_id)


# --- acting-for delegations --------------------------------------------------------------


class DelegationForm(FlaskForm):
    principal_id = PersonField(_l("Acting for"), scope=PersonScope("office"), validators=[InputRequired()])
    delegate_id = PersonField(_l("Acting person"), scope=PersonScope("office"), validators=[InputRequired()])
    rank = SelectField(_l("Order"), coerce=int, choices=[(1, "1"), (2, "2"), (3, "3")],
                       description=_l("คนที่ 1, 2, 3: the second acts when the first is away too."))
    starts_on = ThaiDateField(_l("First day"), validators=[InputRequired()])
    ends_on = ThaiDateField(_l("Last day"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), description=_l("For example the number of the order (คำสั่ง)."),
                         validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})


@bp.route("/delegations", methods=["GET", "POST"])
@require("core.people.manage")
def delegations():
    form = DelegationForm()
    if form.validate_on_submit():
        principal = db.session.get(Person, form.principal_id.data)
        delegate = db.session.get(Person, form.delegate_id.data)
        if principal is None or delegate is None:
            flash(_("Choose both people."), "danger")
        else:
            try:
                org_services.create_delegation(
                    principal=principal, delegate=delegate, rank=form.rank.data,
                    starts_on=form.starts_on.data, ends_on=form.ends_on.data, note=form.note.data,
                )
                db.session.commit()
            except OrgError as error:
                show_refusal(form, error)
            else:
                flash(_("The delegation has been recorded."), "success")
                return redirect(url_for("admin.delegations"))
    today = local_today()
    rows = db.session.scalars(
        org_services.current_and_future_delegations(today).options(
            selectinload(Delegation.principal), selectinload(Delegation.delegate)
        )
    ).all()
    return render_template("admin/delegations.html", form=form, delegations=rows, today=today)


@bp.route("/delegations/<int:delegation_id>/delete", methods=["POST"])
@require("core.people.manage")
def delete_delegation(delegation_id):
    checked_post()
    try:
        org_services.delete_delegation(db.get_or_404(Delegation, delegation_id), local_today())
        db.session.commit()
    except OrgError as error:
        show_refusal(None, error)
    else:
        flash(_("The delegation has been deleted."), "success")
    return redirect(url_for("admin.delegations"))


# --- CSV import --------------------------------------------------------------------------


@bp.route("/people/import", methods=["GET", "POST"])
@require("core.people.manage")
def import_people():
    return run_import("people", importers.import_people, importers.PEOPLE_COLUMNS, "admin.people_template", "admin.people")


@bp.route("/people/import/people.csv")
@require("core.people.manage")
def people_template():
    return csv_download(importers.PEOPLE_COLUMNS, "people.csv")
