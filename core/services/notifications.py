"""Notifications: an in-app inbox for everyone, email through an outbox, and channels modules add.

Module authors call one function::

    from core.services import notifications
    notifications.notify(director, "rooms.booking_requested", "ขอใช้ห้องประชุมใหญ่ 12 ก.ค.",
                         link=notifications.link_to("rooms.show", booking_id=b.id), module="rooms")

``notify`` only writes rows into the caller's transaction: an inbox row per
person, and one outbox row per outside channel (email, or a channel a module
adds through the ``notification_channels`` hook) the person wants this event
on. Delivery happens after the commit, out of band: a background thread after
the web request, and ``khet core mail send`` from cron. Sending therefore never
slows down or breaks the request that caused it; a failed send is logged and
retried with growing pauses until MAX_ATTEMPTS.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Protocol, runtime_checkable

from flask import current_app, g, has_app_context, has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, or_, select, update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db, per_request, utcnow, write_transaction
from core.plugin_api import NotificationEvent

log = logging.getLogger(__name__)

INBOX = "inbox"  # the in-app inbox: a "channel" only for preferences
EMAIL = "email"
MAX_ATTEMPTS = 8
# Pause before the next try after the n-th failure (minutes); the last one repeats.
RETRY_MINUTES = (1, 5, 15, 60, 180, 360, 720)
CLAIM_MINUTES = 10  # a sender that dies mid-send frees its message after this

MAIL_SETTINGS = "core.mail"
MAIL_DEFAULTS = {
    "host": "",
    "port": 587,
    "security": "starttls",  # starttls | ssl | none
    "username": "",
    "password": "",
    "sender": "",
    "sender_name": "",
    "site_url": "",  # e.g. https://khet.example.go.th, so links in mail are complete
    "timeout": 20,
}


# --- tables ------------------------------------------------------------------------


class Notification(db.Model):
    """One inbox item of one person."""

    __tablename__ = "core_notification"
    __table_args__ = (Index("ix_core_notification_person_unread", "person_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(100))
    module: Mapped[str] = mapped_column(String(64), default="core")
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    person = relationship("Person")


class NotificationPreference(db.Model):
    """A person's choice for one event on one channel; no row means the event's default."""

    __tablename__ = "core_notification_preference"
    __table_args__ = (UniqueConstraint("person_id", "event", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class OutboxMessage(db.Model):
    """A message waiting to leave through a channel (email, LINE ...), with its delivery attempts."""

    __tablename__ = "core_notification_outbox"
    __table_args__ = (Index("ix_core_notification_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"), index=True)
    address: Mapped[str] = mapped_column(String(255))
    event: Mapped[str] = mapped_column(String(100), default="")
    module: Mapped[str] = mapped_column(String(64), default="core")
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


# --- events ------------------------------------------------------------------------


def registered_events() -> list[NotificationEvent]:
    """The NotificationEvents of core and the enabled modules (their notification_events hooks), sorted by id.

    Asked once per request. A disabled module's events are not listed; an event
    nobody declares still notifies, on every channel.
    """
    from core.plugins import registry

    def ask():
        found: dict[str, NotificationEvent] = {}
        for event in registry().collect("notification_events"):
            if not isinstance(event, NotificationEvent) or event.id in found:
                log.error("notification event %r ignored: not a NotificationEvent, or declared twice", event)
                continue
            found[event.id] = event
        return found

    return sorted(per_request("khet_notification_events", ask).values(), key=lambda event: event.id)


def _event_type(event: str) -> NotificationEvent | None:
    return next((known for known in registered_events() if known.id == event), None)


# --- channels ----------------------------------------------------------------------


@dataclass
class OutgoingMessage:
    """What a channel gets to send: plain text, with an absolute link when the site URL is set."""

    subject: str
    body: str
    link: str = ""
    event: str = ""
    module: str = ""
    person_id: int | None = None
    message_id: int | None = None


@runtime_checkable
class NotificationChannel(Protocol):
    """What a module's ``notification_channels()`` hook returns objects of."""

    id: str  # short and unique: "line", "telegram"
    label: object  # shown on the preferences page

    def address_for(self, person) -> str | None:
        """Where this person receives messages on the channel; None when they do not."""

    def send(self, address: str, message: OutgoingMessage) -> None:
        """Deliver one message; raise any exception to have it retried later."""


class MailError(Exception):
    """Email could not be sent; the message says why."""


