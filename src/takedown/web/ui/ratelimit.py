"""Who is logging in from where: the client address (forwarded headers only from trusted proxies)
and the shared login throttle (:mod:`takedown.accounts.throttle`)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.requests import Request

from takedown.accounts.throttle import LoginThrottle, ThrottleLimits

__all__ = ["LoginThrottle", "ThrottleLimits", "client_address", "parse_networks"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip())


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(text: str, proxies: tuple[Network, ...]) -> bool:
    ip = _ip(text)
    return ip is not None and any(ip in net for net in proxies)


def client_address(request: Request, proxies: tuple[Network, ...]) -> str:
    """The address that counts for throttling.

    ``X-Forwarded-For`` is read only when the peer is a trusted proxy, right to left, skipping
    trusted hops: the first untrusted entry is the client. From anyone else the header is ignored,
    so rotating it changes nothing.
    """
    peer = request.client.host if request.client else "?"
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, proxies):
            return hop if _ip(hop) is not None else peer
    return peer
