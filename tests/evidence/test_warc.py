"""The WARC writer: golden bytes with a fixed clock and record ids, valid digests, edge cases."""

from __future__ import annotations

import gzip
import io
from dataclasses import replace
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from takedown.evidence.warc import sequential_ids, write_warc
from tests.evidence.items import WHEN, page_capture

GOLDEN = Path(__file__).parent / "golden" / "capture.warc"
INFO = {"software": "takedown (golden)", "format": "WARC File Format 1.1", "isPartOf": "ev-golden"}
FAKE_PNG = b"\x89PNG\r\n\x1a\nnot really an image"


def _write(compress: bool) -> bytes:
    out = io.BytesIO()
    write_warc(
        out,
        page_capture(FAKE_PNG).exchanges,
        info=INFO,
        created=WHEN,
        record_id=sequential_ids(),
        gzip=compress,
    )
    return out.getvalue()


def test_golden_bytes() -> None:
    # To refresh after an intended change: GOLDEN.write_bytes(_write(False)), then review the diff.
    assert _write(False) == GOLDEN.read_bytes()
    assert gzip.decompress(_write(True)) == GOLDEN.read_bytes()
    assert _write(True) == _write(True)


def test_records_digests_and_headers() -> None:
    records = list(ArchiveIterator(io.BytesIO(_write(True)), check_digests="raise"))
    kinds = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in records]
    assert kinds == [
        ("warcinfo", None),
        ("response", "http://site.invalid/board/42"),
        ("request", "http://site.invalid/board/42"),
        ("response", "http://site.invalid/files/a.png"),
        ("request", "http://site.invalid/files/a.png"),
        ("request", "http://site.invalid/never"),  # no response came: request only
    ]
    assert all(r.rec_headers.protocol == "WARC/1.1" for r in records)
    page = records[1]
    assert page.rec_headers.get_header("WARC-Payload-Digest").startswith("sha256:")
    assert page.rec_headers.get_header("WARC-IP-Address") == "192.0.2.10"
    assert page.rec_headers.get_header("WARC-Date") == "2026-03-01T01:02:03.456789Z"
    # The body is stored decoded, so the transfer headers are renamed and the length fixed.
    assert page.http_headers.get_header("Content-Encoding") is None
    assert page.http_headers.get_header("X-Takedown-Original-Content-Encoding") == "gzip"
    for record in ArchiveIterator(io.BytesIO(_write(True))):
        if record.rec_type == "response":
            body = record.content_stream().read()
            assert record.http_headers.get_header("Content-Length") == str(len(body))
    assert records[2].http_headers.protocol == "GET"
    assert records[2].rec_headers.get_header("WARC-Concurrent-To") == page.rec_headers.get_header(
        "WARC-Record-ID"
    )


def test_truncated_response_is_marked() -> None:
    exchanges = page_capture(FAKE_PNG).exchanges
    cut = replace(exchanges[1], body=b"", truncated="length")
    out = io.BytesIO()
    summary = write_warc(out, [exchanges[0], cut], info=INFO, created=WHEN)
    assert summary.truncated == ("http://site.invalid/files/a.png",)
    records = list(ArchiveIterator(io.BytesIO(out.getvalue()), check_digests="raise"))
    assert records[3].rec_headers.get_header("WARC-Truncated") == "length"
    assert summary.records == 5
