"""Notifications: the inbox, preferences, the email outbox with a fake SMTP server (retries included),
delivery after the request, a module's own channel through the notification_channels hook, and the mail admin page."""

from __future__ import annotations

import base64
import datetime as dt
import socket
import threading
import time
import types
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.db import db, utcnow
from core.models import Setting
from core.hookspecs import hookimpl
from core.plugin_api import NotificationEvent, PluginInfo
from core.services import notifications
from core.services.approvals import Step
from core.services.notifications import MAX_ATTEMPTS, Notification, OutboxMessage
from core.settings import save_settings

EVENT = "fakechat.something_happened"  # declared by the fakechat module's notification_events hook


# --- a fake SMTP server -------------------------------------------------------------------


class FakeSMTPServer:
    """Speaks just enough SMTP on 127.0.0.1 to receive messages; ``failing`` answers 451 to every sender."""

    def __init__(self, failing: bool = False, delay: float = 0.0, auth: bool = False):
        self.failing, self.delay, self.auth = failing, delay, auth
        self.messages: list[dict] = []
        self.logins: list[tuple[str, str]] = []  # (username, password) of each AUTH PLAIN
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection):
        with connection, connection.makefile("rb") as incoming:
            def reply(line: str):
                connection.sendall(line.encode() + b"\r\n")

            reply("220 fake.example ESMTP")
            envelope = {"from": None, "to": []}
            while line := incoming.readline():
                command = line.decode().strip()
                verb = command.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    if self.auth:
                        reply("250-fake.example")
                        reply("250 AUTH PLAIN")
                    else:
                        reply("250 fake.example")
                elif verb == "AUTH":
                    _zid, username, password = base64.b64decode(command.split()[2]).decode().split("\0")
                    self.logins.append((username, password))
                    reply("235 2.7.0 accepted")
                elif verb == "MAIL":
                    if self.failing:
                        reply("451 4.3.0 try again later")
                        continue
                    envelope["from"] = command
                    reply("250 OK")
                elif verb == "RCPT":
                    envelope["to"].append(command.split(":", 1)[1].strip(" <>"))
                    reply("250 OK")
                elif verb == "DATA":
                    reply("354 go ahead")
                    data = b""
                    while (chunk := incoming.readline()) not in (b".\r\n", b""):
                        data += chunk
                    time.sleep(self.delay)
                    self.messages.append({"to": envelope["to"], "data": data.decode("utf-8", "replace")})
                    envelope = {"from": None, "to": []}
                    reply("250 queued")
                elif verb == "QUIT":
                    reply("221 bye")
                    return
                else:
                    reply("250 OK")

    def close(self):
        self.listener.close()


@pytest.fixture
def smtp(app):
    server = FakeSMTPServer()
    configure_mail(server.port)
    yield server
    server.close()


