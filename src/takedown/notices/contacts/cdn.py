"""CDNs and reverse proxies in front of a site: found by response headers and by IP network.

A site behind a CDN (Cloudflare and others) shows the CDN's address, so the network's abuse
contact is the CDN's, not the origin host's. The request then goes to the CDN's abuse route as
well as to the origin host (which the CDN can name or forward to). The tables below are written
from the providers' published information as of the date given and are partial: a lawyer or
operator should refresh them (``AS_OF``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from takedown.notices.contacts.model import Contact

AS_OF = "2026-12-04"


@dataclass(frozen=True)
class Cdn:
    name: str
    abuse: str  # the abuse address
    route: str  # where the provider documents its abuse process
    headers: tuple[tuple[str, str], ...] = ()  # (header, value substring or "" for presence)
    networks: tuple[str, ...] = ()


CDNS: tuple[Cdn, ...] = (
    Cdn(
        "Cloudflare",
        "abuse@cloudflare.com",
        "https://abuse.cloudflare.com",
        (("cf-ray", ""), ("server", "cloudflare"), ("cf-cache-status", "")),
        (
            # https://www.cloudflare.com/ips/ (complete as of AS_OF)
            "173.245.48.0/20",
            "103.21.244.0/22",
            "103.22.200.0/22",
            "103.31.4.0/22",
            "141.101.64.0/18",
            "108.162.192.0/18",
            "190.93.240.0/20",
            "188.114.96.0/20",
            "197.234.240.0/22",
            "198.41.128.0/17",
            "162.158.0.0/15",
            "104.16.0.0/13",
            "104.24.0.0/14",
            "172.64.0.0/13",
            "131.0.72.0/22",
            "2400:cb00::/32",
            "2606:4700::/32",
            "2803:f800::/32",
            "2405:b500::/32",
            "2405:8100::/32",
            "2a06:98c0::/29",
            "2c0f:f248::/32",
        ),
    ),
    Cdn(
        "Amazon CloudFront",
        "abuse@amazonaws.com",
        "https://aws.amazon.com/forms/report-abuse",
        (("x-amz-cf-id", ""), ("via", "cloudfront"), ("x-amz-cf-pop", "")),
    ),
    Cdn(
        "Fastly",
        "abuse@fastly.com",
        "https://www.fastly.com/report-abuse",
        (("x-fastly-request-id", ""), ("fastly-debug-digest", "")),
        ("151.101.0.0/16", "199.232.0.0/16", "2a04:4e40::/32", "2a04:4e42::/32"),
    ),
    Cdn(
        "Akamai",
        "abuse@akamai.com",
        "https://www.akamai.com/legal/compliance/report-abuse",
        (("server", "akamaighost"), ("x-akamai-transformed", "")),
    ),
    Cdn(
        "DDoS-Guard",
        "abuse@ddos-guard.net",
        "https://ddos-guard.net/en/abuse",
        (("server", "ddos-guard"),),
    ),
    Cdn("Bunny CDN", "abuse@bunny.net", "https://bunny.net/abuse/", (("server", "bunnycdn"),)),
    Cdn(
        "Imperva (Incapsula)",
        "abuse@imperva.com",
        "https://www.imperva.com/legal/abuse/",
        (("x-iinfo", ""), ("x-cdn", "imperva"), ("x-cdn", "incapsula")),
    ),
    Cdn("Sucuri", "abuse@sucuri.net", "https://sucuri.net/abuse/", (("x-sucuri-id", ""),)),
)


def _networks(cdn: Cdn) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n) for n in cdn.networks]


def detect(
    headers: Mapping[str, str] | None = None, address: str | None = None
) -> tuple[Cdn, str] | None:
    """The CDN in front of a site, and the evidence for it ("header cf-ray", "network ..."),
    or ``None``. ``headers`` are the site's response headers (any case)."""
    lowered = {k.lower(): v.lower() for k, v in (headers or {}).items()}
    for cdn in CDNS:
        for name, needle in cdn.headers:
            value = lowered.get(name)
            if value is not None and needle in value:
                return cdn, f"response header {name}"
    if address:
        try:
            ip = ipaddress.ip_address(address.strip("[]"))
        except ValueError:
            return None
        for cdn in CDNS:
            for network in _networks(cdn):
                if ip.version == network.version and ip in network:
                    return cdn, f"address {ip} in {cdn.name}'s network {network}"
    return None


def cdn_contact(cdn: Cdn, evidence: str) -> Contact:
    """The CDN's abuse route as a contact; the note says why it is addressed."""
    return Contact(
        cdn.abuse,
        "cdn",
        cdn.route,
        note=f"{cdn.name} serves the site ({evidence}); the origin host is asked as well",
    )
