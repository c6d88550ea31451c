"""Pages of the correspondence module, mounted at /correspondence/. Thin: read the form, call a service, show the outcome."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.api import (
    SIGNED_IN, Group, Person, UploadPolicy, attach_from_form, attachments, audit, db, local_today, paginate, require,
    saving,
)
from plugins.correspondence import services
from plugins.correspondence.forms import (CancelForm, CorrectionForm, FilesForm, ForwardForm, LetterForm,
                                         retention_years_of)
from plugins.correspondence import PLUGIN_ID
from plugins.correspondence.models import Letter, Register
from plugins.correspondence.services import DOC_TYPES, KINDS, SECRECIES, URGENCIES, CorrespondenceError
from plugins.correspondence.services import sending as sending_rules

bp = Blueprint(PLUGIN_ID, __name__, template_folder=Path(__file__).parent.parent / "templates",
               static_folder=Path(__file__).parent.parent / "static", static_url_path="/static")


@bp.context_processor
def _helpers():
    return {"kinds": KINDS, "urgencies": URGENCIES, "secrecies": SECRECIES, "doc_types": DOC_TYPES,
            "printed_number": services.printed_number, "number_on_letter": services.number_on_letter,
            "sendable_kinds": services.SENDABLE_KINDS, "register_title": services.register_title}


def _policy(letter: Letter) -> UploadPolicy:
    """The office's upload rules for a letter's files (services.sending keeps them, and the settings)."""
    return sending_rules.upload_policy(letter.is_secret)


def _letter_or_404(letter_id: int) -> Letter:
    letter = db.session.get(Letter, letter_id)
    if letter is None:
        abort(404)
    return letter


def _readable_letter(letter_id: int) -> Letter:
    """The letter if this person may open it; a secret letter's every view and refusal goes to the audit log."""
    letter = _letter_or_404(letter_id)
    allowed = services.may_read(current_user, letter)
    if letter.is_secret:
        audit.record("view", services.MODULE, "letter", letter.id, current_user,
                     f"{letter.register.kind} {letter.number}/{letter.year}", remote_addr=request.remote_addr,
                     outcome="done" if allowed else "refused")
        db.session.commit()
    if not allowed:
        abort(403)
    return letter


def _kept_letter(letter_id: int) -> Letter:
    """The letter if this person may open it and keeps its register (correct, cancel, attach, retention)."""
    letter = _readable_letter(letter_id)
    if not services.may_register(current_user, letter.register):
        abort(403)
    return letter


def _place_or_404(scope: str) -> dict:
    """{"group": ..., "school": ...} of a scope in the URL; 404 for one that names no place."""
    try:
        return services.place_of_scope(scope)
    except CorrespondenceError:
        abort(404)


def _fill_choices(form) -> None:
    form.group_id.choices = [(0, "—")] + [(g.id, g.name) for g in db.session.scalars(
        select(Group).where(Group.active.is_(True)).order_by(Group.sort_order))]
    # officer_id and readers are people pickers (core.fields): they search as one types, no list to fill.


def _fields_from(form) -> services.LetterFields:
    return services.LetterFields(
        subject=form.subject.data or "", sender_ref=form.sender_ref.data or "", letter_date=form.letter_date.data,
        from_text=form.from_text.data or "", to_text=form.to_text.data or "", action=form.action.data or "",
        remarks=form.remarks.data or "", urgency=form.urgency.data, doc_type=form.doc_type.data,
        secrecy=form.secrecy.data if getattr(form, "secrecy", None) is not None else "none",
        group_id=form.group_id.data or None, officer_id=form.officer_id.data or None,
        retention_years=retention_years_of(getattr(form, "retention", None)),
    )


@bp.route("/")
@require(SIGNED_IN)
def index():
    """The registers this person keeps or reads, by place: their own places first, the others found by name."""
    wanted = request.args.get("q", "")[:100]
    places = services.places_of(current_user)
    own, others = services.arrange_places(current_user, places, wanted)
    composable = {(place.scope, kind) for place in places for kind in services.SENDABLE_KINDS
                  if place.may_register.get(kind) and sending_rules.may_compose(current_user, kind, place.owner)}
    return render_template("correspondence/index.html", own=own, others=others, search=wanted,
                           any_place=bool(places), composable=composable, year=services.current_year())


@bp.route("/registers/<int:register_id>")
@require(SIGNED_IN)
def register(register_id):
    found = db.session.get(Register, register_id)
    if found is None:
        abort(404)
    if not services.may_list(current_user, found):
        abort(403)
    year = request.args.get("year", type=int) or services.current_year()
    if not 2443 <= year <= 2943:  # BE years of CE 1900-2400, the dates Khet keeps
        abort(404)
    return render_template("correspondence/register.html", register=found, year=year,
                           may_register=services.may_register(current_user, found),
                           page=paginate(services.visible_letters(current_user, found, year)))


