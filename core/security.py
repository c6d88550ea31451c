"""Passwords (Argon2id) and sign-in throttling.

AMSS++ stored unsalted md5 and shipped admin/1234; Khet stores Argon2id hashes,
refuses weak passwords and slows repeated failed sign-ins, and keeps sign-in
sessions on the server so that signing out ends them. Counts and sessions live
in the database so every worker agrees.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_request_context, session
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from core.db import db, utcnow, write_transaction

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters

MIN_PASSWORD_LENGTH = 8
COMMON_PASSWORDS = {"12345678", "123456789", "password", "admin1234", "qwertyui", "11111111", "password1"}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problems(password: str, username: str | None = None) -> list[str]:
    """Why a new password is refused, in the user's language; empty when it is acceptable."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH))
    if password.lower() in COMMON_PASSWORDS or (username and password.lower() == username.lower()):
        problems.append(_("This password is too easy to guess; choose another."))
    return problems


def set_password(person, password: str) -> None:
    """Store a new password and end every session of this person (the caller starts a new one for itself)."""
    person.password_hash = hash_password(password)
    person.session_version = (person.session_version or 0) + 1
    end_all_sessions(person)


# --- sessions kept on the server ----------------------------------------------------------
#
# The signed cookie says who and which session ("<person id>:<token>"); the table says whether
# that session still exists. Signing out deletes the row, so a copied cookie stops working.
# The absolute lifetime is checked against the row's created_at; the idle time against a
# "last seen" stamp in the cookie itself, so a page view costs no database write.

SEEN_KEY = "_khet_seen"  # in the signed cookie: epoch seconds of the last request of this browser
_SEEN_GRANULARITY = 60  # rewrite the cookie's stamp at most once a minute


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(person, remote_addr: str = "") -> str:
    """Open a server-side session for ``person`` and return the id Flask-Login keeps in the cookie."""
    from core.models import SignInSession

    token = secrets.token_urlsafe(32)
    db.session.add(SignInSession(token_hash=_token_hash(token), person_id=person.id, remote_addr=(remote_addr or "")[:64]))
    db.session.flush()
    person._session_token = token
    if has_request_context():
        session[SEEN_KEY] = int(time.time())
    return f"{person.id}:{token}"


def load_session_person(session_id: str):
    """The person of a cookie's session id, or None when the session ended, expired or was never ours.

    One indexed query (session row joined to its person).
    """
    from core.models import Person, SignInSession

    person_id, _, token = (session_id or "").partition(":")
    if not person_id.isdigit() or not token:
        return None
    row = db.session.execute(
        select(Person, SignInSession.created_at)
        .join(SignInSession, SignInSession.person_id == Person.id)
        .where(SignInSession.token_hash == _token_hash(token), Person.id == int(person_id))
    ).first()
    if row is None:
        return None
    person, created_at = row
    if not person.active:
        return None
    config = current_app.config
    if utcnow() - created_at > dt.timedelta(minutes=config["SESSION_ABSOLUTE_MINUTES"]):
        return None
    now = int(time.time())
    seen = session.get(SEEN_KEY) if has_request_context() else None
    if isinstance(seen, int) and now - seen > config["SESSION_IDLE_MINUTES"] * 60:
        return None
    if has_request_context() and (not isinstance(seen, int) or now - seen >= _SEEN_GRANULARITY):
        session[SEEN_KEY] = now
    person._session_token = token
    return person


def end_session(person) -> None:
    """End the session this person is signed in with (sign-out)."""
    from core.models import SignInSession

    token = getattr(person, "_session_token", None)
    if token:
        db.session.execute(delete(SignInSession).where(SignInSession.token_hash == _token_hash(token)))
    person._session_token = None


def end_all_sessions(person) -> int:
    """End every session of this person, in every browser ("sign out everywhere", password change, deactivation)."""
    from core.models import SignInSession

    result = db.session.execute(delete(SignInSession).where(SignInSession.person_id == person.id))
    person._session_token = None
    return result.rowcount or 0


def session_count(person) -> int:
    from core.models import SignInSession

    return db.session.scalar(select(func.count()).where(SignInSession.person_id == person.id)) or 0


def forget_expired_sessions() -> int:
    """Delete session rows past the absolute lifetime (they can no longer be used anyway)."""
    from core.models import SignInSession

    limit = utcnow() - dt.timedelta(minutes=current_app.config["SESSION_ABSOLUTE_MINUTES"])
    return db.session.execute(delete(SignInSession).where(SignInSession.created_at < limit)).rowcount or 0


# --- sign-in throttling -----------------------------------------------------------------------
#
# Rules (README, "Running it for an office"):
# - per (address, username): LOGIN_MAX_FAILURES free failures within LOGIN_FAILURE_WINDOW_MINUTES,
#   then each further attempt must wait a delay that doubles from LOGIN_DELAY_SECONDS up to
#   LOGIN_LOCK_MINUTES after the pair's last failure;
# - per account, from any address: the same, after LOGIN_ACCOUNT_MAX_FAILURES failures;
# - per address: above LOGIN_ADDRESS_MAX_FAILURES failures each attempt is slowed by
#   LOGIN_ADDRESS_DELAY_SECONDS, never refused: a school behind one NAT address must still sign in.
# An attempt is recorded as a failure *before* its password is checked and removed again when it
# succeeds, so parallel attempts count each other and a burst cannot check more passwords than allowed.


