"""The one way an attachment leaves the server: /files/<id>/<token>, after the owning module says yes."""

from __future__ import annotations

import hmac
import re
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, request
from flask_login import current_user
from werkzeug.wsgi import wrap_file

from core.db import db, write_transaction
from core.permissions import SIGNED_IN, require
from core.services import attachments
from core.services.attachments import Attachment

bp = Blueprint("attachments", __name__, url_prefix="/files")

_UNSAFE_IN_FALLBACK = re.compile(r"[^A-Za-z0-9 ._()+-]+")


@bp.route("/<int:attachment_id>/<token>")
@require(SIGNED_IN)
def download(attachment_id: int, token: str):
    attachment = db.session.get(Attachment, attachment_id)
    # A wrong token looks exactly like a missing file: ids alone reveal nothing.
    if attachment is None or not hmac.compare_digest(attachment.token.encode(), token.encode()):
        abort(404)
    if not attachments.may_download(current_user, attachment):
        _audit(attachment, refused=True)
        abort(403)
    try:
        stored = attachments.open_file(attachment)
    except FileNotFoundError:
        if attachment.purged_at is None:
            current_app.logger.error("attachment %s: file %s is missing from storage", attachment.id, attachment.storage_key)
        abort(404)
    # content_type, not mimetype: werkzeug would add "charset=utf-8" to text, and Thai .txt may be TIS-620.
    response = Response(wrap_file(request.environ, stored), content_type=attachment.content_type, direct_passthrough=True)
    response.content_length = attachment.size
    response.headers["Content-Disposition"] = content_disposition(
        attachment.original_name, inline=attachment.file_kind.inline, fallback_stem=fallback_stem_of(attachment)
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Should a browser still render the file as a page, it runs nothing and reaches nothing of this site.
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response.headers["Referrer-Policy"] = "no-referrer"  # the URL carries the token
    response.cache_control.private = True  # never in a shared proxy cache
    response.cache_control.no_cache = True
    response.set_etag(attachment.sha256)
    response.last_modified = attachment.uploaded_at
    response = response.make_conditional(request, accept_ranges=True, complete_length=attachment.size)
    if response.status_code != 304 and request.method != "HEAD":
        _audit(attachment)
    return response


def _audit(attachment: Attachment, refused: bool = False) -> None:
    """Log the download when the owning module asked for it; kept even when a 403 follows."""
    if not attachment.audit_downloads:
        return
    db.session.commit()  # end the read, so SQLite begins the audit write as a writer
    with write_transaction():
        attachments.record_download(current_user, attachment, request.remote_addr or "", refused)
        db.session.commit()


def fallback_stem_of(attachment: Attachment) -> str:
    """The ASCII name a client without RFC 5987 saves a Thai-named file as: what it belongs to, so it can be found."""
    return _UNSAFE_IN_FALLBACK.sub("_", f"{attachment.record_type}-{attachment.record_id}-file-{attachment.id}")


def content_disposition(filename: str, inline: bool, fallback_stem: str = "attachment") -> str:
    """RFC 6266: an ASCII ``filename`` for old clients and ``filename*`` (RFC 5987, UTF-8) for Thai names.

    A stem with any non-ASCII letter is replaced by ``fallback_stem`` as a whole: the ASCII scraps of a Thai name
    ("04183" of "หนังสือ ที่ ศธ 04183") say less than the record the file belongs to.
    """
    disposition = "inline" if inline else "attachment"
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    ascii_stem = "" if not stem.isascii() else _UNSAFE_IN_FALLBACK.sub("_", stem).strip(" ._")
    ascii_stem = ascii_stem or fallback_stem
    ascii_extension = _UNSAFE_IN_FALLBACK.sub("", extension)
    fallback = ascii_stem + ("." + ascii_extension if ascii_extension else "")
    value = f'{disposition}; filename="{fallback}"'
    if fallback != filename:
        value += "; filename*=UTF-8''" + quote(filename, safe="!#$&+-.^_`|~")
    return value
