"""Deletion-request benchmark: time from a detection to a drafted request, and to a re-check.

Run: ``.venv/bin/python bench/bench_notices.py --out bench/results/notices.md [--quick]``.
A local web of sites on 127.0.0.1 (a third publish an abuse address on a report page, a third only
a security.txt, a third nothing, so a local RDAP server's network abuse contact is used) and a
local aiosmtpd server. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from aiosmtpd.controller import Controller

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher
from takedown.notices.catalog import SUPPORTED_LANGUAGES
from takedown.notices.compose import (
    Center,
    NoticeRequest,
    ReportedFile,
    ReportedPage,
    compose_notice,
)
from takedown.notices.contacts.discover import cached_contacts
from takedown.notices.contacts.model import ContactCache
from takedown.notices.contacts.rdap import DomainBootstrap, IpBootstrap, RdapClient
from takedown.notices.followup import MediaHash, check_removed
from takedown.notices.law import jurisdiction_for
from takedown.notices.send import SmtpConfig, build_message, send_message

CENTER = Center("Bench Support Office", "designated body", "requests@center.test")
IMAGE = b"\xff\xd8\xff\xe0 benign benchmark bytes"


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, str, bytes]]] = {}

    def do_GET(self) -> None:
        status, ctype, body = self.routes.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


def _serve(routes: dict[str, tuple[int, str, bytes]]) -> tuple[ThreadingHTTPServer, str]:
    handler = type("H", (_Handler,), {"routes": routes})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _site(kind: int, lang: str) -> dict[str, tuple[int, str, bytes]]:
    html = "text/html; charset=utf-8"
    page = f'<html lang="{lang}"><body><img src="/m/1.jpg">'
    routes: dict[str, tuple[int, str, bytes]] = {"/m/1.jpg": (200, "image/jpeg", IMAGE)}
    if kind == 0:
        page += '<footer><a href="/report">Report</a></footer>'
        routes["/report"] = (200, html, b"<a href='mailto:abuse@site.test'>abuse</a>")
    elif kind == 1:
        routes["/.well-known/security.txt"] = (
            200,
            "text/plain",
            b"Contact: mailto:security@site.test\n",
        )
    routes["/post/1"] = (200, html, (page + "</body></html>").encode())
    return routes


class _Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        self.count += 1
        return "250 OK"


def _stats(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{statistics.median(ordered) * 1000:.1f} ms (p95 {p95 * 1000:.1f} ms)"


async def _run(n_sites: int) -> dict[str, list[float]]:
    servers: list[ThreadingHTTPServer] = []
    origins: list[str] = []
    rdap_routes: dict[str, tuple[int, str, bytes]] = {}
    rdap_server, rdap_origin = _serve(rdap_routes)
    servers.append(rdap_server)
    network = {
        "objectClassName": "ip network",
        "country": "KR",
        "entities": [
            {
                "roles": ["abuse"],
                "vcardArray": ["vcard", [["email", {}, "text", "noc@hosting.test"]]],
            }
        ],
    }
    rdap_routes["/rdap/ip/127.0.0.1"] = (200, "application/rdap+json", json.dumps(network).encode())
    for i in range(n_sites):
        server, origin = _serve(_site(i % 3, SUPPORTED_LANGUAGES[i % len(SUPPORTED_LANGUAGES)]))
        servers.append(server)
        origins.append(origin)
    sink = _Sink()
    with socket.socket() as probe:  # aiosmtpd cannot start on port 0: pick a free one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    smtp = SmtpConfig.from_url(f"smtp://127.0.0.1:{port}", "requests@center.test", timeout=5)
    timings: dict[str, list[float]] = {
        "cold": [],
        "warm": [],
        "compose": [],
        "send": [],
        "recheck": [],
    }
    cache = ContactCache()
    try:
        async with Fetcher(guard=UrlGuard(allow=[*origins, rdap_origin])) as fetcher:
            rdap = RdapClient(
                fetcher,
                DomainBootstrap.from_json({"services": []}),
                IpBootstrap.from_json({"services": [[["127.0.0.0/8"], [rdap_origin + "/rdap/"]]]}),
            )
            for warm in (False, True):
                for i, origin in enumerate(origins):
                    started = time.perf_counter()
                    now = datetime.now(UTC)
                    contacts = await cached_contacts(
                        cache, fetcher, origin + "/post/1", now=now, rdap=rdap
                    )
                    primary = contacts.primary
                    assert primary is not None, origin
                    composed = time.perf_counter()
                    request = NoticeRequest(
                        site="127.0.0.1",
                        case_ref=f"C-{i}",
                        pages=(
                            ReportedPage(
                                origin + "/post/1",
                                f"EV-{i}",
                                (ReportedFile(origin + "/m/1.jpg", "ab" * 32, "cd" * 32),),
                            ),
                        ),
                        center=CENTER,
                        jurisdiction=jurisdiction_for("127.0.0.1", override="kr"),
                        language=SUPPORTED_LANGUAGES[i % len(SUPPORTED_LANGUAGES)],
                        now=now,
                        recipient=primary,
                    )
                    draft = compose_notice(request)
                    done = time.perf_counter()
                    timings["warm" if warm else "cold"].append(done - started)
                    timings["compose"].append(done - composed)
                    if not warm:
                        started = time.perf_counter()
                        message = build_message(draft, sender=smtp.sender, to=[primary.address])
                        await send_message(smtp, message)
                        timings["send"].append(time.perf_counter() - started)
                        started = time.perf_counter()
                        await check_removed(
                            fetcher,
                            origin + "/post/1",
                            [origin + "/m/1.jpg"],
                            {origin + "/m/1.jpg": MediaHash("00" * 32)},
                        )
                        timings["recheck"].append(time.perf_counter() - started)
    finally:
        controller.stop()
        for server in servers:
            server.shutdown()
            server.server_close()
    assert sink.count == n_sites
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    n_sites = 12 if args.quick else 60
    timings = asyncio.run(_run(n_sites))
    command = "  ".join(["$", ".venv/bin/python", *sys.argv]).replace("  ", " ")
    rows: list[tuple[str, Callable[[], str], str]] = [
        (
            "detection → drafted request, contacts cold",
            lambda: _stats(timings["cold"]),
            "by hand: ~3 h per case (Seoul, published); Seoul's system: ~6 min (published)",
        ),
        (
            "detection → drafted request, contacts cached",
            lambda: _stats(timings["warm"]),
            "same run, cold: " + _stats(timings["cold"]),
        ),
        ("drafting alone (compose, any language)", lambda: _stats(timings["compose"]), "—"),
        ("approved → handed to SMTP", lambda: _stats(timings["send"]), "—"),
        ("one re-check (page + media)", lambda: _stats(timings["recheck"]), "—"),
    ]
    lines = [
        "## Deletion requests: time to draft",
        "",
        f"Command: `{command}`",
        "",
        f"{n_sites} local sites on 127.0.0.1 (a third with a report page, a third with only a "
        "security.txt, a third with neither, so the network's RDAP abuse contact from a local "
        "RDAP server), seven languages in turn, a local aiosmtpd server. Median and p95 of "
        "wall time per site; the published figures are not measured here.",
        "",
        "| step | measured | baseline |",
        "|---|---|---|",
        *(f"| {name} | {value()} | {baseline} |" for name, value, baseline in rows),
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), "utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
