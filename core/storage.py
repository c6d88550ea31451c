"""Where attachment files live: one small interface, a local folder today, an object store later.

The attachments service talks only to ``get_storage()``; nothing else knows the
folder layout. An installation switches backend with one setting,
``ATTACHMENT_STORAGE = "package.module:ClassName"``, whose class implements
:class:`FileStorage` and is built by ``from_app(app)``. Modules never touch it.

Files are addressed by *keys* the service makes from random hex (``ab/cd/abcd…``):
never a user's file name, so nothing about a file can be guessed from the
disk, and nothing a user types reaches a path.
"""

from __future__ import annotations

import importlib
import os
import re
import secrets
import tempfile
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import BinaryIO, Iterator

KEY_PATTERN = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}$")
DEFAULT_BACKEND = "core.storage:LocalStorage"


class StorageError(Exception):
    """The storage is misconfigured or a key is not one the storage issued."""


def new_key() -> str:
    """A fresh random key, sharded into two levels of folders so no folder grows huge."""
    name = secrets.token_hex(16)
    return f"{name[:2]}/{name[2:4]}/{name}"


class FileStorage(ABC):
    """What the attachments service needs from a place that keeps files."""

    @abstractmethod
    def incoming(self) -> tuple[BinaryIO, str]:
        """Open a new private temporary file for an upload being received; return it and its path."""

    @abstractmethod
    def store(self, incoming_path: str, key: str) -> None:
        """Move a checked upload from its temporary path to ``key``."""

    @abstractmethod
    def stage(self, incoming_path: str, key: str) -> None:
        """Mark a checked upload as meant for ``key``, still out of service, until its row commits.

        A process killed before the commit leaves only a staged file, which the
        sweep deletes (no row names its key); killed after it, the sweep finishes
        the move (a row does). So no file is ever in service without a row.
        """

    @abstractmethod
    def finish(self, key: str) -> None:
        """Put the staged file of ``key`` in service (after its row committed); nothing if already done."""

    @abstractmethod
    def discard_staged(self, key: str) -> None:
        """Delete the staged file of ``key`` (its row rolled back or never came)."""

    @abstractmethod
    def staged_keys(self, older_than_seconds: float = 0) -> Iterator[str]:
        """Keys of staged files older than the given age (for the orphan sweep)."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Open the file at ``key`` for reading (binary, seekable); FileNotFoundError if gone."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file at ``key``; a file already gone is not an error."""

    @abstractmethod
    def archive(self, key: str) -> None:
        """Move the file at ``key`` out of service but keep it (for offices that archive rather than delete)."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether a file is stored at ``key``."""

    @abstractmethod
    def stored_keys(self, older_than_seconds: float = 0) -> Iterator[str]:
        """Every key in service whose file is older than the given age (for the orphan sweep)."""

    @abstractmethod
    def discard_stale_incoming(self, older_than_seconds: float, dry_run: bool = False) -> list[str]:
        """Remove temporary uploads left by crashed processes (partial or unchecked); return their names."""

    @abstractmethod
    def archived_keys(self) -> Iterator[str]:
        """Every key of an archived file (for ``khet backup``)."""

    @abstractmethod
    def open_archived(self, key: str) -> BinaryIO:
        """Open the archived file at ``key`` for reading (binary); FileNotFoundError if gone."""

    def receive(self, source: BinaryIO) -> str:
        """Copy ``source`` into a new incoming file and return its path, ready for ``stage`` or ``store``."""
        import shutil

        target, path = self.incoming()
        try:
            with target:
                shutil.copyfileobj(source, target, 1024 * 1024)
        except BaseException:
            os.unlink(path)
            raise
        return path


