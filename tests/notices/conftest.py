"""Fixtures for the notices tests: a local web of sites, a local RDAP server, an SMTP server."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.sites.server import Reply, Request, ServerThread


class Site:
    """A path → reply table served by a real HTTP server; tests change it between requests."""

    def __init__(self) -> None:
        self.table: dict[str, Reply] = {}
        self.server = ServerThread(self)

    def __call__(self, request: Request) -> Reply | None:
        return self.table.get(request.path)

    def html(self, path: str, body: str, status: int = 200) -> None:
        self.table[path] = Reply(status, body.encode("utf-8"), "text/html; charset=utf-8")

    def text(self, path: str, body: str, content_type: str = "text/plain; charset=utf-8") -> None:
        self.table[path] = Reply(200, body.encode("utf-8"), content_type)

    def json(self, path: str, data: Any, status: int = 200) -> None:
        self.table[path] = Reply(status, json.dumps(data).encode(), "application/rdap+json")

    def data(self, path: str, content: bytes, content_type: str) -> None:
        self.table[path] = Reply(200, content, content_type)

    def status(self, path: str, status: int) -> None:
        self.table[path] = Reply(status, b"gone", "text/plain")

    @property
    def origin(self) -> str:
        return self.server.origin

    def url(self, path: str) -> str:
        return self.server.url(path)

    def paths(self) -> list[str]:
        return self.server.paths()


@pytest.fixture
def make_site() -> Iterator[Callable[[], Site]]:
    started: list[Site] = []

    def make() -> Site:
        site = Site()
        site.server.start()
        started.append(site)
        return site

    yield make
    for site in started:
        site.server.stop()


def vcard(name: str, email: str | None = None, country: str | None = None) -> list[Any]:
    items: list[Any] = [["version", {}, "text", "4.0"], ["fn", {}, "text", name]]
    if email:
        items.append(["email", {"type": "work"}, "text", email])
    if country:
        items.append(["adr", {"cc": country}, "text", ["", "", "1 Main St", "Town", "", "", ""]])
    return ["vcard", items]


def rdap_domain(name: str, registrar: str, abuse: str, country: str) -> dict[str, Any]:
    """An RDAP domain object shaped like a thin registry's answer (registrar with nested abuse)."""
    return {
        "objectClassName": "domain",
        "ldhName": name,
        "rdapConformance": ["rdap_level_0"],
        "entities": [
            {
                "objectClassName": "entity",
                "roles": ["registrar"],
                "vcardArray": vcard(registrar, country=country),
                "entities": [
                    {
                        "objectClassName": "entity",
                        "roles": ["abuse"],
                        "vcardArray": vcard("Abuse desk", email=abuse),
                    }
                ],
            },
            {
                "objectClassName": "entity",
                "roles": ["technical"],
                "vcardArray": vcard("Tech", "tech@x.test"),
            },
        ],
    }


def rdap_network(abuse: str, country: str = "KR") -> dict[str, Any]:
    return {
        "objectClassName": "ip network",
        "handle": "NET-127-0-0-0-1",
        "name": "LOOPBACK-HOSTING",
        "country": country,
        "entities": [
            {
                "objectClassName": "entity",
                "roles": ["registrant"],
                "vcardArray": vcard("Hosting Co"),
                "entities": [
                    {
                        "objectClassName": "entity",
                        "roles": ["abuse"],
                        "vcardArray": vcard("NOC", abuse),
                    }
                ],
            }
        ],
    }


@dataclass
class Mailbox:
    """What an aiosmtpd server received, and what it should answer next."""

    messages: list[tuple[Envelope, Message]] = field(default_factory=list)
    reply: str = "250 OK"
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not self.reply.startswith("250"):
            return self.reply
        content = envelope.original_content or b""
        with self.lock:
            self.messages.append((envelope, message_from_bytes(content)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    """An aiosmtpd controller on a fixed free port that can be stopped and started again."""

    def __init__(self, **smtp_kwargs: Any) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self._kwargs = smtp_kwargs
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port, **self._kwargs
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stopped_smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()
