"""Groups, school networks, schools and school lists of the office (permission core.org.manage).

Also the small helpers the other admin pages share: turning a refused change
into a form message, the person picker, and choices of office staff.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from core import importers, org_services
from core.db import db
from core.errors import show_refusal

from core.fields import PersonField, PersonScope
from core.models import Group, GroupMembership, Person, School, SchoolList, SchoolMembership, SchoolNetwork
from core.models.org import SCHOOL_ROLES, SCHOOL_TYPES
from core.org_services import OrgError
from core.permissions import require
from core.views.admin import bp
from core.web import paginate

SCHOOL_TYPE_LABELS = {
    "primary": _l("Primary school"),
    "extended": _l("Extended-opportunity school"),
    "secondary": _l("Secondary school"),
    "special": _l("Special school"),
}
SCHOOL_ROLE_LABELS = {"director": _l("Director"), "clerk": _l("Clerk"), "teacher": _l("Teacher")}


# --- helpers shared by the admin pages ---------------------------------------------------


class ActionForm(FlaskForm):
    """A button that changes something: nothing to fill in, but it carries the CSRF token."""


def checked_post() -> None:
    """Stop a state-changing button whose form did not come from our page."""
    if not ActionForm().validate_on_submit():
        abort(400)


def int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def active_arg() -> str:
    """The "active" filter of list pages: yes (the default), no, or all."""
    value = request.args.get("active", "yes")
    return value if value in ("yes", "no", "all") else "yes"


def picker_results() -> tuple[str, list[Person]]:
    """The ?q= search of a member page's person picker."""
    query = request.args.get("q", "").strip()
    return query, org_services.search_people(query) if query else []


class PickPersonForm(FlaskForm):
    person_id = PersonField(validators=[InputRequired()])  # any active person (core.fields checks it)
    director = BooleanField()
    role = SelectField(choices=[(r, r) for r in SCHOOL_ROLES], validate_choice=False)


def picked_person(form: PickPersonForm) -> Person:
    person = db.session.get(Person, form.person_id.data) if form.validate_on_submit() else None
    if person is None:
        abort(400)
    return person


# --- groups --------------------------------------------------------------------------


class GroupForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=100)])
    code = StringField(
        _l("Code"), description=_l("A short English code used in imports and links, e.g. finance."),
        validators=[DataRequired(), Length(max=50)],
    )
    sort_order = IntegerField(_l("Order in lists"), default=0, validators=[Optional(), NumberRange(min=0, max=9999)])
    deputy_id = PersonField(_l("Supervising deputy director"), scope=PersonScope("office"), validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)


def _group_form(group: Group | None = None) -> GroupForm:
    form = GroupForm(obj=group)
    if group is not None and request.method == "GET":
        form.deputy_id.data = group.deputy_id or 0
    return form


@bp.route("/groups")
@require("core.org.manage")
def groups():
    rows = db.session.scalars(
        select(Group)
        .options(selectinload(Group.memberships).selectinload(GroupMembership.person), selectinload(Group.deputy))
        .order_by(Group.active.desc(), Group.sort_order, Group.name)
    ).all()
    return render_template("admin/groups.html", groups=rows)


@bp.route("/groups/new", methods=["GET", "POST"])
@require("core.org.manage")
def create_group():
    return _edit_group(Group(active=True))


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@require("core.org.manage")
def edit_group(group_id):
    return _edit_group(db.get_or_404(Group, group_id))


def _edit_group(group: Group):
    form = _group_form(group if group.id else None)
    if form.validate_on_submit():
        try:
            org_services.save_group(
                group, code=form.code.data, name=form.name.data, short_name=form.short_name.data,
                sort_order=form.sort_order.data or 0, deputy_id=form.deputy_id.data or None, active=form.active.data,
            )
            db.session.commit()
        except OrgError as error:
            show_refusal(form, error)
        else:
            flash(_("The group has been saved."), "success")
            return redirect(url_for("admin.group", group_id=group.id))
    title = _("Edit group") if group.id else _("New group")
    return render_template("admin/form.html", form=form, title=title, back=url_for("admin.groups"), back_label=_("Groups"))


