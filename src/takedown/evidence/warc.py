"""Write a browser capture's network exchanges as a WARC/1.1 file (warcio), byte-reproducibly.

Record ids and the warcinfo date are injectable so a golden test can compare bytes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import Any, BinaryIO

from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from takedown.fetch.browser import Exchange

WARC_VERSION = "WARC/1.1"
# The browser hands us decoded bodies; these headers would describe bytes we do not have.
_TRANSPORT_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


class _Sha256Writer(WARCWriter):  # type: ignore[misc]
    """warcio writes SHA-1 digests by default; courts and our manifest speak SHA-256."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def random_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def sequential_ids(prefix: str = "00000000-0000-4000-8000-") -> Callable[[], str]:
    """Deterministic record ids for golden tests."""
    counter = iter(range(1, 1 << 48))
    return lambda: f"<urn:uuid:{prefix}{next(counter):012d}>"


@dataclass(frozen=True)
class WarcSummary:
    """What was written: the number of records and the response records' target URIs."""

    records: int
    responses: tuple[str, ...]
    truncated: tuple[str, ...]


def _warc_date(when: datetime) -> str:
    return str(datetime_to_iso_date(when.astimezone(UTC).replace(tzinfo=None), use_micros=True))


def _response_headers(exchange: Exchange) -> StatusAndHeaders:
    headers = [(k, v) for k, v in exchange.response_headers if k.lower() not in _TRANSPORT_HEADERS]
    for key, value in exchange.response_headers:
        if key.lower() in ("content-encoding", "transfer-encoding"):
            headers.append((f"X-Takedown-Original-{key.title()}", value))
    headers.append(("Content-Length", str(len(exchange.body))))
    status = f"{exchange.status} {exchange.status_text}".strip()
    return StatusAndHeaders(status, headers, protocol="HTTP/1.1")


def _request_headers(exchange: Exchange) -> StatusAndHeaders:
    parts = exchange.url.split("/", 3)
    path = "/" + (parts[3] if len(parts) > 3 else "")
    headers = list(exchange.request_headers)
    if not any(k.lower() == "host" for k, _ in headers) and len(parts) > 2:
        headers.insert(0, ("Host", parts[2]))
    # A request line puts the protocol last: "GET /path HTTP/1.1".
    return StatusAndHeaders(f"{exchange.method} {path} HTTP/1.1", headers, protocol="")


def _endpoint(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def network_facts(exchange: Exchange) -> dict[str, Any]:
    """Where the capture really connected for this exchange; empty when nothing is known."""
    if exchange.peer_port is None and not exchange.certificate:
        return {}
    facts: dict[str, Any] = {
        "url": exchange.url,
        "connected_ip": exchange.ip_address,
        "connected_port": exchange.peer_port,
        "dns_answers": list(exchange.dns_answers),
    }
    if exchange.upstream_proxy:
        # The address above is the upstream proxy's; the site's address is known only to it.
        facts["upstream_proxy"] = exchange.upstream_proxy
    if exchange.certificate:
        facts["tls_certificate"] = dict(exchange.certificate)
    return facts


def write_warc(
    out: BinaryIO,
    exchanges: Iterable[Exchange],
    *,
    info: Mapping[str, str],
    created: datetime,
    filename: str = "capture.warc.gz",
    record_id: Callable[[], str] = random_record_id,
    gzip: bool = True,
) -> WarcSummary:
    """Write a warcinfo record, then a request and (when one came) a response per exchange."""
    writer = _Sha256Writer(out, gzip=gzip, warc_version=WARC_VERSION)
    builder: RecordBuilder = writer
    payload = "".join(f"{k}: {v}\r\n" for k, v in info.items() if v).encode("utf-8")
    writer.write_record(
        builder.create_warc_record(
            "",
            "warcinfo",
            payload=BytesIO(payload),
            length=len(payload),
            warc_content_type="application/warc-fields",
            warc_headers_dict={
                "WARC-Record-ID": record_id(),
                "WARC-Filename": filename,
                "WARC-Date": _warc_date(created),
            },
        )
    )
    records, responses, truncated = 1, [], []
    for exchange in exchanges:
        date = _warc_date(exchange.date)
        response_id = record_id() if exchange.status is not None else None
        if response_id is not None:
            headers = {"WARC-Record-ID": response_id, "WARC-Date": date}
            if exchange.ip_address:
                headers["WARC-IP-Address"] = exchange.ip_address
            if exchange.peer_port is not None:
                headers["X-Takedown-Connected-To"] = _endpoint(
                    exchange.ip_address or "", exchange.peer_port
                )
            if exchange.upstream_proxy:
                headers["X-Takedown-Upstream-Proxy"] = exchange.upstream_proxy
            if exchange.certificate:
                headers["X-Takedown-Certificate-SHA256"] = exchange.certificate["sha256"]
            if exchange.truncated:
                headers["WARC-Truncated"] = exchange.truncated
                truncated.append(exchange.url)
            http = _response_headers(exchange)
            writer.write_record(
                builder.create_warc_record(
                    exchange.url,
                    "response",
                    payload=BytesIO(exchange.body),
                    length=len(exchange.body),
                    http_headers=http,
                    warc_headers_dict=headers,
                )
            )
            records += 1
            responses.append(exchange.url)
            facts = network_facts(exchange)
            if facts:
                payload = json.dumps(facts, ensure_ascii=False, sort_keys=True).encode()
                writer.write_record(
                    builder.create_warc_record(
                        exchange.url,
                        "metadata",
                        payload=BytesIO(payload),
                        length=len(payload),
                        warc_content_type="application/json",
                        warc_headers_dict={
                            "WARC-Record-ID": record_id(),
                            "WARC-Date": date,
                            "WARC-Concurrent-To": response_id,
                        },
                    )
                )
                records += 1
        body = exchange.request_body or b""
        request_headers = {"WARC-Record-ID": record_id(), "WARC-Date": date}
        if response_id is not None:
            request_headers["WARC-Concurrent-To"] = response_id
        writer.write_record(
            builder.create_warc_record(
                exchange.url,
                "request",
                payload=BytesIO(body),
                length=len(body),
                http_headers=_request_headers(exchange),
                warc_headers_dict=request_headers,
            )
        )
        records += 1
    return WarcSummary(records, tuple(responses), tuple(truncated))
