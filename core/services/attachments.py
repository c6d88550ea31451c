"""Attachments: files uploaded to a module's record, checked by content, kept outside the web root.

A module saves the files of a form with :func:`save_uploads` inside the same
transaction as its record, shows them with :func:`attachments_of` and
``attachment.download_url``, and answers the ``attachment_access`` hook so the
one download view (``core.views.attachments``) knows who may read them.
Deleting a record calls :func:`delete_attachments`; retention that destroys
content but keeps the register line calls :func:`purge_files`.

Why the care: AMSS++ kept uploads in a web-readable folder under guessable
names, so any letter, secret ones included, could be fetched by URL. Here
every file is stored under a random key, its type is proven by its bytes, and
every download asks the owning module.

Files follow the database transaction: a file written by a transaction that
rolls back is deleted, a file removed by a transaction is only removed once it
commits (see the session events at the end of this module).
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import hashlib
import logging
import os
import secrets
import struct
import unicodedata
import zipfile
from typing import BinaryIO, Iterable, NamedTuple

import filetype
from flask import current_app, has_request_context, url_for
from flask_babel import gettext
from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, event, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import db, utcnow
from core.errors import Refused
from core.models import Person
from core.storage import FileStorage, get_storage, new_key

log = logging.getLogger(__name__)


def _(message: str, **values) -> str:
    """The message in the user's language; in English outside a request (CLI imports, background jobs)."""
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message


MiB = 1024 * 1024
CHUNK_BYTES = 64 * 1024  # read and written at a time: memory use does not grow with the file
HEAD_BYTES = 8 * 1024  # kept in memory for sniffing the type


# --- what may be uploaded -----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FileKind:
    """A type of file Khet can recognise by its content."""

    name: str  # the canonical extension
    mime: str
    extensions: tuple[str, ...]
    # Shown in the browser rather than downloaded: only images, which run no code. A PDF may carry
    # JavaScript that the browser's viewer runs on this site's address, so it is downloaded.
    inline: bool = False


KINDS: dict[str, FileKind] = {
    kind.name: kind
    for kind in (
        FileKind("pdf", "application/pdf", ("pdf",)),
        FileKind("jpg", "image/jpeg", ("jpg", "jpeg"), inline=True),
        FileKind("png", "image/png", ("png",), inline=True),
        FileKind("gif", "image/gif", ("gif",), inline=True),
        FileKind("doc", "application/msword", ("doc",)),
        FileKind("xls", "application/vnd.ms-excel", ("xls",)),
        FileKind("ppt", "application/vnd.ms-powerpoint", ("ppt",)),
        FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)),
        FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
        FileKind("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",)),
        FileKind("zip", "application/zip", ("zip",)),
        FileKind("rar", "application/vnd.rar", ("rar",)),
        FileKind("txt", "text/plain", ("txt",)),
        FileKind("csv", "text/csv", ("csv",)),
    )
}
KIND_OF_EXTENSION = {extension: kind.name for kind in KINDS.values() for extension in kind.extensions}

# What AMSS++ allowed on letters, plus png: the default for every module.
DEFAULT_ALLOWED = frozenset({"pdf", "doc", "docx", "xls", "xlsx", "jpg", "png", "gif", "zip", "rar"})


@dataclasses.dataclass(frozen=True)
class UploadPolicy:
    """How many files, how large, and which kinds a module accepts on one record."""

    max_count: int = 10  # per record, counting files already attached
    max_bytes: int = 20 * MiB  # per file
    allowed: frozenset[str] = DEFAULT_ALLOWED  # kind names (see KINDS); "jpeg" means "jpg"
    audit_downloads: bool = False  # write an audit line for every download (secret letters)

    def __post_init__(self):
        allowed = frozenset(KIND_OF_EXTENSION.get(name.lower().lstrip("."), name) for name in self.allowed)
        unknown = allowed - set(KINDS)
        if unknown:
            raise ValueError(f"cannot check the content of kinds {sorted(unknown)}; known: {sorted(KINDS)}")
        object.__setattr__(self, "allowed", allowed)

    def with_office_settings(self, module: str) -> UploadPolicy:
        """This policy as the office admin adjusted it in the module's settings.

        Keys read: ``attachments_max_count``, ``attachments_max_mb`` and
        ``attachments_types`` (a list or comma-separated text). Kinds Khet cannot
        check by content are ignored, so no setting can let a program in.
        """
        from core.settings import get_settings

        settings = get_settings(module)
        changes = {}
        if settings.get("attachments_max_count"):
            changes["max_count"] = int(settings["attachments_max_count"])
        if settings.get("attachments_max_mb"):
            changes["max_bytes"] = int(float(settings["attachments_max_mb"]) * MiB)
        types = settings.get("attachments_types")
        if types:
            names = [str(name).strip().lower().lstrip(".") for name in (types.split(",") if isinstance(types, str) else types)]
            ignored = [name for name in names if name not in KIND_OF_EXTENSION]
            if ignored:
                log.warning("settings of %s name file types Khet cannot check; ignored: %s", module, ignored)
            known = frozenset(KIND_OF_EXTENSION[name] for name in names if name in KIND_OF_EXTENSION)
            if known:
                changes["allowed"] = known
        return dataclasses.replace(self, **changes)


