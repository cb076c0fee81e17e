"""The site's own abuse address: extraction and a crawl of likely pages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher
from takedown.notices.contacts.model import Contact
from takedown.notices.contacts.site import (
    candidate_pages,
    extract_addresses,
    find_site_contacts,
    score_address,
)
from tests.notices.conftest import Site


def test_scores_prefer_abuse_desks() -> None:
    assert (
        score_address("abuse@x.test") > score_address("legal@x.test") > score_address("info@x.test")
    )
    assert score_address("noreply@x.test") == 0
    assert score_address("kim@x.test", context="DMCA / report abuse") >= 80


def test_extract_mailto_and_text() -> None:
    html = """<html><body>
      <a href="MAILTO:Info@Site.test?subject=hi">write us</a>
      <a href="mailto:dmca@site.test,legal@site.test">DMCA notices</a>
      <p>Abuse reports: abuse@site.test.</p>
      <a href="mailto:not-an-address">broken</a>
    </body></html>"""
    found = extract_addresses(html, "https://site.test/contact")
    assert [f.address for f in found][:2] == ["abuse@site.test", "dmca@site.test"]
    assert {f.address for f in found} == {
        "abuse@site.test",
        "dmca@site.test",
        "legal@site.test",
        "info@site.test",
    }


def test_candidate_pages_multilingual_same_site_only() -> None:
    html = """<html><body>
      <a href="/board/1">post</a>
      <footer><a href="/help/신고">신고하기</a> <a href="/info">お問い合わせ</a>
      <a href="https://other.test/contact">elsewhere</a> <a href="/dmca">DMCA</a></footer>
    </body></html>"""
    pages = candidate_pages(html, "https://site.test/board/1")
    assert "https://site.test/dmca" in pages
    assert (
        "https://site.test/help/%EC%8B%A0%EA%B3%A0" in pages
        or "https://site.test/help/신고" in pages
    )
    assert "https://site.test/info" in pages
    assert all(p.startswith("https://site.test/") for p in pages)
    assert "https://site.test/board/1" not in pages


def _crawl(site: Site, path: str) -> tuple[list[Contact], list[str]]:
    async def main() -> tuple[list[Contact], list[str]]:
        async with Fetcher(guard=UrlGuard(allow=[site.origin])) as fetcher:
            return await find_site_contacts(fetcher, site.url(path))

    return asyncio.run(main())


def test_crawl_follows_footer_to_report_page(make_site: Callable[[], Site]) -> None:
    site = make_site()
    site.html(
        "/gallery/7",
        '<html><body><img src="/m/7.jpg"><footer><a href="/about">About</a> <a href="/report">Report content</a></footer></body></html>',
    )
    site.html("/", "<html><body>home <a href='mailto:hello@site.test'>hello</a></body></html>")
    site.html(
        "/report",
        "<html><body>Send reports to <a href='mailto:report@site.test'>us</a></body></html>",
    )
    site.html("/about", "<html><body>about us</body></html>")
    contacts, errors = _crawl(site, "/gallery/7")
    assert contacts[0] == Contact("report@site.test", "site", site.url("/report"))
    assert contacts[-1].address == "hello@site.test" and contacts[-1].note
    assert errors == []
    assert "/about" not in site.paths()  # the report page came first and was good enough


def test_crawl_falls_back_to_usual_paths(make_site: Callable[[], Site]) -> None:
    site = make_site()
    site.html("/v/1", "<html><body>nothing here</body></html>")
    site.html(
        "/dmca", "<html><body><a href='mailto:copyright@site.test'>DMCA agent</a></body></html>"
    )
    contacts, _ = _crawl(site, "/v/1")
    assert [c.address for c in contacts] == ["copyright@site.test"]
    assert len(site.paths()) <= 8