class EmailChannel:
    """Email through the SMTP server set on the admin's mail page."""

    id = EMAIL
    label = _l("Email")

    def address_for(self, person) -> str | None:
        # Asked once per recipient: a letter to 300 schools would otherwise read the settings 300 times.
        if not (person.email or "").strip() or not per_request("core_mail_host", lambda: mail_settings()["host"]):
            return None
        return person.email.strip()

    def send(self, address: str, message: OutgoingMessage) -> None:
        body = message.body
        if message.link:
            body = f"{body}\n\n{message.link}" if body else message.link
        send_email(mail_settings(), address, message.subject, body)


def channels() -> dict[str, NotificationChannel]:
    """Every outside channel by id: email, then those of enabled modules."""
    from core.plugins import registry

    found: dict[str, NotificationChannel] = {EMAIL: EmailChannel()}
    for channel in registry().collect("notification_channels"):
        if not isinstance(channel, NotificationChannel) or channel.id in found or channel.id == INBOX:
            log.error("notification channel %r ignored: not a channel, or its id is taken", getattr(channel, "id", channel))
            continue
        found[channel.id] = channel
    return found


def channel_choices() -> list[tuple[str, object]]:
    """(id, label) of the inbox and every outside channel, for the preferences page."""
    return [(INBOX, _l("In Khet"))] + [(c.id, c.label) for c in channels().values()]


# --- settings and email ------------------------------------------------------------


MAIL_PASSWORD_PURPOSE = "core.mail.password"


def mail_settings() -> dict:
    """The mail settings with the SMTP password opened (it is stored sealed, see core.crypto).

    A password the instance secret can no longer open reads as empty, with
    ``password_unreadable`` set, so the admin page can ask for it again.
    """
    from core import crypto
    from core.settings import get_settings

    defaults = dict(MAIL_DEFAULTS, host=current_app.config.get("MAIL_SERVER") or "")
    values = get_settings(MAIL_SETTINGS, defaults=defaults)
    values["password_unreadable"] = False
    try:
        values["password"] = crypto.unseal(values.get("password"), MAIL_PASSWORD_PURPOSE)
    except crypto.UnreadableSecret:
        log.error("the saved SMTP password cannot be opened with this instance's secret key; enter it again")
        values["password"], values["password_unreadable"] = "", True
    return values


def save_mail_password(password: str) -> None:
    """Store the SMTP password sealed (the caller commits)."""
    from core import crypto
    from core.settings import save_settings

    save_settings(MAIL_SETTINGS, {"password": crypto.seal(password, MAIL_PASSWORD_PURPOSE)})


def seal_plain_mail_password() -> bool:
    """Seal a password saved in plain text before sealing existed; True when one was (the caller commits)."""
    from core import crypto
    from core.settings import get_settings

    stored = get_settings(MAIL_SETTINGS, defaults={}).get("password")
    if not stored or crypto.is_sealed(stored):
        return False
    save_mail_password(stored)
    return True