@bp.route("/groups/<int:group_id>")
@require("core.org.manage")
def group(group_id):
    record = db.get_or_404(Group, group_id)
    memberships = sorted(record.memberships, key=lambda m: (not m.is_director, not m.person.active, m.person.first_name))
    query, found = picker_results()
    return render_template("admin/group.html", group=record, memberships=memberships, query=query, found=found)


@bp.route("/groups/<int:group_id>/remove", methods=["POST"])
@require("core.org.manage")
def remove_group(group_id):
    checked_post()
    record = db.get_or_404(Group, group_id)
    deleted = org_services.remove_group(record)
    db.session.commit()
    if deleted:
        flash(_("The group has been deleted."), "success")
        return redirect(url_for("admin.groups"))
    flash(_("The group has members or records, so it was deactivated instead of deleted."), "warning")
    return redirect(url_for("admin.group", group_id=group_id))


@bp.route("/groups/<int:group_id>/members", methods=["POST"])
@require("core.org.manage")
def add_group_member(group_id):
    record = db.get_or_404(Group, group_id)
    form = PickPersonForm()
    person = picked_person(form)
    try:
        org_services.add_to_group(person, record, director=form.director.data)
        db.session.commit()
    except OrgError as error:
        show_refusal(None, error)
    else:
        flash(_("%(person)s has joined the group.", person=person.full_name), "success")
    return redirect(url_for("admin.group", group_id=group_id))


def _group_membership(group_id: int, membership_id: int) -> GroupMembership:
    membership = db.session.get(GroupMembership, membership_id)
    if membership is None or membership.group_id != group_id:
        abort(404)
    return membership


@bp.route("/groups/<int:group_id>/members/<int:membership_id>/director", methods=["POST"])
@require("core.org.manage")
def toggle_group_director(group_id, membership_id):
    checked_post()
    membership = _group_membership(group_id, membership_id)
    org_services.set_group_director(membership, not membership.is_director)
    db.session.commit()
    return redirect(url_for("admin.group", group_id=group_id))


@bp.route("/groups/<int:group_id>/members/<int:membership_id>/primary", methods=["POST"])
@require("core.org.manage")
def make_group_primary(group_id, membership_id):
    checked_post()
    org_services.set_primary_group(_group_membership(group_id, membership_id))
    db.session.commit()
    return redirect(url_for("admin.group", group_id=group_id))


@bp.route("/groups/<int:group_id>/members/<int:membership_id>/remove", methods=["POST"])
@require("core.org.manage")
def remove_group_member(group_id, membership_id):
    checked_post()
    org_services.remove_from_group(_group_membership(group_id, membership_id))
    db.session.commit()
    flash(_("The person has left the group."), "success")
    return redirect(url_for("admin.group", group_id=group_id))


# --- school networks ---------------------------------------------------------------------


class NetworkForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    district = StringField(_l("District"), validators=[Optional(), Length(max=100)])
    deputy_id = PersonField(_l("Supervising deputy director"), scope=PersonScope("office"), validators=[Optional()])


@bp.route("/networks")
@require("core.org.manage")
def networks():
    counts = (
        select(SchoolNetwork, func.count(School.id))
        .outerjoin(School, School.network_id == SchoolNetwork.id)
        .group_by(SchoolNetwork.id)
        .order_by(SchoolNetwork.name)
    )
    rows = db.session.execute(counts).all()
    deputies = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_({n.deputy_id for n, _c in rows if n.deputy_id})))}
    return render_template("admin/networks.html", rows=rows, deputies=deputies)


@bp.route("/networks/new", methods=["GET", "POST"])
@require("core.org.manage")
def create_network():
    return _edit_network(SchoolNetwork())


@bp.route("/networks/<int:network_id>/edit", methods=["GET", "POST"])
@require("core.org.manage")
def edit_network(network_id):
    return _edit_network(db.get_or_404(SchoolNetwork, network_id))


def _edit_network(network: SchoolNetwork):
    form = NetworkForm(obj=network)
    if request.method == "GET":
        form.deputy_id.data = network.deputy_id or 0
    if form.validate_on_submit():
        try:
            org_services.save_network(network, name=form.name.data, district=form.district.data, deputy_id=form.deputy_id.data)
            db.session.commit()
        except OrgError as error:
            show_refusal(form, error)
        else:
            flash(_("The network has been saved."), "success")
            return redirect(url_for("admin.networks"))
    title = _("Edit school network") if network.id else _("New school network")
    return render_template("admin/form.html", form=form, title=title, back=url_for("admin.networks"), back_label=_("School networks"))


