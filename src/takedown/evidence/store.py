"""Where evidence files live, chosen by URI scheme: ``file://`` (or a plain path) built in.

Layout: ``<root>/<evidence_key>/<name>``. Artifacts are write-once: an evidentiary copy is never
overwritten. Only the custody log grows, by appending lines.

Another backend (say ``s3://bucket/prefix``) implements :class:`EvidenceStore` with objects
named ``<prefix>/<evidence_key>/<name>``, ``If-None-Match: *`` for write-once puts, and a
conditional read-modify-write (``If-Match`` on the ETag) for ``append``; register its factory with
:func:`register_store`.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from takedown.plugins import EVIDENCE_STORES, UnknownPlugin

_SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class StoreError(Exception):
    """A store operation was refused or failed."""


def check_name(name: str) -> str:
    """Artifact names are relative paths of safe parts: no ``..``, no absolute paths."""
    parts = name.split("/")
    if not name or len(parts) > 4 or not all(_SAFE_PART.match(p) for p in parts):
        raise StoreError(f"unsafe artifact name {name!r}")
    if any(p in (".", "..") or p.endswith(".") for p in parts):
        raise StoreError(f"unsafe artifact name {name!r}")
    return name


class EvidenceStore(Protocol):
    """A plug-in kind: the place evidence files are kept."""

    uri: str

    def write_new(self, key: str, name: str, data: bytes) -> None:
        """Store ``data``; raise :class:`StoreError` if the file already exists."""

    def read(self, key: str, name: str) -> bytes:
        """Return the stored bytes; raise :class:`StoreError` if missing."""

    def append(self, key: str, name: str, data: bytes) -> None:
        """Append ``data`` atomically with respect to other appenders."""

    def exists(self, key: str, name: str) -> bool: ...

    def names(self, key: str) -> list[str]:
        """Every file under ``key``, sorted, as relative names."""

    def local_path(self, key: str, name: str) -> Path | None:
        """A path on the local file system, when the store has one (for tests and tools)."""

    def delete(self, key: str, name: str) -> None:
        """Remove a hand-over file (a spool), or an artifact past its retention period (the
        retention job leaves a signed tombstone first); evidence is never deleted otherwise."""


class FileStore:
    """Evidence on a local or mounted file system."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).absolute()
        self.uri = self.root.as_uri()

    def _path(self, key: str, name: str) -> Path:
        check_name(key)
        return self.root / key / check_name(name)

    def write_new(self, key: str, name: str, data: bytes) -> None:
        path = self._path(key, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        try:
            # link() fails if the target exists: write-once without a race.
            os.link(tmp, path)
        except FileExistsError as exc:
            raise StoreError(f"{key}/{name} exists: evidence is never overwritten") from exc
        finally:
            tmp.unlink(missing_ok=True)

    def read(self, key: str, name: str) -> bytes:
        try:
            return self._path(key, name).read_bytes()
        except FileNotFoundError as exc:
            raise StoreError(f"{key}/{name} is missing") from exc

    def append(self, key: str, name: str, data: bytes) -> None:
        path = self._path(key, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def exists(self, key: str, name: str) -> bool:
        return self._path(key, name).is_file()

    def names(self, key: str) -> list[str]:
        base = self.root / check_name(key)
        if not base.is_dir():
            return []
        return sorted(
            p.relative_to(base).as_posix()
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )

    def local_path(self, key: str, name: str) -> Path | None:
        return self._path(key, name)

    def delete(self, key: str, name: str) -> None:
        """Remove a spool, or an artifact past its retention period (see the Protocol)."""
        self._path(key, name).unlink(missing_ok=True)


StoreFactory = Callable[[str], EvidenceStore]


def file_store(uri: str) -> EvidenceStore:
    parts = urlsplit(uri)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise StoreError(f"file store on a remote host is not supported: {uri}")
        return FileStore(unquote(parts.path))
    return FileStore(uri)


def register_store(scheme: str, factory: StoreFactory) -> None:
    """Make ``open_store`` accept ``scheme://`` URIs (``takedown.plugins.EVIDENCE_STORES``)."""
    EVIDENCE_STORES.register(scheme, factory)


def open_store(uri: str | Path) -> EvidenceStore:
    """Open the store a URI names: ``file:///srv/evidence``, ``/srv/evidence`` or a Path."""
    text = str(uri)
    scheme = urlsplit(text).scheme if "://" in text else "file"
    try:
        factory = EVIDENCE_STORES.get(scheme)
    except UnknownPlugin:
        raise StoreError(f"no evidence store for scheme {scheme!r}") from None
    store: EvidenceStore = factory(text)
    return store
