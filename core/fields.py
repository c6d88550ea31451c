"""The inputs every form of every module shares: the Thai date input and the people picker.

Both work without JavaScript and the server decides: the date is a plain text box parsed here (the
calendar popup of ``core/static/js/khet-date.js`` only fills the box), and the people picker is a
``<select>`` whose submitted ids are checked here against the field's scope (Tom Select, driven by
``core/static/js/khet-people.js``, only makes choosing pleasant). See docs/forms.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field as dataclass_field

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup
from sqlalchemy import false, select
from wtforms import DateField, SelectFieldBase
from wtforms.meta import DefaultMeta
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput, html_params

from core import calendar
from core.db import db
from core.forms import WithinKhetYears

__all__ = [
    "PeopleField", "PersonField", "PersonScope", "ThaiDateField", "date_input", "format_thai_date", "parse_thai_date",
    "person_label", "person_select", "search_people",
]

# --- dates ---------------------------------------------------------------------------

# The year rule is core.calendar.parse_be_date's (above 2400 BE, up to 2400 CE); here only what people type
# besides its d/m/yyyy: Thai digits, other separators, the era written out.
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})$")
_ERA = re.compile(r"\s*(พ\.?\s*ศ\.?|ค\.?\s*ศ\.?)\s*")


def format_thai_date(day: dt.date | None) -> str:
    """04/12/2569: the text the date input shows (day/month/BE year, two-digit day and month)."""
    if day is None:
        return ""
    return f"{day.day:02d}/{day.month:02d}/{calendar.be_year(day.year)}"


def _format_message() -> str:
    return _("Write the date as day/month/Buddhist Era year, e.g. %(example)s.",
             example=format_thai_date(calendar.local_today()))


def parse_thai_date(text: str | None) -> dt.date | None:
    """The date written in ``text``; None for an empty text; ValueError with a message for the writer otherwise.

    Accepted: day/month/year with "/", "-", "." or a space between (04/12/2569, 4-12-2569, 4.12.2569), Thai
    digits (๐๔/๑๒/๒๕๖๙), "พ.ศ." written with the year, and ISO year-month-day (2569-12-04 or 2026-12-04, as
    links carry it). A year above 2400 is BE, up to 2400 CE: 04/12/2026 is the same day as 04/12/2569.
    """
    cleaned = _ERA.sub(" ", (text or "").translate(_THAI_DIGITS)).strip()
    if not cleaned:
        return None
    if match := _DAY_MONTH_YEAR.match(cleaned):
        cleaned = "/".join(match.groups())
    try:
        return calendar.parse_be_date(cleaned)
    except calendar.NoSuchDay:
        raise ValueError(_("There is no day %(text)s in the calendar. %(format)s",
                           text=text.strip(), format=_format_message())) from None
    except calendar.DateOutOfRange:
        raise ValueError(WithinKhetYears.message()) from None
    except ValueError:
        raise ValueError(_format_message()) from None


def _date_box_attributes(attributes: dict) -> dict:
    """What makes a text box the Thai date input: the calendar script finds it by data-khet-date."""
    attributes.setdefault("inputmode", "numeric")
    attributes.setdefault("autocomplete", "off")
    attributes.setdefault("placeholder", _("dd/mm/yyyy (BE)"))
    attributes.setdefault("maxlength", 30)
    attributes["data-khet-date"] = ""
    attributes.setdefault("data-open-label", _("Choose from the calendar"))
    attributes.setdefault("data-year-label", _("Year (BE)"))
    return attributes


class ThaiDateInput(TextInput):
    """A text box (not the browser's Gregorian date box) that the calendar popup attaches to by its data- attribute."""

    def __call__(self, field, **kwargs):
        return super().__call__(field, **_date_box_attributes(kwargs))


def date_input(name: str, value: dt.date | None = None, **attributes) -> Markup:
    """The Thai date input outside a WTForms form (a page's "show this day" box): ``{{ date_input("day", day) }}``.

    The view reads it back with parse_thai_date, which also takes the ISO dates of links (?day=2026-12-04).
    Attribute names use "_" for "-" (aria_label=...); ``class_`` is the class.
    """
    attributes = {key.rstrip("_").replace("_", "-"): v for key, v in attributes.items()}
    attributes.setdefault("id", name)
    attributes.setdefault("class", "form-control")
    return Markup("<input {}>").format(Markup(html_params(
        type="text", name=name, value=format_thai_date(value), **_date_box_attributes(attributes))))


class ThaiDateField(DateField):
    """A date written and shown in the Buddhist Era (04/12/2569); ``data`` is a ``datetime.date`` as with DateField.

    A CE year is accepted too (a year of 2400 or more is BE). Khet's date range (CE 1900-2400, WithinKhetYears)
    is always checked, so forms need not list that validator.
    """

    widget = ThaiDateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        validators = list(validators or [])
        if not any(isinstance(v, WithinKhetYears) for v in validators):
            validators.append(WithinKhetYears())
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        data = self.data.date() if isinstance(self.data, dt.datetime) else self.data
        return format_thai_date(data)

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        self.data = None
        self.data = parse_thai_date(" ".join(valuelist))  # a ValueError becomes this field's error


# --- people --------------------------------------------------------------------------

#: The most people one search answers with; the picker asks for the next page as the list scrolls.
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class PersonScope:
    """Who a person field may pick, as a named server-side filter with its arguments.

    Always only active people. ``kind`` is one of:

    - ``"everyone"``: every active person (the office and all schools);
    - ``"office"``: people who work in the office, not in a school (as org_services.office_staff);
    - ``"groups"``: members of the groups ``ids``;
    - ``"schools"``: staff of the schools ``ids``;
    - ``"people"``: exactly the people ``ids`` (a short list a module computed, e.g. who may be assigned).

    The picker's JSON search receives the scope signed (with the signed-in person's id), so the browser can
    neither widen it nor reuse another person's; the form checks submitted ids against the same filter.
    """

    kind: str = "everyone"
    ids: tuple[int, ...] = dataclass_field(default_factory=tuple)

    KINDS = ("everyone", "office", "groups", "schools", "people")

    def __post_init__(self):
        if self.kind not in self.KINDS:
            raise ValueError(f"unknown person scope {self.kind!r}; one of {self.KINDS}")
        object.__setattr__(self, "ids", tuple(sorted({int(i) for i in self.ids})))

    @classmethod
    def groups(cls, ids: Iterable[int]) -> PersonScope:
        return cls("groups", tuple(ids))

    @classmethod
    def schools(cls, ids: Iterable[int]) -> PersonScope:
        return cls("schools", tuple(ids))

    @classmethod
    def people(cls, ids: Iterable[int]) -> PersonScope:
        return cls("people", tuple(ids))

    @classmethod
    def schools_of(cls, person) -> PersonScope:
        """The staff of the schools ``person`` works in ("people of my school")."""
        return cls.schools(school.id for school in person.schools)

    def condition(self):
        """The SQL filter on Person of this scope (active people only)."""
        from core.models import GroupMembership, Person, SchoolMembership

        active = Person.active.is_(True)
        if self.kind == "everyone":
            return active
        if self.kind == "office":  # as org_services.office_staff: deputies often belong to no group
            return active & Person.id.not_in(select(SchoolMembership.person_id))
        if not self.ids:
            return false()
        if self.kind == "groups":
            return active & Person.id.in_(select(GroupMembership.person_id).where(GroupMembership.group_id.in_(self.ids)))
        if self.kind == "schools":
            return active & Person.id.in_(
                select(SchoolMembership.person_id).where(SchoolMembership.school_id.in_(self.ids)))
        return active & Person.id.in_(self.ids)

    # The token the picker sends back: signed, and only good for the person it was made for.
    def token(self, person_id: int) -> str:
        return _serializer().dumps([person_id, self.kind, list(self.ids)])

    @classmethod
    def from_token(cls, token: str, person_id: int) -> PersonScope:
        """The scope a token carries; ValueError when it was altered or made for someone else."""
        try:
            owner, kind, ids = _serializer().loads(token)
            if owner != person_id:
                raise ValueError("person scope token of another person")
            return cls(kind, tuple(ids))
        except (BadSignature, TypeError, ValueError) as error:
            raise ValueError("bad person scope token") from error


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="khet.person-scope")