def configure_mail(port: int) -> None:
    save_settings(notifications.MAIL_SETTINGS, {
        "host": "127.0.0.1", "port": port, "security": "none", "sender": "khet@example.go.th",
        "sender_name": "Khet", "site_url": "https://khet.example.go.th", "timeout": 5,
    })
    db.session.commit()


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def wait_for(condition, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def outbox() -> list[OutboxMessage]:
    db.session.commit()  # a fresh snapshot: other threads may have sent meanwhile
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- a module with a channel of its own ------------------------------------------------------

SENT_BY_FAKE_CHANNEL: list[tuple[str, str, str]] = []


class FakeChatChannel:
    """Stands in for a LINE Messaging API channel: people with a phone get messages."""

    id = "fakechat"
    label = "Fake chat"

    def address_for(self, person):
        return person.phone or None

    def send(self, address, message):
        SENT_BY_FAKE_CHANNEL.append((address, message.subject, message.link))


class _EntryPoint:
    def __init__(self, module):
        self.module, self.name, self.dist = module, module.plugin_info().id, None

    def load(self):
        return self.module


@pytest.fixture(scope="module")
def app(khet_app_config, tmp_path_factory):
    """The test app plus a module "fakechat" whose notification_channels hook adds FakeChatChannel."""
    from core import migrate
    from core.app import create_app
    from core.plugins import discover_entry_points

    folder = tmp_path_factory.mktemp("fakechat")
    module = types.ModuleType("khet_test_fakechat")
    module.__file__ = str(Path(folder) / "__init__.py")
    module.plugin_info = hookimpl(lambda: PluginInfo(id="fakechat", name_th="แชต", name_en="Fake chat", version="1"))
    module.notification_channels = hookimpl(lambda: [FakeChatChannel()])
    module.notification_events = hookimpl(lambda: [NotificationEvent(EVENT, "Something happened")])
    app = create_app(config={**khet_app_config, "MAIL_SEND_AFTER_REQUEST": False},
                     instance_path=tmp_path_factory.mktemp("instance"),
                     entry_points=[*discover_entry_points(), _EntryPoint(module)])
    migrate.upgrade_all(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _forget_sent():
    SENT_BY_FAKE_CHANNEL.clear()


# --- notify and the inbox ------------------------------------------------------------------


def test_notify_writes_an_inbox_row_and_queues_an_email(smtp, make_person):
    somchai = make_person(email="somchai@example.go.th")
    notifications.notify(somchai, EVENT, "หนังสือเข้าใหม่", link="/notices/1", module="notices", body="เรื่อง ประชุม")
    db.session.commit()
    item = db.session.scalar(select(Notification).where(Notification.person_id == somchai.id))
    assert (item.title, item.link, item.module, item.read_at) == ("หนังสือเข้าใหม่", "/notices/1", "notices", None)
    [queued] = [m for m in outbox() if m.channel == "email"]
    assert (queued.address, queued.status, queued.attempts) == ("somchai@example.go.th", "pending", 0)
    assert smtp.messages == []  # nothing leaves inside the transaction


def test_no_email_without_a_mail_server_or_an_address(make_person):
    with_address = make_person(email="a@example.go.th")
    without = make_person(email="")
    notifications.notify([with_address, without], EVENT, "ไม่มีเซิร์ฟเวอร์")
    db.session.commit()
    assert [m.channel for m in outbox()] == []
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2


def test_inactive_people_and_duplicates_are_skipped(make_person):
    active, gone = make_person(), make_person(active=False)
    written = notifications.notify([active, active, gone], EVENT, "ครั้งเดียว")
    assert [n.person_id for n in written] == [active.id]


def test_a_link_outside_khet_is_refused(make_person):
    with pytest.raises(ValueError):
        notifications.notify(make_person(), EVENT, "ลิงก์ภายนอก", link="https://evil.example/")


def test_each_person_reads_the_title_in_their_own_language(make_person):
    from flask_babel import lazy_gettext as _l

    english, thai = make_person(locale="en"), make_person(locale="th")
    notifications.notify([english, thai], EVENT, _l("Approved: %(title)s", title="ไปราชการ"))
    titles = {n.person_id: n.title for n in db.session.scalars(select(Notification))}
    assert titles[english.id] == "Approved: ไปราชการ"


def test_preferences_switch_channels_off_per_event(smtp, make_person):
    somchai = make_person(email="somchai@example.go.th", phone="0812345678")
    notifications.save_preferences(somchai, {(EVENT, "inbox")})  # inbox only: no email, no chat
    notifications.notify(somchai, EVENT, "เฉพาะในระบบ")
    notifications.notify(somchai, "tests.other_event", "เหตุการณ์อื่น")  # unregistered: every channel
    db.session.commit()
    assert [(m.channel, m.subject) for m in outbox()] == [("email", "เหตุการณ์อื่น"), ("fakechat", "เหตุการณ์อื่น")]
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
    assert notifications.preferences_of(somchai)[(EVENT, "email")] is False


def test_inbox_shows_only_my_notifications_and_the_bell_counts_unread(client, login_as, make_person):
    me, other = make_person(), make_person()
    notifications.notify(me, EVENT, "ของฉันหนึ่ง")
    notifications.notify(me, EVENT, "ของฉันสอง")
    notifications.notify(other, EVENT, "ของคนอื่น")
    db.session.commit()
    login_as(me)
    html = client.get("/notifications/").get_data(as_text=True)
    assert "ของฉันหนึ่ง" in html and "ของฉันสอง" in html and "ของคนอื่น" not in html
    assert 'data-unread="2"' in client.get("/").get_data(as_text=True)
    assert client.get("/notifications/unread-count").get_json() == {"unread": 2}


def test_opening_a_notification_marks_it_read_and_goes_to_its_link(client, login_as, make_person):
    me = make_person()
    [item] = notifications.notify(me, EVENT, "ไปที่ประกาศ", link="/notices/")
    db.session.commit()
    response = login_as(me).post(f"/notifications/{item.id}/open")
    assert response.status_code == 302 and response.headers["Location"].endswith("/notices/")
    db.session.expire_all()
    assert item.read_at is not None


def test_someone_elses_notification_cannot_be_touched(client, login_as, make_person):
    me, other = make_person(), make_person()
    [theirs] = notifications.notify(other, EVENT, "ของคนอื่น")
    db.session.commit()
    login_as(me)
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert client.post(f"/notifications/{theirs.id}/open").status_code == 404
    db.session.expire_all()
    assert theirs.read_at is None


def test_mark_all_read_needs_a_post_with_csrf(client, login_as, make_person):
    me = make_person()
    notifications.notify(me, EVENT, "หนึ่ง")
    notifications.notify(me, EVENT, "สอง")
    db.session.commit()
    login_as(me)
    assert client.get("/notifications/read-all").status_code == 405
    assert client.post("/notifications/read-all", csrf=False).status_code == 400
    assert notifications.unread_count(me) == 2
    assert client.post("/notifications/read-all").status_code == 302
    assert notifications.unread_count(me) == 0


def test_preferences_page_saves_the_ticked_boxes(client, login_as, make_person):
    me = make_person()
    login_as(me)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert f'value="{EVENT}|fakechat"' in page  # the module's channel is offered
    response = client.post("/notifications/preferences", data={"on": [f"{EVENT}|inbox", "bogus|inbox"]})
    assert response.status_code == 302
    chosen = notifications.preferences_of(me)
    assert chosen[(EVENT, "inbox")] is True and chosen[(EVENT, "email")] is False and chosen[(EVENT, "fakechat")] is False


# --- delivery ----------------------------------------------------------------------------


def test_due_messages_are_sent_through_smtp_with_a_full_link(smtp, make_person):
    somchai = make_person(email="somchai@example.go.th")
    notifications.notify(somchai, EVENT, "แจ้งเตือนทดสอบ", link="/approvals/5", body="รายละเอียด")
    db.session.commit()
    report = notifications.deliver_due()
    assert (report.sent, report.retrying) == (1, 0)
    [message] = smtp.messages
    assert message["to"] == ["somchai@example.go.th"]
    assert "https://khet.example.go.th/approvals/5" in message["data"]
    [sent] = outbox()
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, "")
    assert notifications.deliver_due().sent == 0  # never twice


def test_a_failing_server_is_retried_later_and_the_message_goes_when_it_recovers(make_person):
    server = FakeSMTPServer(failing=True)
    configure_mail(server.port)
    notifications.notify(make_person(email="a@example.go.th"), EVENT, "ลองใหม่")
    db.session.commit()
    started = utcnow()
    report = notifications.deliver_due(started)
    [waiting] = outbox()
    assert (report.sent, report.retrying) == (0, 1)
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert "451" in waiting.last_error
    assert waiting.next_attempt_at >= started.replace(microsecond=0) + dt.timedelta(minutes=1)  # MariaDB keeps whole seconds
    assert notifications.deliver_due(started + dt.timedelta(seconds=30)).sent == 0  # not due yet
    server.failing = False
    assert notifications.deliver_due(waiting.next_attempt_at + dt.timedelta(seconds=1)).sent == 1
    [sent] = outbox()
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, "")
    assert len(server.messages) == 1
    server.close()


