"""The web shell in a real browser (system Chromium through Playwright), on a desktop and on a phone.

Signs in to the demo office, opens every menu item from the dropdowns,
switches the language to English and back, and signs out. Screenshots go to
$KHET_SCREENSHOTS when it is set (for a person to look at), else to a
temporary folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from core.calendar import ENGLISH_MONTHS_SHORT, THAI_MONTHS_SHORT
from core.demo import ADMIN_PASSWORD

pytestmark = pytest.mark.browser

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 375, "height": 740},
}


class Visit:
    """One browser tab, with what went wrong in it recorded as it happens."""

    def __init__(self, browser, base_url: str, viewport: str, screenshots: Path):
        self.context = browser.new_context(viewport=VIEWPORTS[viewport], base_url=base_url)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.viewport = viewport
        self.screenshots = screenshots
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(f"{self.page.url}: script error: {error}"))
        self.page.on(
            "console",
            lambda message: message.type == "error" and self.problems.append(f"{self.page.url}: console: {message.text}"),
        )
        self.page.on(
            "response",
            lambda response: response.status >= 400 and self.problems.append(f"{response.url}: {response.status}"),
        )

    @property
    def is_phone(self) -> bool:
        return self.viewport == "phone"

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.screenshots / f"{self.viewport}-{name}.png"), full_page=True)

    def open_navigation(self) -> None:
        """On a phone the menu hides behind the toggler; open it."""
        if self.is_phone:
            if not self.page.locator("#khet-nav").is_visible():
                self.page.locator(".navbar-toggler").click()
                self.page.locator("#khet-nav.collapse.show").wait_for()  # the slide-down has finished

    def assert_no_error_page(self, what: str) -> None:
        errors = self.page.locator("[data-error]")
        assert errors.count() == 0, f"{what} shows error page {errors.first.get_attribute('data-error')}"

    def menu(self) -> list[tuple[str, str]]:
        """(section, href) of every menu item, read from the dropdowns."""
        items = []
        for toggle in self.page.locator("[data-section]").all():
            section = toggle.get_attribute("data-section")
            for link in toggle.locator("xpath=..").locator("a[data-menu-item]").all():
                items.append((section, link.get_attribute("href")))
        return items

    def open_menu_item(self, section: str, href: str) -> None:
        self.page.goto("/")
        self.open_navigation()
        self.page.locator(f'[data-section="{section}"]').click()
        with self.page.expect_navigation():
            self.page.locator(f'[data-section="{section}"] + .dropdown-menu a[data-menu-item][href="{href}"]').click()

    def close(self) -> None:
        self.context.close()


def _slug(href: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", href.lower()).strip("-") or "home"


def _translated(app, message: str, locale: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return _(message)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_person_signs_in_opens_every_menu_item_switches_language_and_signs_out(
    viewport, app, chromium, demo, live_server, screenshots
):
    visit = Visit(chromium, live_server, viewport, screenshots)
    page = visit.page
    try:
        # Sign in: an anonymous visitor lands on the sign-in page.
        page.goto("/")
        assert "/login" in page.url
        visit.shot("login")
        page.fill("#username", "admin")
        page.fill("#password", ADMIN_PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert page.locator("[data-user-menu]").count() == 1, "not signed in"
        assert demo["admin"].first_name in page.locator("[data-user-menu]").inner_text()
        visit.shot("home")

        # Every menu item, through the dropdowns (and the toggler on a phone).
        visit.open_navigation()
        if visit.is_phone:
            visit.shot("menu-open")
        menu = visit.menu()
        assert len(menu) >= 3, f"the admin's menu has only {menu}"
        for section, href in menu:
            visit.open_menu_item(section, href)
            visit.assert_no_error_page(href)
            visit.shot(_slug(href))

        # Language: Thai by default, English after the switch, Thai again after switching back.
        page.goto("/")
        assert page.locator("html").get_attribute("lang") == "th"
        thai_cards = page.locator("[data-card]").all_inner_texts()
        with page.expect_navigation():
            page.locator('button[data-locale="en"]').click()
        assert page.locator("html").get_attribute("lang") == "en"
        english_cards = page.locator("[data-card]").all_inner_texts()
        title = page.title()
        assert title.startswith(_translated(app, "Home", "en")), title
        visit.shot("home-en")
        assert thai_cards != english_cards, "the dashboard did not change with the language"
        assert any(month in "".join(thai_cards) for month in THAI_MONTHS_SHORT), thai_cards
        assert any(month in "".join(english_cards) for month in ENGLISH_MONTHS_SHORT), english_cards
        assert not any(month in "".join(english_cards) for month in THAI_MONTHS_SHORT), english_cards
        with page.expect_navigation():
            page.locator('button[data-locale="th"]').click()
        assert page.locator("html").get_attribute("lang") == "th"
        assert page.title().startswith(_translated(app, "Home", "th"))
        assert page.locator("[data-card]").all_inner_texts() == thai_cards

        # Sign out from the user menu.
        visit.open_navigation()
        page.locator("[data-user-menu]").click()
        with page.expect_navigation():
            page.locator("[data-logout]").click()
        assert "/login" in page.url
        visit.shot("signed-out")
        page.goto("/")
        assert "/login" in page.url, "still signed in after signing out"

        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()


@pytest.mark.parametrize("width", [375, 1200, 1440])
def test_the_layout_fits_the_screen(width, chromium, make_office, make_person, live_server, screenshots):
    """Nothing is wider than the screen; on a desktop the top bar, with every section, stays one row.

    1200px is the narrowest screen that shows the menu in the bar (navbar-expand-xl);
    narrower ones use the toggler.
    """
    make_office(name="สำนักงานเขตพื้นที่การศึกษาประถมศึกษาทดสอบชื่อยาวมาก เขต 1")
    make_person(
        username="longname", password=ADMIN_PASSWORD, admin=True, title="นางสาว", first_name="กาญจนาภรณ์",
        last_name="ศรีสุขสวัสดิ์วงศ์ใหญ่", position="นักวิชาการคอมพิวเตอร์ชำนาญการพิเศษ",
    )
    visit = Visit(chromium, live_server, "phone" if width < 1200 else "desktop", screenshots)
    page = visit.page
    page.set_viewport_size({"width": width, "height": 800})
    try:
        page.goto("/login")
        page.fill("#username", "longname")
        page.fill("#password", ADMIN_PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        for path in ["/", "/search?q=zz", "/no-such-page"]:
            page.goto(path)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than the screen at {width}px"
            if width >= 1200:
                bar = page.locator(".khet-navbar").bounding_box()
                user = page.locator("[data-user-menu]").bounding_box()
                assert bar["height"] < 80, f"the top bar of {path} wraps onto a second row at {width}px"
                assert user["x"] + user["width"] <= width, f"the user menu of {path} runs off the screen at {width}px"
            visit.shot(f"fit-{width}-" + _slug(path))
    finally:
        visit.close()
