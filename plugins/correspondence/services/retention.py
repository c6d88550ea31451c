"""Retention and destruction of letters (การเก็บรักษาและการทำลายหนังสือ, ระเบียบงานสารบรรณ หมวด 3).

Each register line has a retention (``Letter.retention_years``): 10 years in general, 1 year for routine
matters (เรื่องที่เป็นธรรมดา), permanently (None), or another number of years. Every calendar year the keeper
of a place's registers lists the letters past their retention (บัญชีหนังสือขอทำลาย); a committee of at
least three officials (คณะกรรมการทำลายหนังสือ) approves it, keeping some lines longer if it sees fit, or
rejects it; only then are the approved lines destroyed: their files are purged, the register line stays.

**Counting, on calendar years (BE).** A letter registered in year Y with R years of retention is kept
through the whole of year Y + R (the years are counted from the year after the one it was registered in)
and first appears on the list made in year Y + R + 1, i.e. when ``Y + R < list year``. A letter registered
in 2557 with 10 years is kept to 31 December 2567 and listed in 2568; a routine letter of 2567 is listed in
2569. The list's year is the Bangkok calendar year of the moment it is made.

**Secret letters.** A list is made by a keeper of the place's registers and holds only the lines that
person may see in the register: the kinds they may write in (``may_register``: the secret register needs
``correspondence.secret``), and a secret line only when they are named on it (``secret_filter``) — both in
the SQL. Others see a list without the lines hidden from them, and may not decide or destroy a list holding
lines they cannot see: whoever acts on a list sees every line of it. The secret register's keeper may make a
second list of the place for the lines the first one could not hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.orm import contains_eager

from core.api import attachments, audit, calendar_year_be, ce_year, db, permission_scope, utcnow
from plugins.correspondence.models import DestructionItem, DestructionList, Letter, Register
from plugins.correspondence.permissions import REGISTER, SECRET
from plugins.correspondence.services import (
    KINDS, MODULE, CorrespondenceError, may_register, may_register_in, place_of_scope, places_of, printed_number,
    school_ids_clerked_by, secret_filter)

ROUTINE_YEARS = 1
DEFAULT_YEARS = 10
MAX_YEARS = 100
MIN_COMMITTEE = 3
DECISIONS = {"pending": _l("Waiting for the committee"), "approved": _l("Approved for destruction"),
             "rejected": _l("Rejected by the committee")}


# --- the retention of one letter --------------------------------------------------


def retention_label(years: int | None) -> str:
    """How a retention reads on a page: "Permanently", "1 year (routine matters)", "10 years (general)", "7 years"."""
    if years is None:
        return str(_l("Permanently"))
    if years == ROUTINE_YEARS:
        return str(_l("1 year (routine matters)"))
    if years == DEFAULT_YEARS:
        return str(_l("10 years (general)"))
    return str(_l("%(years)s years", years=years))


def kept_through_year(letter: Letter) -> int | None:
    """The last BE calendar year the letter must be kept (None: permanently)."""
    if letter.retention_years is None:
        return None
    return letter.year + letter.retention_years


def first_list_year(letter: Letter) -> int | None:
    """The BE year of the first destruction list the letter may be on (None: never)."""
    through = kept_through_year(letter)
    return None if through is None else through + 1


def list_year_of(now: dt.datetime | None = None) -> int:
    """The BE calendar year a list made at ``now`` (stored UTC) belongs to, on a Bangkok calendar."""
    return calendar_year_be(now or utcnow())


def list_deadline(list_year: int) -> dt.date:
    """The last day to make the year's list: 60 days after the end of the previous calendar year."""
    return dt.date(ce_year(list_year) - 1, 12, 31) + dt.timedelta(days=60)


def open_list_of(letter: Letter) -> DestructionList | None:
    """The list the letter is on that is not finished: waiting for the committee, or approved and not destroyed."""
    return db.session.scalar(select(DestructionList).join(DestructionItem, DestructionItem.list_id == DestructionList.id)
                             .where(DestructionItem.letter_id == letter.id, _open_list()).limit(1))


