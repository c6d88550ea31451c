"""Languages: Thai by default, a person's choice remembered, every message translated, and the catalog tool."""

import re

import pytest
from babel.messages.pofile import read_po, write_po
from babel.support import Translations
from sqlalchemy import select

from core import i18n_tools
from core.db import db
from core.models import Person
from core.plugins import registry


def _html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


# --- the Thai catalog is complete ------------------------------------------------------


def test_every_message_in_the_code_has_a_thai_translation():
    missing = {
        component.name: i18n_tools.missing_translations(component)
        for component in i18n_tools.components()
    }
    missing = {name: ids for name, ids in missing.items() if ids}
    report = "\n".join(
        f"{name} ({len(ids)}): " + "; ".join(ids) for name, ids in missing.items()
    )
    assert not missing, f"messages without a Thai translation (run `python -m core.i18n_tools update`):\n{report}"


def test_the_catalogs_are_where_the_app_reads_them(app):
    """Each first-party module's translations folder is one the tool writes, so compiled catalogs are found.

    Third-party modules (installed from elsewhere, like examples/) keep and build their own catalogs.
    """
    written = {component.translations_folder.resolve() for component in i18n_tools.components()}
    first_party_folders = (i18n_tools.SOURCE_ROOT / "core", i18n_tools.SOURCE_ROOT / "plugins")
    first_party = [
        (plugin_id, loaded) for plugin_id, loaded in registry(app).plugins.items()
        if loaded.package_folder.resolve().is_relative_to(first_party_folders[0])
        or loaded.package_folder.resolve().is_relative_to(first_party_folders[1])
    ]
    assert {"core", "notices"} <= {plugin_id for plugin_id, _loaded in first_party}
    for plugin_id, loaded in first_party:
        assert (loaded.package_folder / "translations").resolve() in written, plugin_id


def test_extraction_finds_messages_in_python_templates_and_themes():
    core = i18n_tools.select_components(["core"])[0]
    messages = {message.id for message in i18n_tools.extract(core)}
    assert "Please sign in to open this page." in messages  # _l() in core/app.py
    assert "Skip to content" in messages  # _() in core/templates/base.html
    assert "High-contrast view" in messages  # a theme's template
    assert "%(total)s items, page %(page)s of %(pages)s" in messages  # a macro


def test_each_module_extracts_only_its_own_messages():
    notices = i18n_tools.select_components(["notices"])[0]
    messages = {message.id for message in i18n_tools.extract(notices)}
    assert "Post a notice" in messages
    assert "Skip to content" not in messages


def test_unknown_component_is_named_in_the_error():
    with pytest.raises(ValueError, match="nosuch"):
        i18n_tools.select_components(["nosuch"])


# --- the catalog tool, on a copy -------------------------------------------------------


@pytest.fixture
def scratch_component(tmp_path):
    """The notices module's sources, with its catalog in a scratch folder (the real catalog is left alone)."""
    notices = i18n_tools.select_components(["notices"])[0]
    return i18n_tools.Component("notices", notices.source_folders, tmp_path / "translations")


def _translate(path, translations: dict[str, str]) -> None:
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="th")
    for msgid, text in translations.items():
        catalog[msgid].string = text
    with path.open("wb") as fh:
        write_po(fh, catalog)


def test_update_creates_an_empty_thai_catalog_and_check_lists_every_message(scratch_component):
    path = i18n_tools.update_catalog(scratch_component)
    assert path == scratch_component.catalog_path("th") and path.exists()
    assert scratch_component.template_path.exists()
    extracted = {m.id for m in i18n_tools.extract(scratch_component) if m.id}
    assert set(i18n_tools.missing_translations(scratch_component)) == extracted


def test_a_translated_message_is_compiled_and_no_longer_missing(scratch_component):
    path = i18n_tools.update_catalog(scratch_component)
    _translate(path, {"Post a notice": "ลงประกาศ"})
    i18n_tools.compile_catalog(scratch_component)
    assert "Post a notice" not in i18n_tools.missing_translations(scratch_component)
    loaded = Translations.load(str(scratch_component.translations_folder), ["th"])
    assert loaded.gettext("Post a notice") == "ลงประกาศ"


