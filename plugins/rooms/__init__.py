"""Meeting rooms (จองห้องประชุม): book a room, have it approved where the room asks for it, see who has it when.

Wiring only: the rules live in ``services``, the pages in ``views``. Times are
held by core's booking guard (``core.services.booking``), approvals go through
``core.services.approvals``, people are told through core notifications.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.plugin_api import DashboardCard, MenuItem, Permission, PluginInfo, SettingsSpec

PLUGIN_ID = "rooms"


@hookimpl
def plugin_info():
    return PluginInfo(
        id=PLUGIN_ID,
        name_th="จองห้องประชุม",
        name_en="Meeting rooms",
        version="1.0.0",
        core_api="1.0",
        description=_l("Book meeting rooms, approve bookings, see the rooms' calendars and how much they are used."),
    )


@hookimpl
def blueprints():
    from plugins.rooms.views import bp

    return [bp]


@hookimpl
def model_classes():
    from plugins.rooms.models import BlockedPeriod, Booking, FeedToken, Room, RoomEquipment, SlotWatch

    return [Room, RoomEquipment, Booking, BlockedPeriod, SlotWatch, FeedToken]


@hookimpl
def migrations_folder():
    return Path(__file__).parent / "migrations"


@hookimpl
def permissions():
    return [
        Permission("rooms.book", _l("Book meeting rooms and see their calendars")),
        Permission("rooms.approve", _l("Approve or refuse bookings of the rooms one is the approver of")),
        Permission("rooms.manage", _l("Manage meeting rooms, their closures, and anyone's bookings")),
        Permission("rooms.view_stats", _l("See and export how much the meeting rooms are used")),
    ]


@hookimpl
def menu_items(user):
    from plugins.rooms import services

    return [
        MenuItem(_l("Meeting rooms"), "rooms.index", section="general", permission="rooms.book", weight=60),
        MenuItem(_l("Book a room"), "rooms.new_booking", section="general", permission="rooms.book", weight=61),
        MenuItem(_l("My room bookings"), "rooms.mine", section="general", permission="rooms.book", weight=62),
        MenuItem(_l("Room bookings to approve"), "rooms.waiting", section="general", permission="rooms.approve",
                 weight=63, badge=services.waiting_count_query),
        MenuItem(_l("Manage meeting rooms"), "rooms.manage", section="general", permission="rooms.manage", weight=64),
        MenuItem(_l("Meeting room usage"), "rooms.stats", section="general", permission="rooms.view_stats", weight=65),
    ]


@hookimpl
def dashboard_cards(user):
    from plugins.rooms import services

    if not user.can("rooms.book"):
        return []
    return [
        DashboardCard(
            _l("My next meetings"), "rooms/_card.html", {"bookings": services.upcoming_of(user, limit=5)},
            weight=60, permission="rooms.book", link_endpoint="rooms.mine",
        )
    ]


@hookimpl
def settings_form():
    from plugins.rooms.forms import RoomSettingsForm
    from plugins.rooms.services import SETTINGS_DEFAULTS, validate_settings

    return SettingsSpec(form_class=RoomSettingsForm, defaults=dict(SETTINGS_DEFAULTS), validate=validate_settings)


@hookimpl
def cli_commands():
    import click

    @click.command("remind")
    def remind():
        """Remind bookers of tomorrow's meetings (run it daily from cron)."""
        from core.plugins import registry
        from plugins.rooms import services

        if not registry().is_enabled(PLUGIN_ID):
            click.echo("the rooms module is switched off: no reminders sent")
            return
        click.echo(f"reminded {services.send_reminders()} booking(s)")

    return [remind]


@hookimpl
def search(user, query, limit):
    from flask import url_for

    from plugins.rooms import services

    if not user.can("rooms.book"):
        return []

    def link_for(kind, record_id):
        if kind == "room":
            return url_for("rooms.room", room_id=record_id)
        return url_for("rooms.show_booking", booking_id=record_id)

    return services.search_results(query, limit, link_for)


@hookimpl
def attachment_access(user, attachment):
    """Room photos: anyone who may see the rooms."""
    if attachment.record_type != "room":
        return None
    return user.can("rooms.book") or user.can("rooms.manage")


@hookimpl
def person_deactivated(person):
    from plugins.rooms import services

    services.person_left(person)


@hookimpl
def demo_data(office, rng):
    from plugins.rooms import demo

    demo.create_demo_rooms(rng)
