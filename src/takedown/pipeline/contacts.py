"""Abuse contacts per site, discovered once and kept in the Contact table until they expire."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from sqlalchemy import delete, select

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher
from takedown.notices.contacts.discover import site_key
from takedown.notices.contacts.model import Contact as FoundContact
from takedown.notices.contacts.model import ContactSet, ContactSource
from takedown.notices.contacts.rdap import (
    IpBootstrap,
    RdapClient,
    bundled_domain_bootstrap,
    load_domain_bootstrap,
)
from takedown.pipeline.services import Services, fetch_limits
from takedown.store.base import utcnow
from takedown.store.db import Database
from takedown.store.tables import Contact

TTL = timedelta(days=7)
ERROR_TTL = timedelta(hours=1)
Discover = Callable[..., Coroutine[Any, Any, ContactSet]]


def _origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


def infra_fetcher(svc: Services) -> tuple[Fetcher, RdapClient]:
    """RDAP is configured infrastructure: its servers are exempt from the guard, nothing else."""
    settings = svc.settings

    async def make() -> _Infra:
        allow = list(settings.fetch_allow)
        configured = [
            u for u in (settings.rdap_bootstrap_url, *settings.rdap_ip_bootstrap_urls) if u
        ]
        limits = fetch_limits(settings)
        plain = Fetcher(
            guard=UrlGuard(allow=[*allow, *{_origin(u) for u in configured}]),
            proxy=settings.proxy,
            user_agent=settings.user_agent,
            limits=limits,
        )
        url = settings.rdap_bootstrap_url
        try:
            boot = await load_domain_bootstrap(plain, url) if url else bundled_domain_bootstrap()
            ips = await _ip_bootstrap(plain, settings.rdap_ip_bootstrap_urls)
        finally:
            await plain.aclose()
        # Configured bootstraps name the center's own RDAP servers: infrastructure, exempt.
        servers: set[str] = {_origin(u) for u in configured}
        if url:
            servers |= {_origin(u) for urls in boot.services.values() for u in urls}
        if ips is not None and settings.rdap_ip_bootstrap_urls:
            servers |= {_origin(u) for _net, urls in ips.services for u in urls}
        guard = UrlGuard(allow=[*allow, *sorted(servers)])
        fetcher = Fetcher(
            guard=guard, proxy=settings.proxy, user_agent=settings.user_agent, limits=limits
        )
        return _Infra(fetcher, RdapClient(fetcher, boot, ips))

    infra: _Infra = svc.on_loop("rdap", make)
    return infra.fetcher, infra.rdap


async def _ip_bootstrap(fetcher: Fetcher, urls: list[str]) -> IpBootstrap | None:
    if not urls:
        return None  # RdapClient falls back to the bundled snapshot
    documents = []
    for url in urls:
        resp = await fetcher.get(url, kind="text")
        if resp.status != 200:
            raise ValueError(f"RDAP IP bootstrap {url} answered {resp.status}")
        documents.append(json.loads(resp.content))
    return IpBootstrap.from_json(*documents)


class _Infra:
    def __init__(self, fetcher: Fetcher, rdap: RdapClient) -> None:
        self.fetcher = fetcher
        self.rdap = rdap

    async def aclose(self) -> None:
        await self.fetcher.aclose()


def _to_rows(found: ContactSet) -> list[Contact]:
    now = utcnow()
    ttl = TTL if found.contacts else ERROR_TTL
    rows = [
        Contact(
            domain=found.domain,
            address=c.address,
            source=c.source,
            source_url=c.found_at,
            rank=i,
            detail={
                "note": c.note,
                "languages": list(c.languages),
                "country": c.country,
                "registrar_country": found.registrar_country,
            },
            fetched_at=now,
            expires_at=now + ttl,
        )
        for i, c in enumerate(found.contacts)
    ]
    if not rows:  # remember "nothing found" too, for a shorter time
        rows = [
            Contact(
                domain=found.domain,
                address="",
                source="none",
                rank=0,
                detail={"errors": list(found.errors), "registrar_country": found.registrar_country},
                fetched_at=now,
                expires_at=now + ttl,
            )
        ]
    return rows


def _from_rows(domain: str, rows: list[Contact]) -> ContactSet:
    contacts = tuple(
        FoundContact(
            address=r.address,
            source=cast(ContactSource, r.source),
            found_at=r.source_url or "",
            note=r.detail.get("note", ""),
            languages=tuple(r.detail.get("languages", [])),
            country=r.detail.get("country"),
        )
        for r in sorted(rows, key=lambda r: r.rank)
        if r.address
    )
    country = next((r.detail.get("registrar_country") for r in rows if r.detail), None)
    return ContactSet(domain=domain, contacts=contacts, registrar_country=country)


def lookup(db: Database, svc: Services, page_url: str, discover: Discover) -> ContactSet:
    domain = site_key(page_url)
    now = utcnow()
    with db.session() as s:
        rows = list(s.execute(select(Contact).where(Contact.domain == domain)).scalars())
        if rows and all(r.expires_at > now for r in rows):
            return _from_rows(domain, rows)
    _, rdap = infra_fetcher(svc)
    found: ContactSet = svc.run(discover(svc.fetcher, page_url, now=now, rdap=rdap), timeout=300)
    with db.session() as s:
        s.execute(delete(Contact).where(Contact.domain == domain))
        s.add_all(_to_rows(found))
    return found
