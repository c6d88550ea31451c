"""The page around every module: top bar, menu, dashboard, paging, messages, form errors, error pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import render_template_string
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from core import calendar
from core.db import db
from core.plugin_api import MENU_SECTIONS
from core.plugins import registry
from plugins.notices import services as notices
from plugins.notices.models import Notice


def translated(app, message: str, locale: str, **values) -> str:
    """What the app shows for ``message`` in ``locale`` (the English id until a catalog translates it)."""
    with app.test_request_context(), force_locale(locale):
        return _(message, **values)


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


class Elements(HTMLParser):
    """Attributes of every element, in document order: enough to check structure without a DOM library."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def having(self, attribute: str) -> list[dict]:
        return [attrs for _tag, attrs in self.elements if attribute in attrs]


def page_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin(make_office, make_person):
    """An administrator of an office: sees every menu item and card."""
    make_office()
    return make_person(admin=True, position="นักวิชาการคอมพิวเตอร์")


@pytest.fixture
def teacher(make_office, make_person):
    """A person with no permission at all."""
    make_office()
    return make_person(position="ครูชำนาญการ")


@pytest.fixture
def some_notices(admin) -> list[Notice]:
    return [notices.post(f"ประกาศทดสอบที่ {n}", "รายละเอียด", admin) for n in range(1, 4)]


# --- top bar and branding ------------------------------------------------------------------


def test_top_bar_shows_the_office_the_person_and_their_position(client, login_as, make_office, make_person):
    office = make_office(name="สำนักงานเขตพื้นที่การศึกษาประถมศึกษาทดสอบ เขต 1")
    office.short_name = "สพป.ทดสอบ 1"
    db.session.commit()
    person = make_person(first_name="วิไลวรรณ", last_name="ศรีสุข", title="นาง", position="นักจัดการงานทั่วไปชำนาญการ")
    page = page_of(login_as(person).get("/"))
    assert '<span class="text-truncate khet-office-name">สพป.ทดสอบ 1</span>' in page
    user_menu = page[page.index("data-user-menu"):]
    assert "นางวิไลวรรณ ศรีสุข" in user_menu
    assert "นักจัดการงานทั่วไปชำนาญการ" in user_menu


def test_office_logo_shows_in_the_top_bar_only_when_there_is_one(client, login_as, make_office, make_person):
    office = make_office()
    login_as(make_person())
    assert "/admin/office/logo" not in page_of(client.get("/"))
    office.logo_path = "branding/logo.png"
    db.session.commit()
    assert '<img src="/admin/office/logo"' in page_of(client.get("/"))


def test_office_colour_reaches_the_stylesheet(client, login_as, make_office, make_person):
    office = make_office()
    office.primary_colour = "#8a1538"
    db.session.commit()
    assert "--khet-primary: #8a1538;" in page_of(login_as(make_person()).get("/"))


def test_the_sign_in_page_carries_the_office_name_in_its_title(client, make_office):
    office = make_office(name="สพป.ชื่อยาว เขต 9")
    assert f"<title>{translated(client.application, 'Sign in', 'th')} · {office.name}</title>" in page_of(client.get("/login"))


# --- the menu -----------------------------------------------------------------------------


def test_menu_is_grouped_by_section_in_the_agreed_order_and_by_weight(app, client, admin, login_as):
    page = Elements(page_of(login_as(admin).get("/")))
    shown_sections = [attrs["data-section"] for attrs in page.having("data-section")]
    assert shown_sections == [s for s in MENU_SECTIONS if s in shown_sections]
    assert {"general", "admin"} <= set(shown_sections)
    expected = sorted(
        registry(app).collect("menu_items", user=admin),
        key=lambda item: (MENU_SECTIONS.index(item.section), item.weight, str(item.label)),
    )
    with app.test_request_context():
        from flask import url_for

        expected_links = [url_for(item.endpoint, **item.url_kwargs) for item in expected]
    assert [attrs["href"] for attrs in page.having("data-menu-item")] == expected_links


def test_menu_shows_only_what_the_person_may_open(client, teacher, login_as, grant):
    login_as(teacher)
    links = [attrs["href"] for attrs in Elements(page_of(client.get("/"))).having("data-menu-item")]
    assert "/notices/" not in links and "/admin/modules" not in links
    grant("notices.read", to=teacher)
    links = [attrs["href"] for attrs in Elements(page_of(client.get("/"))).having("data-menu-item")]
    assert "/notices/" in links and "/admin/modules" not in links


