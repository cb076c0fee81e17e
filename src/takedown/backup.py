"""Back up and restore an installation: a consistent database snapshot, the evidence store, and
the keys in an archive of their own.

``backup`` writes ``data.tar`` (the database snapshot: SQLite through its online backup API,
PostgreSQL with ``pg_dump``; the evidence folder; a ``BACKUP.json`` listing every member's
SHA-256). The queue is not backed up (it is rebuilt from the database's item states). Keys
(``vault.key``, ``takedown.toml``, the signing key and its signed heads) go to ``keys.tar`` in a
separate destination, or into ``data.tar`` only when asked (``include_keys``). ``restore``
checks every member's hash before writing anything into the new home.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Final

from sqlalchemy.engine import make_url

from takedown.config import Settings

DATA_ARCHIVE: Final = "data.tar"
KEYS_ARCHIVE: Final = "keys.tar"
INDEX: Final = "BACKUP.json"
SQLITE_DB: Final = "database/takedown.db"
PG_DUMP: Final = "database/takedown.pgdump"


class BackupError(Exception):
    """The backup or restore could not be done; the message says why."""


@dataclass
class BackupResult:
    data: Path
    keys: Path | None
    members: int
    notes: list[str] = field(default_factory=list)


def _stream_sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(parsed.database)


def _pg_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def snapshot_database(url: str, dest: Path) -> str:
    """Write a consistent snapshot of the database into ``dest``; return its member name."""
    path = _sqlite_path(url)
    if path is not None:
        out = dest / SQLITE_DB
        out.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(out)
        try:
            with target:
                source.backup(target)  # online and consistent, writers keep working
        finally:
            source.close()
            target.close()
        return SQLITE_DB
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("PostgreSQL backup needs pg_dump (postgresql-client)")
    out = dest / PG_DUMP
    out.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={out}", _pg_url(url)],
        capture_output=True, text=True, timeout=3600, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")
    return PG_DUMP


def key_files(settings: Settings, signing_key: Path | None) -> dict[str, Path]:
    """Archive name -> file of every secret of the installation that exists."""
    found: dict[str, Path] = {}
    for name in ("vault.key", "takedown.toml"):
        if (settings.home / name).is_file():
            found[f"home/{name}"] = settings.home / name
    if signing_key is not None and signing_key.is_file():
        found["signing/signing.key"] = signing_key
        heads = signing_key.parent / f"{signing_key.name}.heads"
        if heads.is_dir():
            for path in sorted(heads.glob("*.json")):
                found[f"signing/heads/{path.name}"] = path
    return found


def _write_tar(archive: Path, files: dict[str, Path], created: str) -> int:
    index = {"created": created, "files": {name: _sha256(p) for name, p in files.items()}}
    tmp = archive.with_suffix(".partial")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
        body = json.dumps(index, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(INDEX)
        info.size, info.mode = len(body), 0o600
        tar.addfile(info, io.BytesIO(body))
        for name, path in files.items():
            tar.add(path, arcname=name, recursive=False)
    os.replace(tmp, archive)
    return len(files)


def backup(
    settings: Settings,
    dest: Path,
    *,
    signing_key: Path | None = None,
    keys_dest: Path | None = None,
    include_keys: bool = False,
) -> BackupResult:
    """Back the installation up into the folder ``dest`` (keys to ``keys_dest`` if given)."""
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    created = datetime.now(UTC).isoformat()
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="takedown-backup-") as tmp_text:
        tmp = Path(tmp_text)
        files = {}
        member = snapshot_database(settings.database_url, tmp)
        files[member] = tmp / member
        evidence = settings.evidence_dir
        if evidence.is_dir():
            for path in sorted(evidence.rglob("*")):
                if path.is_file():
                    files[f"evidence/{path.relative_to(evidence).as_posix()}"] = path
        keys = key_files(settings, signing_key)
        if include_keys:
            files.update(keys)
            notes.append("keys are inside the data archive: keep it as secret as the keys")
        count = _write_tar(dest / DATA_ARCHIVE, files, created)
    keys_path: Path | None = None
    if not include_keys and keys:
        if keys_dest is None:
            notes.append(
                "keys not backed up: pass a separate destination for them "
                f"({', '.join(sorted(keys))})"
            )
        else:
            if keys_dest.resolve() == dest.resolve():
                raise BackupError("keys must go to another destination than the data")
            keys_dest.mkdir(parents=True, exist_ok=True, mode=0o700)
            keys_path = keys_dest / KEYS_ARCHIVE
            _write_tar(keys_path, keys, created)
    return BackupResult(dest / DATA_ARCHIVE, keys_path, count, notes)


def _checked_members(archive: Path) -> tuple[tarfile.TarFile, dict[str, str]]:
    tar = tarfile.open(archive, mode="r")  # noqa: SIM115 - handed to the caller, who closes it
    try:
        handle = tar.extractfile(INDEX)
        if handle is None:
            raise BackupError(f"{archive} has no {INDEX}")
        index = json.loads(handle.read())["files"]
        for member in tar.getmembers():
            if member.name == INDEX:
                continue
            if member.name not in index or not member.isfile():
                raise BackupError(f"{archive}: unexpected member {member.name!r}")
            data = tar.extractfile(member)
            assert data is not None
            if _stream_sha256(data) != index[member.name]:
                raise BackupError(f"{archive}: {member.name} does not match its recorded hash")
        missing = set(index) - {m.name for m in tar.getmembers()}
        if missing:
            raise BackupError(f"{archive}: members missing: {sorted(missing)[:5]}")
    except (tarfile.TarError, ValueError, KeyError) as exc:
        tar.close()
        raise BackupError(f"{archive} is not a takedown backup: {exc}") from exc
    except BaseException:
        tar.close()
        raise
    return tar, index


def _extract(tar: tarfile.TarFile, name: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = tar.extractfile(name)
    assert data is not None
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(data, out)


def restore(
    src: Path,
    home: Path,
    *,
    keys: Path | None = None,
    signing_key: Path | None = None,
    database_url: str | None = None,
) -> list[str]:
    """Restore the backup folder (or data archive) ``src`` into the empty ``home``.

    ``keys`` is the keys archive (or its folder); its signing key goes to ``signing_key``.
    ``database_url`` names an empty PostgreSQL database for a PostgreSQL dump. Returns notes.
    """
    archive = src / DATA_ARCHIVE if src.is_dir() else src
    if home.exists() and any(home.iterdir()):
        raise BackupError(f"{home} is not empty: restore only into a new home")
    notes: list[str] = []
    tar, index = _checked_members(archive)
    key_tar: tarfile.TarFile | None = None
    key_index: dict[str, str] = {}
    if keys is not None:
        key_tar, key_index = _checked_members(keys / KEYS_ARCHIVE if keys.is_dir() else keys)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        for name in index:
            if name.startswith("evidence/"):
                _extract(tar, name, home / "evidence" / _safe(name.removeprefix("evidence/")))
            elif name == SQLITE_DB:
                _extract(tar, name, home / "takedown.db")
            elif name == PG_DUMP:
                _restore_pg(tar, name, database_url)
        for source, names in ((tar, index), (key_tar, key_index)):
            if source is None:
                continue
            for name in names:
                if name.startswith("home/"):
                    _extract(source, name, home / _safe(name.removeprefix("home/")))
                elif name.startswith("signing/"):
                    if signing_key is None:
                        notes.append(f"{name} not restored: no signing key path given")
                        continue
                    rest = name.removeprefix("signing/")
                    if rest == "signing.key":
                        _extract(source, name, signing_key)
                    else:
                        heads = signing_key.parent / f"{signing_key.name}.heads"
                        _extract(source, name, heads / _safe(rest.removeprefix("heads/")))
    finally:
        tar.close()
        if key_tar is not None:
            key_tar.close()
    return notes


def _safe(relative: str) -> Path:
    path = Path(relative)
    if path.is_absolute() or ".." in path.parts or not relative:
        raise BackupError(f"unsafe path in backup: {relative!r}")
    return path


def _restore_pg(tar: tarfile.TarFile, name: str, database_url: str | None) -> None:
    if database_url is None:
        raise BackupError("a PostgreSQL backup needs --database-url of an empty database")
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise BackupError("PostgreSQL restore needs pg_restore (postgresql-client)")
    with tempfile.TemporaryDirectory(prefix="takedown-restore-") as tmp:
        dump = Path(tmp) / "takedown.pgdump"
        _extract(tar, name, dump)
        done = subprocess.run(
            [pg_restore, "--no-owner", "--exit-on-error", f"--dbname={_pg_url(database_url)}",
             str(dump)],
            capture_output=True, text=True, timeout=3600, check=False,
        )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[:500]}")
