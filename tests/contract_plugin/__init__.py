"""A module that implements every hook of core/hookspecs.py, for tests/test_hooks_documented.py.

Each hook leaves a mark the test can see only if core really called it: a page,
a menu link, a card, a search result, a row in ``contract_note``. Nothing here
is meant as an example of a good module (examples/khet-visitors is that); it
is the smallest thing that answers every hook.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from core.hookspecs import hookimpl
from core.plugin_api import DashboardCard, MenuItem, Permission, PluginInfo, SearchResult, SettingsSpec

PLUGIN_ID = "contract"
PERMISSION = "contract.use"
SEARCH_WORD = "contractword"


@hookimpl
def plugin_info():
    return PluginInfo(id=PLUGIN_ID, name_th="โมดูลทดสอบสัญญา", name_en="Contract test module", version="0.0.1")


@hookimpl
def blueprints():
    from .views import bp

    return [bp]


@hookimpl
def model_classes():
    from .models import ContractNote

    return [ContractNote]


@hookimpl
def migrations_folder():
    # Not the default "migrations": the test can tell that core asked this hook.
    return Path(__file__).parent / "revisions"


@hookimpl
def permissions():
    return [Permission(PERMISSION, _l("Use the contract test module"))]


@hookimpl
def menu_items(user):
    return [MenuItem(_l("Contract page"), "contract.page", permission=PERMISSION, weight=999)]


@hookimpl
def dashboard_cards(user):
    return [DashboardCard(_l("Contract card"), "contract/card.html", {"greeting": f"card for {user.username}"},
                          permission=PERMISSION)]


@hookimpl
def settings_form():
    from .views import ContractSettingsForm

    return SettingsSpec(form_class=ContractSettingsForm, defaults={"greeting": "สวัสดี"})


@hookimpl
def cli_commands():
    @click.command("hello")
    @click.argument("name")
    def hello(name):
        """Say hello, proving the command was mounted under `khet contract`."""
        click.echo(f"contract says hello to {name}")

    return [hello]


@hookimpl
def demo_data(office, rng):
    note(f"demo_data:{office.name}")


@hookimpl
def search(user, query, limit):
    if SEARCH_WORD not in query or not user.can(PERMISSION):
        return []
    return [SearchResult(title=f"Contract result for {query}", url="/contract/", summary="found by the contract module")]


@hookimpl
def person_deactivated(person):
    note(f"person_deactivated:{person.id}")


@hookimpl
def person_changed_group(person, old_group, new_group):
    note(f"person_changed_group:{person.id}:{old_group.id if old_group else None}:{new_group.id if new_group else None}")


@hookimpl
def school_added(school):
    note(f"school_added:{school.code}")


@hookimpl
def template_slot(slot, context):
    if slot != "home_top":
        return None
    return Markup('<div data-contract-slot="home_top">') + escape(context["user"].username) + Markup("</div>")


@hookimpl
def attachment_access(user, attachment):
    if attachment.record_type != "note":
        return None  # not a kind of record this module attaches files to
    return user.can(PERMISSION)


class PigeonChannel:
    """A notification channel that delivers into SENT, so the test can see what core sent through it."""

    id = "contract_pigeon"
    label = _l("Carrier pigeon")

    def address_for(self, person):
        return f"pigeon:{person.username}"

    def send(self, address, message):
        SENT.append((address, message.subject))


SENT: list[tuple[str, str]] = []


@hookimpl
def notification_channels():
    return [PigeonChannel()]


def note(text: str) -> None:
    """Record that a hook ran, in the caller's transaction (core commits it with its own change)."""
    from core.db import db

    from .models import ContractNote

    db.session.add(ContractNote(text=text))
