"""CDN detection: by response header on a real local site, and by IP network."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher
from takedown.notices.contacts.cdn import detect
from takedown.notices.contacts.discover import discover_contacts
from tests.notices.conftest import Site
from tests.sites.server import Reply

NOW = datetime(2026, 12, 4, tzinfo=UTC)


def test_site_behind_cloudflare_gets_the_cdn_abuse_route_as_well(
    make_site: Callable[[], Site],
) -> None:
    site = make_site()
    site.table["/post/1"] = Reply(
        200,
        b"<html><body><a href='mailto:abuse@zorblat-site.example'>abuse</a></body></html>",
        headers={"CF-RAY": "8f00aa-ICN", "Server": "cloudflare"},
    )

    async def main() -> None:
        async with Fetcher(guard=UrlGuard(allow=[site.origin])) as fetcher:
            found = await discover_contacts(fetcher, site.url("/post/1"), now=NOW)
        sources = {c.source: c for c in found.contacts}
        assert sources["site"].address == "abuse@zorblat-site.example"
        cdn = sources["cdn"]
        assert cdn.address == "abuse@cloudflare.com" and "cf-ray" in cdn.note
        assert found.primary is not None and found.primary.source == "site"  # origin first

    asyncio.run(main())


@pytest.mark.parametrize(
    ("address", "name"),
    [("104.16.1.1", "Cloudflare"), ("2606:4700::1", "Cloudflare"), ("151.101.65.1", "Fastly")],
)
def test_cdn_by_network(address: str, name: str) -> None:
    found = detect({}, address)
    assert found is not None and found[0].name == name and "network" in found[1]


def test_no_cdn() -> None:
    assert detect({"Server": "nginx"}, "203.0.113.9") is None
    assert detect({"X-Amz-Cf-Id": "abc"})[0].name == "Amazon CloudFront"  # type: ignore[index]
