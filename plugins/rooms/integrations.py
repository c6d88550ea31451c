"""What rooms offers core through hooks: its approval kinds, notification events and the reminder job.
The hook implementations in ``__init__.py`` return these; nothing here runs at import time."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from core.plugin_api import ApprovalKind, NotificationEvent, ScheduledJob


def approval_kinds() -> list[ApprovalKind]:
    from plugins.rooms import services

    return [
        ApprovalKind(services.MODULE, services.KIND_BOOKING, label=_l("Room booking"),
                     on_outcome=services._booking_decided, decide_permission=services.DECIDE_PERMISSION),
        ApprovalKind(services.MODULE, services.KIND_SERIES, label=_l("Recurring room booking"),
                     on_outcome=services._series_decided, decide_permission=services.DECIDE_PERMISSION),
    ]


def notification_events() -> list[NotificationEvent]:
    from plugins.rooms import services

    return [
        NotificationEvent(services.EVENT_CANCELLED, _l("My room booking was cancelled by someone else")),
        NotificationEvent(services.EVENT_SLOT_FREED, _l("A room time I waited for became free")),
        NotificationEvent(services.EVENT_REMINDER, _l("Reminder of my room booking the day before")),
    ]


REMIND_FROM = dt.time(15, 0)  # Bangkok: reminders of tomorrow's meetings go out in the afternoon, as cron did


def _remind(now: dt.datetime) -> str:
    from core import calendar
    from plugins.rooms import services

    if calendar.to_local(now).time() < REMIND_FROM:
        return f"nothing before {REMIND_FROM:%H:%M}"
    return f"reminded {services.send_reminders(now)} booking(s)"


def scheduled_jobs() -> list[ScheduledJob]:
    # Every hour from 15:00 rather than once a day: a booking made for tomorrow later in the afternoon is still
    # reminded, and send_reminders marks each booking reminded, so running it again sends nothing twice.
    return [ScheduledJob("rooms.remind", _l("Remind bookers of tomorrow's meetings"), _remind,
                         every=dt.timedelta(hours=1))]