# --- schools ------------------------------------------------------------------------------


class SchoolForm(FlaskForm):
    code = StringField(
        _l("School code"), description=_l("8 to 10 digits, as given by the Office of the Basic Education Commission."),
        validators=[DataRequired()],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    district = StringField(_l("District"), validators=[Optional(), Length(max=100)])
    subdistrict = StringField(_l("Subdistrict"), validators=[Optional(), Length(max=100)])
    network_id = SelectField(_l("School network"), coerce=int, validators=[Optional()])
    school_type = SelectField(_l("Type"), choices=[(t, SCHOOL_TYPE_LABELS[t]) for t in SCHOOL_TYPES])
    phone = StringField(_l("Telephone"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("Email"), validators=[Optional(), Email(), Length(max=255)])
    active = BooleanField(_l("Active"), default=True)


def _network_choices() -> list[tuple[int, str]]:
    return [(0, "—")] + [(n.id, n.name) for n in db.session.scalars(select(SchoolNetwork).order_by(SchoolNetwork.name))]


def school_search(query: str, network_id: int | None, school_type: str, active: str):
    """The schools page's search: name, code or district contains ``query``; filters narrow it."""
    statement = select(School).options(selectinload(School.network)).order_by(School.name)
    if query:
        pattern = f"%{query}%"
        statement = statement.where(or_(School.name.ilike(pattern), School.code.like(pattern), School.district.ilike(pattern)))
    if network_id:
        statement = statement.where(School.network_id == network_id)
    if school_type in SCHOOL_TYPES:
        statement = statement.where(School.school_type == school_type)
    if active != "all":
        statement = statement.where(School.active.is_(active == "yes"))
    return statement


@bp.route("/schools")
@require("core.org.manage")
def schools():
    filters = {
        "q": request.args.get("q", "").strip(),
        "network": int_arg("network"),
        "type": request.args.get("type", ""),
        "active": active_arg(),
    }
    page = paginate(school_search(filters["q"], filters["network"], filters["type"], filters["active"]))
    return render_template(
        "admin/schools.html", page=page, filters=filters, networks=_network_choices()[1:], type_labels=SCHOOL_TYPE_LABELS,
    )


@bp.route("/schools/new", methods=["GET", "POST"])
@require("core.org.manage")
def create_school():
    return _edit_school(None)


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@require("core.org.manage")
def edit_school(school_id):
    return _edit_school(db.get_or_404(School, school_id))


def _edit_school(school: School | None):
    form = SchoolForm(obj=school)
    form.network_id.choices = _network_choices()
    if school is not None and request.method == "GET":
        form.network_id.data = school.network_id or 0
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in org_services.SCHOOL_FIELDS}
        values["network_id"] = values["network_id"] or None
        values["email"] = values["email"] or ""
        try:
            if school is None:
                school = org_services.add_school(**values)
            else:
                org_services.update_school(school, **values)
            db.session.commit()
        except OrgError as error:
            show_refusal(form, error)
        else:
            flash(_("The school has been saved."), "success")
            return redirect(url_for("admin.school", school_id=school.id))
    title = _("Edit school") if school else _("New school")
    return render_template("admin/form.html", form=form, title=title, back=url_for("admin.schools"), back_label=_("Schools"))


@bp.route("/schools/<int:school_id>")
@require("core.org.manage")
def school(school_id):
    record = db.get_or_404(School, school_id)
    memberships = sorted(record.memberships, key=lambda m: (SCHOOL_ROLES.index(m.role), m.person.first_name))
    query, found = picker_results()
    return render_template(
        "admin/school.html", school=record, memberships=memberships, query=query, found=found,
        role_labels=SCHOOL_ROLE_LABELS, type_labels=SCHOOL_TYPE_LABELS,
    )


@bp.route("/schools/<int:school_id>/members", methods=["POST"])
@require("core.org.manage")
def add_school_member(school_id):
    record = db.get_or_404(School, school_id)
    form = PickPersonForm()
    person = picked_person(form)
    try:
        org_services.add_school_member(record, person, form.role.data)
        db.session.commit()
    except OrgError as error:
        show_refusal(None, error)
    else:
        flash(_("%(person)s has been added to the school.", person=person.full_name), "success")
    return redirect(url_for("admin.school", school_id=school_id))


@bp.route("/schools/<int:school_id>/members/<int:membership_id>/remove", methods=["POST"])
@require("core.org.manage")
def remove_school_member(school_id, membership_id):
    checked_post()
    membership = db.session.get(SchoolMembership, membership_id)
    if membership is None or membership.school_id != school_id:
        abort(404)
    org_services.remove_school_member(membership)
    db.session.commit()
    return redirect(url_for("admin.school", school_id=school_id))


# --- school lists ---------------------------------------------------------------------


class SchoolListForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    shared = BooleanField(_l("Shared with everyone"), default=True,
                          description=_l("A list that is not shared is seen only by you."))
    school_ids = SelectMultipleField(_l("Schools"), coerce=int, validate_choice=False)


def _school_list_or_404(list_id: int) -> SchoolList:
    """A list the current person may see; someone else's private list does not exist for them."""
    record = db.session.scalar(
        org_services.visible_school_lists(current_user).where(SchoolList.id == list_id)
    )
    if record is None:
        abort(404)
    return record


@bp.route("/school-lists")
@require("core.org.manage")
def school_lists():
    lists = db.session.scalars(org_services.visible_school_lists(current_user).options(selectinload(SchoolList.schools))).all()
    return render_template("admin/school_lists.html", lists=lists)


@bp.route("/school-lists/new", methods=["GET", "POST"])
@require("core.org.manage")
def create_school_list():
    return _edit_school_list(SchoolList(shared=True))


@bp.route("/school-lists/<int:list_id>/edit", methods=["GET", "POST"])
@require("core.org.manage")
def edit_school_list(list_id):
    return _edit_school_list(_school_list_or_404(list_id))


def _edit_school_list(school_list: SchoolList):
    form = SchoolListForm(obj=school_list)
    if request.method == "GET":
        form.school_ids.data = [s.id for s in school_list.schools]
    if form.validate_on_submit():
        try:
            org_services.save_school_list(
                school_list, name=form.name.data, description=form.description.data, shared=form.shared.data,
                school_ids=form.school_ids.data, owner=current_user,
            )
            db.session.commit()
        except OrgError as error:
            show_refusal(form, error)
        else:
            flash(_("The list has been saved."), "success")
            return redirect(url_for("admin.school_lists"))
    all_schools = db.session.scalars(
        select(School).options(selectinload(School.network))
        .where(or_(School.active.is_(True), School.id.in_(form.school_ids.data or [])))
        .order_by(School.name)
    ).all()
    return render_template(
        "admin/school_list_form.html", form=form, school_list=school_list, schools=all_schools,
        chosen=set(form.school_ids.data or []),
    )


@bp.route("/school-lists/<int:list_id>/delete", methods=["POST"])
@require("core.org.manage")
def delete_school_list(list_id):
    checked_post()
    record = _school_list_or_404(list_id)
    db.session.delete(record)
    db.session.commit()
    flash(_("The list has been deleted."), "success")
    return redirect(url_for("admin.school_lists"))


# --- CSV import -------------------------------------------------------------------------


MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(), FileSize(MAX_IMPORT_BYTES, message=_l("A CSV file may be at most 5 MB."))],
                     description=_l("Save from Excel as \"CSV UTF-8\". Thai CSV from older Excel (TIS-620) works too."))


def csv_download(columns: tuple[str, ...], filename: str) -> Response:
    return Response(
        importers.template_csv(columns), mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


def run_import(kind: str, importer, columns: tuple[str, ...], template_endpoint: str, back_endpoint: str):
    """The upload page of one kind of import: a form, then the report of what happened."""
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        report = importer(form.file.data.read())
    return render_template(
        "admin/import.html", form=form, report=report, kind=kind, columns=columns,
        template_url=url_for(template_endpoint), back_url=url_for(back_endpoint),
    )


@bp.route("/schools/import", methods=["GET", "POST"])
@require("core.org.manage")
def import_schools():
    return run_import("schools", importers.import_schools, importers.SCHOOL_COLUMNS, "admin.schools_template", "admin.schools")


@bp.route("/schools/import/schools.csv")
@require("core.org.manage")
def schools_template():
    return csv_download(importers.SCHOOL_COLUMNS, "schools.csv")