def send_email(settings: dict, to: str, subject: str, body: str) -> None:
    """Send one plain-text email now; raises MailError (or an OSError/SMTP error) when it fails."""
    if not settings.get("host"):
        raise MailError(translated(_l("No mail server is set.")))
    sender = settings.get("sender") or settings.get("username")
    if not sender:
        raise MailError(translated(_l("No sender address is set.")))
    message = EmailMessage()
    message["From"] = formataddr((settings.get("sender_name") or "", sender))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body or subject)
    timeout = float(settings.get("timeout") or 20)
    port = int(settings.get("port") or 25)
    security = settings.get("security") or "none"
    if security == "ssl":
        server = smtplib.SMTP_SSL(settings["host"], port, timeout=timeout, context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(settings["host"], port, timeout=timeout)
    with server:
        if security == "starttls":
            server.starttls(context=ssl.create_default_context())
        if settings.get("username"):
            server.login(settings["username"], settings.get("password") or "")
        server.send_message(message)


def send_test_email(address: str) -> None:
    """Send a test message now with the saved settings (the admin's test button)."""
    send_email(
        mail_settings(), address, translated(_l("Khet test message")),
        translated(_l("This message shows that Khet can send email with the current settings.")),
    )


# --- notifying ---------------------------------------------------------------------


@contextlib.contextmanager
def language_of(person=None):
    """Render lazy strings in ``person``'s language, or the installation's default; inside or outside a request."""
    locale = getattr(person, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        yield


def translated(text, person=None) -> str:
    """A lazy_gettext string as text: in ``person``'s language when given, else the request's (or the default)."""
    if person is None and has_request_context():
        return str(text)
    with language_of(person):
        return str(text)


def link_to(endpoint: str, **values) -> str:
    """The path of a page, from anywhere (a view, a cron job): for ``notify(link=...)``."""
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build(endpoint, values)


def _as_people(people) -> list:
    if people is None:
        return []
    if not isinstance(people, (list, tuple, set, frozenset)):
        people = [people]
    unique = {}
    for person in people:
        if person is not None and person.active:
            unique.setdefault(person.id, person)
    return list(unique.values())


def _check_link(link: str) -> str:
    link = (link or "").strip()
    if link and (not link.startswith("/") or link.startswith("//")):
        raise ValueError("a notification link is a path within Khet, e.g. from link_to()")
    return link


def _choices_of(person_ids: list[int], event: str) -> dict[tuple[int, str], bool]:
    rows = db.session.execute(
        select(NotificationPreference.person_id, NotificationPreference.channel, NotificationPreference.enabled)
        .where(NotificationPreference.person_id.in_(person_ids), NotificationPreference.event == event)
    ).all()
    return {(person_id, channel): enabled for person_id, channel, enabled in rows}


def _default_on(event: str | NotificationEvent | None, channel: str) -> bool:
    event_type = _event_type(event) if isinstance(event, str) else event
    if event_type is None or event_type.default_channels is None:
        return True
    return channel in event_type.default_channels


def notify(people, event: str, title, link: str = "", module: str = "core", body="") -> list[Notification]:
    """Tell one person or several about an event: inbox rows now, outside channels after the commit.

    ``title`` and ``body`` may be lazy_gettext strings: each person then reads
    them in their own language. Inactive people and duplicates are skipped.
    Returns the inbox rows written.
    """
    link = _check_link(link)
    people = _as_people(people)
    if not people:
        return []
    chosen = _choices_of([p.id for p in people], event)
    outside = channels()
    event_type = _event_type(event)  # asked once, not once per person and channel
    written, queued = [], 0
    for person in people:
        def wants(channel_id: str, person=person) -> bool:
            return chosen.get((person.id, channel_id), _default_on(event_type, channel_id))

        with language_of(person):
            title_text, body_text = str(title).strip()[:255], str(body or "").strip()
        if wants(INBOX):
            item = Notification(person_id=person.id, event=event, module=module, title=title_text, body=body_text, link=link)
            db.session.add(item)
            written.append(item)
        for channel in outside.values():
            address = channel.address_for(person) if wants(channel.id) else None
            if address:
                db.session.add(OutboxMessage(
                    channel=channel.id, person_id=person.id, address=address[:255], event=event, module=module,
                    subject=title_text, body=body_text, link=link, next_attempt_at=utcnow(),
                ))
                queued += 1
    db.session.flush()
    if queued and has_request_context():
        g.khet_outbox_waiting = True  # the notifications blueprint starts delivery after the request
    return written


# --- the inbox ---------------------------------------------------------------------


def inbox(person, unread_only: bool = False):
    """A select() of the person's notifications, newest first, for paginate()."""
    statement = select(Notification).where(Notification.person_id == person.id)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return statement.order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_count(person) -> int:
    return db.session.scalar(unread_count_query(person)) or 0


def unread_count_query(person):
    """unread_count as a select() of one count: the layout asks it with the menu badges, in one query.

    Every signed-in page asks it, so a worker keeps each person's statement (core.cache).
    """
    from core import cache

    return cache.cached(("notifications.unread_count_query", person.id), (), lambda: (
        select(func.count()).select_from(Notification)
        .where(Notification.person_id == person.id, Notification.read_at.is_(None))
    ))


def mark_read(person, notification_id: int) -> Notification | None:
    """Mark one of the person's own notifications read; None when it is not theirs."""
    item = db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.person_id == person.id)
    )
    if item is not None and item.read_at is None:
        item.read_at = utcnow()
    return item


def mark_all_read(person) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.person_id == person.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount


# --- preferences -------------------------------------------------------------------


def preferences_of(person) -> dict[tuple[str, str], bool]:
    """{(event, channel): on?} for every registered event and every channel."""
    saved = {
        (row.event, row.channel): row.enabled
        for row in db.session.scalars(select(NotificationPreference).where(NotificationPreference.person_id == person.id))
    }
    return {
        (event.id, channel_id): saved.get((event.id, channel_id), _default_on(event, channel_id))
        for event in registered_events()
        for channel_id, _label in channel_choices()
    }


def save_preferences(person, chosen: set[tuple[str, str]]) -> None:
    """Store the person's choices: the (event, channel) pairs in ``chosen`` are on, all others off."""
    existing = {
        (row.event, row.channel): row
        for row in db.session.scalars(select(NotificationPreference).where(NotificationPreference.person_id == person.id))
    }
    for event in registered_events():
        for channel_id, _label in channel_choices():
            key = (event.id, channel_id)
            row = existing.get(key) or NotificationPreference(person_id=person.id, event=event.id, channel=channel_id)
            row.enabled = key in chosen
            db.session.add(row)
    db.session.flush()


