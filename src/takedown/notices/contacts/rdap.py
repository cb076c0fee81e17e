"""RDAP: bootstrap (IANA format), the registrar's abuse contact of a domain, and a network's.

The bootstrap comes from a URL (``rdap_bootstrap_url``) or the bundled snapshot in ``data/``
(see its README). RDAP answers are plain JSON; contacts are read from jCard (RFC 7095) vCards.
"""

from __future__ import annotations

import functools
import ipaddress
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from takedown.fetch.http import Fetcher, FetchError
from takedown.notices.contacts.model import Contact, is_email

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_HEADERS = {"Accept": "application/rdap+json, application/json"}


class RdapError(Exception):
    """A bootstrap file or an RDAP answer that cannot be used."""


@dataclass(frozen=True)
class DomainBootstrap:
    """TLD → RDAP base URLs, from an IANA ``dns.json``."""

    services: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_json(cls, data: Any) -> DomainBootstrap:
        services: dict[str, tuple[str, ...]] = {}
        for tlds, urls in _service_entries(data):
            for tld in tlds:
                services[tld.lower().strip(".")] = urls
        return cls(services)

    def servers_for(self, domain: str) -> tuple[str, ...]:
        """Base URLs for the longest matching suffix of ``domain`` (empty when none)."""
        labels = domain.lower().strip(".").split(".")
        for i in range(len(labels)):
            urls = self.services.get(".".join(labels[i:]))
            if urls:
                return urls
        return ()


@dataclass(frozen=True)
class IpBootstrap:
    """CIDR → RDAP base URLs, from IANA ``ipv4.json``/``ipv6.json`` (both may be merged)."""

    services: tuple[tuple[IPNetwork, tuple[str, ...]], ...]

    @classmethod
    def from_json(cls, *documents: Any) -> IpBootstrap:
        services: list[tuple[IPNetwork, tuple[str, ...]]] = []
        for data in documents:
            for prefixes, urls in _service_entries(data):
                for prefix in prefixes:
                    try:
                        services.append((ipaddress.ip_network(prefix, strict=False), urls))
                    except ValueError as exc:
                        raise RdapError(f"bad prefix in IP bootstrap: {prefix!r}") from exc
        return cls(tuple(services))

    def servers_for(self, address: IPAddress) -> tuple[str, ...]:
        best: tuple[int, tuple[str, ...]] = (-1, ())
        for network, urls in self.services:
            if (
                address.version == network.version
                and address in network
                and network.prefixlen > best[0]
            ):
                best = (network.prefixlen, urls)
        return best[1]


def _service_entries(data: Any) -> Iterator[tuple[list[str], tuple[str, ...]]]:
    if not isinstance(data, dict) or not isinstance(data.get("services"), list):
        raise RdapError("not an IANA RDAP bootstrap file (no 'services' list)")
    for entry in data["services"]:
        if not (isinstance(entry, list) and len(entry) >= 2):
            raise RdapError("bad service entry in bootstrap file")
        keys, urls = entry[-2], entry[-1]
        if not all(isinstance(k, str) for k in keys) or not all(isinstance(u, str) for u in urls):
            raise RdapError("bad service entry in bootstrap file")
        # Prefer HTTPS servers, keep the others as fallbacks.
        ordered = sorted(urls, key=lambda u: not u.startswith("https://"))
        yield list(keys), tuple(u if u.endswith("/") else u + "/" for u in ordered)


@functools.cache
def _bundled(name: str) -> Any:
    text = resources.files("takedown.notices.contacts").joinpath("data", name).read_text("utf-8")
    return json.loads(text)


def bundled_domain_bootstrap() -> DomainBootstrap:
    """The snapshot shipped in ``data/dns.json`` (partial: see ``data/README.md``)."""
    return DomainBootstrap.from_json(_bundled("dns.json"))


def bundled_ip_bootstrap() -> IpBootstrap:
    return IpBootstrap.from_json(_bundled("ipv4.json"), _bundled("ipv6.json"))


async def _get_json(fetcher: Fetcher, url: str) -> Any | None:
    """The JSON document at ``url``; ``None`` for 404; RdapError otherwise."""
    try:
        response = await fetcher.get(url, kind="text", headers=_HEADERS)
    except FetchError as exc:
        raise RdapError(f"{url}: {exc.reason}") from exc
    if response.status == 404:
        return None
    if not response.ok:
        raise RdapError(f"{url}: HTTP {response.status}")
    try:
        return json.loads(response.content)
    except ValueError as exc:
        raise RdapError(f"{url}: not JSON") from exc


async def load_domain_bootstrap(fetcher: Fetcher, url: str | None) -> DomainBootstrap:
    """From ``url`` (the ``rdap_bootstrap_url`` setting) or, without one, the bundled snapshot."""
    if not url:
        return bundled_domain_bootstrap()
    data = await _get_json(fetcher, url)
    if data is None:
        raise RdapError(f"{url}: bootstrap file not found")
    return DomainBootstrap.from_json(data)