def set_retention(letter: Letter, years: int | None, by, remote_addr: str | None = None) -> bool:
    """Change how long a letter is kept (``None``: permanently); the register keeper's decision, audited.

    Returns False when nothing changed. Refused for a destroyed letter and for one on an open destruction
    list (there the committee decides).
    """
    if not may_register(by, letter.register):
        raise CorrespondenceError(_l("Only the keeper of this register may change how long its letters are kept."))
    if letter.destroyed_at is not None:
        raise CorrespondenceError(_l("This letter has been destroyed; its retention can no longer change."))
    if years is not None and not (1 <= years <= MAX_YEARS):
        raise CorrespondenceError(_l("The retention is a number of years from 1 to %(most)s, or permanently.",
                                     most=MAX_YEARS))
    on_list = open_list_of(letter)
    if on_list is not None:
        raise CorrespondenceError(_l("This letter is on destruction list No. %(number)s; the committee decides whether "
                                     "it is kept.", number=on_list.id))
    if letter.retention_years == years:
        return False
    before = letter.retention_years
    letter.retention_years = years
    audit.record("retention", MODULE, "letter", letter.id, by, f"{retention_label(before)} → {retention_label(years)}",
                 details={"before": before, "after": years}, remote_addr=remote_addr)
    db.session.commit()
    return True


# --- places and who keeps them ----------------------------------------------------


def keeps_any_register(person) -> bool:
    """Whether the person keeps some register anywhere (for the menu; the pages check the place)."""
    if not getattr(person, "is_authenticated", False):
        return False
    return (permission_scope(person, REGISTER).anywhere
            or permission_scope(person, SECRET).anywhere or bool(school_ids_clerked_by(person)))


def kinds_kept_by(person, scope: str) -> list[str]:
    """The kinds of the place's registers this person writes in; empty for a place that names nothing."""
    try:
        place = place_of_scope(scope)
    except CorrespondenceError:
        return []
    return [kind for kind in KINDS if may_register_in(person, kind, place)]


def may_keep(person, scope: str) -> bool:
    """Whether the person keeps at least one register of this place (and so sees its destruction lists)."""
    return bool(kinds_kept_by(person, scope))


def place_title(scope: str) -> str:
    place = place_of_scope(scope)
    if place["school"] is not None:
        return place["school"].name
    if place["group"] is not None:
        return place["group"].name
    return str(_l("Central registry"))


def places_kept_by(person) -> list[str]:
    """The scopes whose registers this person keeps: office, groups, schools."""
    return [place.scope for place in places_of(person) if any(place.may_register.values())]


# --- which letters a person may see on a list ----------------------------------------


def _seen_by(person, scope: str):
    """SQL condition on Letter (joined to Register): a line of this place this person sees as its keeper."""
    kinds = kinds_kept_by(person, scope)
    if not kinds:
        return false()
    return and_(Register.scope == scope, Register.kind.in_(kinds), secret_filter(person))


def _open_list():
    """SQL condition on DestructionList: not finished (waiting, or approved and not yet destroyed)."""
    return or_(DestructionList.decision == "pending",
               and_(DestructionList.decision == "approved", DestructionList.destroyed_at.is_(None)))


def due_letters(person, scope: str, list_year: int):
    """The place's lines past retention for the list of ``list_year`` that this person sees, oldest first.

    Past retention: not permanent, ``year + retention_years < list_year`` (see the module docstring);
    not destroyed, and not on another open list.
    """
    on_open_list = exists().where(DestructionItem.letter_id == Letter.id, DestructionItem.list_id == DestructionList.id,
                                  _open_list())
    return (select(Letter).join(Register, Letter.register_id == Register.id)
            .where(_seen_by(person, scope), Letter.retention_years.is_not(None),
                   Letter.year + Letter.retention_years < list_year, Letter.destroyed_at.is_(None), ~on_open_list)
            .order_by(Register.kind, Letter.year, Letter.number))


def lists_of(scope: str):
    return select(DestructionList).where(DestructionList.scope == scope).order_by(DestructionList.id.desc())


