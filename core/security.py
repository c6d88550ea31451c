"""Passwords (Argon2id) and sign-in throttling.

AMSS++ stored unsalted md5 and shipped admin/1234; Khet stores Argon2id hashes,
refuses weak passwords and locks a username (and an address) for a while after
repeated failures. The counts live in the database so every worker agrees.
"""

from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from core.db import db, utcnow

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
    """Store a new password and end every other session of this person."""
    person.password_hash = hash_password(password)
    person.session_version = (person.session_version or 0) + 1


def _window_start() -> dt.datetime:
    return utcnow() - dt.timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])


def is_locked_out(username: str, remote_addr: str) -> bool:
    """Too many recent failures for this username, or (five times as many) from this address."""
    from core.models import LoginFailure

    limit = current_app.config["LOGIN_MAX_FAILURES"]
    since = _window_start()
    by_user = db.session.scalar(
        select(func.count()).where(LoginFailure.username == username.lower(), LoginFailure.at >= since)
    )
    by_addr = db.session.scalar(
        select(func.count()).where(LoginFailure.remote_addr == remote_addr, LoginFailure.at >= since)
    )
    return by_user >= limit or by_addr >= limit * 5


def record_failure(username: str, remote_addr: str) -> None:
    from core.models import LoginFailure

    db.session.add(LoginFailure(username=username.lower()[:100], remote_addr=remote_addr[:64]))
    db.session.commit()


def clear_failures(username: str) -> None:
    from core.models import LoginFailure

    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username.lower()))
    db.session.commit()
