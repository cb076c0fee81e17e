"""Reading the center's mailbox: IMAP (standard library ``imaplib``) or a local Maildir.

``TAKEDOWN_IMAP_URL`` is ``imaps://user:pass@host[:port]/INBOX`` (implicit TLS), ``imap://…``
(plain, or STARTTLS when offered; for a loopback server), ``?verify=0`` for a private certificate,
or ``maildir:///path``. Reading is by UID above a cursor (UIDVALIDITY checked), read-only
(``EXAMINE``): flags are never changed, so an officer's own mail client sees the mailbox as it
was. IDLE (RFC 2177) is used where the server offers it; otherwise the caller polls. Nothing here
ever sends mail.
"""

from __future__ import annotations

import contextlib
import imaplib
import mailbox
import re
import select
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from takedown.notices.mailbox.parse import MAX_RAW_BYTES

MAX_PER_READ = 200  # messages taken per read; the rest wait for the next one


class MailboxError(Exception):
    """The mailbox could not be read (said to the administrator on the cursor)."""


@dataclass(frozen=True)
class Fetched:
    uid: int
    raw: bytes


@dataclass(frozen=True)
class ImapConfig:
    scheme: str  # imap | imaps | maildir
    host: str
    port: int
    username: str
    password: str
    folder: str
    verify_tls: bool = True
    timeout: float = 30.0
    path: Path | None = None

    @classmethod
    def from_url(cls, url: str) -> ImapConfig:
        parts = urlsplit(url)
        if parts.scheme == "maildir":
            return cls("maildir", "", 0, "", "", "", path=Path(unquote(parts.path)))
        if parts.scheme not in ("imap", "imaps"):
            raise ValueError(
                f"imap_url must start with imaps://, imap:// or maildir://, not {parts.scheme!r}"
            )
        if not parts.hostname:
            raise ValueError("imap_url has no host")
        try:
            port = parts.port or (993 if parts.scheme == "imaps" else 143)
        except ValueError as exc:
            raise ValueError(f"imap_url has a bad port: {exc}") from None
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=port,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
            verify_tls=query.get("verify") not in ("0", "false", "no"),
        )

    @property
    def label(self) -> str:
        """The mailbox's name without its secret (the cursor's key, shown to admins)."""
        if self.scheme == "maildir":
            return f"maildir:{self.path}"
        return f"{self.scheme}://{self.username}@{self.host}:{self.port}/{self.folder}"


