"""The local test web for browser and evidence tests (a Korean page, hostile pages) and the
helpers that share one browser on one event loop."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Awaitable, Iterator
from typing import TypeVar

from PIL import Image
from skimage import data as samples

from tests.sites.server import Reply, Request

T = TypeVar("T")

# Neutral made-up words and plain Korean sentences; the two glyph rows have the same length so
# that tofu boxes (one .notdef glyph per character) would render them identically.
KOREAN_PAGE = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>시험 게시판 플로바</title>
<style>body{{margin:0;font-size:16px}} .g{{position:absolute;left:10px;font-size:48px;
line-height:60px;height:60px;white-space:nowrap}}</style></head>
<body>
<div class="g" style="top:0">가나다라마바</div>
<div class="g" style="top:80px">하늘소나무강</div>
<div class="g" style="top:160px">&#xE000;&#xE001;&#xE002;&#xE003;&#xE004;&#xE005;</div>
<div style="position:absolute;top:260px;left:10px">
<h1>디지털 증거 수집 시험 페이지</h1>
<p>이 문장은 한국어 글꼴 확인용입니다. 키워드: 플로바 크란텔</p>
<img id="m" src="/img/sample.png" width="160">
<img src="{canary}/stolen.png">
<a href="/next.html">다음 글</a>
</div>
</body></html>
"""

TALL_PAGE = """<!doctype html><html><head><meta charset="utf-8"></head>
<body style="margin:0"><div style="height:50000px;background:linear-gradient(#fff,#888)">
<p>긴 페이지</p></div></body></html>"""

SLOW_PAGE = """<!doctype html><html><head><meta charset="utf-8"></head>
<body><p>끝나지 않는 페이지</p><img src="/hang.png"></body></html>"""

POPUP_PAGE = """<!doctype html><html><head><meta charset="utf-8"></head>
<body><p>팝업 페이지</p><script>
window.open('/next.html'); window.open('/next.html?b=1'); window.open('{canary}/popup');
alert('plovex');
</script></body></html>"""

BUSY_PAGE = """<!doctype html><html><head><meta charset="utf-8"></head>
<body><p>멈춘 페이지</p><script>setTimeout(() => { while (true) {} }, 200);</script></body></html>"""

NEXT_PAGE = '<!doctype html><html><body><p>next</p><div id="js"></div>\
<script>document.getElementById("js").textContent = "rendered by script";</script></body></html>'


def sample_png() -> bytes:
    """A benign scikit-image sample photograph (coffee), small."""
    image = Image.fromarray(samples.coffee()).resize((200, 133))  # type: ignore[no-untyped-call]
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class LocalWeb:
    """The routes of the local test web; ``release`` ends the page that never finishes."""

    def __init__(self, canary: str) -> None:
        self.canary = canary
        self.image = sample_png()
        self.release = threading.Event()

    def __call__(self, request: Request) -> Reply | None:
        html = "text/html; charset=utf-8"
        pages = {
            "/ko.html": KOREAN_PAGE.format(canary=self.canary),
            "/tall.html": TALL_PAGE,
            "/slow.html": SLOW_PAGE,
            "/popups.html": POPUP_PAGE.format(canary=self.canary),
            "/next.html": NEXT_PAGE,
            "/busy.html": BUSY_PAGE,
        }
        if request.path in pages:
            return Reply(200, pages[request.path].encode("utf-8"), html)
        if request.path == "/redirect":
            return Reply(302, b"", headers={"Location": f"{self.canary}/landing"})
        if request.path == "/img/sample.png":
            return Reply(200, self.image, "image/png")
        if request.path == "/hang.png":
            return Reply(200, content_type="image/png", chunks=self._hang(), length=100_000)
        return None

    def _hang(self) -> Iterator[bytes]:
        yield b"\x89PNG\r\n\x1a\n"
        self.release.wait(60)


class Loop:
    """One event loop for a whole module so one browser can serve every test."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def run(self, awaitable: Awaitable[T]) -> T:
        async def wrap() -> T:
            return await awaitable

        return self.loop.run_until_complete(wrap())

    def close(self) -> None:
        self.loop.close()


def fake_screenshot() -> bytes:
    """A generated PNG standing in for a screenshot in tests that need no browser."""
    image = Image.new("RGB", (320, 240), (250, 250, 250))
    image.paste((30, 30, 30), (20, 20, 300, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