def test_the_current_page_is_marked_in_the_menu(client, admin, login_as):
    page = Elements(page_of(login_as(admin).get("/notices/")))
    current = [attrs for attrs in page.having("data-menu-item") if attrs.get("aria-current") == "page"]
    assert [attrs["href"] for attrs in current] == ["/notices/"]
    general = next(attrs for attrs in page.having("data-section") if attrs["data-section"] == "general")
    assert "active" in general["class"].split()


def test_a_disabled_module_leaves_the_menu(client, admin, login_as):
    login_as(admin)
    registry().set_enabled("notices", False)
    links = [attrs["href"] for attrs in Elements(page_of(client.get("/"))).having("data-menu-item")]
    assert not any(link.startswith("/notices/") for link in links)


# --- the home dashboard --------------------------------------------------------------------


def test_dashboard_cards_show_their_modules_data(client, admin, some_notices, login_as):
    newest = db.session.scalars(notices.current_notices().limit(1)).first()
    page = page_of(login_as(admin).get("/"))
    cards = Elements(page).having("data-card")
    assert cards, "no dashboard cards"
    assert newest.title in page  # the notices card sees its context values by name
    assert f'href="/notices/{newest.id}"' in page


def test_dashboard_card_of_a_disabled_module_disappears(client, admin, login_as):
    login_as(admin)
    title = translated(client.application, "Latest notices", "th")
    assert title in page_of(client.get("/"))
    registry().set_enabled("notices", False)
    assert title not in page_of(client.get("/"))


def test_home_shows_todays_thai_date_and_fiscal_year(client, login_as, make_person):
    today = calendar.local_today()
    page = page_of(login_as(make_person()).get("/"))
    line = re.search(r"<p [^>]*data-today>(.*?)</p>", page, re.S).group(1)
    assert calendar.format_date(today, "long") in line
    assert str(calendar.fiscal_year(today)) in line


# --- paging ---------------------------------------------------------------------------------


@pytest.fixture
def thirty_notices(admin):
    for n in range(1, 31):
        notices.post(f"ประกาศที่ {n}", "", admin)
    return 30


def _notice_links(response) -> list[str]:
    return re.findall(r'href="/notices/(\d+)"', page_of(response))


def test_a_long_list_is_shown_a_page_at_a_time(app, client, admin, login_as, thirty_notices):
    login_as(admin)
    per_page = app.config["PER_PAGE"]
    first = client.get("/notices/")
    listed = [a for a in Elements(page_of(first)).having("class") if "list-group-item" in a["class"]]
    assert len(listed) == per_page
    assert 'rel="next" href="/notices/?page=2"' in page_of(first)
    assert translated(app, "%(total)s items, page %(page)s of %(pages)s", "th", total=30, page=1, pages=2) in page_of(first)
    second = client.get("/notices/?page=2")
    listed = [a for a in Elements(page_of(second)).having("class") if "list-group-item" in a["class"]]
    assert len(listed) == 30 - per_page
    assert 'rel="prev" href="/notices/?page=1"' in page_of(second) and 'rel="next"' not in page_of(second)


def test_a_page_past_the_end_shows_the_last_page(client, admin, login_as, thirty_notices):
    login_as(admin)
    assert _notice_links(client.get("/notices/?page=99")) == _notice_links(client.get("/notices/?page=2"))


def test_a_page_that_is_not_a_number_shows_the_first(client, admin, login_as, thirty_notices):
    login_as(admin)
    assert _notice_links(client.get("/notices/?page=abc")) == _notice_links(client.get("/notices/"))