# --- jCard ----------------------------------------------------------------------------------


def _vcard_items(entity: Mapping[str, Any]) -> list[list[Any]]:
    card = entity.get("vcardArray")
    if isinstance(card, list) and len(card) == 2 and isinstance(card[1], list):
        return [item for item in card[1] if isinstance(item, list) and len(item) >= 4]
    return []


def vcard_emails(entity: Mapping[str, Any]) -> list[str]:
    out = []
    for item in _vcard_items(entity):
        if str(item[0]).lower() == "email" and isinstance(item[3], str):
            address = item[3].strip().removeprefix("mailto:").lower()
            if is_email(address):
                out.append(address)
    return out


def vcard_country(entity: Mapping[str, Any]) -> str | None:
    """The ISO country code of an entity's address: the ``cc`` parameter or a two-letter value."""
    for item in _vcard_items(entity):
        if str(item[0]).lower() != "adr":
            continue
        params = item[1] if isinstance(item[1], dict) else {}
        cc = params.get("cc")
        if isinstance(cc, str) and len(cc) == 2:
            return cc.upper()
        value = item[3]
        if isinstance(value, list) and value and isinstance(value[-1], str) and len(value[-1]) == 2:
            return value[-1].upper()
    return None


def vcard_name(entity: Mapping[str, Any]) -> str | None:
    for item in _vcard_items(entity):
        if str(item[0]).lower() == "fn" and isinstance(item[3], str):
            return item[3]
    return None


def _entities(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = obj.get("entities")
    return [e for e in items if isinstance(e, dict)] if isinstance(items, list) else []


def _roles(entity: Mapping[str, Any]) -> set[str]:
    roles = entity.get("roles")
    return {str(r).lower() for r in roles} if isinstance(roles, list) else set()


def _abuse_emails(holder: Mapping[str, Any]) -> list[str]:
    emails: list[str] = []
    for entity in _entities(holder):
        if "abuse" in _roles(entity):
            emails += vcard_emails(entity)
    return emails


@dataclass(frozen=True)
class RegistrarInfo:
    name: str | None
    country: str | None
    abuse: tuple[str, ...]


def registrar_of(domain_object: Mapping[str, Any]) -> RegistrarInfo | None:
    """The registrar entity of an RDAP domain object and its nested ``abuse`` e-mails."""
    for entity in _entities(domain_object):
        if "registrar" in _roles(entity):
            return RegistrarInfo(
                name=vcard_name(entity),
                country=vcard_country(entity),
                abuse=tuple(dict.fromkeys(_abuse_emails(entity))),
            )
    return None


def network_abuse(ip_network_object: Mapping[str, Any]) -> tuple[list[str], str | None]:
    """Abuse e-mails of an RDAP ip network object (top level or nested in its entities)."""
    emails = _abuse_emails(ip_network_object)
    for entity in _entities(ip_network_object):
        emails += _abuse_emails(entity)
    country = ip_network_object.get("country")
    return list(dict.fromkeys(emails)), country if isinstance(country, str) else None


@dataclass(frozen=True)
class DomainLookup:
    contacts: tuple[Contact, ...]
    registrar: RegistrarInfo | None
    url: str | None


class RdapClient:
    """Queries RDAP servers found through the bootstraps, via the fetcher (which applies the
    guard: the caller lists configured RDAP origins in the guard's allow list)."""

    def __init__(
        self,
        fetcher: Fetcher,
        domains: DomainBootstrap,
        networks: IpBootstrap | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._domains = domains
        self._networks = networks if networks is not None else bundled_ip_bootstrap()

    async def _first(self, servers: Sequence[str], path: str) -> tuple[Any | None, str | None]:
        if not servers:
            return None, None
        errors = []
        for base in servers:
            url = base + path
            try:
                return await _get_json(self._fetcher, url), url
            except RdapError as exc:
                errors.append(str(exc))
        raise RdapError("; ".join(errors))

    async def domain(self, domain: str) -> DomainLookup:
        """The registrar's abuse contacts of ``domain`` (a registrable name, e.g. example.com)."""
        name = domain.lower().strip(".")
        data, url = await self._first(self._domains.servers_for(name), f"domain/{name}")
        if not isinstance(data, dict) or url is None:
            return DomainLookup((), None, url)
        registrar = registrar_of(data)
        if registrar is None:
            return DomainLookup((), None, url)
        contacts = tuple(
            Contact(a, "rdap-registrar", url, note=registrar.name or "", country=registrar.country)
            for a in registrar.abuse
        )
        return DomainLookup(contacts, registrar, url)

    async def network(self, address: str) -> tuple[Contact, ...]:
        """The abuse contacts of the network holding ``address``."""
        ip = ipaddress.ip_address(address)
        data, url = await self._first(self._networks.servers_for(ip), f"ip/{ip}")
        if not isinstance(data, dict) or url is None:
            return ()
        emails, country = network_abuse(data)
        name = data.get("name")
        return tuple(
            Contact(a, "rdap-network", url, note=str(name or ""), country=country) for a in emails
        )
