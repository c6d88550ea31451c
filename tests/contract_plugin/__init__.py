"""A module that implements every hook of core/hookspecs.py, for tests/test_hooks_documented.py.

Each hook leaves a mark the test can see only if core really called it: a page,
a menu link, a card, a search result, a row in ``contract_note``. Nothing here
is meant as an example of a good module (examples/khet-visitors is that); it
is the smallest thing that answers every hook.
"""

from __future__ import annotations

from pathlib import Path

import datetime as dt

import click
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from core.hookspecs import hookimpl
from core.plugin_api import (ApprovalKind, AwayEntry, DashboardCard, LinkedRecord, LinkTarget, MenuItem, NotificationEvent,
                             Permission, PluginInfo, ScheduledJob, SearchResult, SettingsSpec)

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
    if slot == "person_detail":
        return Markup('<div data-contract-slot="person_detail">') + escape(context["person"].username) + Markup("</div>")
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


APPROVAL_KIND = "request"
EVENT = "contract.test"
JOB = "contract.tick"
LINK_KIND = "contract.note"
AWAY_PREFIX = "away"  # people whose username starts with this are away, as far as this module knows


@hookimpl
def approval_kinds():
    def decided(request, outcome):
        note(f"approval:{request.record_id}:{outcome}")

    return [ApprovalKind(PLUGIN_ID, APPROVAL_KIND, label=_l("Contract request"), on_outcome=decided)]


@hookimpl
def notification_events():
    return [NotificationEvent(EVENT, _l("Contract event happened"))]


def tick(now):
    note(f"job:{JOB}")
    return "ticked"


@hookimpl
def scheduled_jobs():
    return [ScheduledJob(JOB, _l("Contract tick"), tick, every=dt.timedelta(hours=1))]


def _note_record(row) -> LinkedRecord:
    return LinkedRecord(kind=LINK_KIND, id=str(row.id), title=f"note {row.text}", url="/contract/")


def search_notes(user, query, limit):
    """Notes whose text holds the query, for holders of the module's permission only."""
    from sqlalchemy import select

    from core.db import db

    from .models import ContractNote

    if not user.can(PERMISSION):
        return []
    rows = db.session.scalars(select(ContractNote).where(ContractNote.text.contains(query)).limit(limit))
    return [_note_record(row) for row in rows]


def describe_notes(ids, user):
    from core.db import db

    from .models import ContractNote

    if not user.can(PERMISSION):
        return {}
    rows = [db.session.get(ContractNote, int(record_id)) for record_id in ids if record_id.isdigit()]
    return {str(row.id): _note_record(row) for row in rows if row is not None}


@hookimpl
def link_targets():
    return [LinkTarget(LINK_KIND, _l("Contract note"), search=search_notes, describe=describe_notes, category="asset")]


@hookimpl
def away_entries(start, end, viewer):
    from sqlalchemy import select

    from core.db import db
    from core.models import Person

    people = db.session.scalars(select(Person).where(Person.username.startswith(AWAY_PREFIX)).order_by(Person.username))
    return [AwayEntry(person=person, start=start, end=end, reason=_l("Contract trip"), module=PLUGIN_ID, url="/contract/")
            for person in people]


@hookimpl
def audit_actions():
    return {"note.make": _l("Contract note made")}


def note(text: str) -> None:
    """Record that a hook ran, in the caller's transaction (core commits it with its own change)."""
    from core.db import db

    from .models import ContractNote

    db.session.add(ContractNote(text=text))
