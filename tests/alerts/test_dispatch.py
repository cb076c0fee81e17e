"""An alert reaches a local JSON webhook and a local SMTP sink, with no image and no victim name."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from takedown.alerts import AlertEvent, notify
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Case
from tests.notices.conftest import SmtpServer

VICTIM = "Quenbrillo Vandermoss"


class Receiver(BaseHTTPRequestHandler):
    bodies: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        type(self).bodies.append(self.rfile.read(length))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[int, list[bytes]]]:
    Receiver.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], Receiver.bodies
    server.shutdown()


@pytest.fixture
def sink() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def test_alert_reaches_webhook_and_mail_without_name_or_image(
    tmp_path: object, settings: Settings, webhook: tuple[int, list[bytes]], sink: SmtpServer
) -> None:
    port, bodies = webhook
    cfg = settings.model_copy(
        update={
            "alert_targets": [
                {"url": f"json://127.0.0.1:{port}/hook", "officer": "kim", "events": ["detection"]},
                {
                    "url": f"mailto://127.0.0.1:{sink.port}?from=alerts@center.test"
                    "&to=kim@center.test&user=&pass=&mode=insecure",
                    "officer": "kim",
                },
                {"url": f"json://127.0.0.1:{port}/lee", "officer": "lee"},
                {
                    "url": f"json://127.0.0.1:{port}/night",
                    "quiet_start": "22:00",
                    "quiet_end": "07:00",
                },
            ]
        }
    )
    rt = Runtime(cfg)
    try:
        with rt.db.session() as s:
            case = Case(name=VICTIM, keywords=["zorblatine"], officer="kim")
            s.add(case)
            s.flush()
            night = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # 00:00 in Seoul: quiet
            event = AlertEvent(
                "detection", case.id, count=3, object_ids=(41, 42, 43), path=f"/cases/{case.id}"
            )
            got = notify(s, cfg, event, now=night)
    finally:
        rt.close()
    assert [(d.url_scheme, d.sent, d.reason) for d in got] == [
        ("json", True, ""),
        ("mailto", True, ""),
        ("json", False, "quiet hours"),
    ]
    assert len(bodies) == 1
    payload = json.loads(bodies[0])
    text = payload["title"] + payload["message"]
    assert "3" in payload["title"] and "#42" in text and f"/cases/{case.id}" in text
    assert len(sink.mailbox.messages) == 1
    mail = sink.mailbox.messages[0][1]
    raw = mail.as_bytes()
    for blob in (bodies[0], raw):
        assert VICTIM.encode() not in blob and b"zorblatine" not in blob
        assert b"image/" not in blob and b"<img" not in blob.lower()
    assert not mail.is_multipart() or all(
        not p.get_content_type().startswith("image/") for p in mail.walk()
    )


def test_unknown_event_and_bad_target_are_refused() -> None:
    with pytest.raises(ValueError):
        AlertEvent("victim_named")
    from takedown.alerts import AlertTarget

    with pytest.raises(ValueError):
        AlertTarget(url="file:///etc/passwd")
