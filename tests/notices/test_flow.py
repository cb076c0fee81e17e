"""End to end on the local test web: contacts → language → draft → approval → SMTP → recheck.

Three sites: one publishes its abuse address (Korean), one only a security.txt (Japanese), one
nothing, so its hosting network's RDAP abuse contact is used (Spanish).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from selectolax.lexbor import LexborHTMLParser

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher
from takedown.notices.catalog import choose_language
from takedown.notices.compose import (
    Center,
    NoticeRequest,
    ReportedFile,
    ReportedPage,
    check_no_leak,
    compose_notice,
)
from takedown.notices.contacts.discover import cached_contacts, discover_contacts, site_key
from takedown.notices.contacts.model import ContactCache, ContactSet
from takedown.notices.contacts.rdap import DomainBootstrap, IpBootstrap, RdapClient
from takedown.notices.followup import MediaHash, check_removed
from takedown.notices.law import jurisdiction_for
from takedown.notices.send import SmtpConfig, build_message, send_message
from takedown.notices.states import NoticeStatus, transition
from tests.notices.conftest import Site, SmtpServer, rdap_network

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
CASE_LABEL = "Verity Olumbro"  # made up; held by the case, never by a notice
CENTER = Center(
    "Harbor City Support Office", "designated body no. 7", "requests@center.test", "+82-2-555-0100"
)
IMAGE = b"\xff\xd8\xff\xe0 benign test bytes"


def _page(lang: str, extra: str = "") -> str:
    return f'<html lang="{lang}"><body><img src="/m/1.jpg"><p>post</p>{extra}</body></html>'


@pytest.fixture
def web(make_site: Callable[[], Site]) -> dict[str, Site]:
    ko, ja, es, rdap = make_site(), make_site(), make_site(), make_site()
    ko.html("/post/1", _page("ko", '<footer><a href="/report">신고</a></footer>'))
    ko.html(
        "/report", "<html><body><a href='mailto:abuse@site-ko.test'>신고 메일</a></body></html>"
    )
    ja.html("/post/1", _page("ja-JP"))
    ja.text(
        "/.well-known/security.txt",
        "Contact: mailto:security@site-ja.test\nPreferred-Languages: ja\n",
    )
    es.html("/post/1", _page("es"))
    for site in (ko, ja, es):
        site.data("/m/1.jpg", IMAGE, "image/jpeg")
    rdap.json("/rdap/ip/127.0.0.1", rdap_network("noc@hosting.test", "ES"))
    return {"ko": ko, "ja": ja, "es": es, "rdap": rdap}


def _site_language(html: str) -> str | None:
    root = LexborHTMLParser(html).root
    return root.attributes.get("lang") if root is not None else None


async def _draft_for(
    fetcher: Fetcher, rdap: RdapClient, site: Site
) -> tuple[ContactSet, NoticeRequest]:
    page_url = site.url("/post/1")
    contacts = await discover_contacts(fetcher, page_url, now=NOW, rdap=rdap)
    page = await fetcher.get(page_url)
    primary = contacts.primary
    assert primary is not None
    language = choose_language(_site_language(page.text()), primary.languages)
    request = NoticeRequest(
        site="127.0.0.1",
        reference="TDR-ABCD-EFGH-JKMN",
        pages=(
            ReportedPage(
                page_url,
                "EV-2026-000900",
                NOW - timedelta(hours=2),
                (ReportedFile(site.url("/m/1.jpg"), hashlib.sha256(IMAGE).hexdigest(), "c3" * 32),),
            ),
        ),
        center=CENTER,
        jurisdiction=jurisdiction_for(
            "127.0.0.1", registrar_country=contacts.registrar_country, override="kr"
        ),
        language=language,
        now=NOW,
        recipient=primary,
    )
    return contacts, request


EXPECTED = {
    "ko": ("abuse@site-ko.test", "site", "ko"),
    "ja": ("security@site-ja.test", "security.txt", "ja"),
    "es": ("noc@hosting.test", "rdap-network", "es"),
}


def test_each_site_notice_goes_to_its_contact_in_its_language(
    web: dict[str, Site], smtp_server: SmtpServer
) -> None:
    rdap_site = web["rdap"]
    origins = [s.origin for s in web.values()]
    config = SmtpConfig.from_url(smtp_server.url, "requests@center.test", timeout=5)

    async def main() -> None:
        async with Fetcher(guard=UrlGuard(allow=origins)) as fetcher:
            rdap = RdapClient(
                fetcher,
                DomainBootstrap.from_json({"services": []}),
                IpBootstrap.from_json({"services": [[["127.0.0.0/8"], [rdap_site.url("/rdap/")]]]}),
            )
            for name, (address, source, language) in EXPECTED.items():
                contacts, request = await _draft_for(fetcher, rdap, web[name])
                assert contacts.primary is not None
                assert (contacts.primary.address, contacts.primary.source) == (address, source)
                draft = compose_notice(request)
                assert draft.language == language
                assert request.pages[0].url in draft.body
                assert request.pages[0].files[0].url in draft.body
                assert request.pages[0].files[0].sha256 in draft.body
                check_no_leak(draft, [CASE_LABEL])
                # Drafting sends nothing.
                assert smtp_server.mailbox.messages == []
                status = transition(NoticeStatus.DRAFT, NoticeStatus.APPROVED)
                message = build_message(draft, sender=config.sender, to=[address])
                result = await send_message(config, message)
                status = transition(status, NoticeStatus.SENT)
                envelope, received = smtp_server.mailbox.messages[-1]
                assert envelope.rcpt_tos == [address]
                assert received["Message-ID"] == result.message_id
                assert received["Content-Language"] == language
                smtp_server.mailbox.messages.clear()

    asyncio.run(main())


def test_removal_is_detected_after_the_site_acts(web: dict[str, Site]) -> None:
    site = web["ko"]
    media = [site.url("/m/1.jpg")]
    hashes = {media[0]: MediaHash(hashlib.sha256(IMAGE).hexdigest())}

    async def recheck() -> bool:
        async with Fetcher(guard=UrlGuard(allow=[site.origin])) as fetcher:
            return (await check_removed(fetcher, site.url("/post/1"), media, hashes)).removed

    assert not asyncio.run(recheck())
    site.status("/post/1", 410)
    assert asyncio.run(recheck())


def test_contacts_are_cached_per_domain_until_expiry(web: dict[str, Site]) -> None:
    site = web["ko"]
    clock = [NOW]
    cache = ContactCache(ttl=timedelta(hours=6), clock=lambda: clock[0])

    async def lookup() -> ContactSet:
        async with Fetcher(guard=UrlGuard(allow=[site.origin])) as fetcher:
            return await cached_contacts(cache, fetcher, site.url("/post/1"), now=clock[0])

    first = asyncio.run(lookup())
    requests = len(site.paths())
    assert asyncio.run(lookup()) == first
    assert len(site.paths()) == requests
    clock[0] += timedelta(hours=7)
    asyncio.run(lookup())
    assert len(site.paths()) > requests
    assert site_key("https://a.b.example.co.uk/x") == "example.co.uk"
    assert site_key(site.url("/post/1")) == f"127.0.0.1:{site.server.port}"
    assert site_key("http://198.51.100.7/x") == "198.51.100.7"
