"""A source's session cookies: a small jar, sealed with the vault when stored.

The jar holds what the browser steps left (Playwright's cookie records) and what later answers
set; it sends each request the cookies its host and path match, and drops expired ones. At rest
it is AES-GCM sealed (:class:`takedown.evidence.vault.Vault`) and bound to its source, so a
copied column does not open for another source.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from takedown.evidence.vault import Vault, VaultError

__all__ = ["Cookie", "CookieJar", "seal_json", "unseal_json"]


@dataclass(frozen=True)
class Cookie:
    name: str
    value: str
    domain: str
    path: str = "/"
    expires: float | None = None  # epoch seconds; None: a session cookie

    def matches(self, host: str, path: str) -> bool:
        domain = self.domain.lstrip(".").lower()
        host_ok = host == domain or host.endswith("." + domain)
        return host_ok and path.startswith(self.path or "/")

    def expired(self, now: float) -> bool:
        return self.expires is not None and self.expires > 0 and self.expires <= now


class CookieJar:
    """Cookies by (domain, path, name)."""

    def __init__(self, cookies: Iterable[Cookie] = ()) -> None:
        self._cookies: dict[tuple[str, str, str], Cookie] = {}
        for cookie in cookies:
            self.set(cookie)

    def __len__(self) -> int:
        return len(self._cookies)

    def set(self, cookie: Cookie) -> None:
        key = (cookie.domain.lstrip(".").lower(), cookie.path or "/", cookie.name)
        if cookie.expired(time.time()):
            self._cookies.pop(key, None)
        else:
            self._cookies[key] = cookie

    def clear(self) -> None:
        self._cookies.clear()

    def header(self, url: str, now: float | None = None) -> str | None:
        """The ``Cookie`` header for ``url``, or None when no live cookie applies."""
        now = time.time() if now is None else now
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        path = parts.path or "/"
        live = [c for c in self._cookies.values() if not c.expired(now) and c.matches(host, path)]
        live.sort(key=lambda c: -len(c.path))
        return "; ".join(f"{c.name}={c.value}" for c in live) or None

    def update_from_response(self, url: str, set_cookie: str | None) -> None:
        """Take the ``Set-Cookie`` values of an answer (the fetcher joins them with ", ")."""
        if not set_cookie:
            return
        host = (urlsplit(url).hostname or "").lower()
        for chunk in _split_set_cookie(set_cookie):
            parsed: SimpleCookie = SimpleCookie()
            try:
                parsed.load(chunk)
            except CookieError:
                continue
            for name, morsel in parsed.items():
                expires: float | None = None
                if morsel["max-age"]:
                    try:
                        expires = time.time() + int(morsel["max-age"])
                    except ValueError:
                        expires = None
                cookie = Cookie(
                    name, morsel.value, morsel["domain"] or host, morsel["path"] or "/", expires
                )
                if expires is not None and expires <= time.time():
                    self._cookies.pop((cookie.domain.lstrip(".").lower(), cookie.path, name), None)
                else:
                    self.set(cookie)

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "name": c.name,
                "value": c.value,
                "domain": c.domain,
                "path": c.path,
                "expires": c.expires,
            }
            for c in self._cookies.values()
        ]

    @classmethod
    def from_json(cls, data: Iterable[Mapping[str, Any]]) -> CookieJar:
        """From stored records or Playwright's ``context.cookies()`` (expires -1: session)."""
        cookies = []
        for item in data:
            if not isinstance(item, Mapping) or not item.get("name"):
                continue
            raw = item.get("expires")
            expires = float(raw) if isinstance(raw, int | float) and raw > 0 else None
            cookies.append(
                Cookie(
                    str(item["name"]),
                    str(item.get("value", "")),
                    str(item.get("domain", "")),
                    str(item.get("path") or "/"),
                    expires,
                )
            )
        return cls(cookies)


def _split_set_cookie(joined: str) -> list[str]:
    """Split joined Set-Cookie values at the commas that start a new cookie (not in Expires)."""
    out: list[str] = []
    for piece in joined.split(", "):
        head = piece.split(";", 1)[0]
        if out and "=" not in head:  # "Expires=Wed, 21 Oct 2026 ..." was split at its comma
            out[-1] += ", " + piece
        else:
            out.append(piece)
    return out


def seal_json(vault: Vault, source_id: int, what: str, data: Any) -> str:
    """``data`` as JSON, sealed for ``source_id`` and purpose ``what``, base64 text."""
    blob = vault.encrypt(json.dumps(data).encode(), evidence_key=f"source-{source_id}", name=what)
    return base64.b64encode(blob).decode("ascii")


def unseal_json(vault: Vault, source_id: int, what: str, sealed: str | None) -> Any:
    """The sealed data, or None when nothing is stored; VaultError when it does not open."""
    if not sealed:
        return None
    try:
        blob = base64.b64decode(sealed, validate=True)
    except ValueError as exc:
        raise VaultError(f"source {source_id} {what}: not base64") from exc
    return json.loads(vault.decrypt(blob, evidence_key=f"source-{source_id}", name=what))
