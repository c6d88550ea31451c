"""Correspondence (งานสารบรรณ): the registers of letters received and sent, their numbers, sending to schools.

Hook implementations only: the rules live in ``services``, the pages in ``views``, search results and the
home page's cards in ``integrations``, the codes in ``permissions``. Numbers come from
core.services.numbers, files from core.services.attachments, the who-saw-what record from
core.services.audit. See README.md for the rules.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.api import MenuItem, PluginInfo, hookimpl

PLUGIN_ID = "correspondence"

# Loaded here, before the ``permissions`` hook below is defined: importing the submodule later would set the
# package's ``permissions`` attribute to it, hiding the hook. Import the codes by name: ``from
# plugins.correspondence.permissions import READ``.
from plugins.correspondence import permissions as permission_codes  # noqa: E402


@hookimpl
def plugin_info():
    return PluginInfo(
        id=PLUGIN_ID,
        name_th="งานสารบรรณ",
        name_en="Correspondence",
        version="0.1.0",
        core_api="1.1",
        description=_l("Registers of letters received and sent, their numbers, and sending letters to schools."),
    )


@hookimpl
def blueprints():
    from plugins.correspondence.views import bp

    return [bp]


@hookimpl
def model_classes():
    from plugins.correspondence import models

    return [models.Register, models.Letter, models.Correction, models.Delivery, models.SecretReader, models.Route,
            models.Assignment, models.LetterCode, models.RecipientList, models.DestructionList, models.DestructionItem]


@hookimpl
def permissions():
    return permission_codes.declared()


@hookimpl
def menu_items(user):
    from plugins.correspondence.services.retention import keeps_any_register
    from plugins.correspondence.services.tracking import is_sender

    items = [
        MenuItem(_l("Registers of letters"), "correspondence.index", section="general", weight=20),
        MenuItem(_l("Letters sent to me"), "correspondence.inbox", section="general", weight=21),
        MenuItem(_l("My letters"), "correspondence.my_letters", section="general", weight=22),
        MenuItem(_l("Search letters"), "correspondence.search", section="general", weight=23),
    ]
    if is_sender(user):
        items.append(MenuItem(_l("Send a letter"), "correspondence.compose_start", section="general", weight=19))
        items.append(MenuItem(_l("Letters not received in time"), "correspondence.follow_up", section="general",
                              weight=24))
    if keeps_any_register(user):
        items.append(MenuItem(_l("Destruction of letters"), "correspondence.retention_index", section="general",
                              weight=25))
    return items


@hookimpl
def settings_form():
    from plugins.correspondence.settings import settings_spec

    return settings_spec()


@hookimpl
def cli_commands():
    from plugins.correspondence.cli import COMMANDS

    return COMMANDS


@hookimpl
def attachment_access(user, attachment):
    """A letter's files are exactly as secret as the letter."""
    from core.api import db
    from plugins.correspondence import services
    from plugins.correspondence.models import Letter

    if attachment.record_type != "letter":
        return None
    letter = db.session.get(Letter, attachment.record_id)
    return letter is not None and services.may_read_files(user, letter)


@hookimpl
def dashboard_cards(user):
    from plugins.correspondence.integrations import dashboard_cards

    return dashboard_cards(user)


@hookimpl
def search(user, query, limit):
    from plugins.correspondence.integrations import search_results

    return search_results(user, query, limit)


@hookimpl
def demo_data(office, rng):
    from plugins.correspondence import demo

    demo.create_demo_letters(rng)


@hookimpl
def notification_events():
    from plugins.correspondence import integrations

    return integrations.notification_events()


@hookimpl
def scheduled_jobs():
    from plugins.correspondence import integrations

    return integrations.scheduled_jobs()


@hookimpl
def link_targets():
    from plugins.correspondence import integrations

    return integrations.link_targets()


@hookimpl
def audit_actions():
    from plugins.correspondence import integrations

    return integrations.audit_actions()