# --- delivery ----------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed try."""
    return dt.timedelta(minutes=RETRY_MINUTES[min(attempts, len(RETRY_MINUTES)) - 1])


def _due_ids(now: dt.datetime, limit: int) -> list[int]:
    return list(db.session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ))


def _claim(message_id: int, now: dt.datetime) -> bool:
    """Take one message for sending; False when another sender (process, thread) has it."""
    with write_transaction():
        result = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == "pending",
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .values(claimed_until=now + dt.timedelta(minutes=CLAIM_MINUTES))
        )
        db.session.commit()
    return result.rowcount == 1


def _settle(message_id: int, error: str | None, report: DeliveryReport) -> None:
    with write_transaction():
        message = db.session.get(OutboxMessage, message_id)
        message.attempts += 1
        message.claimed_until = None
        if error is None:
            message.status, message.sent_at, message.last_error = "sent", utcnow(), ""
            report.sent += 1
        else:
            message.last_error = error[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = "failed"
                report.failed += 1
                log.error("giving up on %s message %s to %s after %s tries: %s",
                          message.channel, message.id, message.address, message.attempts, error)
            else:
                message.next_attempt_at = utcnow() + retry_delay(message.attempts)
                report.retrying += 1
                log.warning("%s message %s to %s failed (try %s), retrying at %s: %s",
                            message.channel, message.id, message.address, message.attempts, message.next_attempt_at, error)
            report.errors.append(error)
        db.session.commit()


def _outgoing(message: OutboxMessage, site_url: str) -> OutgoingMessage:
    link = f"{site_url.rstrip('/')}{message.link}" if message.link and site_url else message.link
    return OutgoingMessage(
        subject=message.subject, body=message.body, link=link, event=message.event, module=message.module,
        person_id=message.person_id, message_id=message.id,
    )


def deliver_due(now: dt.datetime | None = None, limit: int = 200) -> DeliveryReport:
    """Send the outbox messages that are due; safe to run in several processes at once."""
    now = now or utcnow()
    report = DeliveryReport()
    ids = _due_ids(now, limit)
    db.session.commit()  # end the read before any network wait
    if not ids:
        return report
    outside = channels()
    site_url = mail_settings().get("site_url") or ""
    db.session.commit()
    for message_id in ids:
        if not _claim(message_id, now):
            continue
        message = db.session.get(OutboxMessage, message_id)
        channel = outside.get(message.channel)
        outgoing, address = _outgoing(message, site_url), message.address
        db.session.commit()
        error = None
        if channel is None:
            error = f"channel {message.channel!r} is not available (module disabled?)"
        else:
            try:
                channel.send(address, outgoing)
            except Exception as exc:  # any failure of a channel means: try again later
                error = f"{type(exc).__name__}: {exc}"
            db.session.rollback()  # end any read the channel began (settings ...): _settle must begin as a writer
        _settle(message_id, error, report)
    return report


def outbox_summary() -> dict[str, int]:
    """{status: count} for the admin's mail page."""
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return {status: count for status, count in rows}


def outbox_problems(limit: int = 20) -> list[OutboxMessage]:
    """Messages that failed at least once, newest first."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.last_error != "", OutboxMessage.status != "sent")
        .order_by(OutboxMessage.id.desc()).limit(limit)
    ))


# --- background delivery after a request ---------------------------------------------

_worker_lock = threading.Lock()
_worker: threading.Thread | None = None
_run_again = threading.Event()


def deliver_in_background(app) -> threading.Thread | None:
    """Start (or nudge) this process's delivery thread; cron's `khet core mail send` is the safety net."""
    global _worker
    if not app.config.get("MAIL_SEND_AFTER_REQUEST", True):
        return None
    with _worker_lock:
        _run_again.set()
        if _worker is not None and _worker.is_alive():
            return _worker
        _worker = threading.Thread(target=_deliver_loop, args=(app,), name="khet-outbox", daemon=True)
        _worker.start()
        return _worker


def _deliver_loop(app) -> None:
    global _worker
    while True:
        with _worker_lock:  # leaving under the lock: a nudge cannot fall between check and exit
            if not _run_again.is_set():
                _worker = None
                return
            _run_again.clear()
        with app.app_context():
            try:
                deliver_due(limit=100)
            except Exception:  # the cron run will try again; the request is long gone
                log.exception("background delivery of notifications failed")
            finally:
                db.session.remove()


def outbox_waiting() -> bool:
    """True when this request queued outside messages (the blueprint's teardown asks)."""
    return has_app_context() and bool(g.pop("khet_outbox_waiting", False))