def test_page_links_keep_the_other_query_arguments(client, admin, login_as, thirty_notices):
    page = page_of(login_as(admin).get("/notices/?school=1&school=2&q=%E0%B8%81"))
    next_link = re.search(r'rel="next" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "school=1&school=2" in next_link and "q=%E0%B8%81" in next_link and "page=2" in next_link


def test_a_short_list_has_no_page_links(client, admin, some_notices, login_as):
    page = page_of(login_as(admin).get("/notices/"))
    assert db.session.scalar(select(func.count()).select_from(Notice)) < 25
    assert 'aria-label="' + translated(client.application, "Pages", "th") not in page


# --- messages, form errors, empty states ------------------------------------------------------


def test_a_flash_message_shows_once_on_the_next_page(client, login_as, make_person):
    login_as(make_person())
    message = translated(client.application, "You have signed out.", "th")
    page = page_of(client.post("/logout", follow_redirects=True))
    assert re.search(r'<div class="alert alert-info[^"]*"[^>]*role="alert">\s*' + re.escape(message), page)
    assert message not in page_of(client.get("/login"))


def test_form_errors_are_shown_at_the_field_and_nothing_is_saved(client, admin, login_as):
    login_as(admin)
    before = db.session.scalar(select(func.count()).select_from(Notice))
    response = client.post("/notices/new", data={"title": "", "body": "ไม่มีหัวเรื่อง", "group_id": "0"})
    page = page_of(response)
    assert response.status_code == 200
    assert "data-form-errors" in page
    title_input = next(a for a in Elements(page).having("name") if a["name"] == "title")
    assert "is-invalid" in title_input["class"]
    assert re.search(r'class="invalid-feedback d-block">[^<]+<', page)
    assert db.session.scalar(select(func.count()).select_from(Notice)) == before


def test_a_search_that_finds_nothing_says_so(client, login_as, make_person):
    page = page_of(login_as(make_person()).get("/search?q=ไม่มีทางเจอแน่นอน"))
    assert "khet-empty" in page
    assert translated(client.application, "Nothing found for “%(query)s”.", "th", query="ไม่มีทางเจอแน่นอน") in page


def test_search_results_name_their_module_in_the_readers_language(client, admin, some_notices, login_as):
    title = db.session.scalars(notices.current_notices().limit(1)).first().title
    login_as(admin)
    page = page_of(client.get("/search", query_string={"q": title}))
    assert title in page
    assert '<span class="badge text-bg-light ms-1" data-module="notices">ประกาศและข่าวประชาสัมพันธ์</span>' in page
    client.post("/locale", data={"locale": "en"})
    assert '<span class="badge text-bg-light ms-1" data-module="notices">Notices</span>' in page_of(
        client.get("/search", query_string={"q": title})
    )


def test_the_empty_state_macro_offers_its_action(app):
    with app.test_request_context():
        html = render_template_string(
            '{% from "macros/lists.html" import empty %}{{ empty("ยังไม่มีข้อมูล", "/notices/new", "ลงประกาศ") }}'
        )
    assert "ยังไม่มีข้อมูล" in html
    assert '<a class="btn btn-primary btn-sm" href="/notices/new">ลงประกาศ</a>' in html


# --- error pages ------------------------------------------------------------------------------


def test_page_not_found_is_in_thai_by_default_and_english_after_switching(app, client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert html_lang(response) == "th"
    assert translated(app, "Page not found", "th") in page_of(response)
    client.post("/locale", data={"locale": "en"})
    response = client.get("/no-such-page")
    assert response.status_code == 404 and html_lang(response) == "en"
    assert "<h1 class=\"h4\">Page not found</h1>" in page_of(response)


def test_error_pages_follow_the_signed_in_persons_language(client, login_as, make_person):
    login_as(make_person(locale="en"))
    response = client.get("/no-such-page")
    assert html_lang(response) == "en" and "Page not found" in page_of(response)


@pytest.mark.khet_plugins()
def test_a_disabled_modules_pages_are_not_found(client, login_as, make_person):
    response = login_as(make_person(admin=True)).get("/notices/")
    assert response.status_code == 404
    assert 'data-error="404"' in page_of(response)


def test_forbidden_page_keeps_the_layout_and_explains(client, teacher, login_as):
    response = login_as(teacher).get("/admin/modules")
    assert response.status_code == 403
    page = page_of(response)
    assert 'data-error="403"' in page and "data-user-menu" in page
    assert translated(client.application, "Ask the administrator of your office if you need access.", "th") in page


def test_a_forged_form_gets_the_expired_form_page(client):
    response = client.post("/locale", data={"locale": "en"}, csrf=False)
    assert response.status_code == 400
    assert translated(client.application, "The form had expired or came from elsewhere. Please try again.", "th") in page_of(response)
    assert html_lang(client.get("/login")) == "th"  # and the language did not change


def test_a_server_error_shows_the_error_page_and_saves_nothing(app, client, admin, login_as, monkeypatch):
    import core.views.main

    admin.locale = "en"
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(Notice))

    def broken_registry():
        db.session.add(Notice(title="half-written", body="", author_id=admin.id))
        db.session.flush()
        raise RuntimeError("a module broke")

    monkeypatch.setattr(core.views.main, "registry", broken_registry)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = login_as(admin).get("/")
    assert response.status_code == 500
    page = page_of(response)
    assert 'data-error="500"' in page and html_lang(response) == "en"
    assert "Something went wrong on our side" in page
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Notice)) == before
    assert db.session.scalar(select(Notice).where(Notice.title == "half-written")) is None