def person_label(person) -> str:
    """"นางสมศรี ใจดี · นักวิชาการศึกษา · กลุ่มนโยบายและแผน": name, position and group or school, to tell namesakes apart."""
    where = person.primary_group or person.primary_school
    return " · ".join(part for part in (person.full_name, person.position, where.name if where else "") if part)


def search_people(scope: PersonScope, query: str = "", page: int = 1, limit: int = SEARCH_LIMIT):
    """One page of the people of ``scope`` matching ``query``: (people, more), as org_services.find_people."""
    from core import org_services

    return org_services.find_people(scope.condition(), query, page=page, limit=limit)


class _PeopleSelect:
    """A <select> holding only the chosen people; the picker script loads the rest from the search endpoint."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        if field.multiple:
            kwargs["multiple"] = True
        attributes = {
            "data-khet-people": "",
            "data-source": url_for("main.people_search"),
            "data-scope": field.scope.token(current_user.id) if current_user.is_authenticated else "",
            "data-placeholder": _("Type a name, username or position"),
            "data-no-results": _("Nobody found."),
            "data-remove-label": _("Remove"),
        }
        options = [] if field.multiple else [Markup('<option value="">—</option>')]
        for person in field.chosen_people():
            options.append(Markup('<option value="{}" data-data="{}" selected>{}</option>').format(
                person.id, json.dumps(person_option_json(person), ensure_ascii=False), person_label(person)))
        return Markup("<select {}>{}</select>").format(
            Markup(html_params(name=field.name, **attributes, **kwargs)), Markup("").join(options))


class _PeopleFieldBase(SelectFieldBase):
    widget = _PeopleSelect()
    multiple = False

    def __init__(self, label=None, validators=None, scope: PersonScope | Callable[[], PersonScope] | None = None,
                 **kwargs):
        super().__init__(label, validators, **kwargs)
        self._scope = scope or PersonScope()
        self._chosen_cache = None

    @property
    def scope(self) -> PersonScope:
        """The field's scope; a callable given as scope is asked when the form is used (it may read current_user)."""
        return self._scope() if callable(self._scope) else self._scope

    @scope.setter
    def scope(self, value) -> None:
        self._scope = value

    def _ids(self) -> list[int]:
        raise NotImplementedError

    def chosen_people(self) -> list:
        from core.models import Person

        ids = self._ids()
        if not ids:
            return []
        people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))}
        return [people[i] for i in ids if i in people]

    def _coerce_ids(self, values) -> list[int]:
        ids = []
        for value in values:
            if value in ("", None, 0, "0"):
                continue
            try:
                ids.append(int(value))
            except (TypeError, ValueError):
                raise ValueError(_("Choose people from the list.")) from None
        return list(dict.fromkeys(ids))

    def pre_validate(self, form) -> None:
        from core.models import Person

        ids = self._ids()
        if not ids:
            return
        allowed = set(db.session.scalars(select(Person.id).where(Person.id.in_(ids), self.scope.condition())))
        if set(ids) - allowed:
            raise ValidationError(_("Someone chosen here may not be chosen for this field. Choose again from the list."))

    def iter_choices(self):  # SelectFieldBase's contract; the picker shows only the chosen
        for person in self.chosen_people():
            yield (person.id, person_label(person), True, {})


