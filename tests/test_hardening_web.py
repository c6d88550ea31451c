"""Issue 17, items 3 and 6: control characters are refused once for every route; security headers on every page."""

from __future__ import annotations

from core.app import content_security_policy

CONTROL_SAMPLES = ["\x00", "a\x00b", "\x1b[31m", "\x07", "\x7f"]


def test_a_nul_in_the_query_string_gets_a_clear_400(client, make_person, login_as):
    login_as(make_person(username="somchai", password="correct-horse-9"))
    for sample in CONTROL_SAMPLES:
        response = client.get("/", query_string={"q": sample})
        assert response.status_code == 400, repr(sample)
        assert "control characters" in response.get_data(as_text=True) or "อักขระควบคุม" in response.get_data(as_text=True)


def test_a_nul_in_a_form_changes_nothing(client):
    from core.db import db
    from core.models import LoginFailure
    from sqlalchemy import func, select

    response = client.post("/login", data={"username": "som\x00chai", "password": "x"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_tabs_and_line_breaks_are_ordinary_text(client):
    response = client.post("/login", data={"username": "somchai\t", "password": "line\r\nbreak"})
    assert response.status_code == 200


def test_html_pages_carry_the_security_headers(client):
    response = client.get("/login")
    assert response.mimetype == "text/html"
    assert_security_headers(response)


def test_an_inline_script_runs_only_with_this_responses_nonce(app, client, make_person, login_as):
    admin = make_person(username="root", password="correct-horse-9", is_admin=True)
    login_as(admin)
    response = client.get("/admin/school-lists/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in html
    assert "<script>" not in html and " onsubmit=" not in html and " onclick=" not in html


def assert_security_headers(response):
    """What every HTML response of Khet must send (used by the route walk too)."""
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("X-Frame-Options") == "SAMEORIGIN"
    assert headers.get("Referrer-Policy") in {"same-origin", "no-referrer"}
    policy = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src", 1)[1].split(";")[0]


def test_the_policy_without_a_nonce_allows_only_scripts_from_the_site():
    assert "script-src 'self';" in content_security_policy(None)
