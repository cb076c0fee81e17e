"""Every abuse contact of a site, in order: the site's own, security.txt, RDAP registrar, network.

Each source fails on its own (an error string in the result), never the whole lookup.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

import tldextract

from takedown.fetch.http import Fetcher, FetchError
from takedown.notices.contacts.cdn import cdn_contact, detect
from takedown.notices.contacts.model import Contact, ContactCache, ContactSet
from takedown.notices.contacts.rdap import RdapClient, RdapError
from takedown.notices.contacts.securitytxt import contacts_from, fetch_security_txt
from takedown.notices.contacts.site import find_site_contacts
from takedown.notices.contacts.whois import WhoisClient, WhoisError


@cache
def _extractor() -> tldextract.TLDExtract:
    # The bundled public-suffix snapshot: nothing is downloaded.
    return tldextract.TLDExtract(suffix_list_urls=())


def site_key(url_or_host: str) -> str:
    """The cache key of a site: its registrable domain (``a.b.example.co.uk`` → ``example.co.uk``),
    or the address (with its port, if any) of an IP-hosted site."""
    parts = urlsplit(url_or_host) if "://" in url_or_host else None
    host = ((parts.hostname if parts else url_or_host) or "").lower().strip(".")
    if is_ip(host):
        # Several sites can share an address on different ports; a domain cannot.
        return parts.netloc.lower() if parts is not None and parts.port else host
    result = _extractor()(host)
    return result.top_domain_under_public_suffix or host


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


async def _resolve(host: str) -> str | None:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return None
    return str(infos[0][4][0]) if infos else None


async def registrar_contacts(
    domain: str, rdap: RdapClient | None, whois: WhoisClient | None
) -> tuple[list[Contact], str | None, list[str]]:
    """The registrar's abuse contacts of ``domain``: RDAP where the TLD has it, else WHOIS
    (most ccTLDs this center meets, kr, jp, cn, ru, vn..., have no RDAP). Returns the contacts,
    the registrant's or registrar's country, and the errors met."""
    errors: list[str] = []
    country: str | None = None
    if rdap is not None:
        try:
            lookup = await rdap.domain(domain)
        except RdapError as exc:
            errors.append(f"rdap domain {domain}: {exc or 'no RDAP server for this TLD'}")
        else:
            country = lookup.registrar.country if lookup.registrar else None
            if lookup.contacts:
                return list(lookup.contacts), country, errors
            errors.append(f"rdap domain {domain}: no registrar abuse contact (no RDAP service?)")
    if whois is not None:
        try:
            answer = await whois.domain(domain)
        except WhoisError as exc:
            errors.append(f"whois {domain}: {exc}")
        else:
            return list(answer.contacts), country or answer.country, errors
    return [], country, errors


async def discover_contacts(
    fetcher: Fetcher,
    page_url: str,
    *,
    now: datetime,
    rdap: RdapClient | None = None,
    host_ip: str | None = None,
    resolve_network: bool = False,
    max_pages: int = 8,
    whois: WhoisClient | None = None,
) -> ContactSet:
    """All contacts of the site serving ``page_url``.

    The network's abuse contact needs the host's address: an IP-hosted site has it; otherwise
    pass ``host_ip`` (e.g. the address the fetcher connected to) or ``resolve_network=True``
    (which resolves the name locally: not with a proxy, where DNS must go through the proxy).
    """
    host = (urlsplit(page_url).hostname or "").lower()
    key = site_key(page_url)
    contacts: list[Contact] = []
    errors: list[str] = []
    registrar_country: str | None = None

    site_contacts, site_errors = await find_site_contacts(fetcher, page_url, max_pages=max_pages)
    contacts += site_contacts
    errors += site_errors

    try:
        response = await fetcher.get(page_url)
    except FetchError as exc:
        errors.append(f"cdn check {page_url}: {exc.reason}")
    else:
        address = host.strip("[]") if is_ip(host) else host_ip
        found_cdn = detect(response.headers, address)
        if found_cdn is not None:
            contacts.append(cdn_contact(*found_cdn))

    found = await fetch_security_txt(fetcher, page_url)
    if found is not None:
        doc, url = found
        contacts += contacts_from(doc, url, now)

    if not is_ip(host):
        found_reg, registrar_country, reg_errors = await registrar_contacts(
            key, rdap, whois or WhoisClient(fetcher.guard, proxy=fetcher.proxy)
        )
        contacts += found_reg
        errors += reg_errors
    if rdap is not None:
        address = host.strip("[]") if is_ip(host) else host_ip
        if address is None and resolve_network:
            address = await _resolve(host)
        if address is not None:
            try:
                contacts += await rdap.network(address)
            except (RdapError, ValueError) as exc:
                errors.append(f"rdap network {address}: {exc}")

    unique: dict[tuple[str, str], Contact] = {}
    for contact in contacts:
        unique.setdefault((contact.address, contact.source), contact)
    return ContactSet(
        domain=key,
        contacts=tuple(unique.values()),
        registrar_country=registrar_country,
        errors=tuple(errors),
    )


async def cached_contacts(
    cache_: ContactCache,
    fetcher: Fetcher,
    page_url: str,
    *,
    now: datetime,
    rdap: RdapClient | None = None,
    host_ip: str | None = None,
    resolve_network: bool = False,
) -> ContactSet:
    """:func:`discover_contacts` through the per-domain cache."""
    hit = cache_.get(site_key(page_url))
    if hit is not None:
        return hit
    result = await discover_contacts(
        fetcher, page_url, now=now, rdap=rdap, host_ip=host_ip, resolve_network=resolve_network
    )
    cache_.put(result)
    return result