def visible_items(person, destruction_list: DestructionList) -> list[DestructionItem]:
    """The lines of a list this person sees, in the order of the register; secret ones filtered in SQL."""
    return list(db.session.scalars(
        select(DestructionItem).join(Letter, DestructionItem.letter_id == Letter.id)
        .join(Register, Letter.register_id == Register.id)
        .where(DestructionItem.list_id == destruction_list.id, _seen_by(person, destruction_list.scope))
        .options(contains_eager(DestructionItem.letter).contains_eager(Letter.register))
        .order_by(Register.kind, Letter.year, Letter.number)))


def item_count(destruction_list: DestructionList) -> int:
    return db.session.scalar(select(func.count()).where(DestructionItem.list_id == destruction_list.id)) or 0


def hidden_count(person, destruction_list: DestructionList) -> int:
    """How many lines of the list this person may not see."""
    return item_count(destruction_list) - len(visible_items(person, destruction_list))


def may_act_on(person, destruction_list: DestructionList) -> bool:
    """Record the committee's decision or destroy: a keeper of the place who sees every line of the list."""
    return may_keep(person, destruction_list.scope) and hidden_count(person, destruction_list) == 0


def _check_may_act(person, destruction_list: DestructionList) -> None:
    if not may_keep(person, destruction_list.scope):
        raise CorrespondenceError(_l("Only the keepers of this place's registers may act on its destruction lists."))
    if hidden_count(person, destruction_list):
        raise CorrespondenceError(_l("This list holds secret letters you are not named on; a keeper who may see every "
                                     "line decides on it."))


# --- making, deciding, destroying ----------------------------------------------------


def make_list(scope: str, by, now: dt.datetime | None = None, remote_addr: str | None = None) -> DestructionList:
    """Make this year's list of the place's letters past retention (บัญชีหนังสือขอทำลาย) from what ``by`` sees."""
    now = now or utcnow()
    if not may_keep(by, scope):
        raise CorrespondenceError(_l("Only the keepers of this place's registers may make its destruction list."))
    year = list_year_of(now)
    letters = list(db.session.scalars(due_letters(by, scope, year)))
    if not letters:
        raise CorrespondenceError(_l("No letter of this place is past its retention and waiting to be listed."))
    made = DestructionList(scope=scope, year=year, created_at=now, created_by_id=by.id, decision="pending")
    db.session.add(made)
    db.session.flush()
    db.session.add_all(DestructionItem(list_id=made.id, letter_id=letter.id, keep=False, note="") for letter in letters)
    audit.record("make", MODULE, "destruction_list", made.id, by, f"{scope} {year}: {len(letters)}",
                 details={"scope": scope, "year": year, "letter_ids": [letter.id for letter in letters]},
                 remote_addr=remote_addr)
    db.session.commit()
    return made


def committee_names(text: str) -> list[str]:
    """The committee's members, one per line (or separated by commas), each once, in the order written."""
    names = []
    for line in (text or "").replace(",", "\n").splitlines():
        name = " ".join(line.split())
        if name and name not in names:
            names.append(name)
    return names


@dataclass
class ItemDecision:
    """What the committee says of one line: keep it (for ``years`` more, None for permanently), with a note."""

    keep: bool = False
    years: int | None = 1
    note: str = ""


