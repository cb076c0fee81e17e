"""security.txt parsing and fetching (RFC 9116)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher
from takedown.notices.contacts.securitytxt import (
    contacts_from,
    fetch_security_txt,
    parse_security_txt,
)
from tests.notices.conftest import Site

NOW = datetime(2026, 11, 21, tzinfo=UTC)

GOOD = """# Our security policy
Contact: mailto:security@site.test
Contact: https://site.test/report-form
contact: abuse@site.test
Expires: 2027-06-30T23:00:00.000Z
Preferred-Languages: ja, en
Policy: https://site.test/policy
"""

SIGNED = """-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA256

Contact: mailto:signed@site.test
Expires: 2025-01-01T00:00:00Z
- -----not a header-----
-----BEGIN PGP SIGNATURE-----

iQEzBAEBCAAdFiEE
-----END PGP SIGNATURE-----
"""


def test_parse_fields() -> None:
    doc = parse_security_txt(GOOD)
    assert doc.contacts == (
        "mailto:security@site.test",
        "https://site.test/report-form",
        "abuse@site.test",
    )
    assert doc.expires == datetime(2027, 6, 30, 23, 0, tzinfo=UTC)
    assert doc.preferred_languages == ("ja", "en")
    contacts = contacts_from(doc, "https://site.test/.well-known/security.txt", NOW)
    assert [c.address for c in contacts] == ["security@site.test", "abuse@site.test"]
    assert all(c.source == "security.txt" and c.languages == ("ja", "en") for c in contacts)
    assert "report-form" in contacts[0].note


def test_signed_and_expired_file_is_used_but_noted() -> None:
    doc = parse_security_txt(SIGNED)
    assert doc.signed
    assert doc.contacts == ("mailto:signed@site.test",)
    assert doc.is_expired(NOW)
    (contact,) = contacts_from(doc, "u", NOW)
    assert contact.note.startswith("security.txt expired on 2025-01-01")


def test_garbage_yields_nothing() -> None:
    doc = parse_security_txt("\x00\x01 binary junk\nExpires: someday\nContact:\n")
    assert doc.contacts == () and doc.expires is None
    assert contacts_from(doc, "u", NOW) == []


def test_fetch_tries_well_known_then_root(make_site: Callable[[], Site]) -> None:
    site = make_site()
    # A site that answers every path with its HTML home page must not count as having one.
    site.html("/.well-known/security.txt", "<html><body>Contact: nobody</body></html>")
    site.text("/security.txt", "Contact: mailto:root@site.test\n")

    async def main() -> object:
        async with Fetcher(guard=UrlGuard(allow=[site.origin])) as fetcher:
            return await fetch_security_txt(fetcher, site.url("/some/page"))

    found = asyncio.run(main())
    assert found is not None
    doc, url = found  # type: ignore[misc]
    assert url == site.url("/security.txt")
    assert doc.contacts == ("mailto:root@site.test",)
    assert site.paths() == ["/.well-known/security.txt", "/security.txt"]


def test_fetch_none_when_absent(make_site: Callable[[], Site]) -> None:
    site = make_site()

    async def main() -> object:
        async with Fetcher(guard=UrlGuard(allow=[site.origin])) as fetcher:
            return await fetch_security_txt(fetcher, site.url("/"))

    assert asyncio.run(main()) is None
