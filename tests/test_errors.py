"""core.errors: a refused change is rolled back and its message shown; an accepted one is committed once."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField

from core.db import db
from core.errors import Refused, saving
from core.models import Group


class NameForm(FlaskForm):
    name = StringField()


def _groups() -> list[str]:
    db.session.rollback()  # read what was committed, not what this session still holds
    return list(db.session.scalars(select(Group.name).order_by(Group.name)))


def test_saving_commits_the_block_and_flashes_the_success_message(app, english_messages):
    with app.test_request_context("/", method="POST"):
        with saving(_l("The group has been saved.")) as saved:
            db.session.add(Group(code="plan", name="กลุ่มนโยบายและแผน"))
        assert saved and saved.refusal is None
        assert get_flashed_messages(with_categories=True) == [("success", "The group has been saved.")]
    assert _groups() == ["กลุ่มนโยบายและแผน"]


def test_a_refusal_rolls_back_flashes_the_reason_and_does_not_propagate(app, english_messages):
    with app.test_request_context("/", method="POST"):
        with saving(_l("The group has been saved.")) as saved:
            db.session.add(Group(code="plan", name="กลุ่มนโยบายและแผน"))
            db.session.flush()
            raise Refused(_l("A group with this code already exists."))
        assert not saved and str(saved.refusal) == "A group with this code already exists."
        assert get_flashed_messages(with_categories=True) == [("danger", "A group with this code already exists.")]
    assert _groups() == []


def test_a_refusal_naming_a_field_is_shown_next_to_it(app, english_messages):
    with app.test_request_context("/", method="POST"):
        form = NameForm(meta={"csrf": False})
        with saving(form=form) as saved:
            raise Refused(_l("A group with this code already exists."), field="name")
        assert not saved
        assert form.name.errors == ["A group with this code already exists."]
        assert get_flashed_messages() == []


def test_any_other_error_rolls_back_and_propagates(app):
    with app.test_request_context("/", method="POST"):
        with pytest.raises(ZeroDivisionError), saving(_l("The group has been saved.")):
            db.session.add(Group(code="plan", name="กลุ่มนโยบายและแผน"))
            db.session.flush()
            1 / 0  # noqa: B018
        assert get_flashed_messages() == []
    assert _groups() == []


def test_the_message_may_name_what_the_block_made(app):
    with app.test_request_context("/", method="POST"):
        with saving() as saved:
            group = Group(code="plan", name="กลุ่มนโยบายและแผน")
            db.session.add(group)
            saved.message = f"{group.name} saved"
        assert get_flashed_messages() == ["กลุ่มนโยบายและแผน saved"]


def test_a_refusal_is_shown_in_the_language_of_the_reader(app, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "th")
    with app.test_request_context("/", method="POST"):
        with saving() as saved:
            raise Refused(_l("The group has been saved."))  # any message id with a Thai translation
        assert str(saved.refusal) == saved.refusal.message == "บันทึกกลุ่มแล้ว"
        assert get_flashed_messages() == ["บันทึกกลุ่มแล้ว"]


def test_every_module_error_and_core_rule_error_is_a_refusal():
    from core.org_services import OrgError
    from core.services.approvals import ApprovalError
    from plugins.correspondence.services import CorrespondenceError
    from plugins.rooms.services import RoomError

    for error in (OrgError, ApprovalError, CorrespondenceError, RoomError):
        assert issubclass(error, Refused), error
    assert OrgError("no", "code").field == "code" and RoomError("no", conflicts=[1]).conflicts == [1]


def test_a_refusal_without_a_field_goes_to_the_top_of_the_form_given(app, english_messages):
    with app.test_request_context("/", method="POST"):
        form = NameForm(meta={"csrf": False})
        with saving(form=form) as saved:
            raise Refused(_l("A group with this code already exists."))
        assert not saved and form.form_errors == ["A group with this code already exists."]
        assert get_flashed_messages() == []


def test_a_refusal_with_several_messages_shows_each(app):
    from core.services.attachments import Problem, UploadRejected

    problems = [Problem(name, "type_not_allowed", f"{name}: not allowed") for name in ("a.exe", "b.bat")]
    with app.test_request_context("/", method="POST"):
        with saving() as saved:
            raise UploadRejected(problems)
        assert not saved
        assert get_flashed_messages() == ["a.exe: not allowed", "b.bat: not allowed"]