def test_an_unreachable_server_is_retried_with_growing_pauses_then_given_up(make_person):
    configure_mail(closed_port())
    notifications.notify(make_person(email="a@example.go.th"), EVENT, "เซิร์ฟเวอร์ปิด")
    db.session.commit()
    moment, pauses = utcnow(), []
    for _attempt in range(MAX_ATTEMPTS):
        notifications.deliver_due(moment)
        [message] = outbox()
        if message.status == "failed":
            break
        pauses.append(message.next_attempt_at - moment)
        moment = message.next_attempt_at + dt.timedelta(seconds=1)
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert "ConnectionRefusedError" in message.last_error
    assert pauses == sorted(pauses) and pauses[0] < pauses[-1]


def test_two_senders_at_once_send_each_message_once(smtp, make_person):
    smtp.delay = 0.3
    people = [make_person(email=f"p{n}@example.go.th") for n in range(4)]
    notifications.notify(people, EVENT, "พร้อมกัน")
    db.session.commit()
    from core.testing import run_in_threads

    race = run_in_threads(lambda _n: notifications.deliver_due(), 2, timeout=30)
    assert race.errors == []
    assert sorted(m["to"][0] for m in smtp.messages) == sorted(p.email for p in people)
    assert {m.status for m in outbox()} == {"sent"}


