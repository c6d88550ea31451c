"""Search of letters: one box over the subject, the numbers, the sender, the recipient and the summary.

Thai is written without spaces between words, so a word index cannot find "ประมาณ" inside "งบประมาณ".
Each database searches substrings its own way (the index is made by migration 467afabf688c):

- SQLite: an FTS5 table with the trigram tokenizer, ``correspondence_letter_search``, kept in step with
  the letters by triggers; a query term is a phrase of trigrams.
- PostgreSQL: ``ILIKE '%term%'`` on ``SEARCHED_TEXT``, which a pg_trgm GIN index covers.
- MariaDB has no trigram index: ``LIKE '%term%'`` on each column, which reads the letters newest first until
  a page is full (quick for common words, a scan of every readable letter for rare ones).

A term shorter than three characters has no trigram, so it is matched with LIKE on every database; a term longer
than INDEXED_CHARACTERS is looked up in the index by its ending and checked whole with LIKE. Results come newest
registered first (by id), the order the indexes can give without sorting every match of a common word.
Who may see what is part of the query (``readable_by``), never a filter applied to a page afterwards.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, column, exists, false, func, literal_column, or_, select, table, text, true
from sqlalchemy.orm import joinedload

from core.api import Office, db, numbers, per_request, stored_day_range
from plugins.correspondence.models import Delivery, Letter, LetterCode, Register
from plugins.correspondence.services import (KINDS, URGENCIES, CorrespondenceError, _delivered_to, _school_ids_of,
                                             may_list, secret_filter)

SEARCHED_COLUMNS = ("subject", "sender_ref", "from_text", "to_text", "remarks", "action")
# The PostgreSQL index is on exactly this expression (migration 467afabf688c); change both or neither.
SEARCHED_TEXT = literal_column(" || ' ' || ".join(f"correspondence_letter.{name}::text" for name in SEARCHED_COLUMNS))
FTS_TABLE = "correspondence_letter_search"
TRIGRAM = 3  # the shortest term a trigram index can look up
# The index looks up at most the last this many characters of a word; the whole word is then checked on the rows
# found. Thai compounds put the common head first and the distinguishing part last (โรงเรียนบ้าน|หนองบัว,
# สำนักงาน|เขตพื้นที่): the head's trigrams are in nearly every letter, and reading their lists is what made a
# school's name cost 50 ms in the index alone, whatever the number of letters it finally matched.
INDEXED_CHARACTERS = 8
MAX_TERMS = 8
MAX_QUERY = 200
PER_PAGE = 20

# The printed number of an order ("31/2569"), or of another letter with or without its code
# ("ศธ 04183/2631", "ว 125", "ศธ 04183/ว 125", or the bare register number "2631").
ORDER_NUMBER = re.compile(r"^(?P<number>\d{1,7})\s*/\s*(?P<year>\d{4})$")
LETTER_NUMBER = re.compile(r"^(?:(?P<code>.*\S)\s*/\s*)?(?P<circular>ว\.?\s*)?(?P<number>\d{1,7})$")


@dataclass
class SearchFilters:
    """What narrows a search besides its words: registered between two Bangkok days, a register, urgency, group."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    kind: str | None = None  # a register kind, see services.KINDS
    scope: str | None = None  # whose register: "office", "group:<id>", "school:<id>"
    urgency: str | None = None
    group_id: int | None = None


@dataclass
class SearchPage:
    """One page of results, newest first. No total: counting every match of a common word costs more than the page."""

    items: list
    page: int
    per_page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def search_letters(person, query: str, filters: SearchFilters | None = None):
    """SQL select of the letters this person may open that match every word of the query, newest first.

    Newest first is by id, not by registered_at: ids follow the order of registration, and only the id order is
    one the indexes can hand over already sorted, so a page of a common word ("งบประมาณ" is in one letter in six)
    reads about a page of matches instead of sorting all of them.
    """
    query = (query or "").strip()
    if not query:
        raise CorrespondenceError(_l("Type what to search for."))
    if len(query) > MAX_QUERY:
        raise CorrespondenceError(_l("The search is too long (at most %(count)s characters).", count=MAX_QUERY))
    filters = filters or SearchFilters()
    _check_filters(filters)
    terms = _terms(query)
    number = _number_match(query)
    conditions = [readable_by(person), *_filter_conditions(filters)]
    if number is None and _dialect() == "sqlite" and _long_terms(terms):
        return _from_fts_table(terms, conditions).options(*_SHOWN_WITH)
    matches = _text_match(terms)
    if number is not None:
        matches = or_(matches, number)
    return select(Letter).where(matches, *conditions).order_by(Letter.id.desc()).options(*_SHOWN_WITH)