class PersonField(_PeopleFieldBase):
    """Pick one person (``data``: the person's id, or None). ``scope``: a PersonScope (default: every active person)."""

    def _ids(self) -> list[int]:
        return [self.data] if self.data else []

    def process_data(self, value) -> None:
        value = getattr(value, "id", value)
        self.data = int(value) if value else None

    def process_formdata(self, valuelist) -> None:
        if valuelist:
            ids = self._coerce_ids(valuelist[:1])
            self.data = ids[0] if ids else None

    def _value(self):
        return str(self.data) if self.data else ""


class PeopleField(_PeopleFieldBase):
    """Pick several people, shown as chips (``data``: a list of ids). ``scope`` as PersonField."""

    multiple = True

    def _ids(self) -> list[int]:
        return list(self.data or [])

    def process_data(self, value) -> None:
        self.data = [int(getattr(v, "id", v)) for v in (value or [])]

    def process_formdata(self, valuelist) -> None:
        self.data = self._coerce_ids(valuelist)


def person_select(name: str, scope: PersonScope | None = None, multiple: bool = False, **attributes) -> Markup:
    """The people picker outside a WTForms form (a member page's "add a person"): ``{{ person_select("person_id") }}``.

    The view that receives it must check the id itself, e.g. with a form holding a PersonField of the same scope.
    """
    field_class = PeopleField if multiple else PersonField
    field = field_class(scope=scope, name=name, _form=None, _meta=DefaultMeta())
    field.process(None)
    return field(**{key.rstrip("_").replace("_", "-"): v for key, v in attributes.items()})


def person_option_json(person) -> dict:
    """One search result as the picker shows it."""
    where = person.primary_group or person.primary_school
    return {"id": person.id, "name": person.full_name, "position": person.position or "",
            "place": where.name if where else "", "label": person_label(person)}
