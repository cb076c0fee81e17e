"""The SSRF guard's table of addresses: every non-public spelling is refused."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from takedown.fetch.guard import BlockedUrl, UrlGuard, address_problem, origin_of

REFUSED = [
    ("http://127.0.0.1/", "loopback"),
    ("http://127.255.0.9:8080/x", "loopback"),
    ("http://10.0.0.5/", "private"),
    ("http://172.16.3.4/", "private"),
    ("http://192.168.1.1/admin", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://100.64.0.1/", "shared"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://224.0.0.1/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "address"),
    ("http://192.0.2.10/", "address"),  # documentation range
    ("http://[::1]/", "loopback"),
    ("http://[::]/", "unspecified"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fc00::1]/", "private"),
    ("http://[ff02::1]/", "multicast"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://[::ffff:a9fe:a9fe]/", "link-local"),
    ("http://[64:ff9b::a00:1]/", "private"),  # NAT64 of 10.0.0.1
    ("http://[2002:c0a8:101::1]/", "private"),  # 6to4 of 192.168.1.1
    ("http://2130706433/", "loopback"),  # decimal 127.0.0.1
    ("http://0177.0.0.1/", "loopback"),  # octal
    ("http://0x7f.0.0.1/", "loopback"),  # hex
    ("http://0x7f000001/", "loopback"),
    ("http://127.1/", "loopback"),  # short form
    ("http://017700000001/", "loopback"),
    ("http://012.0.0.1/", "private"),  # octal 10.0.0.1
    ("http://3232235777/", "private"),  # 192.168.1.1
    ("http://999.1.1.1/", "malformed"),
    ("http://1.2.3.4.5/", "malformed"),
    ("http://localhost/", "local name"),
    ("http://LOCALHOST./", "local name"),
    ("http://a.b.localhost:9000/", "local name"),
    ("file:///etc/passwd", "scheme file"),
    ("ftp://example.com/x", "scheme ftp"),
    ("gopher://example.com/", "scheme gopher"),
    ("javascript:alert(1)", "scheme javascript"),
    ("data:image/png;base64,AAAA", "scheme data"),
    ("//example.com/x", "scheme missing"),
    ("http://user:secret@example.com/", "credentials"),
    ("http://example.com@10.0.0.1/", "credentials"),
    ("http:///nohost", "no host"),
    ("http://exa mple.com/", "space"),
    ("http://example.com:99999/", "malformed"),
    ("http://abcdefghijklmnop.onion/", "onion"),
    ("http://ｌｏｃａｌｈｏｓｔ/", "local name"),  # full-width, as IDNA folds it
    ("http://１２７。０。０。１/", "loopback"),  # full-width digits, ideographic dots
]

PUBLIC_LITERALS = [
    "http://93.184.216.34/",
    "https://8.8.8.8:8443/path?q=1",
    "http://[2606:4700:4700::1111]/",
    "http://134744072/",  # decimal 8.8.8.8
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_refused(url: str, reason: str) -> None:
    guard = UrlGuard()
    with pytest.raises(BlockedUrl) as info:
        guard.check(url)
    assert reason in info.value.reason
    assert not guard.is_allowed(url)


@pytest.mark.parametrize("url", PUBLIC_LITERALS)
def test_public_literals_pass_without_dns(url: str) -> None:
    UrlGuard().check(url)
    UrlGuard().check_literal(url)


def test_dns_names_resolving_to_loopback_are_refused() -> None:
    # The machine's own name resolves (via /etc/hosts) to a loopback or private address.
    name = socket.gethostname()
    addresses = UrlGuard.resolve(f"http://{name}/", name, 80)
    if all(address_problem(ip) is None for ip in addresses):
        pytest.skip(f"{name} resolves to a public address here")
    with pytest.raises(BlockedUrl):
        UrlGuard().check(f"http://{name}/")


def test_resolve_localhost_gives_loopback_that_check_address_refuses() -> None:
    guard = UrlGuard()
    addresses = guard.resolve("http://localhost/", "localhost", 80)
    assert addresses and all(ip.is_loopback for ip in addresses)
    with pytest.raises(BlockedUrl, match="loopback"):
        guard.check_address("http://localhost/", addresses[0])


def test_unresolvable_name_is_refused() -> None:
    with pytest.raises(BlockedUrl, match="cannot resolve"):
        UrlGuard().check("http://no-such-host.invalid/")


def test_allow_list_exempts_exact_origins_only() -> None:
    guard = UrlGuard(allow=["http://127.0.0.1:8765"])
    guard.check("http://127.0.0.1:8765/board/")
    guard.check_literal("http://127.0.0.1:8765/")
    guard.check_address("http://127.0.0.1:8765/", ipaddress.ip_address("127.0.0.1"))
    for url in ("http://127.0.0.1:8766/", "https://127.0.0.1:8765/", "http://localhost:8765/"):
        assert not guard.is_allowed(url), url
    with pytest.raises(BlockedUrl, match="scheme"):
        guard.check("file://127.0.0.1:8765/etc/passwd")


def test_origin_of_makes_default_ports_explicit() -> None:
    assert origin_of("https://Example.com/a") == "https://example.com:443"
    assert origin_of("http://[::1]:81/") == "http://[::1]:81"
    assert UrlGuard(allow=["https://rdap.example"]).is_exempt("https://RDAP.example:443/x")


def test_check_literal_for_proxies() -> None:
    guard = UrlGuard()
    guard.check_literal("http://abcdefghijklmnop.onion/board")
    guard.check_literal("https://no-such-host.invalid/")  # the proxy resolves names
    for url in (
        "http://10.1.2.3/",
        "http://localhost/",
        "http://ｌｏｃａｌｈｏｓｔ./",
        "http://2130706433/",
        "file:///x",
    ):
        with pytest.raises(BlockedUrl):
            guard.check_literal(url)