# Each result shows its register's owner (register_title): two queries for the page, not one per school.
_SHOWN_WITH = (joinedload(Letter.register).selectinload(Register.school),
               joinedload(Letter.register).selectinload(Register.group))


def search_page(person, query: str, filters: SearchFilters | None = None, page: int = 1,
                per_page: int = PER_PAGE) -> SearchPage:
    """One page of ``search_letters``; reads one row more than the page to know whether another page follows."""
    page = max(1, page)
    statement = search_letters(person, query, filters).limit(per_page + 1).offset((page - 1) * per_page)
    rows = list(db.session.scalars(statement))
    return SearchPage(items=rows[:per_page], page=page, per_page=per_page, has_next=len(rows) > per_page)


# --- who may see what ----------------------------------------------------------------


def readable_by(person):
    """SQL condition of services.may_read: a secret letter only where named; any other in a register this
    person may list, or received by them, their group or their school."""
    if not getattr(person, "is_authenticated", False):
        return false()
    delivered = (Delivery.received_at.is_not(None), _delivered_to(person))
    if _dialect() == "sqlite":
        # EXISTS, not IN: SQLite walks the FTS matches newest first and stops at a full page, so this is asked of a
        # few hundred letters through the delivery's letter index, instead of first listing every letter the
        # person's group ever received (27,000 for the central registry's group). PostgreSQL hashes that list once
        # and checks it before the text, which suits its plans better.
        received = exists().where(Delivery.letter_id == Letter.id, *delivered)
    else:
        received = Letter.id.in_(select(Delivery.letter_id).where(*delivered))
    return and_(secret_filter(person), or_(Letter.secrecy != "none", _in_listed_register(person), received))


def _in_listed_register(person):
    listed, every = per_request(f"correspondence_listed_registers:{person.id}", lambda: _listed_registers(person))
    if every:
        return true()
    return Letter.register_id.in_(listed) if listed else false()


def _listed_registers(person) -> tuple[list[int], bool]:
    """(ids of the registers this person may list, whether that is every one); secret registers are left out,
    since their lines are read by being named, not by listing. services.may_list decides, once per owner.

    A school's registers are listed only by its clerks and by those granted the permission for it (services
    ``_school_ids_of``): the hundreds of other schools' registers are left out without asking may_list for each,
    which cost more than the search itself.
    """
    decided: dict[tuple, bool] = {}
    own_schools = _school_ids_of(person)
    listed, total = [], 0
    for register in db.session.scalars(select(Register).where(Register.kind != "secret")):
        owner = (register.group_id, register.school_id)
        if owner not in decided:
            decided[owner] = (register.school_id is None or register.school_id in own_schools) and may_list(
                person, register)
        total += 1
        if decided[owner]:
            listed.append(register.id)
    return listed, len(listed) == total


# --- what matches ----------------------------------------------------------------------


def _terms(query: str) -> list[str]:
    terms = query.split()
    if len(terms) > MAX_TERMS:
        raise CorrespondenceError(_l("Search for at most %(count)s words at a time.", count=MAX_TERMS))
    return terms


def _long_terms(terms: list[str]) -> list[str]:
    return [term for term in terms if len(term) >= TRIGRAM]


def _text_match(terms: list[str]):
    """Every word of the query is somewhere in the searched columns (each word a substring)."""
    long_terms = _long_terms(terms)
    conditions = [_like_any_column(term) for term in terms if len(term) < TRIGRAM]
    if long_terms:
        conditions.insert(0, _indexed_match(long_terms))
    return and_(*conditions)


def _from_fts_table(terms: list[str], conditions: list):
    """SQLite: the letters are read from the FTS table, newest rowid first, and stop once the page is full.

    ``id IN (SELECT rowid ... MATCH ...)`` would collect every match of a common word (160,000 of a million
    letters) before the first row is sorted; reading the FTS table in descending rowid order, each match is
    joined to its letter and checked against who may read it, and the LIMIT ends the walk.
    """
    found = table(FTS_TABLE, column("rowid", Integer))
    long_terms = _long_terms(terms)
    checks = [_like_any_column(term) for term in terms if len(term) < TRIGRAM or _index_key(term) != term]
    return (select(Letter).join(found, found.c.rowid == Letter.id)
            .where(text(f"{FTS_TABLE} MATCH :phrases").bindparams(phrases=_fts_phrases(long_terms)),
                   *checks, *conditions)
            .order_by(found.c.rowid.desc()))