class LocalStorage(FileStorage):
    """Files in a folder of the server, normally ``instance/uploads``, which no web server serves.

    Layout: ``<root>/ab/cd/<key>`` for files in service, ``<root>/.incoming/up-*`` for
    uploads being received and checked, ``<root>/.incoming/<32 hex>`` for checked
    uploads staged for a key whose row has not committed yet (same file system, so
    staging and storing are atomic renames),
    ``<root>/.archive/ab/cd/<key>`` for archived files. Folders are created
    ``0700`` and files ``0600``: only the Khet process user may read them.
    """

    INCOMING = ".incoming"
    ARCHIVE = ".archive"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()

    @classmethod
    def from_app(cls, app) -> LocalStorage:
        root = Path(app.config["UPLOAD_FOLDER"]).resolve()
        for served in _served_folders(app):
            if root == served or served in root.parents:
                raise StorageError(f"UPLOAD_FOLDER {root} is inside the web-served folder {served}; move it out")
        return cls(root)

    def _path(self, key: str, area: str | None = None) -> Path:
        if not KEY_PATTERN.match(key or ""):
            raise StorageError(f"not a storage key: {key!r}")
        return (self.root / area / key) if area else (self.root / key)

    def _make_parent(self, path: Path) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)

    def incoming(self) -> tuple[BinaryIO, str]:
        folder = self.root / self.INCOMING
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, path = tempfile.mkstemp(dir=folder, prefix="up-")  # mode 0600
        return os.fdopen(fd, "w+b"), path

    def store(self, incoming_path: str, key: str) -> None:
        target = self._path(key)
        self._make_parent(target)
        os.replace(incoming_path, target)

    def _staged_path(self, key: str) -> Path:
        self._path(key)  # checks the key
        return self.root / self.INCOMING / key.rsplit("/", 1)[1]

    def stage(self, incoming_path: str, key: str) -> None:
        os.replace(incoming_path, self._staged_path(key))

    def finish(self, key: str) -> None:
        try:
            self.store(str(self._staged_path(key)), key)
        except FileNotFoundError:  # finished already (by the sweep, or twice)
            pass

    def discard_staged(self, key: str) -> None:
        self._staged_path(key).unlink(missing_ok=True)

    def staged_keys(self, older_than_seconds: float = 0) -> Iterator[str]:
        cutoff = time.time() - older_than_seconds
        folder = self.root / self.INCOMING
        for path in folder.iterdir() if folder.is_dir() else ():
            name = path.name
            if len(name) == 32 and all(c in "0123456789abcdef" for c in name) and path.stat().st_mtime <= cutoff:
                yield f"{name[:2]}/{name[2:4]}/{name}"

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError:  # committed a moment ago, not yet moved into service
            return open(self._staged_path(key), "rb")

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def archive(self, key: str) -> None:
        target = self._path(key, self.ARCHIVE)
        self._make_parent(target)
        try:
            os.replace(self._path(key), target)
        except FileNotFoundError:
            pass

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def archived(self, key: str) -> bool:
        return self._path(key, self.ARCHIVE).is_file()

    def archived_keys(self) -> Iterator[str]:
        folder = self.root / self.ARCHIVE
        if not folder.is_dir():
            return
        for path in sorted(folder.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
            key = path.relative_to(folder).as_posix()
            if KEY_PATTERN.match(key) and path.is_file():
                yield key

    def open_archived(self, key: str) -> BinaryIO:
        return open(self._path(key, self.ARCHIVE), "rb")

    def stored_keys(self, older_than_seconds: float = 0) -> Iterator[str]:
        cutoff = time.time() - older_than_seconds
        if not self.root.is_dir():
            return
        for path in self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
            key = path.relative_to(self.root).as_posix()
            if KEY_PATTERN.match(key) and path.stat().st_mtime <= cutoff:
                yield key

    def discard_stale_incoming(self, older_than_seconds: float, dry_run: bool = False) -> list[str]:
        folder = self.root / self.INCOMING
        cutoff = time.time() - older_than_seconds
        removed = []
        for path in folder.glob("up-*") if folder.is_dir() else ():
            if path.stat().st_mtime <= cutoff:
                if not dry_run:
                    path.unlink(missing_ok=True)
                removed.append(f"{self.INCOMING}/{path.name}")
        return removed


def _served_folders(app) -> list[Path]:
    """Folders Flask serves as static files: uploads must never be inside one."""
    folders = [app.static_folder] + [bp.static_folder for bp in app.blueprints.values()]
    from core.app import THEMES_FOLDER

    folders.append(str(THEMES_FOLDER))
    return [Path(folder).resolve() for folder in folders if folder]


def get_storage(app=None) -> FileStorage:
    """The installation's storage, built once per app from ``ATTACHMENT_STORAGE``."""
    from flask import current_app

    app = app or current_app._get_current_object()
    storage = app.extensions.get("khet_storage")
    if storage is None:
        spec = app.config.get("ATTACHMENT_STORAGE") or DEFAULT_BACKEND
        module_name, _, class_name = spec.partition(":")
        try:
            backend = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as exc:
            raise StorageError(f"ATTACHMENT_STORAGE {spec!r} cannot be loaded: {exc}") from exc
        storage = app.extensions["khet_storage"] = backend.from_app(app)
    return storage
