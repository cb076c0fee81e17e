"""Open a TCP tunnel through an upstream proxy (HTTP CONNECT, SOCKS5, SOCKS5h) for the guard proxy.

With ``TAKEDOWN_PROXY`` set (Tor, a VPN exit), the guard proxy still checks every connection the
browser asks for, then reaches the target through this upstream instead of directly. ``socks5h``
and HTTP CONNECT hand the name to the proxy (no local DNS); ``socks5`` sends the address the
guard resolved and checked.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import struct
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

SCHEMES = ("http", "socks5", "socks5h")


class UpstreamError(OSError):
    """The upstream proxy refused or failed; the message says how."""


@dataclass(frozen=True)
class Upstream:
    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> Upstream:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES or not parts.hostname:
            raise ValueError(f"upstream proxy must be one of {', '.join(SCHEMES)}: {url!r}")
        port = parts.port or (1080 if scheme.startswith("socks") else 8080)
        return cls(
            scheme,
            parts.hostname,
            port,
            unquote(parts.username) if parts.username else None,
            unquote(parts.password or "") if parts.username else None,
        )

    @property
    def resolves_names(self) -> bool:
        """Whether the proxy, not us, resolves target names."""
        return self.scheme != "socks5"

    @property
    def label(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


async def open_tunnel(
    upstream: Upstream, host: str, port: int, *, timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A stream to ``host:port`` through ``upstream``, ready for the client's bytes."""
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(upstream.host, upstream.port), timeout
    )
    try:
        async with asyncio.timeout(timeout):
            if upstream.scheme == "http":
                await _http_connect(upstream, reader, writer, host, port)
            else:
                await _socks5(upstream, reader, writer, host, port)
    except BaseException:
        writer.close()
        raise
    return reader, writer


async def _http_connect(
    upstream: Upstream,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    host: str,
    port: int,
) -> None:
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
    if upstream.username is not None:
        token = base64.b64encode(f"{upstream.username}:{upstream.password}".encode()).decode()
        lines.append(f"Proxy-Authorization: Basic {token}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split(b" ", 2)
    if len(status) < 2 or status[1] != b"200":
        raise UpstreamError(f"upstream proxy refused CONNECT: {head[:100]!r}")


async def _socks5(
    upstream: Upstream,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    host: str,
    port: int,
) -> None:
    methods = b"\x00\x02" if upstream.username is not None else b"\x00"
    writer.write(b"\x05" + bytes([len(methods)]) + methods)
    await writer.drain()
    version, method = await reader.readexactly(2)
    if version != 5 or method == 0xFF:
        raise UpstreamError("SOCKS5 proxy accepts none of our authentication methods")
    if method == 2:
        user = (upstream.username or "").encode()
        password = (upstream.password or "").encode()
        writer.write(b"\x01" + bytes([len(user)]) + user + bytes([len(password)]) + password)
        await writer.drain()
        if (await reader.readexactly(2))[1] != 0:
            raise UpstreamError("SOCKS5 proxy refused the credentials")
    try:
        ip = ipaddress.ip_address(host)
        address = (b"\x01" if ip.version == 4 else b"\x04") + ip.packed
    except ValueError:
        name = host.encode("idna")
        address = b"\x03" + bytes([len(name)]) + name
    writer.write(b"\x05\x01\x00" + address + struct.pack("!H", port))
    await writer.drain()
    reply = await reader.readexactly(4)
    if reply[1] != 0:
        raise UpstreamError(f"SOCKS5 proxy could not connect (code {reply[1]})")
    kind = reply[3]
    size = 4 if kind == 1 else 16 if kind == 4 else (await reader.readexactly(1))[0]
    await reader.readexactly(size + 2)
