"""Core's own hook implementations: core is registered like any module, under the id "core"."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core import __version__, CORE_API_VERSION
from core.hookspecs import hookimpl
from core.plugin_api import MenuItem, Permission, PluginInfo


@hookimpl
def plugin_info():
    return PluginInfo(
        id="core",
        name_th="แกนระบบ",
        name_en="Core",
        version=__version__,
        core_api=CORE_API_VERSION,
    )


@hookimpl
def blueprints():
    from core.views import admin, approvals, attachments, auth, main, notifications

    return [auth.bp, main.bp, main.core_static, admin.bp, attachments.bp, approvals.bp, notifications.bp]


@hookimpl
def model_classes():
    import core.services  # noqa: F401  (the services' tables belong to core too)
    from core import models as m

    return [
        m.Office, m.Group, m.SchoolNetwork, m.School, m.SchoolList, m.Person, m.GroupMembership,
        m.SchoolMembership, m.Delegation, m.Role, m.Grant, m.LoginFailure, m.SignInSession, m.PluginState, m.Setting,
    ]


@hookimpl
def permissions():
    return [
        Permission("core.admin", _l("Administer the installation: modules, settings, branding")),
        Permission("core.org.manage", _l("Manage groups, schools, networks and school lists")),
        Permission("core.people.manage", _l("Manage people, their memberships and sign-in accounts")),
        Permission("core.roles.manage", _l("Manage roles and grant permissions")),
        Permission("core.holidays.manage", _l("Keep the holiday table that working days are counted by")),
        Permission("core.audit.view", _l("Search the audit log of every module")),
        Permission("core.mail.manage", _l("Set up outgoing email and see the outbox")),
        Permission("core.approvals.manage", _l("Set people's own approval chains (commenter and approver)")),
    ]


@hookimpl
def menu_items(user):
    return [
        MenuItem(_l("Office and branding"), "admin.office", section="admin", permission="core.admin", weight=10),
        MenuItem(_l("Modules"), "admin.modules", section="admin", permission="core.admin", weight=20),
        MenuItem(_l("Groups"), "admin.groups", section="admin", permission="core.org.manage", weight=30),
        MenuItem(_l("School networks"), "admin.networks", section="admin", permission="core.org.manage", weight=40),
        MenuItem(_l("Schools"), "admin.schools", section="admin", permission="core.org.manage", weight=45),
        MenuItem(_l("School lists"), "admin.school_lists", section="admin", permission="core.org.manage", weight=50),
        MenuItem(_l("People"), "admin.people", section="admin", permission="core.people.manage", weight=60),
        MenuItem(_l("Acting-for delegations"), "admin.delegations", section="admin", permission="core.people.manage", weight=70),
        MenuItem(_l("Roles and permissions"), "admin.roles", section="admin", permission="core.roles.manage", weight=80),
        MenuItem(_l("Module settings"), "admin.module_settings_index", section="admin", permission="core.admin", weight=95),
        MenuItem(_l("Holidays"), "admin.holidays", section="admin", permission="core.holidays.manage", weight=85),
        *_workflow_menu_items(user),
    ]


def _workflow_menu_items(user):
    from core.services.approvals import waiting_count

    return [
        MenuItem(_l("Waiting for my approval"), "approvals.index", section="general", weight=5, badge=waiting_count(user) or None),
        MenuItem(_l("My requests"), "approvals.mine", section="general", weight=6),
        MenuItem(_l("Notifications"), "notifications.inbox", section="general", weight=7),
        MenuItem(_l("Personal approval chains"), "approvals.chains", section="admin", permission="core.approvals.manage", weight=75),
        MenuItem(_l("Audit log"), "admin.audit_log", section="admin", permission="core.audit.view", weight=90),
        MenuItem(_l("Email"), "admin.mail", section="admin", permission="core.mail.manage", weight=92),
    ]


@hookimpl
def dashboard_cards(user):
    from core.db import db
    from core.plugin_api import DashboardCard
    from core.services.approvals import waiting_count, waiting_for

    steps = db.session.scalars(waiting_for(user).limit(5)).all()
    return [DashboardCard(_l("Waiting for my approval"), "approvals/_card.html", {"steps": steps, "count": waiting_count(user)},
                          weight=5, link_endpoint="approvals.index")]


@hookimpl
def cli_commands():
    from core.views.approvals import approvals_cli
    from core.views.notifications import mail_cli

    return [approvals_cli, mail_cli]  # khet core approvals escalate, khet core mail send: for cron


@hookimpl
def scheduled_jobs():
    import datetime as dt

    from core.plugin_api import ScheduledJob
    from core.services.attachments import sweep_job

    from core.security import forget_job

    return [
        ScheduledJob("core.sweep_orphans", _l("Remove attachment files left behind by crashed processes"),
                     sweep_job, every=dt.timedelta(hours=6)),
        ScheduledJob("core.forget_sign_ins", _l("Forget expired sign-in sessions and old failed sign-ins"),
                     forget_job, every=dt.timedelta(hours=24)),
    ]
