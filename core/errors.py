"""Refused changes, and how a view saves a change or shows why it was refused.

A rule in a service that says "no" raises a ``Refused`` (each module subclasses it:
``RoomError``, ``CorrespondenceError``...). Its message is for the person who asked,
so it is written as an English message id in ``_l()`` and shown in their language.

A view wraps the service call in ``saving()``, the one place that commits, or rolls
back and shows the message (next to the form field it names, or at the top of the page)::

    with saving(_("The room has been saved."), form=form) as saved:
        room = services.save_room(room, fields, current_user)
    if saved:
        return redirect(url_for("rooms.room", room_id=room.id))
    return render_template("rooms/room_form.html", form=form)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import flash

from core.db import db


class Refused(ValueError):
    """A change the rules refuse; ``str()`` is the reason, for the user, in their language.

    ``field`` names the form field the message belongs to, if any. The message may be a
    lazy string (``_l(...)``): it is translated when shown, so the rule also runs outside
    a request (a scheduled job, the CLI) and a notification reads in its recipient's language.
    """

    def __init__(self, message, *args, field: str | None = None):
        super().__init__(message, *args)
        self.field = field

    @property
    def message(self) -> str:
        return str(self)

    def __str__(self) -> str:
        if not self.args:
            return ""
        from core.services.notifications import translated  # notifications imports models: not at import time

        return translated(self.args[0])


def show_refusal(form, error: Refused, *, in_form: bool = False) -> None:
    """Undo the half-made change and show the rule's message: next to the form field it names, else at the
    top of the form (``in_form``, for a page that shows the form's own errors) or of the page.

    A refusal that carries several messages (``messages``, e.g. one per refused file) shows each.
    """
    db.session.rollback()
    messages = list(getattr(error, "messages", None) or [str(error)])
    field = getattr(form, error.field, None) if (form is not None and getattr(error, "field", None)) else None
    if field is not None:
        field.errors = list(field.errors) + messages
    elif in_form and form is not None:
        form.form_errors.extend(messages)
    else:
        for message in messages:
            flash(message, "danger")


class Saving:
    """What ``saving()`` yields: true once the change is committed; ``message`` may be set inside the block."""

    def __init__(self, message):
        self.message = message
        self.saved = False
        self.refusal: Refused | None = None

    def __bool__(self) -> bool:
        return self.saved


@contextmanager
def saving(success=None, *, form=None, category: str = "success") -> Iterator[Saving]:
    """Commit what the block changed and flash ``success``; on a ``Refused``, roll back and show why.

    The reason goes next to the ``form`` field the refusal names, else at the top of the ``form``
    (the form macro shows its ``form_errors``), or, with no form, as a message at the top of the page.
    The refusal does not propagate: test the yielded object (true when saved) to choose
    between redirecting and showing the page again. Any other exception rolls back and
    propagates. Set ``saved.message`` inside the block when the message names what was
    made (a number, a title).
    """
    outcome = Saving(success)
    try:
        yield outcome
        db.session.commit()
    except Refused as error:
        show_refusal(form, error, in_form=form is not None)
        outcome.refusal = error
        return
    except BaseException:
        db.session.rollback()
        raise
    outcome.saved = True
    if outcome.message:
        flash(str(outcome.message), category)
