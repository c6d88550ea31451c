"""Correspondence (งานสารบรรณ): the registers of letters received and sent, their numbers, sending to schools.

Wiring only: the rules live in ``services``, the pages in ``views``. Numbers come from
core.services.numbers, files from core.services.attachments, the who-saw-what record from
core.services.audit. See README.md for the rules.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.plugin_api import MenuItem, Permission, PluginInfo, SettingsSpec

PLUGIN_ID = "correspondence"


@hookimpl
def plugin_info():
    return PluginInfo(
        id=PLUGIN_ID,
        name_th="งานสารบรรณ",
        name_en="Correspondence",
        version="0.1.0",
        core_api="1.0",
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
def migrations_folder():
    return Path(__file__).parent / "migrations"


@hookimpl
def permissions():
    return [
        Permission("correspondence.read", _l("Read the office's and groups' registers of letters"), scopable=True),
        Permission("correspondence.register", _l("Register letters and take letter numbers"), scopable=True),
        Permission("correspondence.secret", _l("Keep the secret letters register"), scopable=True),
        Permission("correspondence.send", _l("Send letters to schools, groups and people"), scopable=True),
    ]


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
    from plugins.correspondence.forms.sending import SendingSettingsForm
    from plugins.correspondence.services.sending import SETTINGS_DEFAULTS, validate_settings

    return SettingsSpec(form_class=SendingSettingsForm, defaults=dict(SETTINGS_DEFAULTS), validate=validate_settings)


@hookimpl
def cli_commands():
    from plugins.correspondence.services.tracking import remind_command

    return [remind_command]  # khet correspondence remind --days 3, daily from cron


@hookimpl
def attachment_access(user, attachment):
    """A letter's files are exactly as secret as the letter."""
    from core.db import db
    from plugins.correspondence import services
    from plugins.correspondence.models import Letter

    if attachment.record_type != "letter":
        return None
    letter = db.session.get(Letter, attachment.record_id)
    return letter is not None and services.may_read(user, letter)


@hookimpl
def dashboard_cards(user):
    from plugins.correspondence.services.dashboard import cards_for

    return cards_for(user)


@hookimpl
def search(user, query, limit):
    from plugins.correspondence.services.search import search_results

    return search_results(user, query, limit)


@hookimpl
def demo_data(office, rng):
    from plugins.correspondence import demo

    demo.create_demo_letters(rng)
