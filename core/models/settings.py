"""Installation state kept in the database: which modules are on, and module settings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db, utcnow


class PluginState(db.Model):
    """Whether an installed module is switched on. No row means off."""

    __tablename__ = "core_plugin_state"

    plugin_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Setting(db.Model):
    """A module's (or core's) settings, one JSON document per owner."""

    __tablename__ = "core_setting"

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class CacheStamp(db.Model):
    """A named stamp that changes whenever what it guards changes (modules, grants, the office).

    Each worker keeps what changes rarely (enabled modules, a person's grants and
    menu, the office) in its own memory, tagged with the stamps it was built
    under, and reads the stamps once per request: a worker sees another
    worker's change on its next request. A stamp is a random token, not a
    counter, so a restored backup or an emptied table never brings back a value
    that an old cache entry still carries.
    """

    __tablename__ = "core_cache_stamp"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
