"""Core's own hook implementations: core is registered like any module, under the id "core"."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from core import __version__, CORE_API_VERSION
from core.hookspecs import hookimpl
from core.plugin_api import MenuItem, Permission, PluginInfo, ScheduledJob


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
    from core.views import admin, approvals, attachments, auth, away, links, main, notifications

    return [auth.bp, main.bp, main.core_static, admin.bp, attachments.bp, approvals.bp, notifications.bp, links.bp, away.bp]


@hookimpl
def model_classes():
    import core.services  # noqa: F401  (the services' tables belong to core too)
    from core import models as m

    return [
        m.Office, m.Group, m.SchoolNetwork, m.School, m.SchoolList, m.Person, m.GroupMembership,
        m.SchoolMembership, m.Delegation, m.Role, m.Grant, m.LoginFailure, m.SignInSession, m.PluginState, m.Setting, m.CacheStamp,
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
    from core.services.approvals import waiting_count_query

    return [
        MenuItem(_l("Waiting for my approval"), "approvals.index", section="general", weight=5, badge=waiting_count_query),
        MenuItem(_l("My requests"), "approvals.mine", section="general", weight=6),
        MenuItem(_l("Notifications"), "notifications.inbox", section="general", weight=7),
        MenuItem(_l("Who is away"), "away.index", section="general", weight=8),
        MenuItem(_l("Personal approval chains"), "approvals.chains", section="admin", permission="core.approvals.manage", weight=75),
        MenuItem(_l("Audit log"), "admin.audit_log", section="admin", permission="core.audit.view", weight=90),
        MenuItem(_l("Email"), "admin.mail", section="admin", permission="core.mail.manage", weight=92),
    ]


@hookimpl
def dashboard_cards(user):
    from sqlalchemy import func

    from core import cache
    from core.db import db
    from core.plugin_api import DashboardCard
    from core.services.approvals import principals_of, waiting_for

    # The first five and how many in all, in one query (a window count taken before the limit); the statement
    # is kept like waiting_for's own (core.cache).
    statement = cache.cached(("approvals.card", user.id, tuple(principals_of(user))), (cache.MODULES, cache.ACCESS),
                             lambda: waiting_for(user).add_columns(func.count().over()).limit(5))
    rows = db.session.execute(statement).all()
    steps, count = [row[0] for row in rows], (rows[0][1] if rows else 0)
    return [DashboardCard(_l("Waiting for my approval"), "approvals/_card.html", {"steps": steps, "count": count},
                          weight=5, link_endpoint="approvals.index")]


@hookimpl
def notification_events():
    from core.services import approvals

    return approvals.notification_events()


@hookimpl
def scheduled_jobs():
    return [
        ScheduledJob("core.escalate_approvals", _l("Escalate approval steps nobody acted on in time"),
                     _escalate_approvals, every=dt.timedelta(minutes=15)),
        ScheduledJob("core.send_notifications", _l("Send the notification outbox, retrying failed messages"),
                     _send_notifications, every=dt.timedelta(minutes=5)),
        ScheduledJob("core.sweep_orphans", _l("Remove attachment files left behind by crashed processes"),
                     _sweep_orphans, every=dt.timedelta(hours=6)),
        ScheduledJob("core.forget_sign_ins", _l("Forget expired sign-in sessions and old failed sign-ins"),
                     _forget_sign_ins, every=dt.timedelta(hours=24)),
    ]


def _escalate_approvals(now):
    from core.services.approvals import escalate_overdue

    return f"{len(escalate_overdue(now))} step(s) escalated"


def _sweep_orphans(now):
    from core.services.attachments import sweep_job

    return sweep_job(now)


def _forget_sign_ins(now):
    from core.security import forget_job

    return forget_job(now)


def _send_notifications(now):
    from core.services.notifications import deliver_due

    report = deliver_due(now, limit=500)
    return f"sent {report.sent}, will retry {report.retrying}, gave up {report.failed}"


@hookimpl
def cli_commands():
    from core.views.approvals import approvals_cli
    from core.views.notifications import mail_cli

    return [approvals_cli, mail_cli]  # khet core approvals escalate, khet core mail send: for cron




@hookimpl
def audit_actions():
    """Core's own audit actions; the approval ones are recorded under the id of the module that asked."""
    from flask_babel import lazy_gettext as _l

    return {
        "approval.submitted": _l("Approval requested"),
        "approval.approved": _l("Approved"),
        "approval.refused": _l("Refused"),
        "approval.commented": _l("Commented"),
        "approval.returned": _l("Returned for changes"),
        "approval.withdrawn": _l("Withdrawn"),
        "approval.resubmitted": _l("Resubmitted"),
        "approval.escalated": _l("Escalated"),
        "download_attachment": _l("Downloaded an attachment"),
        "mail.settings_changed": _l("Mail settings changed"),
        "view": _l("Viewed"),
        "export": _l("Exported"),
    }
