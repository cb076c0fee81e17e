"""A tiny loopback HTTP server that answers slowly and logs every path it was asked for."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.log.append(self.path)
        time.sleep(self.server.delay)
        body = b"<html><body><p>slow page</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    delay: float
    log: list[str]
    lock: threading.Lock


@contextmanager
def slow_web(delay: float) -> Iterator[_Server]:
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.delay, srv.log, srv.lock = delay, [], threading.Lock()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
