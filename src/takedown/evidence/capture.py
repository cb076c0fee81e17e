"""Capture one page as evidence: browser → WARC, screenshot, HTML, text, URLs, matched media,
blurred thumbnails, a manifest and its first custody entry."""

from __future__ import annotations

import io
import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from takedown.evidence.derivatives import (
    DerivativeError,
    blurred_thumbnail,
    placeholder_thumbnail,
    sniff_media_type,
)
from takedown.evidence.manifest import Artifact, Manifest, capture_environment, sha256_hex
from takedown.evidence.pagetext import page_urls, visible_text
from takedown.evidence.record import Committed, EvidenceRecord, TimestampAuthority
from takedown.evidence.signing import Signer
from takedown.evidence.store import EvidenceStore
from takedown.evidence.vault import Vault
from takedown.evidence.warc import network_facts, random_record_id, write_warc
from takedown.fetch.browser import Browser, BrowserError, CaptureLimits, PageCapture

WARC_NAME = "capture.warc.gz"


class CaptureError(Exception):
    """The page could not be captured at all; ``reason`` is what to record on the detection."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"capture of {url} failed: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class CaptureOptions:
    timezone: str = "Asia/Seoul"
    actor: str = "capture-worker"
    limits: CaptureLimits = field(default_factory=CaptureLimits)
    thumbnail_side: int = 160
    # A page with only keyword hits: captured in the browser's spare pages (see Browser.capture).
    background: bool = False


def new_evidence_key(now: datetime | None = None) -> str:
    """A sortable, unguessable key such as ``ev-20261121T075506Z-3f9c2a1b``."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return f"ev-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


async def capture_evidence(
    browser: Browser,
    url: str,
    *,
    store: EvidenceStore,
    evidence_key: str,
    vault: Vault | None,
    media: Mapping[str, bytes] | None = None,
    media_urls: Iterable[str] = (),
    options: CaptureOptions | None = None,
    tsa: TimestampAuthority | None = None,
    signer: Signer | None = None,
) -> Committed:
    """Capture ``url`` into ``store`` under ``evidence_key`` and certify it in the custody log.

    ``media`` are the matched files the caller already holds (URL → bytes); ``media_urls`` are
    matched files to take from the page's recorded responses. Raises :class:`CaptureError`.
    """
    options = options or CaptureOptions()
    page = await load_page(browser, url, options)
    return store_capture(
        page,
        store=store,
        evidence_key=evidence_key,
        vault=vault,
        media=media,
        media_urls=media_urls,
        options=options,
        tsa=tsa,
        signer=signer,
    )


async def load_page(browser: Browser, url: str, options: CaptureOptions) -> PageCapture:
    """The browser's part of a capture (on the event loop); :func:`store_capture` is the CPU
    part (WARC, screenshot, thumbnails, encryption, custody), which a worker thread runs so the
    loop's other fetches and captures never wait for it. Raises :class:`CaptureError`."""
    try:
        return await browser.capture(url, limits=options.limits, background=options.background)
    except BrowserError as exc:
        raise CaptureError(url, exc.reason) from exc
    except TimeoutError as exc:
        raise CaptureError(url, "capture exceeded its time budget") from exc


def network_summary(page: PageCapture) -> list[dict[str, Any]]:
    """One entry per origin: the address connected to, DNS answers, proxy, TLS certificate."""
    seen: dict[str, dict[str, Any]] = {}
    for exchange in page.exchanges:
        facts = network_facts(exchange)
        if not facts:
            continue
        parts = urlsplit(exchange.url)
        origin = f"{parts.scheme}://{parts.netloc}"
        facts = {"origin": origin, **{k: v for k, v in facts.items() if k != "url"}}
        if origin not in seen or (
            facts.get("tls_certificate") and not seen[origin].get("tls_certificate")
        ):
            seen[origin] = facts
    return list(seen.values())


def capture_summary(page: PageCapture) -> dict[str, Any]:
    """The facts of the capture itself, kept in the manifest."""
    summary = _summary(page)
    network = network_summary(page)
    if network:
        summary["network"] = network
    return summary