def decide(destruction_list: DestructionList, by, *, committee: str, approve: bool, note: str = "",
           items: dict[int, ItemDecision] | None = None, now: dt.datetime | None = None,
           remote_addr: str | None = None) -> DestructionList:
    """Record the committee and its decision on a list; on approval, the lines it keeps get their retention extended.

    A kept line is kept for ``years`` more calendar years counted from the end of the year before the list
    (so ``years=5`` on the list of 2568 keeps it through 2572 and lists it again in 2573), or permanently.
    """
    now = now or utcnow()
    items = items or {}
    _check_may_act(by, destruction_list)
    if destruction_list.decision != "pending":
        raise CorrespondenceError(_l("The committee has already decided on this list."))
    names = committee_names(committee)
    if len(names) < MIN_COMMITTEE:
        raise CorrespondenceError(_l("Name the members of the destruction committee, at least %(count)s officials, "
                                     "one per line.", count=MIN_COMMITTEE))
    note = (note or "").strip()
    if not approve and not note:
        raise CorrespondenceError(_l("Write why the committee rejects the list."))
    lines = {item.id: item for item in db.session.scalars(
        select(DestructionItem).where(DestructionItem.list_id == destruction_list.id))}
    if set(items) - set(lines):
        raise CorrespondenceError(_l("A line of the decision is not on this list."))
    kept = {item_id: said for item_id, said in items.items() if said.keep} if approve else {}
    for said in kept.values():
        if said.years is not None and not (1 <= said.years <= MAX_YEARS):
            raise CorrespondenceError(_l("A kept letter is kept from 1 to %(most)s more years, or permanently.",
                                         most=MAX_YEARS))
    destruction_list.committee = "\n".join(names)
    destruction_list.decision = "approved" if approve else "rejected"
    destruction_list.decided_at, destruction_list.decided_by_id = now, by.id
    destruction_list.decision_note = note
    for item_id, said in items.items():
        lines[item_id].note = (said.note or "").strip()
    for item_id, said in kept.items():
        _keep_longer(lines[item_id], said.years, destruction_list, by, remote_addr)
    audit.record("decide", MODULE, "destruction_list", destruction_list.id, by, destruction_list.decision,
                 details={"decision": destruction_list.decision, "committee": names, "note": note,
                          "kept_letter_ids": [lines[i].letter_id for i in kept]}, remote_addr=remote_addr)
    db.session.commit()
    return destruction_list


def _keep_longer(item: DestructionItem, years: int | None, destruction_list: DestructionList, by, remote_addr) -> None:
    letter = item.letter
    before = letter.retention_years
    letter.retention_years = None if years is None else destruction_list.year - 1 + years - letter.year
    item.keep = True
    audit.record("retention", MODULE, "letter", letter.id, by,
                 f"{retention_label(before)} → {retention_label(letter.retention_years)}",
                 details={"before": before, "after": letter.retention_years, "destruction_list_id": destruction_list.id},
                 remote_addr=remote_addr)


def destroy(destruction_list: DestructionList, by, now: dt.datetime | None = None,
            remote_addr: str | None = None) -> int:
    """Destroy the lines of an approved list the committee did not keep: their files go, the register lines stay.

    Returns how many letters were destroyed. Files leave storage when the transaction commits; their rows
    stay marked purged, and each letter records when and by which list it was destroyed.
    """
    now = now or utcnow()
    _check_may_act(by, destruction_list)
    if destruction_list.decision != "approved":
        raise CorrespondenceError(_l("Nothing is destroyed before the committee approves the list."))
    if destruction_list.destroyed_at is not None:
        raise CorrespondenceError(_l("This list has already been destroyed."))
    destroyed = 0
    for item in db.session.scalars(select(DestructionItem).where(DestructionItem.list_id == destruction_list.id,
                                                                 DestructionItem.keep.is_(False))):
        letter = item.letter
        if letter.destroyed_at is not None:
            continue
        files = attachments.purge_files(owner=(MODULE, "letter", letter.id))
        letter.destroyed_at, letter.destruction_list_id = now, destruction_list.id
        audit.record("destroy", MODULE, "letter", letter.id, by, f"{letter.register.kind} {letter.number}/{letter.year}",
                     details={"destruction_list_id": destruction_list.id, "files": files}, remote_addr=remote_addr)
        destroyed += 1
    destruction_list.destroyed_at = now
    audit.record("destroy", MODULE, "destruction_list", destruction_list.id, by, str(destroyed),
                 details={"letters": destroyed}, remote_addr=remote_addr)
    db.session.commit()
    return destroyed


def letter_reference(letter: Letter) -> str:
    """The ที่ column of the list: the number printed on the letter (the sender's, or our own for letters we sent)."""
    if letter.sender_ref:
        return letter.sender_ref
    return printed_number(letter) if letter.register.kind not in ("incoming", "secret") else ""
