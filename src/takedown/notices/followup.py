"""Follow-up of a sent request: has the content been removed, and what to do next if not.

:func:`check_removed` re-fetches the page and its media through the fetcher. :func:`next_step`
is pure: it says when to remind the same recipients and whom to escalate to afterwards.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import unescape
from typing import Literal
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from takedown.fetch.http import Fetcher, FetchError
from takedown.notices.compose import EscalationRole
from takedown.notices.contacts.model import Contact, ContactSet

GONE_STATUSES = frozenset({404, 410})
PDQ_MATCH_DISTANCE = 31

# Phrases of removed-content pages in the supported languages (lower case).
REMOVED_PHRASES: tuple[str, ...] = (
    "has been removed",
    "has been deleted",
    "was removed",
    "was deleted",
    "no longer available",
    "content removed",
    "page not found",
    "does not exist",
    "removed for violating",
    "삭제되었습니다",
    "삭제된 게시물",
    "존재하지 않는",
    "찾을 수 없습니다",
    "削除されました",
    "削除済み",
    "存在しません",
    "見つかりません",
    "已被删除",
    "已删除",
    "已被移除",
    "不存在",
    "找不到",
    "удален",
    "удалён",
    "не найден",
    "не существует",
    "больше недоступ",
    "đã bị xóa",
    "đã bị gỡ",
    "không tồn tại",
    "không tìm thấy",
    "ha sido eliminad",
    "ha sido retirad",
    "no existe",
    "no encontrad",
    "ya no está disponible",
)

PdqHasher = Callable[[bytes], str | None]


@dataclass(frozen=True)
class MediaHash:
    sha256: str
    pdq: str | None = None


@dataclass(frozen=True)
class MediaCheck:
    url: str
    removed: bool
    reason: str
    status: int | None = None


@dataclass(frozen=True)
class RecheckResult:
    """``removed`` is the verdict; ``conclusive`` is False when the site could not be reached
    or answered with an error (then ``removed`` is False and the check should be repeated)."""

    removed: bool
    reason: str
    status: int | None
    conclusive: bool = True
    media: tuple[MediaCheck, ...] = ()


def default_pdq(content: bytes) -> str | None:
    """PDQ hex of an image, or ``None`` when it does not decode (video, broken file)."""
    try:
        import numpy as np
        import pdqhash
        from PIL import Image

        with Image.open(io.BytesIO(content)) as img:
            img.draft("RGB", (512, 512))
            rgb = img.convert("RGB")
            rgb.thumbnail((512, 512))
            bits, _quality = pdqhash.compute(np.asarray(rgb))
    except Exception:  # any undecodable input simply has no PDQ
        return None
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value:064x}"


def pdq_distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def removal_phrase(text: str) -> str | None:
    lowered = text.lower()
    return next((p for p in REMOVED_PHRASES if p in lowered), None)


def linked_urls(html: str, base_url: str) -> set[str]:
    """Every URL the page references in src, href, srcset, poster or data-src attributes."""
    tree = LexborHTMLParser(html)
    out: set[str] = set()
    for node in tree.css("[src], [href], [srcset], [poster], [data-src]"):
        attrs = node.attributes
        for name in ("src", "href", "poster", "data-src"):
            value = attrs.get(name)
            if value:
                out.add(urljoin(base_url, unescape(value.strip())))
        srcset = attrs.get("srcset")
        if srcset:
            for candidate in srcset.split(","):
                url = candidate.strip().split(" ", 1)[0]
                if url:
                    out.add(urljoin(base_url, url))
    return {u.split("#", 1)[0] for u in out}


def _same_resource(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.netloc.lower(), pa.path, pa.query) == (pb.netloc.lower(), pb.path, pb.query)


async def check_media(
    fetcher: Fetcher, url: str, expected: MediaHash | None, *, pdq_hasher: PdqHasher = default_pdq
) -> MediaCheck:
    """Is the file still served with the same bytes (SHA-256) or the same picture (PDQ)?"""
    try:
        response = await fetcher.get(url, kind="media")
    except FetchError as exc:
        return MediaCheck(url, False, f"unreachable: {exc.reason}", None)
    if response.status in GONE_STATUSES:
        return MediaCheck(url, True, f"file answers {response.status}", response.status)
    if not response.ok:
        return MediaCheck(url, False, f"file answers {response.status}", response.status)
    if expected is None:
        return MediaCheck(url, False, "file still served", response.status)
    if hashlib.sha256(response.content).hexdigest() == expected.sha256.lower():
        return MediaCheck(url, False, "file still served unchanged (SHA-256)", response.status)
    if expected.pdq:
        served = pdq_hasher(response.content)
        if served is not None and pdq_distance(served, expected.pdq) <= PDQ_MATCH_DISTANCE:
            return MediaCheck(url, False, "file still served, re-encoded (PDQ)", response.status)
    return MediaCheck(url, True, "file replaced: SHA-256 and PDQ no longer match", response.status)


async def check_removed(
    fetcher: Fetcher,
    page_url: str,
    media_urls: Sequence[str],
    media_hashes: Mapping[str, MediaHash],
    *,
    media_must_be_gone: bool = True,
    pdq_hasher: PdqHasher = default_pdq,
) -> RecheckResult:
    """Re-check one reported page and its media.

    Removed when the page answers 404/410; when it no longer links the media (or, without
    media, shows a removed-content phrase); or when every file answers 404/410 or has other
    bytes whose PDQ no longer matches. With ``media_must_be_gone`` (the default) a page that
    dropped its links does not count while a file is still served unchanged at its URL.
    """
    try:
        page = await fetcher.get(page_url, kind="page")
    except FetchError as exc:
        return RecheckResult(False, f"page unreachable: {exc.reason}", None, conclusive=False)
    if page.status in GONE_STATUSES:
        return RecheckResult(True, f"page answers {page.status}", page.status)
    if not page.ok:
        return RecheckResult(False, f"page answers {page.status}", page.status, conclusive=False)

    text = page.text() if "html" in page.media_type or "text" in page.media_type else ""
    phrase = removal_phrase(LexborHTMLParser(text).text(separator=" ")) if text else None
    if not media_urls:
        if phrase:
            return RecheckResult(True, f"removed-content page ({phrase!r})", page.status)
        return RecheckResult(False, "page still online", page.status)

    links = linked_urls(text, page.final_url) if text else set()
    unlinked = [u for u in media_urls if not any(_same_resource(u, link) for link in links)]
    checks = tuple(
        [
            await check_media(fetcher, u, media_hashes.get(u), pdq_hasher=pdq_hasher)
            for u in media_urls
        ]
    )
    if all(c.removed for c in checks):
        return RecheckResult(True, "every file is gone or replaced", page.status, media=checks)
    if len(unlinked) == len(media_urls):
        still = [c for c in checks if not c.removed]
        if not media_must_be_gone or all(c.status is None for c in still):
            why = f" ({phrase!r})" if phrase else ""
            return RecheckResult(
                True, f"page no longer links the media{why}", page.status, media=checks
            )
        return RecheckResult(
            False,
            "page no longer links the media, but a file is still served at its URL",
            page.status,
            media=checks,
        )
    return RecheckResult(False, "content still online", page.status, media=checks)


# --- what to do next ------------------------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    """``wait`` until ``at``; ``remind`` the same recipients (a threaded reminder); ``escalate``
    to ``contact`` (with ``role`` for :func:`~takedown.notices.compose.compose_escalation`, or
    ``None`` for another of the site's own addresses); ``exhausted`` when nobody is left."""

    action: Literal["wait", "remind", "escalate", "exhausted"]
    at: datetime
    contact: Contact | None = None
    role: EscalationRole | None = None


def renotice_due(last_sent_at: datetime, now: datetime, renotice_after: timedelta) -> bool:
    return now >= last_sent_at + renotice_after


def next_escalation(
    contacts: ContactSet, tried: Collection[str]
) -> tuple[Contact, EscalationRole | None] | None:
    """The next address not yet written to: the site's (site, security.txt), then the hosting
    network's, then the registrar's."""
    tried_lower = {t.lower() for t in tried}
    order: tuple[tuple[str, EscalationRole | None], ...] = (
        ("site", None),
        ("security.txt", None),
        ("rdap-network", "network"),
        ("rdap-registrar", "registrar"),
    )
    for source, role in order:
        for contact in contacts.contacts:
            if contact.source == source and contact.address.lower() not in tried_lower:
                return contact, role
    return None


def next_step(
    *,
    last_sent_at: datetime,
    now: datetime,
    renotice_after: timedelta,
    reminders_sent: int,
    contacts: ContactSet,
    tried: Collection[str],
    max_reminders: int = 1,
) -> NextStep:
    """After ``renotice_after`` without removal: remind up to ``max_reminders`` times, then
    escalate one contact further each interval."""
    due = last_sent_at + renotice_after
    if now < due:
        return NextStep("wait", due)
    if reminders_sent < max_reminders:
        return NextStep("remind", now)
    following = next_escalation(contacts, tried)
    if following is None:
        return NextStep("exhausted", now)
    contact, role = following
    return NextStep("escalate", now, contact, role)