def test_a_modules_channel_receives_its_messages(make_person):
    somchai = make_person(phone="0812345678")
    notifications.notify(somchai, EVENT, "ทางแชต", link="/notices/")
    db.session.commit()
    assert notifications.deliver_due().sent == 1
    assert SENT_BY_FAKE_CHANNEL == [("0812345678", "ทางแชต", "/notices/")]


def test_cron_command_sends_the_outbox(app, smtp, make_person):
    notifications.notify(make_person(email="a@example.go.th"), EVENT, "จากครอน")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["core", "mail", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output and len(smtp.messages) == 1


# --- after the request ----------------------------------------------------------------------


@pytest.fixture
def background_mail(app):
    app.config["MAIL_SEND_AFTER_REQUEST"] = True
    yield
    app.config["MAIL_SEND_AFTER_REQUEST"] = False


def decide_through_the_page(client, login_as, make_person, make_office):
    from core.services import approvals

    make_office()
    approver = make_person()
    requester = make_person(email="requester@example.go.th")
    request = approvals.submit("core", "tests", 1, "ขอไปราชการ", requester, steps=[Step(approver)])
    db.session.commit()
    login_as(approver)
    response = client.post(f"/approvals/{request.id}/decide",
                           data={"decision": "approve", "comment": "", "step_id": request.steps[0].id})
    return response, request


def test_mail_caused_by_a_request_is_sent_after_it(background_mail, smtp, client, login_as, make_person, make_office):
    response, _request = decide_through_the_page(client, login_as, make_person, make_office)
    assert response.status_code == 302
    assert wait_for(lambda: [m.status for m in outbox()] == ["sent"]), "the background sender did not deliver"
    assert smtp.messages[0]["to"] == ["requester@example.go.th"]


def test_a_broken_mail_server_does_not_break_the_request(background_mail, client, login_as, make_person, make_office):
    configure_mail(closed_port())
    response, request = decide_through_the_page(client, login_as, make_person, make_office)
    assert response.status_code == 302
    db.session.expire_all()
    assert request.status == "approved"
    assert wait_for(lambda: any(m.attempts == 1 for m in outbox())), "the background sender did not try"
    [message] = outbox()
    assert message.status == "pending" and "ConnectionRefusedError" in message.last_error


# --- the admin's mail page ------------------------------------------------------------------


def test_mail_settings_need_their_permission(client, login_as, make_person):
    login_as(make_person())
    assert client.get("/admin/mail").status_code == 403
    assert client.post("/admin/mail", data={"host": "smtp.evil.example", "port": 25, "security": "none",
                                            "timeout": 5}).status_code == 403
    assert notifications.mail_settings()["host"] == ""


def test_admin_saves_settings_and_the_password_is_kept_when_left_empty(client, login_as, grant, make_person):
    admin = make_person()
    grant("core.mail.manage", to=admin)
    login_as(admin)
    form = {"host": "smtp.example.go.th", "port": 587, "security": "starttls", "username": "khet",
            "password": "s3cret", "sender": "khet@example.go.th", "timeout": 20}
    assert client.post("/admin/mail", data=form).status_code == 302
    assert client.post("/admin/mail", data={**form, "password": "", "port": 2525}).status_code == 302
    saved = notifications.mail_settings()
    assert (saved["host"], saved["port"], saved["password"]) == ("smtp.example.go.th", 2525, "s3cret")
    assert "s3cret" not in client.get("/admin/mail").get_data(as_text=True)


def test_bad_mail_settings_are_refused_and_nothing_is_saved(client, login_as, grant, make_person):
    admin = make_person()
    grant("core.mail.manage", to=admin)
    response = login_as(admin).post("/admin/mail", data={"host": "smtp.example.go.th", "port": 99999,
                                                          "security": "none", "timeout": 20})
    assert response.status_code == 400
    assert notifications.mail_settings()["host"] == ""


def test_test_button_sends_a_message_now(smtp, client, login_as, grant, make_person):
    admin = make_person()
    grant("core.mail.manage", to=admin)
    response = login_as(admin).post("/admin/mail/test", data={"test-address": "me@example.go.th"})
    assert response.status_code == 302
    assert [m["to"] for m in smtp.messages] == [["me@example.go.th"]]


def test_test_button_shows_the_servers_refusal(client, login_as, grant, make_person):
    server = FakeSMTPServer(failing=True)
    configure_mail(server.port)
    admin = make_person(locale="en")
    grant("core.mail.manage", to=admin)
    response = login_as(admin).post("/admin/mail/test", data={"test-address": "me@example.go.th"})
    assert response.status_code == 400
    assert "could not be sent" in response.get_data(as_text=True) and "451" in response.get_data(as_text=True)
    server.close()


def test_the_smtp_password_is_stored_sealed_and_still_logs_in(client, login_as, grant, make_person):
    server = FakeSMTPServer(auth=True)
    admin = make_person()
    grant("core.mail.manage", to=admin)
    login_as(admin)
    form = {"host": "127.0.0.1", "port": server.port, "security": "none", "username": "khet",
            "password": "s3cret-0ffice!", "sender": "khet@example.go.th", "timeout": 5}
    assert client.post("/admin/mail", data=form).status_code == 302
    stored = db.session.get(Setting, notifications.MAIL_SETTINGS).values["password"]
    assert "s3cret" not in stored and stored.startswith("fernet:")
    page = client.get("/admin/mail").get_data(as_text=True)
    assert "s3cret" not in page and stored not in page
    response = client.post("/admin/mail/test", data={"test-address": "me@example.go.th"})
    assert response.status_code == 302
    assert server.logins == [("khet", "s3cret-0ffice!")]
    assert [m["to"] for m in server.messages] == [["me@example.go.th"]]
    server.close()


def test_a_plain_password_saved_before_sealing_is_sealed_when_the_page_is_read(client, login_as, grant, make_person):
    save_settings(notifications.MAIL_SETTINGS, {"host": "smtp.example.go.th", "username": "khet", "password": "old-plain"})
    db.session.commit()
    assert notifications.mail_settings()["password"] == "old-plain"  # still usable before it is sealed
    admin = make_person()
    grant("core.mail.manage", to=admin)
    assert login_as(admin).get("/admin/mail").status_code == 200
    db.session.expire_all()
    stored = db.session.get(Setting, notifications.MAIL_SETTINGS).values["password"]
    assert stored.startswith("fernet:") and "old-plain" not in stored
    assert notifications.mail_settings()["password"] == "old-plain"


def test_a_password_sealed_under_another_secret_reads_as_unreadable(app, client, login_as, grant, make_person):
    notifications.save_mail_password("s3cret")
    db.session.commit()
    app.config["SECRET_KEY"] = "a-replaced-secret-key"
    settings = notifications.mail_settings()
    assert settings["password"] == "" and settings["password_unreadable"]
    admin = make_person()
    grant("core.mail.manage", to=admin)
    assert "data-password-unreadable" in login_as(admin).get("/admin/mail").get_data(as_text=True)


def test_the_inbox_names_the_module_not_its_id(client, login_as, make_person):
    person = make_person()
    db.session.add(Notification(person_id=person.id, event="core.test", module="core", title="มีเรื่องใหม่"))
    db.session.commit()
    page = login_as(person).get("/notifications/").get_data(as_text=True)
    assert "· แกนระบบ" in page and "· core<" not in page
