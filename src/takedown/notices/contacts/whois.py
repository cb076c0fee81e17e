"""WHOIS (port 43, RFC 3912) as the fallback for the many ccTLDs without RDAP (kr, jp, cn, ru, vn...).

Through the guard like every other request: with a proxy configured, the connection goes through
it (SOCKS5 or HTTP CONNECT; the name is resolved at the proxy, so only literal addresses and local
names are refused here); without one, the server's name is resolved here and every address is
checked, and the connection goes to the checked address. Only origins on the allow list
(``whois://host:port``, e.g. a test server on 127.0.0.1) are exempt, as for RDAP.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from takedown.fetch.guard import BlockedUrl, UrlGuard
from takedown.fetch.upstream import Upstream, open_tunnel
from takedown.notices.contacts.model import Contact, is_email

# WHOIS servers of the ccTLDs this center meets most (IANA's root database lists them; the
# rest are found through whois.iana.org's "refer:" answer). Dated: 2026-12-04.
WHOIS_SERVERS: Mapping[str, str] = {
    "kr": "whois.kr",
    "jp": "whois.jprs.jp",
    "cn": "whois.cnnic.cn",
    "ru": "whois.tcinet.ru",
    "su": "whois.tcinet.ru",
    "xn--p1ai": "whois.tcinet.ru",
    "tw": "whois.twnic.net.tw",
    "hk": "whois.hkirc.hk",
    "de": "whois.denic.de",
    "uk": "whois.nic.uk",
}
IANA_WHOIS = "whois.iana.org"
MAX_ANSWER = 256 * 1024
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_ABUSE_KEY = re.compile(r"abuse", re.IGNORECASE)
_ADMIN_KEY = re.compile(r"(e-?mail|전자우편|メールアドレス|邮箱|电子邮件)", re.IGNORECASE)
_COUNTRY_KEY = re.compile(
    r"^(registrant country|country|국가)\s*[:：]\s*([A-Za-z]{2})\s*$", re.I | re.M
)
_REFER = re.compile(r"^(refer|whois|registrar whois server)\s*:\s*(\S+)\s*$", re.I | re.M)


class WhoisError(Exception):
    """A WHOIS server that cannot be used (refused by the guard, unreachable, no answer)."""


@dataclass(frozen=True)
class WhoisAnswer:
    server: str
    text: str
    contacts: tuple[Contact, ...] = ()
    country: str | None = None
    referral: str | None = None


def parse_answer(text: str, source_url: str) -> WhoisAnswer:
    """Abuse addresses first; without one, the record's other addresses (noted as such)."""
    abuse: list[str] = []
    other: list[str] = []
    for line in text.splitlines():
        if line.lstrip().startswith(("%", "#", ">>>")):
            continue
        key, _, value = line.partition(":")
        emails = [e.rstrip(".").lower() for e in _EMAIL.findall(value or line)]
        emails = [e for e in emails if is_email(e)]
        if not emails:
            continue
        target = abuse if _ABUSE_KEY.search(key) else other if _ADMIN_KEY.search(key) else None
        if target is not None:
            target.extend(e for e in emails if e not in target)
    country_match = _COUNTRY_KEY.search(text)
    country = country_match.group(2).lower() if country_match else None
    contacts = [Contact(a, "whois-registrar", source_url, country=country) for a in abuse]
    if not contacts:
        contacts = [
            Contact(
                a,
                "whois-registrar",
                source_url,
                note="address of the WHOIS record (no abuse contact listed)",
                country=country,
            )
            for a in other
        ]
    refer = _REFER.search(text)
    return WhoisAnswer(
        "", text, tuple(contacts), country, refer.group(2).lower() if refer else None
    )


@dataclass
class WhoisClient:
    """Asks the WHOIS server of a domain's TLD (or IANA's referral) for its contacts.

    ``servers`` overrides :data:`WHOIS_SERVERS` (a TLD → ``host`` or ``host:port``).
    """

    guard: UrlGuard
    proxy: str | None = None
    servers: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 15.0

    def server_for(self, domain: str) -> str:
        tld = domain.lower().strip(".").rsplit(".", 1)[-1]
        return self.servers.get(tld) or WHOIS_SERVERS.get(tld) or IANA_WHOIS

    async def domain(self, domain: str) -> WhoisAnswer:
        """The contacts of ``domain``; follows one referral (IANA → the TLD's server)."""
        name = domain.lower().strip(".").encode("idna").decode("ascii")
        server = self.server_for(name)
        answer = await self._ask(server, name)
        if not answer.contacts and answer.referral and answer.referral != server:
            answer = await self._ask(answer.referral, name)
        return answer

    async def _ask(self, server: str, query: str) -> WhoisAnswer:
        host, port = _split(server)
        text = await self.query(host, port, query)
        found = parse_answer(text, f"whois://{host}:{port}/{query}")
        return WhoisAnswer(f"{host}:{port}", text, found.contacts, found.country, found.referral)

    async def query(self, host: str, port: int, query: str) -> str:
        if "\r" in query or "\n" in query:
            raise WhoisError("bad WHOIS query")
        try:
            reader, writer = await asyncio.wait_for(self._connect(host, port), self.timeout)
        except BlockedUrl as exc:
            raise WhoisError(f"whois {host}:{port} refused: {exc.reason}") from exc
        except (OSError, TimeoutError) as exc:
            raise WhoisError(f"whois {host}:{port}: {exc or 'timeout'}") from exc
        try:
            writer.write(query.encode("ascii") + b"\r\n")
            await writer.drain()
            chunks: list[bytes] = []
            size = 0
            while size < MAX_ANSWER:
                chunk = await asyncio.wait_for(reader.read(65536), self.timeout)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except (OSError, TimeoutError) as exc:
            raise WhoisError(f"whois {host}:{port}: {exc or 'timeout'}") from exc
        finally:
            writer.close()
        return _decode(b"".join(chunks)[:MAX_ANSWER])

    async def _connect(
        self, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        origin = f"whois://{host}:{port}"
        as_url = f"http://{_bracket(host)}:{port}/"
        if self.guard.is_exempt(origin):
            return await asyncio.open_connection(host, port)
        if self.proxy:
            self.guard.check_literal(as_url)
            return await _via_proxy(self.proxy, host, port)
        addresses = await asyncio.to_thread(UrlGuard.resolve, as_url, host, port)
        for ip in addresses:
            self.guard.check_address(as_url, ip)
        return await asyncio.open_connection(str(addresses[0]), port)


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _split(server: str) -> tuple[str, int]:
    if server.count(":") == 1:
        host, _, port = server.partition(":")
        return host, int(port)
    return server, 43


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8", "euc-kr", "shift_jis", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


CONNECT_TIMEOUT = 15.0  # the client's own timeout bounds the whole exchange too


async def _via_proxy(
    proxy: str, host: str, port: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP stream to host:port through the configured proxy (SOCKS5 or HTTP CONNECT): the
    same tunnel the guard proxy opens to its upstream."""
    try:
        upstream = Upstream.parse(proxy)
        return await open_tunnel(upstream, host, port, timeout=CONNECT_TIMEOUT)
    except (ValueError, OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
        raise WhoisError(f"proxy: {exc}") from exc


__all__ = [
    "IANA_WHOIS",
    "WHOIS_SERVERS",
    "WhoisAnswer",
    "WhoisClient",
    "WhoisError",
    "parse_answer",
]
