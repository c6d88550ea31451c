"""The approval workflow every module shares (leave, rooms, vehicles, travel ...).

A request names a module's record — its subject (module, kind, record id) —
with a title and a requester, and goes through ordered steps. Each step has an
approver and a role: "comment" (advisory: comment, or return for changes) or
"approve" (approve, refuse with a reason, or return for changes). Steps come
from the org chart, from the requester's own settings (a configured commenter
and approver), or from a list the module passes. See docs/services/approvals.md.

Acting-for delegations are followed: while a delegation of the approver
covers today, the delegate sees the step and may decide it, recorded "on
behalf of" the approver. Steps nobody acts on within N working hours escalate
(``escalate_overdue``, run by cron). Every transition is an ApprovalEvent, the
timeline modules show with macros/timeline.html.

These functions add to the session and flush; the caller commits, so a module
can create its record and submit it in one transaction. Refusals of bad input
raise ApprovalError (a message for the user) before anything changes.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Iterable

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, and_, func, not_, or_, select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.routing import BuildError

from core import calendar
from core.db import db, per_request, utcnow, write_transaction
from core.errors import Refused
from core.models import Delegation, Office, Person
from core.plugin_api import ApprovalKind, NotificationEvent
from core.services import audit, notifications

log = logging.getLogger(__name__)

DEFAULT_ESCALATION_HOURS = 24  # AMSS++: a step nobody acts on within 24 h moves on
FROM_SETTINGS = -1  # submit(escalation_hours=...): read the module's setting
ROLES = ("comment", "approve")
DECISIONS_BY_ROLE = {"comment": ("comment", "return"), "approve": ("approve", "refuse", "return")}
STEP_STATUS_AFTER = {"approve": "approved", "refuse": "refused", "comment": "commented", "return": "returned"}
OPEN_STATUSES = ("pending", "returned")
FINAL_STATUSES = ("approved", "refused", "withdrawn", "cancelled")

# Labels of org-chart steps: stored as these keys, shown translated (ApprovalStep.label_text).
STEP_LABELS = {
    "group_director": _l("Group director"),
    "deputy": _l("Deputy director"),
    "office_director": _l("Office director"),
    "school_director": _l("School director"),
    "commenter": _l("Commenter"),
    "approver": _l("Approver"),
}

EVENT_WAITING = "approvals.waiting"
EVENT_DECIDED = "approvals.decided"


def notification_events() -> list[NotificationEvent]:
    """The events of the approval workflow (core's notification_events hook returns them)."""
    return [
        NotificationEvent(EVENT_WAITING, _l("A request waits for my decision")),
        NotificationEvent(EVENT_DECIDED, _l("A decision on my own request")),
    ]


class ApprovalError(Refused):
    """The action is not allowed or the input is wrong; str() is a message for the user, in their language."""


# --- tables ------------------------------------------------------------------------


class ApprovalRequest(db.Model):
    """One record of a module on its way through an approval chain."""

    __tablename__ = "core_approval_request"
    __table_args__ = (Index("ix_core_approval_request_subject", "module", "kind", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    requester_id: Mapped[int] = mapped_column(ForeignKey("core_person.id"), index=True)
    # pending | returned (to the requester for changes) | approved | refused | withdrawn | cancelled
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    # Where the module shows the record: url_for(link_endpoint, **link_args).
    link_endpoint: Mapped[str] = mapped_column(String(128), default="")
    link_args: Mapped[dict | None] = mapped_column(JSON)
    # A request to cancel an approved request goes through the chain as a request of its own.
    cancels_id: Mapped[int | None] = mapped_column(ForeignKey("core_approval_request.id"), index=True)
    escalation_hours: Mapped[int | None] = mapped_column(Integer)  # None: never escalates
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    requester: Mapped[Person] = relationship(foreign_keys=[requester_id])
    cancels: Mapped[ApprovalRequest | None] = relationship(remote_side=[id], foreign_keys=[cancels_id])
    steps: Mapped[list[ApprovalStep]] = relationship(
        back_populates="request", order_by="ApprovalStep.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[ApprovalEvent]] = relationship(
        back_populates="request", order_by="[ApprovalEvent.at, ApprovalEvent.id]", cascade="all, delete-orphan"
    )

    @property
    def current_step(self) -> ApprovalStep | None:
        return next((step for step in self.steps if step.status == "pending"), None)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def record_url(self) -> str | None:
        """The module's page of the record; None when the module cannot build it (disabled, removed)."""
        if not self.link_endpoint:
            return None
        try:
            return url_for(self.link_endpoint, **(self.link_args or {}))
        except BuildError:
            return None


class ApprovalStep(db.Model):
    __tablename__ = "core_approval_step"
    __table_args__ = (UniqueConstraint("request_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("core_approval_request.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16), default="approve")  # comment | approve
    label: Mapped[str] = mapped_column(String(100), default="")
    approver_id: Mapped[int] = mapped_column(ForeignKey("core_person.id"), index=True)
    # waiting (not reached) | pending | approved | refused | commented | returned | skipped (escalated) | closed
    status: Mapped[str] = mapped_column(String(16), default="waiting", index=True)
    activated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    due_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    escalated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id"), index=True)

    request: Mapped[ApprovalRequest] = relationship(back_populates="steps")
    approver: Mapped[Person] = relationship(foreign_keys=[approver_id])
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])
    on_behalf_of: Mapped[Person | None] = relationship(foreign_keys=[on_behalf_of_id])
    escalated_to: Mapped[Person | None] = relationship(foreign_keys=[escalated_to_id])

    def decisions(self) -> tuple[str, ...]:
        return DECISIONS_BY_ROLE[self.role]

    @property
    def label_text(self):
        """The label to show: org-chart labels translated, a module's own label as it gave it."""
        return STEP_LABELS.get(self.label, self.label)


class ApprovalEvent(db.Model):
    """One transition of a request: the timeline. Written once, never changed."""

    __tablename__ = "core_approval_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("core_approval_request.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("core_approval_step.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # submitted, approved, refused, commented, returned, resubmitted, withdrawn, escalated, reminded,
    # cancellation_requested, cancelled
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id"))  # None: the system
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id"))
    comment: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[ApprovalRequest] = relationship(back_populates="events")
    step: Mapped[ApprovalStep | None] = relationship()
    actor: Mapped[Person | None] = relationship(foreign_keys=[actor_id])
    on_behalf_of: Mapped[Person | None] = relationship(foreign_keys=[on_behalf_of_id])


class ApprovalChain(db.Model):
    """A person's own approval chain (AMSS++ travel permission): a commenter and an approver."""

    __tablename__ = "core_approval_chain"

    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"), primary_key=True)
    commenter_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    commenter: Mapped[Person | None] = relationship(foreign_keys=[commenter_id])
    approver: Mapped[Person | None] = relationship(foreign_keys=[approver_id])


# --- what modules declare (the approval_kinds hook) -------------------------------


@dataclass(frozen=True)
class Step:
    """One step a module asks for: who, in which role, under which label."""

    approver: Person
    role: str = "approve"
    label: str = ""


def kinds() -> dict[tuple[str, str], ApprovalKind]:
    """{(module, kind): ApprovalKind} of the enabled modules, from their approval_kinds hooks (asked once per request).

    A disabled module's kinds are unknown: its requests get no label, no
    outcome callback and no escalation setting until it is switched on again.
    """
    from core.plugins import registry

    def ask():
        found: dict[tuple[str, str], ApprovalKind] = {}
        for kind in registry().collect("approval_kinds"):
            if not isinstance(kind, ApprovalKind) or (kind.module, kind.kind) in found:
                log.error("approval kind %r ignored: not an ApprovalKind, or declared twice", kind)
                continue
            found[(kind.module, kind.kind)] = kind
        return found

    return per_request("khet_approval_kinds", ask)


def kind_label(request: ApprovalRequest):
    registered = kinds().get((request.module, request.kind))
    return registered.label if registered and registered.label else request.kind


# --- delegation --------------------------------------------------------------------


def _covering(day: dt.date):
    return (Delegation.starts_on <= day, Delegation.ends_on >= day)


def is_away(person: Person, day: dt.date) -> bool:
    """Someone acts for this person today (a delegation of theirs covers the day)."""
    return db.session.scalar(
        select(func.count()).select_from(Delegation).where(Delegation.principal_id == person.id, *_covering(day))
    ) > 0


def acting_for(principal: Person, day: dt.date | None = None) -> Person | None:
    """Who acts for ``principal`` on ``day``: the first delegate by rank who is active and not away too."""
    day = day or calendar.local_today()
    delegations = db.session.scalars(
        select(Delegation).where(Delegation.principal_id == principal.id, *_covering(day))
        .order_by(Delegation.rank, Delegation.id)
    )
    for delegation in delegations:
        if delegation.delegate.active and not is_away(delegation.delegate, day):
            return delegation.delegate
    return None


def principals_of(delegate: Person, day: dt.date | None = None) -> list[int]:
    """Ids of the people ``delegate`` acts for on ``day``."""
    day = day or calendar.local_today()
    # The menu badges and the home card each ask: once per request.
    return per_request(("approvals.principals_of", delegate.id, day), lambda: _principals_of(delegate, day))


def _principals_of(delegate: Person, day: dt.date) -> list[int]:
    from core import cache

    # Most people act for nobody, yet every page's approvals badge asks: a worker keeps each person's
    # delegations (few rows) until the "access" stamp changes, and only those covering the day cost queries.
    delegations = cache.cached(("approvals.delegations_to", delegate.id), (cache.ACCESS,), lambda: tuple(
        tuple(row) for row in db.session.execute(
            select(Delegation.principal_id, Delegation.starts_on, Delegation.ends_on)
            .where(Delegation.delegate_id == delegate.id))))
    principal_ids = sorted({principal_id for principal_id, starts_on, ends_on in delegations
                            if starts_on <= day <= ends_on})
    ids = []
    for principal_id in principal_ids:
        acting = acting_for(db.session.get(Person, principal_id), day)
        if acting is not None and acting.id == delegate.id:
            ids.append(principal_id)
    return ids


# --- resolving the chain -----------------------------------------------------------


def _org_chain(requester: Person, intermediate: str) -> list[Step]:
    office = Office.current()
    office_director = office.director if office else None
    group = requester.primary_group
    found: list[tuple[Person | None, str]] = []
    if group is not None:
        found = [(group.director, "group_director"), (group.deputy, "deputy"), (office_director, "office_director")]
    elif requester.school_memberships:
        school = requester.primary_school
        directors = school.members_with_role("director")
        found = [(directors[0] if directors else None, "school_director")]
        if requester in directors:  # a school director's own request goes up to the office
            deputy_id = school.network.deputy_id if school.network else None
            deputy = db.session.get(Person, deputy_id) if deputy_id else None
            found += [(deputy, "deputy"), (office_director, "office_director")]
    else:
        found = [(office_director, "office_director")]
    steps = [Step(person, intermediate, label) for person, label in found]
    if steps:
        steps[-1] = Step(steps[-1].approver, "approve", steps[-1].label)
    return steps


def _person_chain(requester: Person) -> list[Step]:
    chain = db.session.get(ApprovalChain, requester.id)
    if chain is None:
        return []
    return [
        Step(person, role, label)
        for person, role, label in ((chain.commenter, "comment", "commenter"), (chain.approver, "approve", "approver"))
        if person is not None
    ]


def _clean(requester: Person, steps: Iterable[Step]) -> list[Step]:
    """Drop missing and inactive people and the requester; a person named twice keeps the later step."""
    kept: list[Step] = []
    for step in steps:
        if step.approver is None or not step.approver.active or step.approver.id == requester.id:
            continue
        if step.role not in ROLES:
            raise ValueError(f"step role must be one of {ROLES}, not {step.role!r}")
        kept = [k for k in kept if k.approver.id != step.approver.id] + [step]
    return kept


def resolve_steps(requester: Person, source="auto", intermediate: str = "approve") -> list[Step]:
    """The steps of a request by ``requester``.

    ``source`` is "org" (group director -> deputy overseeing the group -> office
    director; a school's staff: the school director), "person" (the requester's
    configured commenter and approver), "auto" (the person's chain when set,
    else the org chart) or a list of Step. ``intermediate`` is the role of the
    org chart's steps before the last ("approve" or "comment").
    """
    if isinstance(source, str):
        if source not in ("auto", "org", "person"):
            raise ValueError(f"unknown step source {source!r}")
        steps = _person_chain(requester) if source in ("auto", "person") else []
        if source == "org" or (source == "auto" and not _clean(requester, steps)):
            steps = _org_chain(requester, intermediate)
    else:
        steps = list(source)
    return _clean(requester, steps)


def chain_of(person: Person) -> ApprovalChain | None:
    return db.session.get(ApprovalChain, person.id)


def set_chain(person: Person, commenter: Person | None, approver: Person | None) -> ApprovalChain | None:
    """Set (or with two Nones, clear) a person's own commenter and approver."""
    if person in (commenter, approver):
        raise ApprovalError(_l("A person cannot comment on or approve their own requests."))
    chain = db.session.get(ApprovalChain, person.id)
    if commenter is None and approver is None:
        if chain is not None:
            db.session.delete(chain)
        db.session.flush()
        return None
    chain = chain or ApprovalChain(person_id=person.id)
    chain.commenter_id = commenter.id if commenter else None
    chain.approver_id = approver.id if approver else None
    db.session.add(chain)
    db.session.flush()
    return chain


# --- the life of a request ---------------------------------------------------------


def _escalation_hours(module: str, kind: str) -> int | None:
    from core.settings import get_settings

    registered = kinds().get((module, kind))
    default = registered.escalation_hours if registered else DEFAULT_ESCALATION_HOURS
    hours = get_settings(module, defaults={}).get("approval_escalation_hours", default)
    return int(hours) if hours else None


def _due(request: ApprovalRequest, start: dt.datetime) -> dt.datetime | None:
    if not request.escalation_hours:
        return None
    from core.services import holidays

    return holidays.add_working_hours(start, request.escalation_hours)


def _event(request, action, actor=None, step=None, on_behalf_of=None, comment="", now=None) -> ApprovalEvent:
    event = ApprovalEvent(
        request=request, step=step, action=action, actor_id=getattr(actor, "id", None),
        on_behalf_of_id=getattr(on_behalf_of, "id", None), comment=comment or "", at=now or utcnow(),
    )
    db.session.add(event)
    return event


def _audit(request, action, person, comment="", on_behalf_of=None, remote_addr=None, step=None):
    audit.record(
        f"approval.{action}", request.module, request.kind, request.record_id, person, request.title,
        details={
            "approval_request": request.id,
            "step": step.position if step else None,
            "on_behalf_of": getattr(on_behalf_of, "id", None),
            "comment": comment or None,
        },
        remote_addr=remote_addr,
    )


def _show_link(request: ApprovalRequest) -> str:
    return notifications.link_to("approvals.show", request_id=request.id)


def _activate(request: ApprovalRequest, step: ApprovalStep, now: dt.datetime) -> None:
    step.status = "pending"
    step.activated_at = now
    step.due_at = _due(request, now)
    _tell_deciders(request, step)


def _tell_deciders(request, step, people=None, overdue: bool = False) -> None:
    if people is None:
        people = [step.approver, acting_for(step.approver)]
    title = (_l("Overdue, waiting for your decision: %(title)s", title=request.title) if overdue
             else _l("Waiting for your decision: %(title)s", title=request.title))
    notifications.notify(
        people, EVENT_WAITING, title, link=_show_link(request), module=request.module,
        body=_l("Requested by %(name)s", name=request.requester.full_name),
    )


def _outcome(request: ApprovalRequest, outcome: str) -> None:
    registered = kinds().get((request.module, request.kind))
    if registered and registered.on_outcome:
        registered.on_outcome(request, outcome)


def _finish(request: ApprovalRequest, status: str, now: dt.datetime, comment: str = "") -> None:
    """End a request; for an approved cancellation, cancel the request it names."""
    request.status = status
    request.decided_at = now
    for step in request.steps:
        if step.status in ("waiting", "pending"):
            step.status = "closed"
    titles = {"approved": _l("Approved: %(title)s", title=request.title),
              "refused": _l("Refused: %(title)s", title=request.title)}
    if status in titles:
        notifications.notify(request.requester, EVENT_DECIDED, titles[status], link=_show_link(request),
                             module=request.module, body=comment)
    original = request.cancels
    if original is None:
        _outcome(request, status)
    elif status == "approved":
        original.status = "cancelled"
        original.decided_at = now
        _event(original, "cancelled", comment=comment, now=now)
        _outcome(original, "cancelled")


def open_request_for(module: str, kind: str, record_id) -> ApprovalRequest | None:
    """The request of this record still under way (not a cancellation), if any."""
    return db.session.scalar(
        select(ApprovalRequest).where(
            ApprovalRequest.module == module, ApprovalRequest.kind == kind,
            ApprovalRequest.record_id == str(record_id), ApprovalRequest.status.in_(OPEN_STATUSES),
            ApprovalRequest.cancels_id.is_(None),
        )
    )


def submit(
    module: str,
    kind: str,
    record_id,
    title: str,
    requester: Person,
    steps="auto",
    link: tuple[str, dict] | None = None,
    escalation_hours: int | None = FROM_SETTINGS,
    intermediate: str = "approve",
    remote_addr: str | None = None,
    now: dt.datetime | None = None,
    cancels: ApprovalRequest | None = None,
) -> ApprovalRequest:
    """Start a request; returns it with its first step waiting for a decision.

    ``steps``: "auto", "org", "person" or a list of Step (see resolve_steps).
    ``link``: (endpoint, args) of the module's page of the record.
    ``escalation_hours``: working hours before a step escalates; by default the
    module setting ``approval_escalation_hours``, else the kind's, else 24; None never.
    """
    now = now or utcnow()
    title = (title or "").strip()
    if not title:
        raise ApprovalError(_l("A request needs a title."))
    if cancels is None and open_request_for(module, kind, record_id) is not None:
        raise ApprovalError(_l("This record is already waiting for approval."))
    resolved = resolve_steps(requester, steps, intermediate)
    if not resolved:
        raise ApprovalError(_l("No one could be found to approve this request. Ask the administrator to set up the approval chain."))
    endpoint, args = link if link else ("", None)
    request = ApprovalRequest(
        module=module, kind=kind, record_id=str(record_id), title=title[:255], requester=requester,
        status="pending", link_endpoint=endpoint, link_args=args, cancels=cancels, created_at=now,
        escalation_hours=_escalation_hours(module, kind) if escalation_hours == FROM_SETTINGS else escalation_hours,
    )
    for position, spec in enumerate(resolved, start=1):
        request.steps.append(ApprovalStep(position=position, role=spec.role, label=spec.label, approver=spec.approver))
    db.session.add(request)
    _event(request, "submitted", actor=requester, now=now)
    _activate(request, request.steps[0], now)
    db.session.flush()
    _audit(request, "submitted", requester, remote_addr=remote_addr)
    return request


def _lock(request: ApprovalRequest) -> ApprovalRequest:
    """Re-read the request and its steps under row locks, so two deciders cannot both win.

    Locking reads see the latest commit even where the transaction's snapshot
    is older (MariaDB's repeatable read); the steps collection is set from them
    rather than lazy-loaded again from that older snapshot.
    """
    db.session.refresh(request, with_for_update=True)
    locked = db.session.scalars(
        select(ApprovalStep).where(ApprovalStep.request_id == request.id).order_by(ApprovalStep.position)
        .with_for_update().execution_options(populate_existing=True)
    ).all()
    set_committed_value(request, "steps", list(locked))
    return request


def _kinds_closed_to(person: Person) -> list[tuple[str, str]]:
    """The (module, kind)s whose decide_permission ``person`` lacks."""
    from core.permissions import has_permission

    return [(kind.module, kind.kind) for kind in kinds().values()
            if kind.decide_permission and not has_permission(person, kind.decide_permission)]


def authority(step: ApprovalStep, person: Person, day: dt.date | None = None) -> tuple[bool, Person | None]:
    """(may ``person`` decide ``step``?, on whose behalf) — the approver, an escalation target, or the acting delegate,
    holding the kind's decide_permission if it has one."""
    if step.status != "pending" or not person.active:
        return False, None
    if (step.request.module, step.request.kind) in _kinds_closed_to(person):
        return False, None
    if person.id in (step.approver_id, step.escalated_to_id):
        return True, None
    acting = acting_for(step.approver, day)
    if acting is not None and acting.id == person.id:
        return True, step.approver
    return False, None


def decide(
    request: ApprovalRequest,
    person: Person,
    decision: str,
    comment: str = "",
    expected_step_id: int | None = None,
    remote_addr: str | None = None,
    now: dt.datetime | None = None,
) -> ApprovalStep:
    """Record ``person``'s decision on the current step: approve, refuse, comment or return.

    Refusing and returning need a reason, commenting needs the comment. Passing
    ``expected_step_id`` (the step the person saw) refuses a decision on a step
    that moved on meanwhile.
    """
    now = now or utcnow()
    comment = (comment or "").strip()
    _lock(request)
    step = request.current_step
    if request.status != "pending" or step is None:
        raise ApprovalError(_l("This request is no longer waiting for a decision."))
    if expected_step_id is not None and step.id != expected_step_id:
        raise ApprovalError(_l("This request has moved on since you opened it. Look at it again."))
    allowed, on_behalf_of = authority(step, person, calendar.to_local(now).date())
    if not allowed:
        raise ApprovalError(_l("You may not decide this request."))
    if decision not in step.decisions():
        raise ApprovalError(_l("This step cannot be decided that way."))
    if not comment and decision in ("refuse", "return", "comment"):
        raise ApprovalError({
            "refuse": _l("Give the reason for refusing."),
            "return": _l("Say what should be changed."),
            "comment": _l("Write your comment."),
        }[decision])
    step.status = STEP_STATUS_AFTER[decision]
    step.decided_at = now
    step.decided_by_id = person.id
    step.on_behalf_of_id = on_behalf_of.id if on_behalf_of else None
    step.comment = comment
    _event(request, STEP_STATUS_AFTER[decision], actor=person, step=step, on_behalf_of=on_behalf_of,
           comment=comment, now=now)
    if decision in ("approve", "comment"):
        following = next((s for s in request.steps if s.status == "waiting"), None)
        if following is not None:
            _activate(request, following, now)
        else:
            _finish(request, "approved", now, comment)
    elif decision == "refuse":
        _finish(request, "refused", now, comment)
    else:
        request.status = "returned"
        notifications.notify(request.requester, EVENT_DECIDED, _l("Returned for changes: %(title)s", title=request.title),
                             link=_show_link(request), module=request.module, body=comment)
        if request.cancels is None:
            _outcome(request, "returned")
    db.session.flush()
    _audit(request, STEP_STATUS_AFTER[decision], person, comment, on_behalf_of, remote_addr, step)
    return step


def _check_requester(request: ApprovalRequest, person: Person) -> None:
    if request.requester_id != person.id:
        raise ApprovalError(_l("Only the person who made the request may do this."))


def withdraw(request: ApprovalRequest, person: Person, reason: str = "", remote_addr=None, now=None) -> None:
    """The requester takes back a request that is still pending or returned to them."""
    now = now or utcnow()
    _lock(request)
    _check_requester(request, person)
    if request.status not in OPEN_STATUSES:
        raise ApprovalError(_l("Only a request still under way can be withdrawn."))
    request.status = "withdrawn"
    request.decided_at = now
    for step in request.steps:
        if step.status in ("waiting", "pending"):
            step.status = "closed"
    _event(request, "withdrawn", actor=person, comment=reason.strip(), now=now)
    if request.cancels is None:
        _outcome(request, "withdrawn")
    db.session.flush()
    _audit(request, "withdrawn", person, reason, remote_addr=remote_addr)


CLOSING_STATUSES = ("refused", "cancelled")


def close(request: ApprovalRequest, status: str, reason: str, actor: Person | None = None, remote_addr=None,
          now=None) -> bool:
    """The module ends a request nobody decided, because its record can no longer be granted: the time it asked
    for was given to someone else, has passed, or the record was cancelled by someone other than the requester.

    Unlike decide() this needs no authority on a step: the module's own rule has already been applied (by
    ``actor``, or by Khet itself when None). The request, its steps and the timeline end as ``status``
    ("refused" or "cancelled") with ``reason``, and the kind's on_outcome runs, so */approvals* and the module
    agree. Nobody is notified here: the module tells the requester in its own words. Returns False when the
    request had already ended (two closers at once: the second does nothing).
    """
    if status not in CLOSING_STATUSES:
        raise ValueError(f"close() ends a request as one of {CLOSING_STATUSES}, not {status!r}")
    now = now or utcnow()
    _lock(request)
    if request.status not in OPEN_STATUSES:
        return False
    request.status = status
    request.decided_at = now
    for step in request.steps:
        if step.status in ("waiting", "pending"):
            step.status = "closed"
    _event(request, status, actor=actor, comment=(reason or "").strip(), now=now)
    if request.cancels is None:
        _outcome(request, status)
    db.session.flush()
    _audit(request, status, actor, reason, remote_addr=remote_addr)
    return True


def reassign(request: ApprovalRequest, approver: Person, reason: str, actor: Person | None = None, remote_addr=None,
             now=None) -> bool:
    """The module names another approver for the request's current step, because the one it named can no longer
    decide (a room got a new approver; the approver lost the module's decide_permission). The step starts again
    with the new approver, who is told; the timeline says why. Returns False when there was nothing to move."""
    now = now or utcnow()
    _lock(request)
    step = request.current_step
    if request.status != "pending" or step is None or step.approver_id == approver.id:
        return False
    step.approver = approver
    step.escalated_to_id, step.escalated_at = None, None
    _event(request, "reassigned", actor=actor, step=step, comment=(reason or "").strip(), now=now)
    _activate(request, step, now)
    db.session.flush()
    _audit(request, "reassigned", actor, reason, remote_addr=remote_addr, step=step)
    return True


def resubmit(request: ApprovalRequest, person: Person, comment: str = "", remote_addr=None, now=None) -> None:
    """Send a request returned for changes through its chain again, from the first step."""
    now = now or utcnow()
    _lock(request)
    _check_requester(request, person)
    if request.status != "returned":
        raise ApprovalError(_l("Only a request returned for changes can be sent again."))
    for step in request.steps:
        step.status = "waiting"
        step.activated_at = step.due_at = step.decided_at = step.escalated_at = None
        step.decided_by_id = step.on_behalf_of_id = step.escalated_to_id = None
        step.comment = ""
    request.status = "pending"
    _event(request, "resubmitted", actor=person, comment=comment.strip(), now=now)
    _activate(request, request.steps[0], now)
    db.session.flush()
    _audit(request, "resubmitted", person, comment, remote_addr=remote_addr)


def open_cancellation_of(request: ApprovalRequest) -> ApprovalRequest | None:
    return db.session.scalar(
        select(ApprovalRequest).where(ApprovalRequest.cancels_id == request.id,
                                      ApprovalRequest.status.in_(OPEN_STATUSES))
    )


def request_cancellation(request: ApprovalRequest, person: Person, reason: str, remote_addr=None, now=None) -> ApprovalRequest:
    """Ask to cancel an approved request: a new request through the same chain (AMSS++ ลาแก้/ยกเลิก)."""
    now = now or utcnow()
    reason = (reason or "").strip()
    _lock(request)
    _check_requester(request, person)
    if request.status != "approved" or request.cancels_id is not None:
        raise ApprovalError(_l("Only an approved request can be cancelled."))
    if not reason:
        raise ApprovalError(_l("Give the reason for cancelling."))
    if open_cancellation_of(request) is not None:
        raise ApprovalError(_l("A cancellation of this request is already under way."))
    chain = [Step(step.approver, step.role, step.label) for step in request.steps]
    link = (request.link_endpoint, request.link_args) if request.link_endpoint else None
    cancellation = submit(
        request.module, request.kind, request.record_id,
        notifications.translated(_l("Cancel: %(title)s", title=request.title)), person,
        steps=chain, link=link, escalation_hours=request.escalation_hours, remote_addr=remote_addr, now=now,
        cancels=request,
    )
    _event(cancellation, "cancellation_requested", actor=person, comment=reason, now=now)
    _event(request, "cancellation_requested", actor=person, comment=reason, now=now)
    db.session.flush()
    return cancellation


# --- escalation --------------------------------------------------------------------


@dataclass
class Escalation:
    request_id: int
    step_id: int
    outcome: str  # "next_step" | "escalated_to" | "reminded"


def _escalation_target(request: ApprovalRequest) -> Person | None:
    from core.settings import get_settings

    username = (get_settings(request.module, defaults={}).get("approval_escalate_to") or "").strip()
    if not username:
        return None
    return db.session.scalar(select(Person).where(Person.username == username, Person.active.is_(True)))


def _escalate(request: ApprovalRequest, step: ApprovalStep, now: dt.datetime) -> str:
    hours = request.escalation_hours
    step.escalated_at = now
    following = next((s for s in request.steps if s.status == "waiting"), None)
    if following is not None:
        step.status = "skipped"
        _event(request, "escalated", step=step, now=now, comment=notifications.translated(
            _l("Not acted on within %(hours)s working hours; passed to the next step.", hours=hours)))
        _activate(request, following, now)
        return "next_step"
    target = _escalation_target(request)
    if target is not None and target.id != step.approver_id:
        step.escalated_to_id = target.id
        _event(request, "escalated", step=step, now=now, comment=notifications.translated(
            _l("Not acted on within %(hours)s working hours; passed to %(name)s.", hours=hours, name=target.full_name)))
        _tell_deciders(request, step, people=[target], overdue=True)
        return "escalated_to"
    _event(request, "reminded", step=step, now=now, comment=notifications.translated(
        _l("Not acted on within %(hours)s working hours; the approver was reminded.", hours=hours)))
    _tell_deciders(request, step, overdue=True)
    return "reminded"


def escalate_overdue(now: dt.datetime | None = None) -> list[Escalation]:
    """Escalate every step past its due time, once: to the next step, else to the module's
    configured person (setting ``approval_escalate_to``), else remind the approver. For cron."""
    from core.plugins import registry

    now = now or utcnow()
    overdue = db.session.execute(
        select(ApprovalStep.id, ApprovalStep.request_id).join(ApprovalRequest)
        .where(
            ApprovalStep.status == "pending", ApprovalStep.escalated_at.is_(None), ApprovalStep.due_at <= now,
            ApprovalRequest.status == "pending", ApprovalRequest.module.in_(registry().enabled_ids()),
        )
        .order_by(ApprovalStep.due_at)
    ).all()
    db.session.commit()
    done = []
    for step_id, request_id in overdue:
        with write_transaction():
            request = db.session.get(ApprovalRequest, request_id)
            _lock(request)
            step = request.current_step
            if request.status == "pending" and step is not None and step.id == step_id and step.escalated_at is None:
                outcome = _escalate(request, step, now)
                db.session.flush()
                _audit(request, "escalated", None, outcome)
                done.append(Escalation(request_id, step_id, outcome))
            db.session.commit()
    return done


# --- reading -----------------------------------------------------------------------


def waiting_for(person: Person, day: dt.date | None = None):
    """A select() of the steps waiting for ``person``'s decision across all enabled modules:
    their own, those escalated to them, and those of people they act for today.

    Every signed-in page counts it for the menu badge. Apart from the people acted for (asked
    each time), it depends only on modules and grants, so a worker keeps the built statement
    until those stamps change (core.cache): building it cost more than running it.
    """
    from core import cache

    principals = tuple(principals_of(person, day))
    return cache.cached(("approvals.waiting_for", person.id, principals), (cache.MODULES, cache.ACCESS),
                        lambda: _waiting_for(person, principals))


def _waiting_for(person: Person, principals: tuple[int, ...]):
    from core.plugins import registry

    deciders = [ApprovalStep.approver_id == person.id, ApprovalStep.escalated_to_id == person.id]
    if principals:
        deciders.append(ApprovalStep.approver_id.in_(principals))
    closed = [not_(and_(ApprovalRequest.module == module, ApprovalRequest.kind == kind))
              for module, kind in _kinds_closed_to(person)]
    return (
        select(ApprovalStep).join(ApprovalRequest)
        .where(
            ApprovalStep.status == "pending", ApprovalRequest.status == "pending", or_(*deciders),
            ApprovalRequest.module.in_(sorted(registry().enabled_ids())), *closed,
        )
        .order_by(ApprovalStep.activated_at, ApprovalStep.id)
    )


def waiting_count(person: Person) -> int:
    """How many decisions wait for ``person``; the menu badge and the home card share one count per request."""
    return per_request(("approvals.waiting_count", person.id), lambda: db.session.scalar(waiting_count_query(person)) or 0)


def waiting_count_query(person: Person):
    """waiting_count as a select() of one count: the menu asks all its badges in one query."""
    from core import cache

    principals = tuple(principals_of(person))
    return cache.cached(
        ("approvals.waiting_count_query", person.id, principals), (cache.MODULES, cache.ACCESS),
        lambda: select(func.count()).select_from(waiting_for(person).order_by(None).subquery()),
    )


def requests_by(person: Person):
    """A select() of the person's own requests, newest first."""
    return (
        select(ApprovalRequest).where(ApprovalRequest.requester_id == person.id)
        .order_by(ApprovalRequest.created_at.desc(), ApprovalRequest.id.desc())
    )


def requests_for(module: str, kind: str, record_id) -> list[ApprovalRequest]:
    """Every request about one record, oldest first: the request and any cancellation of it."""
    return list(db.session.scalars(
        select(ApprovalRequest)
        .where(ApprovalRequest.module == module, ApprovalRequest.kind == kind,
               ApprovalRequest.record_id == str(record_id))
        .order_by(ApprovalRequest.created_at, ApprovalRequest.id)
    ))


def latest_for(module: str, kind: str, record_id) -> ApprovalRequest | None:
    found = requests_for(module, kind, record_id)
    return found[-1] if found else None


def may_view(request: ApprovalRequest, person: Person) -> bool:
    """The requester, anyone named in the chain, whoever acts for them today, and administrators."""
    if person.is_admin or request.requester_id == person.id:
        return True
    involved = set()
    for step in request.steps:
        involved.update(i for i in (step.approver_id, step.escalated_to_id, step.decided_by_id) if i)
    if person.id in involved:
        return True
    return bool(involved & set(principals_of(person)))