class Owner(NamedTuple):
    """The record a file belongs to: the module, its kind of record, and the record's id."""

    module: str
    record_type: str
    record_id: int


@dataclasses.dataclass(frozen=True)
class Problem:
    """Why one file (or the batch) was refused: a reason code and a message in the user's language."""

    name: str
    reason: str  # too_many, too_big, empty, type_not_allowed, program, markup, content_mismatch
    message: str


class UploadRejected(Refused):
    """Some files of a batch were refused, so none was kept; ``messages`` says which and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        self.messages = [problem.message for problem in problems]
        super().__init__("\n".join(self.messages))


# --- the table -------------------------------------------------------------------------


class Attachment(db.Model):
    """One stored file of a module's record. The file itself is in storage under ``storage_key``."""

    __tablename__ = "core_attachment"
    __table_args__ = (Index("ix_core_attachment_owner", "module", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(Integer)
    # Part of the download URL, so knowing an id is not enough to even ask for a file.
    token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_urlsafe(16))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    audit_downloads: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when retention destroyed the file: the row stays so the register still lists it.
    purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    uploaded_by: Mapped[Person | None] = relationship()

    @property
    def owner(self) -> Owner:
        return Owner(self.module, self.record_type, self.record_id)

    @property
    def file_kind(self) -> FileKind:
        return KINDS[self.kind]

    @property
    def download_url(self) -> str:
        return url_for("attachments.download", attachment_id=self.id, token=self.token)

    def __str__(self) -> str:
        return self.original_name


# --- checking content ----------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
PROGRAM_MAGICS = (
    b"MZ",  # Windows .exe/.dll
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe",  # macOS
    b"#!",  # scripts
)
MARKUP_TAGS = (b"<html", b"<script", b"<svg", b"<?xml", b"<!doctype", b"<body", b"<head", b"<iframe",
               b"<object", b"<embed", b"<meta", b"<img", b"<form", b"<style", b"<a ", b"<xml")
# The stream every Office 97-2003 file of a kind has in its compound-file directory.
OLE_STREAMS = {"doc": ("WordDocument",), "xls": ("Workbook", "Book"), "ppt": ("PowerPoint Document",)}
OOXML_FOLDERS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
MAX_ZIP_ENTRIES_LISTED = 10_000  # beyond this a zip is not listed (a crafted directory could eat memory)


def is_program(head: bytes) -> bool:
    return head.startswith(PROGRAM_MAGICS)


def is_markup(head: bytes) -> bool:
    """HTML, SVG or XML: a browser could run script in them, and none of the accepted kinds is markup."""
    text = _as_ascii_bytes(head).lstrip(b"\xef\xbb\xbf \t\r\n\x0c").lower()
    return text.startswith(b"<") and any(tag in text for tag in MARKUP_TAGS)


def _as_ascii_bytes(head: bytes) -> bytes:
    """UTF-16 text with a BOM re-encoded, so markup in UTF-16 is found too."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            usable = head[len(bom):][: (len(head) - len(bom)) // 2 * 2]
            return usable.decode(codec, "replace").encode("utf-8", "replace")
    return head


def content_kinds(head: bytes, path: str) -> set[str]:
    """Every kind the file's bytes prove it is ({"docx", "zip"} for a Word file); empty when none."""
    if head.startswith(OLE_MAGIC):
        return _ole_kinds(path)
    if head.startswith(ZIP_MAGICS):
        return _zip_kinds(path)
    guess = filetype.guess(head)
    if guess is not None and guess.extension in {"pdf", "jpg", "png", "gif", "rar"}:
        return {guess.extension}
    if _is_plain_text(head):
        return {"txt", "csv"}
    return set()


def _ole_kinds(path: str) -> set[str]:
    """Kinds of an OLE2 compound file, from the stream names in its directory.

    Directory entries are 128-byte records aligned to 128 bytes: a UTF-16 name,
    its byte length at offset 64 and the entry type (2 = stream) at offset 66.
    An installer (.msi) is also a compound file, but has none of these streams.
    """
    wanted = {
        kind: [(name + "\0").encode("utf-16-le") for name in names] for kind, names in OLE_STREAMS.items()
    }
    found: set[str] = set()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):  # CHUNK_BYTES is a multiple of 128: no entry is split
            for kind, patterns in wanted.items():
                if kind not in found and any(_has_stream_entry(chunk, pattern) for pattern in patterns):
                    found.add(kind)
    return found


