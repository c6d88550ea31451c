"""Issue 17, item 6 in a real browser: under the Content-Security-Policy the page scripts still work.

Inline event handlers are refused by the policy; the confirmation before a
destructive button now comes from khet.js (data-confirm), and inline scripts
run only with the response's nonce. A violation shows as a console error.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import db
from core.models import Person

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-9"


def test_a_confirmation_asks_first_and_a_policy_violation_never_happens(app, make_office, make_person, chromium, live_server):
    make_office()
    make_person(username="root", password=PASSWORD, admin=True)
    someone = make_person(username="somsri", first_name="สมศรี")
    someone_id = someone.id
    db.session.commit()
    context = chromium.new_context(base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto("/login")
        page.fill("input[name=username]", "root")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("form:has(input[name=password]) button[type=submit]")
        page.goto(f"/admin/people/{someone_id}")
        questions = []

        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
        page.click("form[data-confirm] button[type=submit]")
        page.wait_for_timeout(300)
        db.session.commit()
        assert questions and db.session.scalar(select(Person.active).where(Person.id == someone_id)) is True

        page.once("dialog", lambda dialog: dialog.accept())
        with page.expect_navigation():
            page.click("form[data-confirm] button[type=submit]")
        db.session.commit()
        assert db.session.scalar(select(Person.active).where(Person.id == someone_id)) is False

        page.goto("/admin/school-lists/new")  # an inline script with the nonce: the filter box appears
        assert page.locator("[data-filter]").count() == 1
        assert not problems, problems
    finally:
        context.close()