def _index_key(term: str) -> str:
    """The part of a word the index looks up (see INDEXED_CHARACTERS); a longer word is checked whole afterwards."""
    return term[-INDEXED_CHARACTERS:]


def _fts_phrases(terms: list[str]) -> str:
    return " AND ".join('"' + _index_key(term).replace('"', '""') + '"' for term in terms)


def _indexed_match(terms: list[str]):
    dialect = _dialect()
    whole_words = [_like_any_column(term) for term in terms if _index_key(term) != term]
    if dialect == "sqlite":
        found = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :phrases").bindparams(
            phrases=_fts_phrases(terms))
        return and_(Letter.id.in_(found.columns(column("rowid", Integer))), *whole_words)
    if dialect == "postgresql":
        return and_(*[SEARCHED_TEXT.ilike(_contains(_index_key(term)), escape="\\") for term in terms], *whole_words)
    return and_(*[_like_any_column(term) for term in terms])


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _like_any_column(term: str):
    """LIKE ignores case on SQLite (Latin letters) and MariaDB (its collation); PostgreSQL needs ILIKE."""
    pattern = _contains(term)
    postgresql = _dialect() == "postgresql"
    return or_(*[(getattr(Letter, name).ilike if postgresql else getattr(Letter, name).like)(pattern, escape="\\")
                 for name in SEARCHED_COLUMNS])


def _contains(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _number_match(query: str):
    """The letters whose printed number is the query: "31/2569", "ศธ 04183/2631", "ว 125", "2631"; None if it is none."""
    order = ORDER_NUMBER.match(query)
    if order:
        return Letter.register_id.in_(select(Register.id).where(Register.kind == "order")) & (
            Letter.number == int(order["number"])) & (Letter.year == int(order["year"]))
    found = LETTER_NUMBER.match(query)
    if found is None:
        return None
    kinds = ["circular"] if found["circular"] else ["outgoing", "certificate"] if found["code"] else list(KINDS)
    registers = select(Register.id).where(Register.kind.in_(kinds))
    if found["code"]:
        registers = registers.where(_scopes_printing(found["code"]))
    return Letter.register_id.in_(registers) & Letter.year.in_(_years_with_letters()) & (
        Letter.number == int(found["number"]))


def _years_with_letters() -> list[int]:
    """The years any letter can be numbered in: with them, a number is found through the (register, year, number)
    index instead of reading every line of every register. Two index reads (the first and the last registration)."""
    def years():
        first, last = db.session.execute(select(func.min(Letter.registered_at), func.max(Letter.registered_at))).one()
        if first is None:
            return []
        return list(range(numbers.year_of(first.date()) - 1, numbers.year_of(last.date()) + 2))
    return per_request("correspondence_search_years", years)


def _scopes_printing(code: str):
    """SQL condition on Register.scope: the places whose letters print this code (their own, else the office's)."""
    wanted = " ".join(code.split())
    own_codes = db.session.execute(select(LetterCode.scope, LetterCode.code)).all()
    matching = [scope for scope, own in own_codes if " ".join(own.split()) == wanted]
    office = Office.current()
    condition = Register.scope.in_(matching) if matching else false()
    if office is not None and " ".join((office.letter_code or "").split()) == wanted:
        condition = or_(condition, Register.scope.not_in([scope for scope, _own in own_codes]))
    return condition


# --- filters ----------------------------------------------------------------------------


def _check_filters(filters: SearchFilters) -> None:
    if filters.kind is not None and filters.kind not in KINDS:
        raise CorrespondenceError(_l("Choose the register from the list."))
    if filters.urgency is not None and filters.urgency not in URGENCIES:
        raise CorrespondenceError(_l("Choose the urgency from the list."))
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise CorrespondenceError(_l("The first day comes after the last day."))


def _filter_conditions(filters: SearchFilters) -> list:
    conditions = []
    if filters.date_from is not None:
        conditions.append(Letter.registered_at >= stored_day_range(filters.date_from)[0])
    if filters.date_to is not None:
        conditions.append(Letter.registered_at < stored_day_range(filters.date_to)[1])
    if filters.kind is not None or filters.scope is not None:
        registers = select(Register.id)
        if filters.kind is not None:
            registers = registers.where(Register.kind == filters.kind)
        if filters.scope is not None:
            registers = registers.where(Register.scope == filters.scope)
        conditions.append(Letter.register_id.in_(registers))
    if filters.urgency is not None:
        conditions.append(Letter.urgency == filters.urgency)
    if filters.group_id is not None:
        conditions.append(Letter.group_id == filters.group_id)
    return conditions
