"""Visitors (ทะเบียนผู้มาติดต่อราชการ): the front desk logs who came to the office, to see whom, and when they left.

A third-party Khet module, packaged on its own (``khet-visitors``) and found
through the ``khet.plugins`` entry point. It has the canonical shape of every
Khet module (docs/writing-a-module.md): this file holds only hook
implementations and PLUGIN_ID; the rules live in ``services``, the pages in
``views``, the codes in ``permissions``, what the rest of Khet shows of the log
in ``integrations``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.api import MenuItem, PluginInfo, hookimpl

PLUGIN_ID = "visitors"

# Loaded here, before the ``permissions`` hook below is defined: importing the submodule later would set the
# package's ``permissions`` attribute to it, hiding the hook. Import the codes by name: ``from
# khet_visitors.permissions import VIEW``.
from khet_visitors import permissions as permission_codes  # noqa: E402


@hookimpl
def plugin_info():
    return PluginInfo(
        id=PLUGIN_ID,
        name_th="ทะเบียนผู้มาติดต่อราชการ",
        name_en="Visitor log",
        version="1.0.0",
        core_api="1.1",
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
    return permission_codes.declared()


@hookimpl
def menu_items(user):
    from khet_visitors.permissions import RECORD, VIEW

    return [
        MenuItem(_l("Visitor log"), f"{PLUGIN_ID}.index", section="general", permission=VIEW, weight=150),
        MenuItem(_l("Record a visitor"), f"{PLUGIN_ID}.record", section="general", permission=RECORD, weight=151),
    ]


@hookimpl
def dashboard_cards(user):
    from khet_visitors.integrations import dashboard_cards

    return dashboard_cards(user)


@hookimpl
def search(user, query, limit):
    from khet_visitors.integrations import search_results

    return search_results(user, query, limit)


@hookimpl
def template_slot(slot, context):
    """On the home page, tell the person being visited who is waiting for them."""
    if slot != "home_top":
        return None
    from khet_visitors.integrations import waiting_on_home_page

    return waiting_on_home_page(context["user"])


@hookimpl
def cli_commands():
    from khet_visitors.cli import COMMANDS

    return COMMANDS


@hookimpl
def demo_data(office, rng):
    from khet_visitors.demo import create_demo_visits

    create_demo_visits(rng)
