"""Evidence items built without a browser: a hand-made PageCapture of a Korean page."""

from __future__ import annotations

from datetime import UTC, datetime

from takedown.evidence.reports.content import MatchSegment
from takedown.fetch.browser import Exchange, PageCapture, ScreenshotInfo
from tests.evidence.site import fake_screenshot, sample_png

PAGE_URL = "http://site.invalid/board/42"
MEDIA_URL = "http://site.invalid/files/a.png"
WHEN = datetime(2026, 3, 1, 1, 2, 3, 456789, tzinfo=UTC)
# A video detection's matching stretches: frames and sound of one excerpt.
SEGMENTS = (
    MatchSegment("vpdq", 12.0, 20.0, 4.0, 12.0),
    MatchSegment("audio", 12.4, 19.8, 4.4, 11.8),
)
HTML = """<html lang="ko"><head><title>시험 게시판</title></head><body>
<p>플로바 크란텔 게시물입니다.</p><img src="/files/a.png"><a href="/board/43">다음</a>
<script>var hidden = "never in text";</script></body></html>"""


def page_capture(image: bytes | None = None) -> PageCapture:
    image = image if image is not None else sample_png()
    exchanges = (
        Exchange(
            url=PAGE_URL,
            method="GET",
            date=WHEN,
            resource_type="document",
            request_headers=(("User-Agent", "takedown-test"), ("Accept", "text/html")),
            request_body=None,
            status=200,
            status_text="OK",
            response_headers=(
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Encoding", "gzip"),
                ("Content-Length", "99"),
            ),
            body=HTML.encode(),
            ip_address="192.0.2.10",
        ),
        Exchange(
            url=MEDIA_URL,
            method="GET",
            date=WHEN,
            resource_type="image",
            request_headers=(("Referer", PAGE_URL),),
            request_body=None,
            status=200,
            status_text="OK",
            response_headers=(("Content-Type", "image/png"),),
            body=image,
        ),
        Exchange(
            url="http://site.invalid/never",
            method="GET",
            date=WHEN,
            resource_type="image",
            request_headers=(),
            request_body=None,
            error="net::ERR_CONNECTION_RESET",
        ),
    )
    return PageCapture(
        url=PAGE_URL,
        final_url=PAGE_URL,
        status=200,
        html=HTML,
        screenshot=fake_screenshot(),
        screenshot_info=ScreenshotInfo(320, 240, 240, capped=False),
        exchanges=exchanges,
        blocked=(),
        popups=(),
        dialogs=(),
        timed_out=False,
        problems=(),
        started_at=WHEN,
        finished_at=WHEN,
        browser_version="156.0",
        user_agent="takedown-test",
    )
