"""A real HTTP server on 127.0.0.1, port 0, in a thread, that logs every request it receives.

Routes are plain callables ``(Request) -> Reply | None``; a reply may stream its body slowly,
lie about its length or send nothing at all, which is how the hostile sites misbehave.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

__all__ = ["LoggedRequest", "Reply", "Request", "Route", "ServerThread"]


@dataclass(frozen=True)
class Request:
    """What a route sees of a request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""

    def arg(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Reply:
    """An answer. ``chunks`` (an iterable of bytes written one by one) wins over ``body``."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterable[bytes] | None = None
    # Content-Length to announce; None announces len(body) (or nothing when streaming).
    length: int | None = None


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server received it."""

    at: float
    method: str
    path: str
    headers: dict[str, str]


Route = Callable[[Request], Reply | None]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        self._serve("POST")

    def log_message(self, format: str, *args: object) -> None:
        return

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        owner = self.server.owner
        with owner.lock:
            owner.log.append(LoggedRequest(time.time(), method, self.path, headers))
        body = b""
        if method == "POST":
            declared = headers.get("content-length", "0")
            body = self.rfile.read(min(int(declared), 1 << 20)) if declared.isdigit() else b""
        request = Request(method, parts.path, parse_qs(parts.query), headers, body)
        reply = owner.route(request) or Reply(404, b"not found", "text/plain")
        try:
            self._write(method, reply)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            # The client hung up: exactly what a guarded fetcher does to a hostile server.
            self.close_connection = True

    def _write(self, method: str, reply: Reply) -> None:
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.chunks is not None:
            if reply.length is not None:
                self.send_header("Content-Length", str(reply.length))
            self.send_header("Connection", "close")
            self.close_connection = True
            self.end_headers()
            if method == "GET":
                for chunk in reply.chunks:
                    self.wfile.write(chunk)
                    self.wfile.flush()
            return
        length = len(reply.body) if reply.length is None else reply.length
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(reply.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ServerThread


class ServerThread:
    """``start()`` binds 127.0.0.1:0 and serves in a daemon thread; ``stop()`` shuts it down."""

    def __init__(self, route: Route) -> None:
        self.route = route
        self.lock = threading.Lock()
        self.log: list[LoggedRequest] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ServerThread:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.owner = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def requests(self) -> list[LoggedRequest]:
        with self.lock:
            return list(self.log)

    def paths(self) -> list[str]:
        return [entry.path for entry in self.requests()]


def drip(data: bytes, interval: float) -> Iterator[bytes]:
    """Yield one byte every ``interval`` seconds (a server dripping its answer)."""
    for index in range(len(data)):
        yield data[index : index + 1]
        time.sleep(interval)