@dataclass
class SignInOutcome:
    person: object | None = None
    wait_seconds: int = 0  # > 0: refused, try again after this long

    @property
    def refused(self) -> bool:
        return self.wait_seconds > 0


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
    return _DUMMY_HASH


_DUMMY_HASH: str | None = None


def _wait_needed(condition, free: int, attempt_id: int, now: dt.datetime) -> float:
    """Seconds still to wait under one rule: after ``free`` failures, a delay that doubles with each further one.

    Counts every failure in the window but this attempt's own, including attempts still being
    checked (they are recorded first), so a burst of parallel attempts sees itself.
    """
    from core.models import LoginFailure

    failures, last = db.session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(condition, LoginFailure.id != attempt_id)
    ).one()
    if failures < free or last is None:
        return 0
    config = current_app.config
    delay = min(config["LOGIN_DELAY_SECONDS"] * 2 ** min(failures - free, 30), config["LOGIN_LOCK_MINUTES"] * 60)
    return max(0.0, delay - (now - last).total_seconds())


def sign_in(username: str, password: str, remote_addr: str) -> SignInOutcome:
    """Check a sign-in attempt under the throttling rules; commits its bookkeeping.

    Returns the person on success, ``wait_seconds`` when the attempt is refused
    before any password is checked, and neither for a wrong username or password.
    Unknown usernames are checked against a dummy hash, so they take as long as known ones.
    """
    from core.models import LoginFailure, Person

    config = current_app.config
    name = username.strip().lower()[:100]
    address = (remote_addr or "-")[:64]
    with write_transaction():
        attempt = LoginFailure(username=name, remote_addr=address)
        db.session.add(attempt)
        db.session.commit()
    now = utcnow()
    since = now - dt.timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"])
    recent = LoginFailure.at >= since
    wait = max(
        _wait_needed(recent & (LoginFailure.username == name) & (LoginFailure.remote_addr == address),
                     config["LOGIN_MAX_FAILURES"], attempt.id, now),
        _wait_needed(recent & (LoginFailure.username == name), config["LOGIN_ACCOUNT_MAX_FAILURES"], attempt.id, now),
    )
    if wait > 0:
        _forget_attempt(attempt.id)  # refused unchecked: not a failure of its own
        return SignInOutcome(wait_seconds=max(1, math.ceil(wait)))
    from_address = db.session.scalar(select(func.count()).where(recent, LoginFailure.remote_addr == address))
    if from_address > config["LOGIN_ADDRESS_MAX_FAILURES"]:
        time.sleep(config["LOGIN_ADDRESS_DELAY_SECONDS"])  # slows a guesser, lets a teacher in
    person = db.session.scalar(select(Person).where(func.lower(Person.username) == name))
    known = person is not None and person.active and bool(person.password_hash)
    matches = verify_password(person.password_hash if known else _dummy_hash(), password)
    if not (known and matches):
        db.session.rollback()
        return SignInOutcome()
    with write_transaction():
        db.session.execute(delete(LoginFailure).where(
            LoginFailure.username == name, (LoginFailure.remote_addr == address) | (LoginFailure.id == attempt.id)
        ))
        if needs_rehash(person.password_hash):
            person.password_hash = hash_password(password)
        person.last_login_at = utcnow()
        db.session.commit()
    return SignInOutcome(person=person)


def _forget_attempt(attempt_id: int) -> None:
    from core.models import LoginFailure

    db.session.rollback()
    with write_transaction():
        db.session.execute(delete(LoginFailure).where(LoginFailure.id == attempt_id))
        db.session.commit()


def forget_old_failures() -> int:
    """Delete failures older than the window: they no longer count."""
    from core.models import LoginFailure

    since = utcnow() - dt.timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    return db.session.execute(delete(LoginFailure).where(LoginFailure.at < since)).rowcount or 0


def record_failure(username: str, remote_addr: str) -> None:
    """Count one failed sign-in (the sign-in view records its own through ``sign_in``)."""
    from core.models import LoginFailure

    db.session.add(LoginFailure(username=username.strip().lower()[:100], remote_addr=(remote_addr or "-")[:64]))
    db.session.commit()


def clear_failures(username: str) -> None:
    """Lift every delay on this username, from every address (an administrator's reset)."""
    from core.models import LoginFailure

    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username.strip().lower()))
    db.session.commit()


def forget_job(now) -> str:
    """The scheduled job core.forget_sign_ins: the two tables stay small; idempotent."""
    with write_transaction():
        sessions, failures = forget_expired_sessions(), forget_old_failures()
        db.session.commit()
    return f"forgot {sessions} expired session(s) and {failures} old failed sign-in(s)"
