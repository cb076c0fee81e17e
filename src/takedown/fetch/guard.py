"""The SSRF guard: decides whether a URL found on a monitored page may be fetched at all.

Only public http(s) addresses pass. A URL is refused when it uses another scheme, carries
credentials, or names or resolves to a loopback, private, link-local, multicast, reserved or
unspecified address (IPv4-mapped, NAT64, 6to4 and Teredo IPv6 forms are unwrapped first, and
the numeric IPv4 spellings that resolvers accept, such as ``2130706433`` or ``0177.1``, are
read as the addresses they denote). Exact origins given in ``allow`` (the demo web, configured
infrastructure) are exempt.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

__all__ = ["BlockedUrl", "UrlGuard", "address_problem", "origin_of"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SCHEMES = {"http": 80, "https": 443}
# A host made only of digits, hex prefixes and dots is an IPv4 literal in some spelling
# (glibc's inet_aton and browsers accept "127.1", "0x7f.1", "2130706433"): never a DNS name.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?$")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_SHARED = ipaddress.ip_network("100.64.0.0/10")


class BlockedUrl(Exception):  # noqa: N818 - the name is fixed by the interface
    """A URL the guard refuses; ``reason`` says why in a few words."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.url = url
        self.reason = reason


def address_problem(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be contacted, or None for a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            inner = address_problem(embedded)
            return None if inner is None else f"{inner} (inside {ip})"
        if ip in _NAT64_LOCAL:
            return f"private address {ip}"
    checks = (
        (ip.is_unspecified, "unspecified address"),
        (ip.is_loopback, "loopback address"),
        (ip.is_link_local, "link-local address"),
        (ip.is_multicast, "multicast address"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED, "shared address"),
        (ip.is_reserved, "reserved address"),
        (ip.is_private, "private address"),
        (not ip.is_global, "non-public address"),
    )
    for hit, label in checks:
        if hit:
            return f"{label} {ip}"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _parse_numeric_ipv4(host: str) -> ipaddress.IPv4Address:
    """Read an IPv4 literal in any inet_aton spelling; ValueError when it is malformed."""
    parts = host.rstrip(".").split(".")
    if len(parts) > 4:
        raise ValueError(host)
    values = []
    for part in parts:
        if part.startswith("0x"):
            values.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            values.append(int(part, 8))
        else:
            values.append(int(part))
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(values)):
        raise ValueError(host)
    number = last
    for index, value in enumerate(head):
        number += value << (24 - 8 * index)
    return ipaddress.IPv4Address(number)


def _literal_ip(host: str) -> IPAddress | None:
    """The address a host names by itself, None for a DNS name; ValueError when malformed."""
    if ":" in host:
        return ipaddress.IPv6Address(host.split("%", 1)[0])
    if _NUMERIC_HOST.match(host):
        return _parse_numeric_ipv4(host)
    return None


def origin_of(url: str) -> str:
    """``scheme://host:port`` with the default port made explicit, for the allow list."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or _SCHEMES.get(scheme, 0)
    except ValueError:
        port = 0
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def _canonical_host(host: str) -> str:
    """The host as IDNA would see it: full-width forms and ideographic dots folded (NFKC)."""
    host = unicodedata.normalize("NFKC", host)
    for dot in ("\u3002", "\uff0e", "\uff61"):
        host = host.replace(dot, ".")
    return host.lower()


def _is_local_name(host: str) -> bool:
    name = host.rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


class UrlGuard:
    """Refuses URLs that must not be fetched. Thread-safe and cheap to share."""

    def __init__(self, allow: Iterable[str] = ()) -> None:
        self._allow = frozenset(origin_of(origin) for origin in allow)

    @property
    def allowed_origins(self) -> frozenset[str]:
        return self._allow

    def is_exempt(self, url: str) -> bool:
        """Whether the URL's origin is on the allow list (exact scheme, host and port)."""
        return origin_of(url) in self._allow

    def check(self, url: str) -> None:
        """Refuse the URL unless it is http(s) and every address its host resolves to is public."""
        parts, host = self._syntax(url)
        if self.is_exempt(url):
            return
        ip = self._literal(url, host)
        if ip is not None:
            self._refuse_address(url, ip)
            return
        if _is_local_name(host):
            raise BlockedUrl(url, f"local name {host}")
        if host.rstrip(".").endswith(".onion"):
            raise BlockedUrl(url, "onion host needs a proxy")
        for resolved in self.resolve(url, host, _port(parts)):
            self._refuse_address(url, resolved)

    def is_allowed(self, url: str) -> bool:
        try:
            self.check(url)
        except BlockedUrl:
            return False
        return True

    def check_literal(self, url: str) -> None:
        """The check for fetching behind a proxy, where DNS happens at the proxy.

        IP literals (any non-public one) and local names are refused; names are not resolved.
        """
        _parts, host = self._syntax(url)
        if self.is_exempt(url):
            return
        ip = self._literal(url, host)
        if ip is not None:
            self._refuse_address(url, ip)
        elif _is_local_name(host):
            raise BlockedUrl(url, f"local name {host}")

    def check_address(self, url: str, ip: IPAddress) -> None:
        """Refuse a connection to ``ip`` made for ``url`` (used at connect time)."""
        if not self.is_exempt(url):
            self._refuse_address(url, ip)

    @staticmethod
    def resolve(url: str, host: str, port: int) -> list[IPAddress]:
        """Every address ``host`` resolves to; BlockedUrl when it resolves to none."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise BlockedUrl(url, f"cannot resolve {host}") from exc
        found: list[IPAddress] = []
        for _family, _type, _proto, _name, sockaddr in infos:
            address = str(sockaddr[0]).split("%", 1)[0]
            ip = ipaddress.ip_address(address)
            if ip not in found:
                found.append(ip)
        if not found:
            raise BlockedUrl(url, f"cannot resolve {host}")
        return found

    @staticmethod
    def _syntax(url: str) -> tuple[SplitResult, str]:
        if any(ord(ch) < 0x21 for ch in url.strip()):
            raise BlockedUrl(url, "control character or space in URL")
        try:
            parts = urlsplit(url.strip())
            _port(parts)
        except ValueError as exc:
            raise BlockedUrl(url, "malformed URL") from exc
        scheme = parts.scheme.lower()
        if scheme not in _SCHEMES:
            raise BlockedUrl(url, f"scheme {scheme or 'missing'}")
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise BlockedUrl(url, "credentials in URL")
        host = _canonical_host(parts.hostname or "")
        if not host:
            raise BlockedUrl(url, "no host")
        return parts, host

    @staticmethod
    def _literal(url: str, host: str) -> IPAddress | None:
        try:
            return _literal_ip(host)
        except ValueError as exc:
            raise BlockedUrl(url, f"malformed address {host}") from exc

    @staticmethod
    def _refuse_address(url: str, ip: IPAddress) -> None:
        problem = address_problem(ip)
        if problem is not None:
            raise BlockedUrl(url, problem)


def _port(parts: SplitResult) -> int:
    return parts.port or _SCHEMES.get(parts.scheme.lower(), 0)