@bp.route("/new/<kind>/<scope>", methods=["GET", "POST"])
@require(SIGNED_IN)
def new_letter(kind, scope):
    place = _place_or_404(scope)
    if kind not in KINDS:
        abort(404)
    if not services.may_register_in(current_user, kind, place):
        abort(403)
    if kind in services.OWN_LETTER_KINDS and request.method == "GET":
        if sending_rules.may_compose(current_user, kind, place):
            # One way to write the place's own letter: the compose page numbers it, files and sends it.
            return redirect(url_for("correspondence.compose", kind=kind, scope=scope))
    form = LetterForm()
    _fill_choices(form)
    if kind == "secret" and request.method == "GET":
        form.secrecy.data = "secret"
    if kind in services.OWN_LETTER_KINDS and request.method == "GET":  # the same defaults as the compose page
        form.letter_date.data = local_today()
        form.from_text.data = services.sender_name(place.get("school"), place.get("group"))
    if form.validate_on_submit():
        with saving(form=form) as saved:  # the letter and its files, or neither
            target = services.register_for(kind, **place)
            letter = services.register_letter(target, _fields_from(form), current_user, commit=False,
                                              readers=services.people_by_ids(form.readers.data or []),
                                              remote_addr=request.remote_addr)
            attachments.save_uploads(form.files.data, (PLUGIN_ID, "letter", letter.id), current_user,
                                     policy=_policy(letter))
            saved.message = _("Registered as number %(number)s.", number=services.printed_number(letter))
        if saved:
            return redirect(url_for("correspondence.show", letter_id=letter.id))
    return render_template("correspondence/letter_form.html", form=form, kind=kind, place=place,
                           next_number=services.peek_next(kind, scope))


@bp.route("/letters/<int:letter_id>")
@require(SIGNED_IN)
def show(letter_id):
    letter = _readable_letter(letter_id)
    return render_template("correspondence/letter.html", letter=letter,
                           files=attachments.attachments_of((PLUGIN_ID, "letter", letter.id)),
                           # A received letter's line shows the files the sender attached (they travel with it).
                           sent_files=attachments.attachments_of((PLUGIN_ID, "letter", letter.source_letter_id))
                           if letter.source_letter_id else [],
                           corrections=services.corrections_of(letter),
                           may_register=services.may_register(current_user, letter.register),
                           may_send=sending_rules.may_send(current_user, letter),
                           deliveries=sending_rules.deliveries_of(letter) if services.may_register(
                               current_user, letter.register) else [],
                           readers=services.readers_of(letter) if letter.is_secret else [],
                           forward_form=_forward_form() if letter.is_secret else None,
                           cancel_form=CancelForm(), files_form=FilesForm())


@bp.route("/letters/<int:letter_id>/correct", methods=["GET", "POST"])
@require(SIGNED_IN)
def correct(letter_id):
    letter = _kept_letter(letter_id)
    form = CorrectionForm(obj=None if request.method == "POST" else letter)
    _fill_choices(form)
    if request.method == "GET":
        form.group_id.data, form.officer_id.data = letter.group_id or 0, letter.officer_id or 0
    if form.validate_on_submit():
        values = _fields_from(form)
        values.secrecy = letter.secrecy
        with saving(_("The register line has been corrected; what it said before is kept."), form=form) as saved:
            services.correct_letter(letter, values, current_user, remote_addr=request.remote_addr)
        if saved:
            return redirect(url_for("correspondence.show", letter_id=letter.id))
    return render_template("correspondence/correct.html", form=form, letter=letter)


@bp.route("/letters/<int:letter_id>/cancel", methods=["POST"])
@require(SIGNED_IN)
def cancel(letter_id):
    letter = _kept_letter(letter_id)
    form = CancelForm()
    with saving() as saved:
        if not form.validate_on_submit():
            raise CorrespondenceError(_("Write why the number is cancelled."))
        services.cancel_letter(letter, form.reason.data, current_user, remote_addr=request.remote_addr)
        saved.message = _("Number %(number)s is cancelled; it stays in the register.",
                          number=services.printed_number(letter))
    return redirect(url_for("correspondence.show", letter_id=letter.id))


@bp.route("/letters/<int:letter_id>/files", methods=["POST"])
@require(SIGNED_IN)
def add_files(letter_id):
    letter = _kept_letter(letter_id)
    form = FilesForm()
    if form.validate_on_submit():
        attach_from_form(form.files.data, (PLUGIN_ID, "letter", letter.id), current_user, _policy(letter),
                         _("The files have been attached."))
    return redirect(url_for("correspondence.show", letter_id=letter.id))


def _forward_form() -> ForwardForm:
    return ForwardForm()


@bp.route("/letters/<int:letter_id>/forward", methods=["POST"])
@require(SIGNED_IN)
def forward(letter_id):
    letter = _letter_or_404(letter_id)
    form = _forward_form()
    if not form.validate_on_submit():
        flash(_("Choose the person from the office staff."), "danger")
    else:
        with saving(_("Forwarded.")) as saved:
            services.forward_secret(letter, db.session.get(Person, form.person_id.data), current_user,
                                    remote_addr=request.remote_addr)
        if not saved and not services.may_read(current_user, letter):
            abort(403)
    return redirect(url_for("correspondence.show", letter_id=letter.id))


# Each feature's pages live in their own module and add their routes to ``bp``.
from plugins.correspondence.views import exports, inbox, numbering, retention, routing, search, sending, tracking  # noqa: E402,F401
