"""Meeting rooms (จองห้องประชุม): book a room, have it approved where the room asks for it, see who has it when.

Hook implementations only: the rules live in ``services``, the pages in ``views``, what other parts of
Khet show of rooms (search, the home page's card) in ``integrations``. Times are
held by core's booking guard (``core.services.booking``), approvals go through
``core.services.approvals``, people are told through core notifications.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.api import MenuItem, PluginInfo, hookimpl

PLUGIN_ID = "rooms"

# Loaded here, before the ``permissions`` hook below is defined: importing the submodule later would set the
# package's ``permissions`` attribute to it, hiding the hook. Import the codes by name: ``from
# plugins.rooms.permissions import BOOK``.
from plugins.rooms import permissions as permission_codes  # noqa: E402


@hookimpl
def plugin_info():
    return PluginInfo(
        id=PLUGIN_ID,
        name_th="จองห้องประชุม",
        name_en="Meeting rooms",
        version="1.0.0",
        core_api="1.1",
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
def permissions():
    return permission_codes.declared()


@hookimpl
def menu_items(user):
    from plugins.rooms import services
    from plugins.rooms.permissions import APPROVE, BOOK, MANAGE, VIEW_STATS

    return [
        MenuItem(_l("Meeting rooms"), "rooms.index", section="general", permission=BOOK, weight=60),
        MenuItem(_l("Book a room"), "rooms.new_booking", section="general", permission=BOOK, weight=61),
        MenuItem(_l("My room bookings"), "rooms.mine", section="general", permission=BOOK, weight=62),
        MenuItem(_l("Room bookings to approve"), "rooms.waiting", section="general", permission=APPROVE,
                 weight=63, badge=services.waiting_count_query),
        MenuItem(_l("Manage meeting rooms"), "rooms.manage", section="general", permission=MANAGE, weight=64),
        MenuItem(_l("Meeting room usage"), "rooms.stats", section="general", permission=VIEW_STATS, weight=65),
    ]


@hookimpl
def dashboard_cards(user):
    from plugins.rooms.integrations import dashboard_cards

    return dashboard_cards(user)


@hookimpl
def settings_form():
    from plugins.rooms.settings import settings_spec

    return settings_spec()


@hookimpl
def cli_commands():
    from plugins.rooms.cli import COMMANDS

    return COMMANDS


@hookimpl
def search(user, query, limit):
    from plugins.rooms.integrations import search_results

    return search_results(user, query, limit)


@hookimpl
def attachment_access(user, attachment):
    """Room photos: anyone who may see the rooms."""
    from plugins.rooms.permissions import BOOK, MANAGE

    if attachment.record_type != "room":
        return None
    return user.can(BOOK) or user.can(MANAGE)


@hookimpl
def person_deactivated(person):
    from plugins.rooms import services

    services.person_left(person)


@hookimpl
def demo_data(office, rng):
    from plugins.rooms import demo

    demo.create_demo_rooms(rng)


@hookimpl
def notification_events():
    from plugins.rooms import integrations

    return integrations.notification_events()


@hookimpl
def scheduled_jobs():
    from plugins.rooms import integrations

    return integrations.scheduled_jobs()


@hookimpl
def approval_kinds():
    from plugins.rooms import integrations

    return integrations.approval_kinds()


@hookimpl
def audit_actions():
    from plugins.rooms import integrations

    return integrations.audit_actions()
