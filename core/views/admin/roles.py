"""Roles, their members, and permission grants to roles, groups and people (permission core.roles.manage)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from core import org_services
from core.db import db
from core.i18n import current_locale
from core.models import Grant, Group, Person, Role, School, role_members
from core.org_services import OrgError
from core.permissions import require
from core.plugins import registry
from core.views.admin import bp
from core.views.admin.org import PickPersonForm, checked_post, picked_person, picker_results, show_refusal


class RoleForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    code = StringField(
        _l("Code"), description=_l("A short English code, e.g. room_officers."),
        validators=[DataRequired(), Length(max=100), Regexp(r"^[a-z0-9_.-]+$", message=_l("Use lower-case English letters, digits, _ . -"))],
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})


class GrantForm(FlaskForm):
    permission = SelectField(_l("Permission"), validators=[InputRequired()])
    scope = SelectField(
        _l("Only within"), description=_l("Only permissions marked \"can be limited\" may be limited to a group or school."),
    )


def module_name(plugin_id: str) -> str:
    loaded = registry().plugins.get(plugin_id)
    return loaded.info.display_name(current_locale()) if loaded else plugin_id


def _grant_form() -> GrantForm:
    form = GrantForm()
    limited = _("can be limited")
    form.permission.choices = {
        module_name(plugin_id): [
            (p.code, f"{p.label} ({p.code})" + (f" · {limited}" if p.scopable else "")) for p in permissions
        ]
        for plugin_id, permissions in org_services.grantable_permissions().items()
    }
    groups = db.session.scalars(select(Group).where(Group.active.is_(True)).order_by(Group.sort_order, Group.name))
    schools = db.session.scalars(select(School).where(School.active.is_(True)).order_by(School.name))
    form.scope.choices = {
        _("Everywhere"): [("", _("Everywhere (no limit)"))],
        _("Groups"): [(f"g:{g.id}", g.name) for g in groups],
        _("Schools"): [(f"s:{s.id}", f"{s.name} ({s.code})") for s in schools],
    }
    return form


def _scope_from(value: str) -> Group | School | None:
    if not value:
        return None
    kind, _sep, number = value.partition(":")
    model = {"g": Group, "s": School}.get(kind)
    if model is None or not number.isdigit():
        abort(400)
    return db.get_or_404(model, int(number))


def _grant(back_url: str, **grantee):
    """Handle a grant form posted from a role, group or person page and go back there."""
    form = _grant_form()
    if not form.validate_on_submit():
        flash(_("Choose a permission from the list."), "danger")
        return redirect(back_url)
    try:
        org_services.grant_permission(form.permission.data, scope=_scope_from(form.scope.data), **grantee)
        db.session.commit()
    except OrgError as error:
        show_refusal(None, error)
    else:
        flash(_("The permission has been granted."), "success")
    return redirect(back_url)


def _grant_context() -> dict:
    return {"grant_form": _grant_form(), "declared": registry().permissions, "module_name": module_name}


# --- roles ---------------------------------------------------------------------------


@bp.route("/roles")
@require("core.roles.manage")
def roles():
    member_counts = dict(db.session.execute(select(role_members.c.role_id, func.count()).group_by(role_members.c.role_id)).all())
    grant_counts = dict(db.session.execute(select(Grant.role_id, func.count()).where(Grant.role_id.is_not(None)).group_by(Grant.role_id)).all())
    rows = db.session.scalars(select(Role).order_by(Role.name)).all()
    return render_template("admin/roles.html", roles=rows, member_counts=member_counts, grant_counts=grant_counts)


@bp.route("/roles/new", methods=["GET", "POST"])
@require("core.roles.manage")
def create_role():
    return _edit_role(Role())


@bp.route("/roles/<int:role_id>/edit", methods=["GET", "POST"])
@require("core.roles.manage")
def edit_role(role_id):
    return _edit_role(db.get_or_404(Role, role_id))


def _edit_role(role: Role):
    form = RoleForm(obj=role)
    if form.validate_on_submit():
        try:
            org_services.save_role(role, code=form.code.data, name=form.name.data, description=form.description.data)
            db.session.commit()
        except OrgError as error:
            show_refusal(form, error)
        else:
            flash(_("The role has been saved."), "success")
            return redirect(url_for("admin.role", role_id=role.id))
    title = _("Edit role") if role.id else _("New role")
    return render_template("admin/form.html", form=form, title=title, back=url_for("admin.roles"), back_label=_("Roles"))


@bp.route("/roles/<int:role_id>")
@require("core.roles.manage")
def role(role_id):
    record = db.get_or_404(Role, role_id)
    query, found = picker_results()
    return render_template(
        "admin/role.html", role=record, grants=org_services.grants_of(role=record), query=query, found=found,
        **_grant_context(),
    )


@bp.route("/roles/<int:role_id>/members", methods=["POST"])
@require("core.roles.manage")
def add_role_member(role_id):
    record = db.get_or_404(Role, role_id)
    person = picked_person(PickPersonForm())
    try:
        org_services.add_role_member(record, person)
        db.session.commit()
    except OrgError as error:
        show_refusal(None, error)
    else:
        flash(_("%(person)s now has the role %(role)s.", person=person.full_name, role=record.name), "success")
    return redirect(url_for("admin.role", role_id=role_id))


@bp.route("/roles/<int:role_id>/members/<int:person_id>/remove", methods=["POST"])
@require("core.roles.manage")
def remove_role_member(role_id, person_id):
    checked_post()
    org_services.remove_role_member(db.get_or_404(Role, role_id), db.get_or_404(Person, person_id))
    db.session.commit()
    return redirect(url_for("admin.role", role_id=role_id))


@bp.route("/roles/<int:role_id>/grants", methods=["POST"])
@require("core.roles.manage")
def grant_to_role(role_id):
    return _grant(url_for("admin.role", role_id=role_id), role=db.get_or_404(Role, role_id))


# --- grants to groups and people --------------------------------------------------------


@bp.route("/groups/<int:group_id>/grants", methods=["GET", "POST"])
@require("core.roles.manage")
def group_grants(group_id):
    record = db.get_or_404(Group, group_id)
    back = url_for("admin.group_grants", group_id=group_id)
    if request.method == "POST":
        return _grant(back, group=record)
    return render_template("admin/group_grants.html", group=record, grants=org_services.grants_of(group=record), **_grant_context())


@bp.route("/people/<int:person_id>/permissions", methods=["GET", "POST"])
@require("core.roles.manage")
def person_permissions(person_id):
    """What can this person do: every grant that reaches them and where it comes from; direct grants."""
    record = db.get_or_404(Person, person_id)
    back = url_for("admin.person_permissions", person_id=person_id)
    if request.method == "POST":
        return _grant(back, person=record)
    return render_template(
        "admin/person_permissions.html", person=record, effective=org_services.effective_permissions(record),
        **_grant_context(),
    )


@bp.route("/grants/<int:grant_id>/revoke", methods=["POST"])
@require("core.roles.manage")
def revoke_grant(grant_id):
    checked_post()
    grant = db.get_or_404(Grant, grant_id)
    if grant.role_id:
        back = url_for("admin.role", role_id=grant.role_id)
    elif grant.group_id:
        back = url_for("admin.group_grants", group_id=grant.group_id)
    else:
        back = url_for("admin.person_permissions", person_id=grant.person_id)
    org_services.revoke_grant(grant)
    db.session.commit()
    flash(_("The permission has been revoked."), "success")
    return redirect(back)
