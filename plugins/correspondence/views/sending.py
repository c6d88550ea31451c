"""Pages of sending: compose-and-send, sending a letter registered earlier, and the saved recipient lists.

Both sending pages are one form with three buttons (``action``): "preview" shows every school, group and
person the choices reach; "save_list" keeps the choices as a saved list; "send" sends — only to the recipients
the preview showed (the form carries their fingerprint), so nobody is sent a letter they were not shown to.
Files are chosen after the preview: a browser cannot carry chosen files over to the next page.
"""

from __future__ import annotations

from itertools import groupby

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api import (
    FILE_KINDS, SIGNED_IN, Group, School, SchoolNetwork, db, format_file_size as format_size, local_today, require,
    saving, visible_school_lists,
)

from plugins.correspondence import services
from plugins.correspondence.forms import retention_years_of
from plugins.correspondence.forms.sending import ComposeForm, RecipientsForm, SendForm
from plugins.correspondence.models import RecipientList
from plugins.correspondence.services import CorrespondenceError
from plugins.correspondence.services import sending as sending_rules
from plugins.correspondence.views import _fill_choices, _place_or_404, _readable_letter, bp

COMPOSE_LABELS = {"outgoing": _l("Outgoing letter"), "circular": _l("Circular"), "order": _l("Official order"),
                  "secret": _l("Secret letter")}

# --- the recipient pickers ------------------------------------------------------------------------------------


class Picker:
    """What the recipient part of a form offers: every choice with what the filter searches, once per request."""

    def __init__(self, person):
        self.networks = list(db.session.scalars(select(SchoolNetwork).order_by(SchoolNetwork.name)))
        self.school_lists = list(db.session.scalars(visible_school_lists(person)))
        self.schools = list(db.session.scalars(
            select(School).where(School.active.is_(True)).options(selectinload(School.network))
            .order_by(School.name)))
        self.groups = list(db.session.scalars(select(Group).where(Group.active.is_(True)).order_by(Group.sort_order)))
        self.saved_lists = list(db.session.scalars(sending_rules.usable_lists(person)))

    @property
    def schools_by_network(self) -> list[tuple[str, list[School]]]:
        """The schools under their network's name, networks by name, schools without one last."""
        def network_name(school):
            return (school.network is None, school.network.name if school.network else "")

        return [(name or _("Schools outside any network"), list(schools))
                for (_none, name), schools in groupby(sorted(self.schools, key=network_name), key=network_name)]

    def fill(self, form: RecipientsForm) -> None:
        form.network_ids.choices = [(n.id, n.name) for n in self.networks]
        form.school_list_ids.choices = [(sl.id, sl.name) for sl in self.school_lists]
        form.school_ids.choices = [(s.id, s.name) for s in self.schools]
        form.group_ids.choices = [(g.id, g.name) for g in self.groups]
        form.recipient_list_ids.choices = [(rl.id, rl.name) for rl in self.saved_lists]


def _recipients_from(form: RecipientsForm) -> sending_rules.Recipients:
    return sending_rules.Recipients(
        all_schools=form.all_schools.data, network_ids=form.network_ids.data or [],
        school_list_ids=form.school_list_ids.data or [], school_ids=form.school_ids.data or [],
        group_ids=form.group_ids.data or [], person_ids=form.person_ids.data or [])


def _chosen(form: RecipientsForm) -> dict:
    """The ids ticked in each part of the form, for checking the boxes again."""
    return {name: set(getattr(form, name).data or ()) for name in (
        "network_ids", "school_list_ids", "school_ids", "group_ids", "person_ids", "recipient_list_ids")}


class _Step:
    """What one POST of a sending page did: the resolved recipients to show, or ``done`` after sending."""

    def __init__(self):
        self.resolved = None
        self.done = None


def _run_action(form: RecipientsForm, secret: bool, send) -> _Step:
    """Preview, save the choices as a list, or send (``send(recipients, saved_list_ids, expected)``)."""
    step = _Step()
    action = request.form.get("action", "preview")
    recipients, saved_ids = _recipients_from(form), form.recipient_list_ids.data or []
    with saving(form=form) as saved:
        if action == "send":
            step.done = send(recipients, saved_ids, form.confirmed.data or "")
        elif action == "save_list":
            kept = sending_rules.save_recipient_list(form.list_name.data, recipients, current_user,
                                                     shared=form.list_shared.data, saved_list_ids=saved_ids,
                                                     remote_addr=request.remote_addr)
            saved.message = _("The recipients are kept as the list %(name)s.", name=kept.name)
    if saved and action == "send":
        return step
    step.resolved = sending_rules.resolve(recipients, current_user, saved_ids)
    try:
        sending_rules.check_recipients(secret, step.resolved)
    except CorrespondenceError as error:
        if str(error) not in form.form_errors:
            form.form_errors.append(str(error))
        step.resolved.sendable = False
    form.confirmed.data = step.resolved.fingerprint
    return step


# --- compose and send --------------------------------------------------------------------------------------------


@bp.route("/compose")
@require(SIGNED_IN)
def compose_start():
    """Where a letter can be sent from: each place and kind this person may send letters of."""
    places = []
    for place in services.places_of(current_user):
        kinds = [kind for kind in sending_rules.SENDABLE_KINDS
                 if sending_rules.may_compose(current_user, kind, place.owner)]
        if kinds:
            places.append((place, kinds))
    return render_template("correspondence/sending/start.html", places=places, compose_labels=COMPOSE_LABELS)


