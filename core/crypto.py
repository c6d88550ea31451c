"""Secrets Khet must be able to read back (an SMTP password), sealed at rest with the instance secret.

A password that Khet hands to another server cannot be hashed; it is encrypted
instead, so a copy of the database (a backup, a dump sent for support) does not
give the mail account away. The key is derived from the installation's
``SECRET_KEY`` with HKDF, one key per purpose, so the session-signing key is
never used directly and one sealed value cannot be replayed as another.
Replacing ``instance/secret_key`` makes the sealed values unreadable: the admin
enters them again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PREFIX = "fernet:"  # marks a sealed value; anything else is a plain value from before sealing


class UnreadableSecret(Exception):
    """A sealed value that this instance's secret cannot open (the secret key was replaced)."""


def _fernet(purpose: str) -> Fernet:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"khet.crypto", info=f"khet:{purpose}".encode()).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def is_sealed(value: str | None) -> bool:
    return bool(value) and value.startswith(PREFIX)


def seal(plain: str, purpose: str) -> str:
    """The stored form of ``plain``: ``fernet:<token>``; an empty value stays empty (nothing to hide)."""
    if not plain:
        return ""
    return PREFIX + _fernet(purpose).encrypt(plain.encode()).decode("ascii")


def unseal(stored: str | None, purpose: str) -> str:
    """The plain value of a stored one; a plain value saved before sealing is returned as it is."""
    if not stored:
        return ""
    if not is_sealed(stored):
        return stored
    try:
        return _fernet(purpose).decrypt(stored[len(PREFIX):].encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise UnreadableSecret(purpose) from exc