class MailSource(Protocol):
    """What the mailbox stage reads from."""

    def __enter__(self) -> MailSource: ...

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    @property
    def uidvalidity(self) -> int: ...

    @property
    def can_idle(self) -> bool: ...

    def fetch_after(self, last_uid: int, limit: int = MAX_PER_READ) -> list[Fetched]: ...

    def idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for new mail; True when the server said so."""
        ...


_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


class ImapSource:
    """One read-only IMAP session on one folder."""

    def __init__(self, config: ImapConfig) -> None:
        self.config = config
        self._imap: imaplib.IMAP4 | None = None
        self._uidvalidity = 0
        self._capabilities: tuple[str, ...] = ()

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.config.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def __enter__(self) -> ImapSource:
        c = self.config
        try:
            imap: imaplib.IMAP4
            if c.scheme == "imaps":
                imap = imaplib.IMAP4_SSL(
                    c.host, c.port, ssl_context=self._context(), timeout=c.timeout
                )
            else:
                imap = imaplib.IMAP4(c.host, c.port, timeout=c.timeout)
                if "STARTTLS" in imap.capabilities:
                    imap.starttls(ssl_context=self._context())
            imap.login(c.username, c.password)
            typ, data = imap.select(_quote(c.folder), readonly=True)
            if typ != "OK":
                raise MailboxError(f"cannot open folder {c.folder!r}: {data!r}")
            code = imap.response("UIDVALIDITY")[1]
            value = code[0] if code and code[0] is not None else b"0"
            self._uidvalidity = int(value)
            self._capabilities = tuple(str(x).upper() for x in imap.capabilities)
            self._imap = imap
        except (imaplib.IMAP4.error, OSError, ssl.SSLError) as exc:
            raise MailboxError(f"cannot read {c.label}: {exc}") from exc
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._imap is not None:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                self._imap.logout()
            self._imap = None

    @property
    def uidvalidity(self) -> int:
        return self._uidvalidity

    @property
    def can_idle(self) -> bool:
        return "IDLE" in self._capabilities

    def _session(self) -> imaplib.IMAP4:
        if self._imap is None:
            raise MailboxError("the mailbox is not open")
        return self._imap

    def fetch_after(self, last_uid: int, limit: int = MAX_PER_READ) -> list[Fetched]:
        imap = self._session()
        try:
            typ, data = imap.uid("SEARCH", f"UID {last_uid + 1}:*")
            if typ != "OK":
                raise MailboxError(f"UID SEARCH failed: {data!r}")
            uids = sorted(
                int(u) for chunk in data if chunk for u in chunk.split() if int(u) > last_uid
            )[:limit]
            out: list[Fetched] = []
            for uid in uids:
                typ, size_data = imap.uid("FETCH", str(uid), "(RFC822.SIZE)")
                size = _size(size_data)
                if size is not None and size > MAX_RAW_BYTES:
                    # A mail bomb: only its first bytes are read (enough for headers and hash).
                    typ, body = imap.uid("FETCH", str(uid), f"(BODY.PEEK[]<0.{MAX_RAW_BYTES}>)")
                else:
                    typ, body = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
                raw = _literal(body)
                if typ == "OK" and raw is not None:
                    out.append(Fetched(uid, raw))
            return out
        except (imaplib.IMAP4.error, OSError) as exc:
            raise MailboxError(f"reading {self.config.label} failed: {exc}") from exc

    def idle(self, timeout: float) -> bool:
        """RFC 2177 IDLE, by hand (``imaplib`` has no IDLE before Python 3.14)."""
        imap = self._session()
        if not self.can_idle or timeout <= 0:
            return False
        tag = imap._new_tag()
        try:
            imap.send(tag + b" IDLE\r\n")
            line = imap.readline()
            if not line.startswith(b"+"):
                return False
            got = False
            deadline = time.monotonic() + timeout
            sock = imap.socket()
            while not got:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                pending = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
                if not pending and not select.select([sock], [], [], min(left, 1.0))[0]:
                    continue
                line = imap.readline()
                if not line:
                    raise MailboxError("the server closed the connection during IDLE")
                got = b"EXISTS" in line or b"RECENT" in line
            imap.send(b"DONE\r\n")
            while True:  # read up to the tagged completion of IDLE
                line = imap.readline()
                if not line or line.startswith(tag):
                    break
            return got
        except OSError as exc:
            raise MailboxError(f"IDLE on {self.config.label} failed: {exc}") from exc


class MaildirSource:
    """A local Maildir (the demo, or a mail system that delivers to disk). UIDs are the
    order of arrival, kept stable by reading keys sorted by their delivery name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._box: mailbox.Maildir | None = None

    def __enter__(self) -> MaildirSource:
        try:
            self._box = mailbox.Maildir(self.path, create=True)
        except OSError as exc:
            raise MailboxError(f"cannot open maildir {self.path}: {exc}") from exc
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._box = None

    @property
    def uidvalidity(self) -> int:
        return 1

    @property
    def can_idle(self) -> bool:
        return False

    def _keys(self) -> Iterator[str]:
        assert self._box is not None
        yield from sorted(self._box.keys())

    def fetch_after(self, last_uid: int, limit: int = MAX_PER_READ) -> list[Fetched]:
        if self._box is None:
            raise MailboxError("the mailbox is not open")
        out: list[Fetched] = []
        for index, key in enumerate(self._keys(), start=1):
            if index <= last_uid:
                continue
            with self._box.get_file(key) as fh:
                out.append(Fetched(index, fh.read(MAX_RAW_BYTES + 1)))
            if len(out) >= limit:
                break
        return out

    def idle(self, timeout: float) -> bool:
        return False


def open_source(url: str) -> ImapSource | MaildirSource:
    config = ImapConfig.from_url(url)
    if config.scheme == "maildir":
        assert config.path is not None
        return MaildirSource(config.path)
    return ImapSource(config)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _size(data: list[object]) -> int | None:
    for item in data:
        text = item if isinstance(item, bytes) else b""
        found = re.search(rb"RFC822\.SIZE (\d+)", text)
        if found:
            return int(found.group(1))
    return None


def _literal(data: list[object]) -> bytes | None:
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None
