"""Visitors (ทะเบียนผู้มาติดต่อราชการ): the front desk logs who came to the office, to see whom, and when they left.

A third-party Khet module, packaged on its own (``khet-visitors``) and found
through the ``khet.plugins`` entry point. It has the shape of every Khet
module: this file is only the wiring; the rules live in ``services``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.plugin_api import DashboardCard, MenuItem, Permission, PluginInfo

PLUGIN_ID = "visitors"
__version__ = "1.0.0"


@hookimpl
def plugin_info():
    return PluginInfo(
        id=PLUGIN_ID,
        name_th="ทะเบียนผู้มาติดต่อราชการ",
        name_en="Visitor log",
        version=__version__,
        core_api="1.0",
        description=_l("The front desk records visitors to the office: who, from where, to see whom, in and out."),
    )


@hookimpl
def blueprints():
    from khet_visitors.views import bp

    return [bp]


@hookimpl
def model_classes():
    from khet_visitors.models import Visit

    return [Visit]


@hookimpl
def permissions():
    return [
        Permission("visitors.view", _l("See the visitor log")),
        Permission("visitors.record", _l("Record visitors arriving and leaving")),
    ]


@hookimpl
def menu_items(user):
    return [
        MenuItem(_l("Visitor log"), "visitors.index", section="general", permission="visitors.view", weight=150),
        MenuItem(_l("Record a visitor"), "visitors.record", section="general", permission="visitors.record", weight=151),
    ]


@hookimpl
def dashboard_cards(user):
    from khet_visitors import services

    return [
        DashboardCard(
            _l("Visitors today"), "visitors/_card.html", {"today": services.today_counts()},
            weight=120, permission="visitors.view", link_endpoint="visitors.index",
        )
    ]


@hookimpl
def search(user, query, limit):
    from khet_visitors import services

    if not user.can("visitors.view"):
        return []
    return services.search_results(query, limit)


@hookimpl
def template_slot(slot, context):
    """On the home page, tell the person being visited who is waiting for them."""
    if slot != "home_top":
        return None
    from flask import render_template

    from khet_visitors import services

    waiting = services.waiting_for(context["user"])
    return render_template("visitors/_waiting.html", visits=waiting) if waiting else None


@hookimpl
def cli_commands():
    import click

    from core.db import write_transaction

    @click.command("sign-out-all")
    def sign_out_all():
        """Sign out every visitor still in the office (run it when the office closes)."""
        from khet_visitors import services

        with write_transaction():
            count = services.sign_out_everyone()
        click.echo(f"signed out {count} visitor(s)")

    return [sign_out_all]


@hookimpl
def demo_data(office, rng):
    from khet_visitors import services

    services.create_demo_visits(rng)
