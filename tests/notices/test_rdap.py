"""RDAP against a local server: bootstrap, registrar abuse contact, network abuse contact."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable

import pytest

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher
from takedown.notices.contacts.rdap import (
    DomainBootstrap,
    DomainLookup,
    IpBootstrap,
    RdapClient,
    RdapError,
    bundled_domain_bootstrap,
    bundled_ip_bootstrap,
    load_domain_bootstrap,
    registrar_of,
    vcard_country,
)
from tests.notices.conftest import Site, rdap_domain, rdap_network, vcard
from tests.sites.server import Reply


def test_bundled_snapshot_loads() -> None:
    dns = bundled_domain_bootstrap()
    assert dns.servers_for("www.example.com") == ("https://rdap.verisign.com/com/v1/",)
    assert dns.servers_for("example.invalid") == ()
    ip = bundled_ip_bootstrap()
    assert ip.servers_for(ipaddress.ip_address("198.51.100.7"))
    assert ip.servers_for(ipaddress.ip_address("2001:db8::1"))


def test_bootstrap_longest_prefix_and_bad_files() -> None:
    ips = IpBootstrap.from_json(
        {"services": [[["10.0.0.0/8"], ["http://a.test/"]], [["10.1.0.0/16"], ["http://b.test"]]]}
    )
    assert ips.servers_for(ipaddress.ip_address("10.1.2.3")) == ("http://b.test/",)
    assert ips.servers_for(ipaddress.ip_address("10.2.2.3")) == ("http://a.test/",)
    for bad in ({}, {"services": "x"}, {"services": [["only-one"]]}, {"services": [[[1], ["u"]]]}):
        with pytest.raises(RdapError):
            DomainBootstrap.from_json(bad)
    with pytest.raises(RdapError):
        IpBootstrap.from_json({"services": [[["not-a-prefix"], ["http://a.test/"]]]})


def test_registrar_parsing() -> None:
    info = registrar_of(rdap_domain("example.test", "Reg Inc.", "abuse@reg.test", "JP"))
    assert info is not None
    assert (info.name, info.country, info.abuse) == ("Reg Inc.", "JP", ("abuse@reg.test",))
    assert registrar_of({"entities": []}) is None
    assert (
        vcard_country(
            {"vcardArray": ["vcard", [["adr", {}, "text", ["", "", "", "", "", "", "KR"]]]]}
        )
        == "KR"
    )
    assert vcard_country({"vcardArray": vcard("x")}) is None


def _rdap_site(make_site: Callable[[], Site]) -> Site:
    rdap = make_site()
    rdap.json(
        "/bootstrap/dns.json", {"version": "1.0", "services": [[["test"], [rdap.url("/rdap/")]]]}
    )
    rdap.json(
        "/rdap/domain/example.test", rdap_domain("example.test", "Reg Inc.", "abuse@reg.test", "JP")
    )
    rdap.json("/rdap/ip/127.0.0.1", rdap_network("noc@hosting.test"))
    rdap.table["/rdap/domain/broken.test"] = Reply(200, b"{not json", "application/rdap+json")
    return rdap


def test_domain_and_network_lookups(make_site: Callable[[], Site]) -> None:
    rdap = _rdap_site(make_site)

    async def main() -> tuple[DomainLookup, DomainLookup, object, str]:
        async with Fetcher(guard=UrlGuard(allow=[rdap.origin])) as fetcher:
            dns = await load_domain_bootstrap(fetcher, rdap.url("/bootstrap/dns.json"))
            ips = IpBootstrap.from_json({"services": [[["127.0.0.0/8"], [rdap.url("/rdap/")]]]})
            client = RdapClient(fetcher, dns, ips)
            found = await client.domain("example.test")
            missing = await client.domain("nobody.test")
            network = await client.network("127.0.0.1")
            try:
                await client.domain("broken.test")
            except RdapError as exc:
                error = str(exc)
            return found, missing, network, error

    found, missing, network, error = asyncio.run(main())
    assert [c.address for c in found.contacts] == ["abuse@reg.test"]
    assert found.contacts[0].source == "rdap-registrar"
    assert found.contacts[0].found_at == rdap.url("/rdap/domain/example.test")
    assert found.registrar is not None and found.registrar.country == "JP"
    assert missing.contacts == ()
    assert [(c.address, c.source, c.country) for c in network] == [  # type: ignore[attr-defined]
        ("noc@hosting.test", "rdap-network", "KR")
    ]
    assert "not JSON" in error


def test_rdap_server_outside_allow_list_is_blocked(make_site: Callable[[], Site]) -> None:
    rdap = _rdap_site(make_site)

    async def main() -> None:
        async with Fetcher(guard=UrlGuard()) as fetcher:
            await load_domain_bootstrap(fetcher, rdap.url("/bootstrap/dns.json"))

    with pytest.raises(RdapError, match="blocked"):
        asyncio.run(main())
    assert rdap.paths() == []