def test_update_keeps_existing_translations(scratch_component):
    path = i18n_tools.update_catalog(scratch_component)
    _translate(path, {"Notices": "ประกาศ"})
    i18n_tools.update_catalog(scratch_component)
    with path.open("rb") as fh:
        assert read_po(fh, locale="th")["Notices"].string == "ประกาศ"


def test_fuzzy_or_blank_translations_count_as_missing(scratch_component):
    path = i18n_tools.update_catalog(scratch_component)
    _translate(path, {"Notices": "ประกาศ", "Post a notice": "   "})
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="th")
    catalog["Notices"].flags.add("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog)
    missing = i18n_tools.missing_translations(scratch_component)
    assert "Notices" in missing and "Post a notice" in missing


def test_compile_refuses_a_translation_with_wrong_placeholders(tmp_path):
    core = i18n_tools.select_components(["core"])[0]
    component = i18n_tools.Component("core", core.source_folders, tmp_path / "translations")
    path = i18n_tools.update_catalog(component)
    _translate(path, {"Welcome, %(name)s": "ยินดีต้อนรับ %(nmae)s"})
    with pytest.raises(ValueError, match="Welcome"):
        i18n_tools.compile_catalog(component)
    assert not component.compiled_path().exists()


def test_check_command_fails_while_messages_are_missing(capsys):
    status = i18n_tools.main(["check", "notices"])
    output = capsys.readouterr().out
    missing = i18n_tools.missing_translations(i18n_tools.select_components(["notices"])[0])
    assert status == (1 if missing else 0)
    assert f"notices: {len(missing)} message(s)" in output


# --- choosing the language ------------------------------------------------------------


def test_thai_is_the_default_language(client):
    response = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert _html_lang(response) == "th"
    assert re.search(r'data-locale="th"[^>]*aria-current="true"', response.get_data(as_text=True))


def test_a_visitor_may_switch_to_english_before_signing_in(client):
    client.post("/locale", data={"locale": "en"})
    assert _html_lang(client.get("/login")) == "en"


def test_an_unknown_language_is_refused(client):
    assert client.post("/locale", data={"locale": "xx"}).status_code == 400
    assert _html_lang(client.get("/login")) == "th"


def test_a_persons_language_choice_is_stored_on_their_record(app, client, login_as, make_person):
    person = make_person(username="somsri", password="correct-horse-9")
    login_as(person)
    client.post("/locale", data={"locale": "en"})
    db.session.expire_all()
    assert db.session.scalar(select(Person.locale).where(Person.id == person.id)) == "en"


def test_the_stored_choice_follows_the_person_to_a_new_browser(app, client, login_as, make_person):
    person = make_person(username="somsri", password="correct-horse-9")
    login_as(person)
    client.post("/locale", data={"locale": "en"})
    other_browser = app.test_client()
    with other_browser.session_transaction() as stored:  # signed in, with no language in the session
        stored["_user_id"] = person.get_id()
    assert _html_lang(other_browser.get("/")) == "en"
    assert _html_lang(app.test_client().get("/login")) == "th"  # strangers still get Thai


def test_messages_translate_outside_a_request_in_the_default_language(app):
    """Services and CLI commands call gettext with only an app context."""
    from flask_babel import force_locale, gettext

    from core.i18n import select_locale

    assert select_locale() == app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale("en"):
        assert gettext("Sign in") == "Sign in"


# --- WTForms' own messages follow the page's language (issue 16) -------------------------------


def test_wtforms_default_messages_show_in_thai_on_a_thai_page(client):
    page = client.post("/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert "This field is required." not in page
    assert "กรุณากรอกช่องนี้" in page


def test_wtforms_default_messages_stay_english_on_an_english_page(client):
    client.post("/locale", data={"locale": "en"})
    page = client.post("/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert "This field is required." in page and "กรุณากรอกช่องนี้" not in page


def test_a_modules_own_form_gets_thai_wtforms_messages_without_changes(app):
    """Any FlaskForm subclass, like a module's, with plural and numeric messages filled in by WTForms."""
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict
    from wtforms import IntegerField, SelectField, StringField
    from wtforms.validators import DataRequired, Length

    class ModuleForm(FlaskForm):
        class Meta:
            csrf = False

        name = StringField("name", validators=[DataRequired(), Length(max=3)])
        count = IntegerField("count")
        colour = SelectField("colour", choices=[("red", "red")])

    with app.test_request_context("/", headers={"Accept-Language": "th"}):
        form = ModuleForm(formdata=MultiDict({"name": "abcdef", "count": "x", "colour": "blue"}))
        assert not form.validate()
        assert form.name.errors == ["ยาวได้ไม่เกิน 3 ตัวอักษร"]
        assert form.count.errors[0] == "กรุณากรอกเป็นจำนวนเต็ม"
        assert form.colour.errors == ["ตัวเลือกไม่ถูกต้อง กรุณาเลือกจากรายการ"]


def test_every_message_of_the_installed_wtforms_is_listed_for_translation():
    """An upgrade of WTForms or Flask-WTF that adds a message fails here until it is listed and translated."""
    import os

    import flask_wtf
    import wtforms
    from babel.messages.extract import extract_from_dir

    from core.wtforms_i18n import MESSAGES

    listed = {message._args[0] for message in MESSAGES}
    found = set()
    for package in (wtforms, flask_wtf):
        for _file, _line, message, _comments, _context in extract_from_dir(
            os.path.dirname(package.__file__), [("**.py", "python")],
            keywords={"gettext": None, "ngettext": (1, 2)},
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    assert found - listed == set()


def _thai_translations():
    from babel.messages.pofile import read_po

    for component in i18n_tools.components():
        path = component.catalog_path()
        if not path.exists():
            continue
        with path.open("rb") as fh:
            for message in read_po(fh):
                for text in (message.string if isinstance(message.string, (tuple, list)) else [message.string]):
                    if message.id and text:
                        yield component.name, message.id, text


def test_thai_translations_put_spaces_around_dates_and_double_no_word():
    """"ส่ง3 ธ.ค. 2569แล้ว" and "เป็นรายชื่อชื่อ" (issue 16): a date placeholder glued to Thai letters, a doubled word."""
    glued = re.compile(r"[\u0e00-\u0e7f]%\((day|date|when|time|first|last|start|end)\)s"
                       r"|%\((day|date|when|time|first|last|start|end)\)s[\u0e00-\u0e7f]")
    found = [f"{name}: {text}" for name, _msgid, text in _thai_translations()
             if glued.search(text) or "ชื่อชื่อ" in text]
    assert found == []

def _thai_catalogs() -> dict[str, object]:
    """Every Thai catalog the app merges: core's, each first-party module's, and the example third-party module's."""
    paths = {component.name: component.catalog_path() for component in i18n_tools.components()}
    paths["khet-visitors"] = (i18n_tools.SOURCE_ROOT / "examples" / "khet-visitors" / "khet_visitors" / "translations"
                              / "th" / "LC_MESSAGES" / "messages.po")
    catalogs = {}
    for name, path in paths.items():
        if path.is_file():
            with path.open("rb") as po:
                catalogs[name] = read_po(po, locale="th")
    return catalogs


def test_one_wording_per_message_id_across_the_catalogs():
    """The app merges every catalog into one, so a message id one catalog translates differently from another
    changes the other's pages too (correspondence's "Open" turned every home card's link into "ค้างดำเนินการ").
    A module that means something else gives its own message id."""
    assert {"core", "correspondence", "khet-visitors"} <= set(_thai_catalogs())
    wordings: dict[tuple, dict] = {}
    for name, catalog in _thai_catalogs().items():
        for message in catalog:
            if not message.id or message.fuzzy or not _translated(message.string):
                continue
            key = (message.context, message.id if isinstance(message.id, str) else tuple(message.id))
            wording = message.string if isinstance(message.string, str) else tuple(message.string)
            wordings.setdefault(key, {}).setdefault(wording, []).append(name)
    clashes = {key: found for key, found in wordings.items() if len(found) > 1}
    report = "\n".join(f"{key[1]!r}: " + "; ".join(f"{wording!r} in {', '.join(names)}" for wording, names in found.items())
                       for key, found in clashes.items())
    assert not clashes, f"the same message id translated differently:\n{report}"


def _translated(string) -> bool:
    return any(string) if isinstance(string, (tuple, list)) else bool(string)
