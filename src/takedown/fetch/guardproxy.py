"""A local forward proxy that puts the SSRF guard on every connection the browser opens.

Playwright's request routing never sees redirect hops, so a page could redirect Chromium to a
private address. All browser traffic goes through this proxy instead: it checks the URL with the
guard, resolves the host itself, checks the address it is about to connect to (no DNS rebinding
window) and only then connects. Refusals answer 403 with ``X-Takedown-Blocked`` and are kept for
the browser to record.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import socket
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Final, Protocol
from urllib.parse import urlsplit

from takedown.fetch.tlsfacts import CertificateFacts, probe_certificate
from takedown.fetch.upstream import Upstream, open_tunnel

MAX_HEAD: Final = 64 * 1024
BLOCK_HEADER: Final = "X-Takedown-Blocked"
UNREACHABLE_HEADER: Final = "X-Takedown-Unreachable"


_REASONS: Final = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}


class ConnectGuard(Protocol):
    """What the proxy needs of :class:`takedown.fetch.guard.UrlGuard`."""

    def check(self, url: str) -> None: ...

    def check_literal(self, url: str) -> None: ...

    def check_address(
        self, url: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    ) -> None: ...


class RefusedError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Connection:
    """Where the proxy really connected for one ``host:port``: evidence network facts."""

    host: str
    port: int
    # The address and port the proxy's socket connected to (the upstream proxy's, if chained).
    peer_ip: str
    peer_port: int
    # What the host resolved to at connect time (empty when the upstream proxy resolves it).
    dns_answers: tuple[str, ...] = ()
    upstream: str | None = None
    # The certificate the server at that address presented (CONNECT tunnels to TLS servers).
    certificate: CertificateFacts | None = None


class GuardProxy:
    """``await start()`` binds 127.0.0.1:0; ``url`` is what Chromium's ``--proxy-server`` gets.

    With ``upstream`` (an ``http://``, ``socks5://`` or ``socks5h://`` URL) every checked
    connection is tunnelled through that proxy instead of opened directly.
    """

    def __init__(
        self,
        guard: ConnectGuard,
        *,
        upstream: str | None = None,
        connect_timeout: float = 10.0,
        keep_blocked: int = 1000,
    ) -> None:
        self._guard = guard
        self._upstream = Upstream.parse(upstream) if upstream else None
        self._connect_timeout = connect_timeout
        self._keep = keep_blocked
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # "host:port" or URL -> reason, most recent last; the browser looks refusals up here.
        self.blocked: OrderedDict[str, str] = OrderedDict()
        # "host:port" -> the last connection made for it, most recent last.
        self.connections: OrderedDict[str, Connection] = OrderedDict()
        self.certificates: dict[str, CertificateFacts] = {}
        self._probes: dict[str, asyncio.Task[None]] = {}

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("proxy not started")
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self.url

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in [*self._tasks, *self._probes.values()]:
                task.cancel()
            await asyncio.gather(*self._tasks, *self._probes.values(), return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    def reason_for(self, url: str) -> str | None:
        """Why a request to ``url`` (or its host and port) was refused, if it was."""
        if url in self.blocked:
            return self.blocked[url]
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return self.blocked.get(f"{parts.hostname}:{port}")

    def connection_for(self, url: str) -> Connection | None:
        """The connection the proxy last opened for the host and port of ``url``."""
        parts = urlsplit(url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return None
        key = f"{parts.hostname}:{port}"
        connection = self.connections.get(key)
        if connection is not None and key in self.certificates:
            connection = replace(connection, certificate=self.certificates[key])
        return connection

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait for the certificate probes still running."""
        pending = [task for task in self._probes.values() if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    def _probe_tls(self, connection: Connection) -> None:
        key = f"{connection.host}:{connection.port}"
        if key in self._probes or len(self._probes) >= self._keep:
            return

        async def probe() -> None:
            try:
                if connection.upstream is not None and self._upstream is not None:
                    target = connection.dns_answers[0] if connection.dns_answers else None
                    reader, writer = await open_tunnel(
                        self._upstream,
                        target or connection.host,
                        connection.port,
                        timeout=self._connect_timeout,
                    )
                else:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(connection.peer_ip, connection.peer_port),
                        self._connect_timeout,
                    )
            except (OSError, TimeoutError):
                return
            facts = await probe_certificate(reader, writer, connection.host)
            if facts is not None:
                self.certificates[key] = facts

        self._probes[key] = asyncio.ensure_future(probe())

    def _remember_connection(self, connection: Connection) -> None:
        key = f"{connection.host}:{connection.port}"
        self.connections[key] = connection
        self.connections.move_to_end(key)
        while len(self.connections) > self._keep:
            self.connections.popitem(last=False)

    def _remember(self, key: str, reason: str) -> None:
        self.blocked[key] = reason
        self.blocked.move_to_end(key)
        while len(self.blocked) > self._keep:
            self.blocked.popitem(last=False)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._handle(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()
            if task is not None:
                self._tasks.discard(task)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > MAX_HEAD:
            return
        request_line, _, rest = head.partition(b"\r\n")
        method, target, version = request_line.decode("latin-1").split(" ", 2)
        if method == "CONNECT":
            host, _, port_text = target.rpartition(":")
            host = host.strip("[]")
            url, port = f"https://{host}:{port_text}/", int(port_text)
            key = f"{host}:{port}"
        else:
            parts = urlsplit(target)
            if parts.scheme != "http" or not parts.hostname:
                await _answer(writer, 400, "absolute http URL expected")
                return
            host, port, url, key = parts.hostname, parts.port or 80, target, target
        # A plain http request behind an HTTP upstream is forwarded in absolute form, as
        # browsers do (many HTTP proxies allow CONNECT to port 443 only).
        forward = method != "CONNECT" and self._upstream is not None
        forward = forward and self._upstream is not None and self._upstream.scheme == "http"
        try:
            upstream_reader, upstream_writer = await self._connect(url, host, port, forward=forward)
        except RefusedError as exc:
            self._remember(key, exc.reason)
            await _answer(writer, 403, exc.reason, header=BLOCK_HEADER)
            return
        except OSError as exc:
            await _answer(writer, 502, str(exc), header=UNREACHABLE_HEADER)
            return
        try:
            if method == "CONNECT":
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await writer.drain()
                connection = self.connections.get(key)
                if connection is not None:
                    self._probe_tls(connection)
            else:
                upstream_writer.write(
                    _origin_form(method, target, version, rest, absolute=forward, auth=self._auth)
                )
                # A form's body (a login POST) goes before the answer is awaited.
                length = _request_body_length(rest)
                if length:
                    upstream_writer.write(await reader.readexactly(length))
                await upstream_writer.drain()
                # One request per client connection: the next one may be for another host.
                await _relay_head(upstream_reader, writer)
            await _pipe_both(reader, writer, upstream_reader, upstream_writer)
        finally:
            upstream_writer.close()

    @property
    def _auth(self) -> bytes | None:
        up = self._upstream
        if up is None or up.username is None:
            return None
        token = base64.b64encode(f"{up.username}:{up.password}".encode())
        return b"Proxy-Authorization: Basic " + token

    async def _connect(
        self, url: str, host: str, port: int, *, forward: bool = False
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        upstream = self._upstream
        # Behind a name-resolving upstream no local DNS may happen (Tor): check the literal form.
        check = (
            self._guard.check_literal
            if upstream is not None and upstream.resolves_names
            else self._guard.check
        )
        try:
            await asyncio.to_thread(check, url)
        except Exception as exc:  # any refusal, or a failing guard, blocks
            raise RefusedError(str(getattr(exc, "reason", "") or exc)) from exc
        if upstream is not None and forward:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(upstream.host, upstream.port), self._connect_timeout
            )
            peer = writer.get_extra_info("peername") or (upstream.host, upstream.port)
            self._remember_connection(
                Connection(host, port, str(peer[0]), int(peer[1]), (), upstream.label)
            )
            return reader, writer
        if upstream is not None and upstream.resolves_names:
            return await self._through_upstream(upstream, host, port, host, ())
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise RefusedError(f"cannot resolve {host}") from exc
        answers = tuple(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))
        last: Exception | None = None
        for family, _type, _proto, _name, sockaddr in infos:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            try:
                # Check the very address we connect to: a second lookup could answer otherwise.
                self._guard.check_address(url, ip)
            except Exception as exc:
                raise RefusedError(str(getattr(exc, "reason", "") or exc)) from exc
            try:
                if upstream is not None:
                    return await self._through_upstream(upstream, host, port, str(ip), answers)
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(str(ip), port, family=family),
                    self._connect_timeout,
                )
            except (OSError, TimeoutError) as exc:
                last = exc
                continue
            peer = writer.get_extra_info("peername") or (str(ip), port)
            self._remember_connection(Connection(host, port, str(peer[0]), int(peer[1]), answers))
            return reader, writer
        raise OSError(f"cannot connect to {host}:{port} ({type(last).__name__}: {last})")

    async def _through_upstream(
        self, upstream: Upstream, host: str, port: int, target: str, answers: tuple[str, ...]
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await open_tunnel(upstream, target, port, timeout=self._connect_timeout)
        peer = writer.get_extra_info("peername") or (upstream.host, upstream.port)
        self._remember_connection(
            Connection(host, port, str(peer[0]), int(peer[1]), answers, upstream.label)
        )
        return reader, writer


def _origin_form(
    method: str,
    target: str,
    version: str,
    rest: bytes,
    *,
    absolute: bool = False,
    auth: bytes | None = None,
) -> bytes:
    parts = urlsplit(target)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    if absolute:
        path = target
    lines = [
        line
        for line in rest.split(b"\r\n")
        if line
        and not line.lower().startswith(
            (b"proxy-connection:", b"connection:", b"proxy-authorization:")
        )
    ]
    lines.append(b"Connection: close")
    if auth is not None:
        lines.append(auth)
    head = f"{method} {path} {version}".encode("latin-1")
    return b"\r\n".join([head, *lines]) + b"\r\n\r\n"


MAX_REQUEST_BODY = 1 << 20


def _request_body_length(rest: bytes) -> int:
    """The Content-Length of a request head (bounded); 0 when none or unreadable."""
    for line in rest.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return min(int(value.strip()), MAX_REQUEST_BODY)
    return 0


async def _relay_head(upstream: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    head = await upstream.readuntil(b"\r\n\r\n")
    lines = [
        line
        for line in head.split(b"\r\n")
        if line and not line.lower().startswith((b"connection:", b"proxy-connection:"))
    ]
    lines += [b"Connection: close", b"Proxy-Connection: close"]
    writer.write(b"\r\n".join(lines) + b"\r\n\r\n")
    await writer.drain()


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()


async def _pipe_both(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    upstream_reader: asyncio.StreamReader,
    upstream_writer: asyncio.StreamWriter,
) -> None:
    down = asyncio.ensure_future(_copy(upstream_reader, writer))
    up = asyncio.ensure_future(_copy(reader, upstream_writer))
    try:
        # The exchange is over when the server side is done.
        await down
    finally:
        up.cancel()
        await asyncio.gather(up, return_exceptions=True)


async def _answer(
    writer: asyncio.StreamWriter, status: int, reason: str, *, header: str | None = None
) -> None:
    body = f"takedown: {reason}\n".encode()
    flat = " ".join(reason.encode("ascii", "replace").decode().split())
    extra = f"{header}: {flat}\r\n" if header else ""
    writer.write(
        (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
            f"{extra}Connection: close\r\n\r\n"
        ).encode()
        + body
    )
    with contextlib.suppress(OSError, ConnectionError):
        await writer.drain()
