"""WHOIS (port 43) against real local servers: the abuse contact of a .kr domain with no RDAP,
IANA's referral, and the guard's refusal of private addresses outside the allow list."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher
from takedown.notices.contacts.discover import registrar_contacts
from takedown.notices.contacts.rdap import DomainBootstrap, IpBootstrap, RdapClient
from takedown.notices.contacts.whois import WhoisClient, WhoisError, parse_answer

# A KRNIC-style answer for a made-up domain (benign, invented addresses).
KR_ANSWER = """query : zorblat.kr

# KOREAN(UTF8)

도메인이름                  : zorblat.kr
등록인                      : 조르블랏
책임자 전자우편             : admin@zorblat-owner.example
등록대행자                  : Example Registrar Co.
국가                        : KR

# ENGLISH

Domain Name                 : zorblat.kr
Registrant                  : Zorblat
AC E-Mail                   : admin@zorblat-owner.example
Authorized Agency           : Example Registrar Co.
Registrar Abuse Contact Email : abuse@registrar-kr.example
Country                     : KR
"""


class Whois:
    """A port-43 server on 127.0.0.1: one query line in, the answer out, then close."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.queries: list[str] = []
        self.server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = (await reader.readline()).decode("ascii").strip()
        self.queries.append(line)
        writer.write(self.answers.get(line, "No match for domain.\r\n").encode("utf-8"))
        await writer.drain()
        writer.close()

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"127.0.0.1:{port}"

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


def _run(body: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(body(), 20))


def test_kr_domain_without_rdap_gets_its_abuse_contact_from_whois() -> None:
    async def main() -> None:
        kr = Whois({"zorblat.kr": KR_ANSWER})
        address = await kr.start()
        try:
            guard = UrlGuard(allow=[f"whois://{address}"])
            async with Fetcher(guard=guard) as fetcher:
                # The bootstrap knows com only: kr has no RDAP service.
                rdap = RdapClient(
                    fetcher,
                    DomainBootstrap.from_json({"services": [[["com"], ["https://rdap.invalid/"]]]}),
                    IpBootstrap.from_json({"services": []}),
                )
                whois = WhoisClient(guard, servers={"kr": address})
                contacts, country, errors = await registrar_contacts("zorblat.kr", rdap, whois)
        finally:
            await kr.stop()
        assert kr.queries == ["zorblat.kr"]
        assert [(c.address, c.source) for c in contacts] == [
            ("abuse@registrar-kr.example", "whois-registrar")
        ]
        assert contacts[0].found_at == f"whois://{address}/zorblat.kr"
        assert country == "kr"
        assert any("rdap domain zorblat.kr" in e for e in errors)  # RDAP tried first

    _run(main)


def test_iana_referral_is_followed_once() -> None:
    async def main() -> None:
        kr = Whois({"zorblat.kr": KR_ANSWER})
        kr_address = await kr.start()
        iana = Whois({"zorblat.kr": f"% IANA WHOIS server\nrefer:        {kr_address}\n"})
        iana_address = await iana.start()
        try:
            guard = UrlGuard(allow=[f"whois://{kr_address}", f"whois://{iana_address}"])
            # No entry for kr: the client asks "IANA", which refers it to the kr server.
            whois = WhoisClient(guard, servers={"kr": iana_address})
            answer = await whois.domain("ZORBLAT.kr")
        finally:
            await kr.stop()
            await iana.stop()
        assert iana.queries == ["zorblat.kr"] and kr.queries == ["zorblat.kr"]
        assert [c.address for c in answer.contacts] == ["abuse@registrar-kr.example"]

    _run(main)


def test_record_without_abuse_contact_offers_its_addresses_with_a_note() -> None:
    answer = parse_answer(
        "Domain Name: quibble.jp\n[Email]  hostmaster@quibble.example\nAdmin Email: a@quibble.example\n",
        "whois://whois.jprs.jp:43/quibble.jp",
    )
    assert [c.address for c in answer.contacts] == [
        "hostmaster@quibble.example",
        "a@quibble.example",
    ]
    assert all("no abuse contact" in c.note for c in answer.contacts)


def test_guard_refuses_a_private_whois_server_outside_the_allow_list() -> None:
    async def main() -> None:
        kr = Whois({"zorblat.kr": KR_ANSWER})
        address = await kr.start()
        try:
            whois = WhoisClient(UrlGuard(), servers={"kr": address})
            with pytest.raises(WhoisError, match="refused: loopback"):
                await whois.domain("zorblat.kr")
            # Behind a proxy, a literal private address is refused before any connection.
            proxied = WhoisClient(
                UrlGuard(), proxy="socks5://127.0.0.1:9", servers={"kr": "10.0.0.7"}
            )
            with pytest.raises(WhoisError, match="refused: private"):
                await proxied.domain("zorblat.kr")
        finally:
            await kr.stop()
        assert kr.queries == []  # nothing reached the server

    _run(main)