@bp.route("/compose/<kind>/<scope>", methods=["GET", "POST"])
@require(SIGNED_IN)
def compose(kind, scope):
    place = _place_or_404(scope)
    if kind not in sending_rules.SENDABLE_KINDS:
        abort(404)
    if not sending_rules.may_compose(current_user, kind, place):
        abort(403)
    form = ComposeForm()
    _fill_choices(form)
    picker = Picker(current_user)
    picker.fill(form)
    if request.method == "GET":
        form.letter_date.data = local_today()
        form.from_text.data = sending_rules.sender_name_of(place)
        form.group_id.data = place["group"].id if place.get("group") else 0
        form.secrecy.data = "secret" if kind == "secret" else "none"
    step = _Step()
    if form.validate_on_submit():
        def send(recipients, saved_ids, expected):
            return sending_rules.compose_and_send(
                kind, place, _letter_fields(form), recipients, current_user, files=_attached(form),
                typed_number=form.typed_number.data or "", saved_list_ids=saved_ids, expected=expected,
                remote_addr=request.remote_addr)

        step = _run_action(form, form.secrecy.data != "none", send)
        if step.done:
            letter, made = step.done
            flash(_("Number %(number)s is sent to %(count)s recipient(s).",
                    number=sending_rules.number_on_letter(letter), count=len(made)), "success")
            return redirect(url_for("correspondence.show", letter_id=letter.id))
    policy = sending_rules.upload_policy(form.secrecy.data not in (None, "none"))
    while len(form.attachments) < policy.max_count:
        form.attachments.append_entry()
    return render_template("correspondence/compose.html", form=form, kind=kind, kind_label=COMPOSE_LABELS[kind],
                           place=place, place_title=_place_title(place), picker=picker, chosen=_chosen(form),
                           resolved=step.resolved, policy=policy, format_size=format_size, accept=_accept(policy),
                           next_number=services.peek_next("secret" if form.secrecy.data not in (None, "none")
                                                          else kind, scope))


def _letter_fields(form: ComposeForm) -> services.LetterFields:
    return services.LetterFields(
        subject=form.subject.data or "", letter_date=form.letter_date.data, from_text=form.from_text.data or "",
        to_text=form.to_text.data or "", remarks=form.remarks.data or "", urgency=form.urgency.data,
        secrecy=form.secrecy.data, doc_type=form.doc_type.data, group_id=form.group_id.data or None,
        officer_id=form.officer_id.data or None, retention_years=retention_years_of(form.retention))


def _attached(form: ComposeForm) -> list[sending_rules.Attached]:
    rows = []
    for row in form.attachments:
        upload = row.form.file.data
        name = getattr(upload, "filename", "") or ""
        rows.append(sending_rules.Attached(name=name, stream=getattr(upload, "stream", None),
                                           description=row.form.description.data or ""))
    return rows


def _accept(policy) -> str:
    """The file chooser's hint of the types this office accepts (the server checks the content anyway)."""
    return ",".join(f".{extension}" for kind in sorted(policy.allowed) for extension in FILE_KINDS[kind].extensions)


def _place_title(place: dict) -> str:
    if place.get("school") is not None:
        return place["school"].name
    return place["group"].name if place.get("group") is not None else _("Central registry")


# --- sending a letter registered earlier ------------------------------------------------------------------------


@bp.route("/letters/<int:letter_id>/send", methods=["GET", "POST"])
@require(SIGNED_IN)
def send(letter_id):
    letter = _readable_letter(letter_id)
    if not sending_rules.may_send(current_user, letter):
        abort(403)
    form = SendForm()
    picker = Picker(current_user)
    picker.fill(form)
    step = _Step()
    if form.validate_on_submit():
        def send_it(recipients, saved_ids, expected):
            return sending_rules.send_letter(letter, recipients, current_user, saved_list_ids=saved_ids,
                                             expected=expected, remote_addr=request.remote_addr)

        step = _run_action(form, letter.is_secret, send_it)
        if step.done is not None:
            flash(_("Sent to %(count)s new recipient(s).", count=len(step.done)), "success")
            return redirect(url_for("correspondence.show", letter_id=letter.id))
    return render_template("correspondence/send.html", form=form, letter=letter, picker=picker, chosen=_chosen(form),
                           resolved=step.resolved, number=sending_rules.number_on_letter(letter))


# --- saved recipient lists ------------------------------------------------------------------------------------


@bp.route("/recipient-lists")
@require(SIGNED_IN)
def recipient_lists():
    lists = [(saved, sending_rules.describe(saved, current_user))
             for saved in db.session.scalars(sending_rules.usable_lists(current_user))]
    return render_template("correspondence/sending/lists.html", lists=lists)


@bp.route("/recipient-lists/<int:list_id>/delete", methods=["POST"])
@require(SIGNED_IN)
def delete_recipient_list(list_id):
    saved = db.session.scalar(sending_rules.usable_lists(current_user).where(RecipientList.id == list_id))
    if saved is None:
        abort(404)  # another person's private list is not even there
    with saving(_("The list %(name)s is deleted.", name=saved.name)):
        sending_rules.delete_recipient_list(saved, current_user, remote_addr=request.remote_addr)
    return redirect(url_for("correspondence.recipient_lists"))
