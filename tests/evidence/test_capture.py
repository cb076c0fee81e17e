"""Browser capture of the local test web into an evidence store: WARC, screenshot, text, media."""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from takedown.evidence.capture import CaptureError, CaptureOptions, capture_evidence
from takedown.evidence.record import Committed, EvidenceRecord
from takedown.evidence.store import FileStore
from takedown.evidence.vault import Vault, is_encrypted
from takedown.fetch.browser import Browser, CaptureLimits
from tests.evidence.site import LocalWeb, Loop
from tests.sites.server import ServerThread

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Captured:
    committed: Committed
    record: EvidenceRecord
    store: FileStore
    seconds: float


def _capture(
    loop: Loop,
    browser: Browser,
    store: FileStore,
    url: str,
    key: str,
    vault: Vault,
    limits: CaptureLimits | None = None,
    media_urls: tuple[str, ...] = (),
) -> Captured:
    started = time.monotonic()
    committed = loop.run(
        capture_evidence(
            browser,
            url,
            store=store,
            evidence_key=key,
            vault=vault,
            media_urls=media_urls,
            options=CaptureOptions(limits=limits or CaptureLimits(budget_seconds=20)),
        )
    )
    record = EvidenceRecord.open(store, key, vault=vault)
    return Captured(committed, record, store, time.monotonic() - started)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> FileStore:
    return FileStore(tmp_path_factory.mktemp("evidence"))


@pytest.fixture(scope="module")
def korean(
    loop: Loop, browser: Browser, web: tuple[ServerThread, LocalWeb], store: FileStore
) -> Captured:
    server, _ = web
    return _capture(
        loop,
        browser,
        store,
        server.url("/ko.html"),
        "ev-korean",
        Vault(bytes(range(32))),
        media_urls=(server.url("/img/sample.png"),),
    )


def _records(data: bytes) -> list[tuple[str, str, bytes]]:
    out = []
    for record in ArchiveIterator(io.BytesIO(data), check_digests="raise"):
        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
        out.append((record.rec_type, uri, record.content_stream().read()))
    return out


def test_warc_has_responses_for_page_and_media(
    korean: Captured, web: tuple[ServerThread, LocalWeb]
) -> None:
    server, site = web
    records = _records(korean.record.read("capture.warc.gz"))
    assert records[0][0] == "warcinfo"
    assert b"takedown" in records[0][2] and b"Chromium" in records[0][2]
    responses = {uri: body for kind, uri, body in records if kind == "response"}
    assert "디지털 증거 수집".encode() in responses[server.url("/ko.html")]
    assert responses[server.url("/img/sample.png")] == site.image
    requests = [uri for kind, uri, _ in records if kind == "request"]
    assert server.url("/ko.html") in requests


def test_guard_refuses_other_origins_and_records_it(korean: Captured, canary: ServerThread) -> None:
    blocked = korean.committed.manifest.capture["blocked"]
    assert [b["url"] for b in blocked] == [canary.url("/stolen.png")]
    assert "loopback" in blocked[0]["reason"]
    assert canary.requests() == []


def _ink(gray: np.ndarray) -> float:
    return float((gray < 128).mean())


def test_screenshot_shows_korean_glyphs_not_boxes(korean: Captured) -> None:
    shot = Image.open(io.BytesIO(korean.record.read("screenshot.png")))
    assert shot.format == "PNG" and shot.width == 1280
    gray = np.asarray(shot.convert("L"), dtype=np.int16)
    first, second, tofu = gray[0:60, 0:400], gray[80:140, 0:400], gray[160:220, 0:400]
    # Real glyphs have ink, differ from one another and from the .notdef rendering of
    # characters no font has; tofu would draw the same box for every character.
    assert _ink(first) > 0.02 and _ink(second) > 0.02
    assert np.abs(first - second).mean() > 5
    assert np.abs(first - tofu).mean() > 5
    assert np.abs(second - tofu).mean() > 5


def test_text_urls_and_media(korean: Captured, web: tuple[ServerThread, LocalWeb]) -> None:
    server, site = web
    text = korean.record.read("page.txt").decode()
    assert "이 문장은 한국어 글꼴 확인용입니다" in text and "시험 게시판" in text
    urls = json.loads(korean.record.read("urls.json"))
    assert server.url("/next.html") in urls["links"]
    assert server.url("/img/sample.png") in urls["media"]
    (media,) = korean.committed.manifest.of_kind("media")
    assert media.source_url == server.url("/img/sample.png")
    assert media.media_type == "image/png"
    assert korean.record.read(media.name) == site.image
    (thumb,) = korean.committed.manifest.of_kind("thumbnail")
    image = Image.open(io.BytesIO(korean.record.read(thumb.name)))
    assert image.mode == "L" and max(image.size) <= 160


def test_imagery_encrypted_at_rest(korean: Captured, web: tuple[ServerThread, LocalWeb]) -> None:
    _, site = web
    manifest = korean.committed.manifest
    for artifact in manifest.artifacts:
        stored = korean.store.read("ev-korean", artifact.name)
        assert artifact.encrypted == (artifact.kind in {"warc", "screenshot", "html", "media"})
        assert is_encrypted(stored) == artifact.encrypted
    path = korean.store.local_path("ev-korean", manifest.of_kind("media")[0].name)
    assert path is not None and site.image not in path.read_bytes()