def _summary(page: PageCapture) -> dict[str, Any]:
    return {
        "status": page.status,
        "timed_out": page.timed_out,
        "problems": list(page.problems),
        "blocked": [asdict(b) for b in page.blocked],
        "popups": list(page.popups),
        "dialogs": list(page.dialogs),
        "screenshot": asdict(page.screenshot_info) if page.screenshot_info else None,
        "requests": len(page.exchanges),
        "started_at": page.started_at.astimezone(UTC).isoformat(),
        "finished_at": page.finished_at.astimezone(UTC).isoformat(),
    }


def store_capture(
    page: PageCapture,
    *,
    store: EvidenceStore,
    evidence_key: str,
    vault: Vault | None,
    media: Mapping[str, bytes] | None = None,
    media_urls: Iterable[str] = (),
    options: CaptureOptions | None = None,
    tsa: TimestampAuthority | None = None,
    record_id: Callable[[], str] = random_record_id,
    signer: Signer | None = None,
) -> Committed:
    """Write a browser capture's artifacts, then commit the manifest (custody entry 1)."""
    options = options or CaptureOptions()
    environment = capture_environment(
        browser=f"Chromium {page.browser_version}", user_agent=page.user_agent
    )
    manifest = Manifest(
        evidence_key=evidence_key,
        page_url=page.url,
        final_url=page.final_url,
        captured_at=page.started_at,
        timezone=options.timezone,
        environment=environment,
        capture=capture_summary(page),
    )
    record = EvidenceRecord(store, manifest, vault=vault, signer=signer)
    warc = io.BytesIO()
    write_warc(
        warc,
        page.exchanges,
        info={
            "software": environment["software"],
            "format": "WARC File Format 1.1",
            "isPartOf": evidence_key,
            "description": f"Browser capture of {page.url}",
            "browser": environment["browser"],
            "http-header-user-agent": page.user_agent,
            "operating-system": environment["platform"],
            "hostname": environment["hostname"],
        },
        created=page.started_at,
        filename=WARC_NAME,
        record_id=record_id,
    )
    record.add(WARC_NAME, "warc", "application/warc", warc.getvalue())
    if page.screenshot is not None:
        record.add("screenshot.png", "screenshot", "image/png", page.screenshot)
    record.add("page.html", "html", "text/html; charset=utf-8", page.html.encode("utf-8"))
    record.add("page.txt", "text", "text/plain; charset=utf-8", visible_text(page.html).encode())
    found = page_urls(page.html, page.final_url)
    urls = {
        "page_url": page.url,
        "final_url": page.final_url,
        "links": list(found.links),
        "media": list(found.media),
        "requests": [e.url for e in page.exchanges],
        "blocked": [b.url for b in page.blocked],
        "popups": list(page.popups),
    }
    record.add(
        "urls.json",
        "urls",
        "application/json",
        json.dumps(urls, ensure_ascii=False, indent=2).encode("utf-8"),
    )
    for source_url, data in _matched_media(page, media or {}, media_urls):
        _add_media(record, source_url, data, options.thumbnail_side)
    return record.commit(action="captured", actor=options.actor, tsa=tsa)


def _matched_media(
    page: PageCapture, media: Mapping[str, bytes], media_urls: Iterable[str]
) -> list[tuple[str, bytes]]:
    chosen = dict(media)
    bodies = {e.url: e.body for e in page.exchanges if e.body and not e.truncated}
    for url in media_urls:
        if url not in chosen and url in bodies:
            chosen[url] = bodies[url]
    return sorted(chosen.items())


def _add_media(record: EvidenceRecord, source_url: str, data: bytes, side: int) -> Artifact:
    media_type, ext = sniff_media_type(data)
    digest = sha256_hex(data)
    name = f"media/{digest[:16]}.{ext}"
    if any(a.name == name for a in record.manifest.artifacts):
        return record.manifest.artifact(name)
    artifact = record.add(name, "media", media_type, data, source_url=source_url)
    try:
        thumb = blurred_thumbnail(data, max_side=side)
    except DerivativeError:
        thumb = placeholder_thumbnail(side)
    record.add(f"thumbs/{digest[:16]}.png", "thumbnail", "image/png", thumb, source_url=source_url)
    return artifact
