"""security.txt (RFC 9116): parsing ``Contact``, ``Expires`` and ``Preferred-Languages``; fetching
``/.well-known/security.txt``, then ``/security.txt``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

from takedown.fetch.http import Fetcher, FetchError
from takedown.notices.contacts.model import Contact, is_email

PATHS = ("/.well-known/security.txt", "/security.txt")
_MAX_BYTES = 32 * 1024


@dataclass(frozen=True)
class SecurityTxt:
    contacts: tuple[str, ...]
    expires: datetime | None
    preferred_languages: tuple[str, ...]
    signed: bool = False

    def is_expired(self, now: datetime) -> bool:
        return self.expires is not None and self.expires <= now


def _strip_signature(text: str) -> tuple[str, bool]:
    """The signed content of an OpenPGP cleartext-signed file, without dash-escaping."""
    if "-----BEGIN PGP SIGNED MESSAGE-----" not in text:
        return text, False
    lines = text.splitlines()
    out: list[str] = []
    state = "armor"
    for line in lines:
        if state == "armor":
            if line.startswith("-----BEGIN PGP SIGNED MESSAGE-----"):
                state = "headers"
        elif state == "headers":
            if not line.strip():
                state = "body"
        elif state == "body":
            if line.startswith("-----BEGIN PGP SIGNATURE-----"):
                break
            out.append(line[2:] if line.startswith("- ") else line)
    return "\n".join(out), True


def _parse_expires(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def parse_security_txt(text: str) -> SecurityTxt:
    """Parse the fields we use; unknown fields, comments and bad lines are ignored."""
    body, signed = _strip_signature(text)
    contacts: list[str] = []
    expires: datetime | None = None
    languages: list[str] = []
    for raw in body.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or ":" not in line:
            continue
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "contact" and value:
            contacts.append(value)
        elif name == "expires" and expires is None:
            expires = _parse_expires(value)
        elif name == "preferred-languages" and not languages:
            languages = [v.strip() for v in value.split(",") if v.strip()]
    return SecurityTxt(tuple(contacts), expires, tuple(languages), signed)


def email_of(contact_uri: str) -> str | None:
    """The address of a ``mailto:`` URI (or a bare address, which some files use); else None."""
    value = contact_uri.strip()
    if value[:7].lower() == "mailto:":
        value = unquote(value[7:]).split("?", 1)[0]
    return value if is_email(value) else None


def contacts_from(doc: SecurityTxt, found_at: str, now: datetime) -> list[Contact]:
    """E-mail contacts of a parsed file; an expired file is used but noted."""
    note = ""
    if doc.is_expired(now) and doc.expires is not None:
        note = f"security.txt expired on {doc.expires.date().isoformat()}"
    elif doc.expires is None:
        note = "security.txt has no valid Expires field"
    others = [c for c in doc.contacts if email_of(c) is None]
    if others:
        note = "; ".join(filter(None, (note, "other contacts: " + ", ".join(others))))
    out: list[Contact] = []
    for uri in doc.contacts:
        address = email_of(uri)
        if address is not None and all(c.address != address.lower() for c in out):
            out.append(
                Contact(
                    address=address.lower(),
                    source="security.txt",
                    found_at=found_at,
                    note=note,
                    languages=doc.preferred_languages,
                )
            )
    return out


def _looks_like_security_txt(content: bytes, media_type: str) -> bool:
    # Many sites answer every path with 200 and their HTML home page.
    head = content[:512].lower()
    return "html" not in media_type and b"<html" not in head and b"contact:" in content.lower()


async def fetch_security_txt(fetcher: Fetcher, site_url: str) -> tuple[SecurityTxt, str] | None:
    """The first security.txt found at the site's origin, with the URL it came from."""
    parts = urlsplit(site_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    for path in PATHS:
        url = origin + path
        try:
            response = await fetcher.get(url, kind="text")
        except FetchError:
            continue
        content = response.content[:_MAX_BYTES]
        if response.ok and _looks_like_security_txt(content, response.media_type):
            return parse_security_txt(content.decode("utf-8", "replace")), response.final_url
    return None
