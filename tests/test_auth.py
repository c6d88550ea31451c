"""Signing in and out, lock-out, password rules, session invalidation, CSRF."""

from core import security
from core.db import db


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_sign_in_with_the_right_password_opens_the_home_page(client, make_person):
    make_person(username="somchai", password="correct-horse-9")
    response = client.post("/login", data={"username": "somchai", "password": "correct-horse-9"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_with_a_message(client, make_person):
    make_person(username="somchai", password="correct-horse-9")
    response = client.post("/login", data={"username": "somchai", "password": "nope"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_passwords_are_stored_as_argon2id(make_person):
    person = make_person(password="correct-horse-9")
    assert person.password_hash.startswith("$argon2id$")
    assert "correct-horse-9" not in person.password_hash


def test_repeated_failures_lock_the_username_even_for_the_right_password(app, client, make_person):
    make_person(username="somchai", password="correct-horse-9")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"username": "somchai", "password": "wrong"})
    response = client.post("/login", data={"username": "somchai", "password": "correct-horse-9"})
    assert response.status_code == 429
    assert client.get("/").status_code == 302


def test_post_without_csrf_token_is_refused(client, make_person):
    make_person(username="somchai", password="correct-horse-9")
    response = client.post("/login", data={"username": "somchai", "password": "correct-horse-9"}, csrf=False)
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_changing_the_password_ends_other_sessions(app, client, login_as, make_person):
    person = make_person(username="somchai", password="correct-horse-9")
    login_as(person)
    other_browser = app.test_client()
    with other_browser.session_transaction() as stored:
        stored["_user_id"] = person.get_id()
    response = client.post(
        "/account/password",
        data={"current_password": "correct-horse-9", "new_password": "new-secret-2569", "confirm_password": "new-secret-2569"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other_browser.get("/").status_code == 302


def test_weak_new_password_is_refused_and_nothing_changes(client, login_as, make_person):
    person = make_person(username="somchai", password="correct-horse-9")
    old_hash = person.password_hash
    login_as(person)
    response = client.post(
        "/account/password",
        data={"current_password": "correct-horse-9", "new_password": "12345678", "confirm_password": "12345678"},
    )
    assert response.status_code == 200
    db.session.refresh(person)
    assert person.password_hash == old_hash


def test_sign_out_is_a_post(client, login_as, make_person):
    login_as(make_person())
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_open_redirect_after_sign_in_is_ignored(client, make_person):
    make_person(username="somchai", password="correct-horse-9")
    response = client.post("/login?next=https://evil.example/", data={"username": "somchai", "password": "correct-horse-9"})
    assert response.headers["Location"] == "/"


def test_verify_password_rejects_garbage_hashes():
    assert security.verify_password("not-a-hash", "x") is False
    assert security.verify_password(None, "x") is False