def _has_stream_entry(chunk: bytes, name: bytes) -> bool:
    position = chunk.find(name)
    while position != -1:
        if position % 128 == 0 and len(chunk) >= position + 67:
            (name_length,) = struct.unpack_from("<H", chunk, position + 64)
            if name_length == len(name) and chunk[position + 66] == 2:
                return True
        position = chunk.find(name, position + 1)
    return False


def _zip_kinds(path: str) -> set[str]:
    """{"zip"} for a readable zip archive, plus the Office Open XML kind whose parts it holds."""
    if _zip_entry_count(path) > MAX_ZIP_ENTRIES_LISTED:
        return {"zip"}
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return set()
    kinds = {"zip"}
    if "[Content_Types].xml" in names:
        kinds |= {kind for kind, folder in OOXML_FOLDERS.items() if any(name.startswith(folder) for name in names)}
    return kinds


def _zip_entry_count(path: str) -> int:
    """The entry count in the zip's end record (0xFFFF and above for zip64), read from the tail only."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 65_557))
        tail = fh.read()
    end = tail.rfind(b"PK\x05\x06")
    if end == -1 or len(tail) < end + 12:
        return 0
    (entries,) = struct.unpack_from("<H", tail, end + 10)
    return entries


def _is_plain_text(head: bytes) -> bool:
    """UTF-8 or Thai TIS-620 text without control bytes a text file never has."""
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        try:
            head.decode("cp874")
        except UnicodeDecodeError:
            return False
    return not any(byte < 32 and byte not in b"\t\n\r\x0c" for byte in head)


# --- receiving uploads -------------------------------------------------------------------


@dataclasses.dataclass
class _Received:
    """An upload spooled to a temporary file and checked, not yet stored."""

    name: str
    path: str
    size: int = 0
    sha256: str = ""
    kind: str = ""
    problem: Problem | None = None


def clean_file_name(name: str) -> str:
    """The user's file name as shown back to people: no folders, no control or direction characters.

    Thai stays intact (NFC). Right-to-left overrides are removed because they
    disguise the extension ("invoice\u202efdp.exe").
    """
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().rstrip(". ")
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 254 - len(extension)] + dot + extension) if dot and len(extension) <= 10 else name[:255]
    return name or "file"


def extension_of(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def format_size(size: int) -> str:
    """A file size as people read it: "3 MB", "120 KB"."""
    return f"{size / MiB:.0f} MB" if size >= MiB else f"{max(1, size // 1024)} KB"


def _receive(name: str, stream: BinaryIO, policy: UploadPolicy, storage: FileStorage) -> _Received:
    """Spool one upload to a temporary file in chunks, hashing it, then check it."""
    fh, path = storage.incoming()
    received = _Received(name=clean_file_name(name), path=path)
    digest = hashlib.sha256()
    head = b""
    try:
        with fh:
            while chunk := stream.read(CHUNK_BYTES):
                received.size += len(chunk)
                if received.size > policy.max_bytes:
                    break
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                digest.update(chunk)
                fh.write(chunk)
    except BaseException:  # a broken connection mid-upload: leave no temporary file
        _remove_quietly(path)
        raise
    received.sha256 = digest.hexdigest()
    received.problem = _check(received, head, policy)
    return received


def _check(received: _Received, head: bytes, policy: UploadPolicy) -> Problem | None:
    name = received.name
    extension = extension_of(name)
    kind = KIND_OF_EXTENSION.get(extension)
    received.kind = kind or ""
    if received.size > policy.max_bytes:
        return Problem(name, "too_big", _("%(name)s is larger than %(limit)s.", name=name, limit=format_size(policy.max_bytes)))
    if received.size == 0:
        return Problem(name, "empty", _("%(name)s is empty.", name=name))
    if is_program(head):
        return Problem(name, "program", _("%(name)s is a program or script; these cannot be attached.", name=name))
    if is_markup(head):
        return Problem(name, "markup", _("%(name)s is a web page or contains script code; it cannot be attached.", name=name))
    if kind is None or kind not in policy.allowed:
        allowed = ", ".join(sorted(policy.allowed))
        return Problem(
            name, "type_not_allowed",
            _("%(name)s: this type of file cannot be attached here. Allowed types: %(allowed)s.", name=name, allowed=allowed),
        )
    if kind not in content_kinds(head, received.path):
        return Problem(
            name, "content_mismatch",
            _("%(name)s is not really a .%(extension)s file: its content does not match its name.", name=name, extension=extension),
        )
    return None


def _incoming(files: Iterable) -> list[tuple[str, BinaryIO]]:
    """Accept werkzeug FileStorage objects (forms) or (name, binary file) pairs (code, tests)."""
    incoming = []
    for item in files or ():
        name, stream = item if isinstance(item, tuple) else (item.filename, item.stream)
        if name:  # a form's empty file field sends a part without a name
            incoming.append((name, stream))
    return incoming


def save_uploads(files: Iterable, owner: Owner | tuple, uploaded_by: Person | None,
                 policy: UploadPolicy | None = None, descriptions: list[str] | None = None) -> list[Attachment]:
    """Check and store a batch of uploads for ``owner``; all are kept or none.

    Raises UploadRejected listing every refused file and why; then nothing is
    on disk or in the session. The new rows are added and flushed in the
    caller's transaction: their files disappear again if it rolls back.
    """
    owner = Owner(*owner)
    policy = policy or UploadPolicy()
    incoming = _incoming(files)
    if not incoming:
        return []
    already = db.session.scalar(select(func.count(Attachment.id)).where(*_owned_by(owner), Attachment.purged_at.is_(None)))
    if already + len(incoming) > policy.max_count:
        message = _("At most %(count)d files can be attached here.", count=policy.max_count)
        if already:
            message += " " + _("%(count)d are attached already.", count=already)
        raise UploadRejected([Problem("", "too_many", message)])
    storage = get_storage()
    received: list[_Received] = []
    try:
        for name, stream in incoming:
            received.append(_receive(name, stream, policy, storage))
        problems = [item.problem for item in received if item.problem]
        if problems:
            raise UploadRejected(problems)
        return _store_all(received, owner, uploaded_by, policy, descriptions or [], storage)
    finally:
        for item in received:
            _remove_quietly(item.path)


def _store_all(received, owner, uploaded_by, policy, descriptions, storage) -> list[Attachment]:
    attachments = []
    for index, item in enumerate(received):
        key = new_key()
        _track(storage, key, "new")  # before staging: a rollback right after still cleans up
        # Staged, not stored: the file goes into service only after its row commits (see FileStorage.stage).
        storage.stage(item.path, key)
        attachment = Attachment(
            module=owner.module, record_type=owner.record_type, record_id=owner.record_id,
            storage_key=key, original_name=item.name, kind=item.kind, content_type=KINDS[item.kind].mime,
            size=item.size, sha256=item.sha256, description=((descriptions[index] if index < len(descriptions) else "") or "")[:500],
            uploaded_by_id=uploaded_by.id if uploaded_by is not None else None, audit_downloads=policy.audit_downloads,
        )
        db.session.add(attachment)
        attachments.append(attachment)
    db.session.flush()
    return attachments


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


# --- reading and removing ------------------------------------------------------------------


def _owned_by(owner: Owner):
    return (
        Attachment.module == owner.module,
        Attachment.record_type == owner.record_type,
        Attachment.record_id == owner.record_id,
    )


def attachments_of(owner: Owner | tuple, include_purged: bool = False) -> list[Attachment]:
    """The attachments of one record, oldest first."""
    query = select(Attachment).where(*_owned_by(Owner(*owner))).order_by(Attachment.id)
    if not include_purged:
        query = query.where(Attachment.purged_at.is_(None))
    return list(db.session.scalars(query))


def open_file(attachment: Attachment) -> BinaryIO:
    """The stored file, for reading; FileNotFoundError when it was purged or is missing."""
    if attachment.purged_at is not None:
        raise FileNotFoundError(f"attachment {attachment.id} was purged")
    return get_storage().open(attachment.storage_key)


def delete_attachment(attachment: Attachment) -> None:
    """Delete one attachment; its file goes (or is archived) when the transaction commits."""
    if attachment.purged_at is None:
        _track(get_storage(), attachment.storage_key, _deleted_file_action())
    db.session.delete(attachment)


def delete_attachments(owner: Owner | tuple) -> int:
    """Delete every attachment of a record being deleted; returns how many.

    Call it in the transaction that deletes the record. Files are removed after
    commit, or moved to the archive when ``ATTACHMENTS_ON_DELETE = "archive"``.
    """
    rows = attachments_of(owner, include_purged=True)
    for row in rows:
        delete_attachment(row)
    return len(rows)


def purge_files(owner: Owner | tuple | None = None, attachments: Iterable[Attachment] = ()) -> int:
    """Destroy the files but keep the rows (retention: destroyed letters keep their register line).

    Pass an owner, or the attachments themselves. Files are removed, never
    archived, after commit; the rows get ``purged_at``. Returns how many.
    """
    targets = list(attachments) + (attachments_of(owner) if owner is not None else [])
    now = utcnow()
    count = 0
    storage = get_storage()
    for attachment in targets:
        if attachment.purged_at is None:
            _track(storage, attachment.storage_key, "remove")
            attachment.purged_at = now
            count += 1
    return count


def _deleted_file_action() -> str:
    action = current_app.config.get("ATTACHMENTS_ON_DELETE", "remove")
    if action not in {"remove", "archive"}:
        raise ValueError(f"ATTACHMENTS_ON_DELETE must be 'remove' or 'archive', not {action!r}")
    return action


def may_download(user, attachment: Attachment | None) -> bool:
    """Whether ``user`` may read the attachment: only the owning module, when enabled, decides.

    Asking the owner alone means no other module can open another's files by
    answering True, and a module that does not answer denies.
    """
    from core.plugins import registry

    if attachment is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    reg = registry()
    if not reg.is_enabled(attachment.module):
        return False
    return reg.call_one(attachment.module, "attachment_access", user=user, attachment=attachment) is True


def record_download(user, attachment: Attachment, remote_addr: str = "", refused: bool = False) -> None:
    """Add an audit line for a download, or a refused attempt, of a file whose module asked for one."""
    if not attachment.audit_downloads:
        return
    from core.services import audit

    # Ids only: audited files are the sensitive ones (a secret letter's), and the log's readers may not be
    # allowed to read them; even a file name can say too much.
    audit.record(
        "download_attachment", attachment.module, attachment.record_type, attachment.record_id, user,
        summary=f"attachment {attachment.id}", details={"attachment_id": attachment.id},
        remote_addr=remote_addr, outcome="refused" if refused else "done",
    )


def orphan_grace() -> dt.timedelta:
    """How old a file must be before the sweep may touch it (``ORPHAN_GRACE_HOURS``): no running request is that slow."""
    return dt.timedelta(hours=current_app.config.get("ORPHAN_GRACE_HOURS", 24))


def sweep_job(now: dt.datetime) -> str:
    """The scheduled job (core.sweep_orphans): sweep with the configured grace period; idempotent."""
    report = sweep_orphans(orphan_grace())
    db.session.commit()  # end the read transaction
    return report.summary()


@dataclasses.dataclass
class SweepReport:
    """What ``sweep_orphans`` removed (or, in a dry run, would remove) and which moves it finished."""

    removed: list[str] = dataclasses.field(default_factory=list)  # storage keys and .incoming/ names
    finished: list[str] = dataclasses.field(default_factory=list)  # keys whose row committed before a crash
    dry_run: bool = False

    def summary(self) -> str:
        verb = ("would remove %d files and finish %d" if self.dry_run else "removed %d files and finished %d")
        return (verb % (len(self.removed), len(self.finished))) + " stored after a crash"


def sweep_orphans(older_than: dt.timedelta = dt.timedelta(days=1), dry_run: bool = False) -> SweepReport:
    """Clean up after processes killed mid-upload or mid-send; touches only files older than ``older_than``.

    - partial or unchecked uploads in ``.incoming`` (``up-*``): removed;
    - staged files whose row never committed: removed; whose row did: moved into service;
    - files in service that no live row names: removed.

    The grace period keeps it away from requests still running. ``dry_run`` only lists.
    Commit/rollback events keep files and rows in step; this catches what a killed process left.
    """
    storage = get_storage()
    seconds = older_than.total_seconds()
    report = SweepReport(dry_run=dry_run)
    report.removed.extend(storage.discard_stale_incoming(seconds, dry_run=dry_run))

    def known_of(keys: list[str]) -> set[str]:
        return set(db.session.scalars(
            select(Attachment.storage_key).where(Attachment.storage_key.in_(keys), Attachment.purged_at.is_(None))
        ))

    def in_batches(keys: Iterable[str]):
        batch: list[str] = []
        for key in keys:
            batch.append(key)
            if len(batch) >= 500:
                yield batch
                batch = []
        if batch:
            yield batch

    for batch in in_batches(list(storage.staged_keys(seconds))):
        known = known_of(batch)
        for key in batch:
            if key in known:
                report.finished.append(key)
                if not dry_run:
                    storage.finish(key)
            else:
                report.removed.append(f".incoming/{key.rsplit('/', 1)[1]}")
                if not dry_run:
                    storage.discard_staged(key)
    for batch in in_batches(list(storage.stored_keys(seconds))):
        known = known_of(batch)
        for key in batch:
            if key not in known:
                report.removed.append(key)
                if not dry_run:
                    storage.delete(key)
    return report


# --- files follow the transaction -------------------------------------------------------------
#
# Each file change is recorded against the (possibly nested) transaction that made it.
# A rollback of that transaction or of any enclosing one undoes it: new files are deleted,
# removals are forgotten. A released savepoint hands its changes to the enclosing
# transaction; the outermost commit makes new files permanent and carries out removals.
# A session closed without committing counts as rolled back.

_PENDING = "khet_attachment_files"


@dataclasses.dataclass
class _FileChange:
    transaction: object
    storage: FileStorage
    key: str
    action: str  # new | remove | archive


def _ensure_transaction() -> Session:
    session = db.session()
    if not session.in_transaction():
        session.connection()  # begins one, so the change has a transaction to follow
    return session


def _track(storage: FileStorage, key: str, action: str) -> None:
    session = _ensure_transaction()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append(_FileChange(transaction, storage, key, action))


def _inside(transaction, ancestor) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def _apply(change: _FileChange, committed: bool) -> None:
    try:
        if committed and change.action == "new":
            change.storage.finish(change.key)
        elif committed and change.action == "remove":
            change.storage.delete(change.key)
        elif committed and change.action == "archive":
            change.storage.archive(change.key)
        elif not committed and change.action == "new":
            change.storage.discard_staged(change.key)
    except Exception:  # a file left behind is swept later; the database outcome stands
        log.exception("could not %s attachment file %s", change.action if committed else "undo", change.key)


@event.listens_for(Session, "after_commit")
def _files_after_commit(session):
    savepoint = session.get_nested_transaction()
    if savepoint is not None:  # a savepoint was released: its changes now ride on the enclosing transaction
        for change in session.info.get(_PENDING, ()):
            if change.transaction is savepoint:
                change.transaction = savepoint.parent
        return
    for change in session.info.pop(_PENDING, ()):
        _apply(change, committed=True)


@event.listens_for(Session, "after_soft_rollback")
def _files_after_rollback(session, previous_transaction):
    changes = session.info.get(_PENDING)
    if not changes:
        return
    undone, kept = [], []
    for change in changes:
        (undone if _inside(change.transaction, previous_transaction) else kept).append(change)
    session.info[_PENDING] = kept
    for change in undone:
        _apply(change, committed=False)


@event.listens_for(Session, "after_transaction_end")
def _files_after_close(session, transaction):
    if transaction.parent is None and session.info.get(_PENDING):
        for change in session.info.pop(_PENDING):
            _apply(change, committed=False)
