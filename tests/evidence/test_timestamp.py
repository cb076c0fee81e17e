"""The RFC 3161 client against a local TSA stand-in: the request it sends, and every refusal.

A granted token needs a real signing TSA, which tests cannot reach; the wire format and the
checks around it are exercised here.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rfc3161_client._rust import parse_timestamp_request

from takedown.evidence.timestamp import HttpTimestampAuthority, TimestampError

REJECTION = bytes.fromhex("3005300302010" + "2")  # TimeStampResp{status: rejection}


class Tsa:
    def __init__(self) -> None:
        self.answer: tuple[int, bytes] = (200, REJECTION)
        self.bodies: list[bytes] = []
        self.types: list[str] = []


@pytest.fixture
def tsa() -> Iterator[tuple[str, Tsa]]:
    state = Tsa()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.bodies.append(body)
            state.types.append(self.headers["Content-Type"])
            status, answer = state.answer
            self.send_response(status)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa", state
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_sends_a_sha256_request_and_reports_a_rejection(tsa: tuple[str, Tsa]) -> None:
    url, state = tsa
    with pytest.raises(TimestampError, match="refused"):
        HttpTimestampAuthority(url).timestamp(b'{"manifest":1}')
    (body,) = state.bodies
    request = parse_timestamp_request(body)
    assert request.message_imprint.message == hashlib.sha256(b'{"manifest":1}').digest()
    assert request.nonce is not None and request.cert_req
    assert state.types == ["application/timestamp-query"]


@pytest.mark.parametrize(
    ("answer", "message"),
    [((500, b"oops"), "HTTP 500"), ((200, b"not der"), "not a time-stamp response")],
)
def test_bad_answers(tsa: tuple[str, Tsa], answer: tuple[int, bytes], message: str) -> None:
    url, state = tsa
    state.answer = answer
    with pytest.raises(TimestampError, match=message):
        HttpTimestampAuthority(url).timestamp(b"x")


def test_unreachable() -> None:
    with pytest.raises(TimestampError, match="unreachable"):
        HttpTimestampAuthority("http://127.0.0.1:9/tsa", timeout=2).timestamp(b"x")
