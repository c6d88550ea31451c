"""Every page of the route walk, read in Thai, shows no English left over (issue 16).

English leftovers are found two ways: a message id of one of the app's catalogs
(core's or a module's) that has a Thai translation different from itself shown
as it is, which means the text was not passed through ``_()``/``_l`` (or was
translated too early, before the request's language was known); and WTForms'
own English messages. Each form of each page is also submitted empty once, so
that the validators' messages show.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

from core.db import db
from core.i18n import translation_directories
from core.plugins import registry
from core.wtforms_i18n import MESSAGES as WTFORMS_MESSAGES
from tests.test_routes import fill, walked_rules

# Message ids that are the same word in a Thai page by design (names, codes, units) are not leftovers.
NOT_LEFTOVERS = {"Khet", "PDF", "Excel", "Email", "ID", "OK", "LINE", "URL", "CSV", "xlsx"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
ROLES = ("admin", "school1_clerk", "admin_head")


def translated_message_ids() -> dict[str, str]:
    """msgid -> the catalog it comes from, for every message whose Thai translation differs from it."""
    found = {}
    for folder in translation_directories(registry()).split(";"):
        path = Path(folder) / "th" / "LC_MESSAGES" / "messages.po"
        if not path.exists():
            continue
        with path.open("rb") as fh:
            for message in read_po(fh):
                ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
                strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
                if not ids[0] or not any(strings) or message.fuzzy:
                    continue
                for msgid in ids:
                    if msgid not in strings and msgid not in NOT_LEFTOVERS and not PLACEHOLDER.search(msgid):
                        found[msgid] = str(path)
    return found


class _Texts(HTMLParser):
    """What a person reads: text nodes, and the attributes a browser shows (placeholder, title, aria-label, alt, value of buttons)."""

    SHOWN = {"placeholder", "title", "aria-label", "alt"}

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        for name in self.SHOWN & attributes.keys():
            self.texts.append(attributes[name] or "")
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.texts.append(attributes["value"])
        if tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self._form = {"action": attributes.get("action"), "fields": 0, "csrf": None}
            self.forms.append(self._form)
        if self._form is not None:
            if tag in ("textarea", "select") or (tag == "input" and attributes.get("type", "text") in (
                    "text", "email", "number", "date", "password", "tel", "url", "search", "time")):
                self._form["fields"] += 1
            if tag == "input" and attributes.get("name") == "csrf_token":
                self._form["csrf"] = attributes.get("value")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag == "form":
            self._form = None

    def handle_data(self, data):
        if not self._skip:
            self.texts.append(data)


def read(html: str) -> _Texts:
    parser = _Texts()
    parser.feed(html)
    parser.texts = [" ".join(text.split()) for text in parser.texts if text.strip()]
    return parser


def leftovers(html: str, message_ids: dict[str, str]) -> set[str]:
    texts = read(html).texts
    shown = set(texts)
    found = {msgid for msgid in message_ids if msgid in shown}
    whole = "\n".join(texts)
    found |= {str(message._args[0]) for message in WTFORMS_MESSAGES if str(message._args[0]) in whole}
    return found


def test_leftover_finder_sees_an_untranslated_message_and_wtforms_english():
    ids = {"Save": "core", "Remind them": "correspondence"}
    html = '<p>บันทึก</p><button title="Save">x</button><div>Remind them</div><span>This field is required.</span>'
    assert leftovers(html, ids) == {"Save", "Remind them", "This field is required."}
    assert leftovers("<p>บันทึก</p><script>var s = 'Save';</script>", ids) == set()


def test_every_page_of_the_walk_reads_in_thai(app, client, demo, login_as):
    message_ids = translated_message_ids()
    assert len(message_ids) > 500 and "Sign in" in message_ids
    failures: dict[str, set[str]] = {}
    pages = 0
    for role in ROLES:
        login_as(demo[role])
        for rule in walked_rules(app):
            if "GET" not in rule.methods:
                continue
            for url in fill(app, rule).urls(app):
                response = client.get(url)
                if response.mimetype != "text/html" or response.status_code != 200:
                    continue
                pages += 1
                html = response.get_data(as_text=True)
                if found := leftovers(html, message_ids):
                    failures.setdefault(f"GET {url} as {role}", set()).update(found)
                for form in read(html).forms:
                    if not form["fields"] or not form["csrf"]:
                        continue  # buttons alone (delete, mark read): submitting them empty would act
                    answer = client.post(form["action"] or url, data={"csrf_token": form["csrf"]})
                    db.session.rollback()
                    if answer.mimetype == "text/html" and (found := leftovers(answer.get_data(as_text=True), message_ids)):
                        failures.setdefault(f"POST {form['action'] or url} (empty, from {url}) as {role}", set()).update(found)
    assert pages > 50, "the walk found too few pages"
    report = "\n".join(f"{where}: {sorted(found)}" for where, found in sorted(failures.items()))
    assert not failures, f"English left on Thai pages:\n{report}"
