"""Abuse contacts, where each one came from, and a per-domain cache with an expiry."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

ContactSource = Literal[
    "site",
    "security.txt",
    "rdap-registrar",
    "rdap-network",
    "whois-registrar",
    "whois-network",
    "cdn",
    "manual",
]
# The order in which contacts are tried; escalation walks it towards the end.
SOURCE_ORDER: tuple[ContactSource, ...] = (
    "site",
    "security.txt",
    "cdn",
    "rdap-network",
    "whois-network",
    "rdap-registrar",
    "whois-registrar",
)

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")


def is_email(value: str) -> bool:
    """A plausible single address (no display name, no list), with a dotted domain."""
    return bool(_EMAIL.match(value)) and "." in value.rsplit("@", 1)[1] and len(value) <= 254


@dataclass(frozen=True)
class Contact:
    """An address to send a request to.

    ``found_at`` is the URL it was read from; ``note`` says anything the officer should know
    (e.g. "security.txt expired 2024-01-01"); ``languages`` are the languages it prefers.
    """

    address: str
    source: ContactSource
    found_at: str
    note: str = ""
    languages: tuple[str, ...] = ()
    country: str | None = None


@dataclass(frozen=True)
class ContactSet:
    """Every contact found for one site, in the order of :data:`SOURCE_ORDER`, plus facts found."""

    domain: str
    contacts: tuple[Contact, ...] = ()
    registrar_country: str | None = None
    errors: tuple[str, ...] = field(default=())

    @property
    def primary(self) -> Contact | None:
        """The first address to write to: the site's own, then security.txt, then RDAP."""
        for source in (
            "site",
            "security.txt",
            "rdap-registrar",
            "whois-registrar",
            "rdap-network",
            "whois-network",
            "cdn",
        ):
            for contact in self.contacts:
                if contact.source == source:
                    return contact
        return None

    def by_source(self, source: ContactSource) -> Sequence[Contact]:
        return [c for c in self.contacts if c.source == source]


Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class ContactCache:
    """Contacts per domain, each entry kept for ``ttl``. In memory; the caller may persist
    :meth:`items` and :meth:`put` them back with their original time."""

    def __init__(self, ttl: timedelta = timedelta(days=7), clock: Clock = utc_now) -> None:
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[str, tuple[datetime, ContactSet]] = {}

    def get(self, domain: str) -> ContactSet | None:
        entry = self._entries.get(domain.lower())
        if entry is None:
            return None
        stored_at, contacts = entry
        if self._clock() - stored_at >= self._ttl:
            del self._entries[domain.lower()]
            return None
        return contacts

    def put(self, contacts: ContactSet, stored_at: datetime | None = None) -> None:
        self._entries[contacts.domain.lower()] = (stored_at or self._clock(), contacts)

    def items(self) -> list[tuple[datetime, ContactSet]]:
        return list(self._entries.values())