def test_manifest_times_and_custody(korean: Captured) -> None:
    manifest = korean.committed.manifest
    assert manifest.captured_at_local.utcoffset() is not None
    assert manifest.captured_at_local.utcoffset().total_seconds() == 9 * 3600  # type: ignore[union-attr]
    assert manifest.environment["browser"].startswith("Chromium ")
    assert korean.committed.entry.id == "ev-korean#1"
    assert korean.record.custody.verify() == []
    assert korean.seconds < 20


def test_page_that_never_finishes_is_captured_at_the_deadline(
    loop: Loop, browser: Browser, web: tuple[ServerThread, LocalWeb], store: FileStore
) -> None:
    server, _ = web
    limits = CaptureLimits(budget_seconds=5, settle_seconds=0.5)
    captured = _capture(
        loop, browser, store, server.url("/slow.html"), "ev-slow", Vault(bytes(32)), limits
    )
    summary = captured.committed.manifest.capture
    assert summary["timed_out"] is True
    assert any("did not finish loading" in p for p in summary["problems"])
    assert captured.seconds < 5 + 15
    assert "끝나지 않는 페이지" in captured.record.read("page.txt").decode()
    records = _records(captured.record.read("capture.warc.gz"))
    assert any(kind == "response" and uri.endswith("/slow.html") for kind, uri, _ in records)


def test_tall_page_screenshot_is_capped(
    loop: Loop, browser: Browser, web: tuple[ServerThread, LocalWeb], store: FileStore
) -> None:
    server, _ = web
    limits = CaptureLimits(budget_seconds=20, max_screenshot_height=4000)
    captured = _capture(
        loop, browser, store, server.url("/tall.html"), "ev-tall", Vault(bytes(32)), limits
    )
    info = captured.committed.manifest.capture["screenshot"]
    assert info["capped"] is True and info["height"] == 4000 and info["page_height"] >= 50_000
    shot = Image.open(io.BytesIO(captured.record.read("screenshot.png")))
    assert shot.size == (1280, 4000)
    assert any("capped" in p for p in captured.committed.manifest.capture["problems"])


def test_popups_are_closed_and_recorded(
    loop: Loop,
    browser: Browser,
    web: tuple[ServerThread, LocalWeb],
    store: FileStore,
    canary: ServerThread,
) -> None:
    server, _ = web
    captured = _capture(
        loop, browser, store, server.url("/popups.html"), "ev-popups", Vault(bytes(32))
    )
    summary = captured.committed.manifest.capture
    assert len(summary["popups"]) == 3
    assert summary["dialogs"] == ["alert: plovex"]
    assert canary.url("/popup") in [b["url"] for b in summary["blocked"]]
    assert canary.requests() == []
    assert len(browser._browser.contexts) == 0  # type: ignore[union-attr]


def test_page_whose_script_hangs_is_captured_without_screenshot(
    loop: Loop, browser: Browser, web: tuple[ServerThread, LocalWeb], store: FileStore
) -> None:
    server, _ = web
    limits = CaptureLimits(budget_seconds=4, settle_seconds=0.5)
    captured = _capture(
        loop, browser, store, server.url("/busy.html"), "ev-busy", Vault(bytes(32)), limits
    )
    manifest = captured.committed.manifest
    assert any("did not respond" in p for p in manifest.capture["problems"])
    assert not manifest.of_kind("screenshot")
    assert "멈춘 페이지" in captured.record.read("page.txt").decode()
    assert captured.seconds < 4 + 15
    # The shared browser is still usable afterwards.
    page = loop.run(browser.render(server.url("/next.html"), timeout=10))
    assert "rendered by script" in page.html


def test_unreachable_page_fails_with_reason(loop: Loop, browser: Browser) -> None:
    with pytest.raises(CaptureError) as failure:
        loop.run(
            capture_evidence(
                browser,
                "http://127.0.0.1:9/none",
                store=FileStore("/nonexistent-never-written"),
                evidence_key="ev-none",
                vault=None,
            )
        )
    assert "loopback" in failure.value.reason


def test_warc_names_the_address_really_connected_to(
    korean: Captured, web: tuple[ServerThread, LocalWeb], browser: Browser
) -> None:
    server, _ = web
    page_url = server.url("/ko.html")
    warc = korean.record.read("capture.warc.gz")
    response = next(
        r
        for r in ArchiveIterator(io.BytesIO(warc))
        if r.rec_type == "response" and r.rec_headers.get_header("WARC-Target-URI") == page_url
    )
    assert response.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    connected = response.rec_headers.get_header("X-Takedown-Connected-To")
    assert connected == f"127.0.0.1:{server.port}"
    proxy = browser._proxy
    assert proxy is not None and not proxy.url.endswith(f":{server.port}")
    metadata = [
        json.loads(r.content_stream().read())
        for r in ArchiveIterator(io.BytesIO(warc))
        if r.rec_type == "metadata" and r.rec_headers.get_header("WARC-Target-URI") == page_url
    ]
    assert metadata and metadata[0]["connected_port"] == server.port
    assert metadata[0]["dns_answers"] == ["127.0.0.1"]
    network = korean.record.manifest.capture["network"]
    assert {"origin": server.origin, "connected_ip": "127.0.0.1"}.items() <= network[0].items()
    assert network[0]["connected_port"] == server.port
