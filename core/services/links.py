"""Links between records of different modules, without either importing the other.

A module declares the kinds of its records others may link to with the
``link_targets`` hook (``LinkTarget``: a kind such as "correspondence.letter",
a label, ``search`` for a picker and ``describe`` for showing stored links).
A linking module stores only the kind and the id, and asks core:

    from core.services import links
    links.describe_one("correspondence.letter", booking.letter_id, current_user)  # LinkedRecord or None

Only enabled modules' targets answer: with the owning module switched off a
link describes as None (show nothing) and a search finds nothing. The
``category`` of a target lets a consumer ask for a family of targets, e.g. the
helpdesk lists the targets of category "asset" to offer what a ticket can be
about. The picker's JSON is at ``/links/<kind>?q=...`` (core.views.links).
"""

from __future__ import annotations

import logging
from typing import Iterable

from core.db import per_request
from core.plugin_api import LinkedRecord, LinkTarget

log = logging.getLogger(__name__)

ASSET = "asset"  # the category of targets a helpdesk ticket may be about
SEARCH_LIMIT = 20


def targets(category: str | None = None) -> dict[str, LinkTarget]:
    """{kind: LinkTarget} of the enabled modules (of one category, if given), asked once per request."""
    from core.plugins import registry

    def ask():
        found: dict[str, LinkTarget] = {}
        for target in registry().collect("link_targets"):
            if not isinstance(target, LinkTarget) or target.kind in found:
                log.error("link target %r ignored: not a LinkTarget, or its kind is taken", target)
                continue
            found[target.kind] = target
        return found

    found = per_request("khet_link_targets", ask)
    return {kind: target for kind, target in found.items() if category is None or target.category == category}


def target(kind: str) -> LinkTarget | None:
    """The enabled target of ``kind``; None when no enabled module declares it."""
    return targets().get(kind)


def search(kind: str, user, query: str, limit: int = SEARCH_LIMIT) -> list[LinkedRecord]:
    """Records of ``kind`` matching ``query`` that ``user`` may see, for a picker; [] when the kind is off."""
    found = target(kind)
    if found is None or not (query or "").strip():
        return []
    return list(found.search(user, query.strip(), limit))[:limit]


def describe(kind: str, ids: Iterable, user) -> dict[str, LinkedRecord | None]:
    """{id (str): LinkedRecord, or None when the record is gone, hidden from ``user``, or its module is off}."""
    wanted = [str(record_id) for record_id in ids if record_id not in (None, "")]
    found = target(kind)
    if found is None or not wanted:
        return {record_id: None for record_id in wanted}
    described = found.describe(wanted, user) or {}
    return {record_id: described.get(record_id) for record_id in wanted}


def describe_one(kind: str, record_id, user) -> LinkedRecord | None:
    """One stored link as ``user`` may see it; None means show nothing."""
    if record_id in (None, ""):
        return None
    return describe(kind, [record_id], user).get(str(record_id))
