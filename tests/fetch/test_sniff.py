"""Content sniffing: the first bytes decide over the declared type."""

from __future__ import annotations

import pytest

from takedown.fetch.sniff import sniff_media_type

CASES = [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "text/html", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n....", None, "image/png"),
    (b"GIF89a....", None, "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "application/octet-stream", "image/webp"),
    (b"\x00\x00\x00\x18ftypmp42\x00\x00", "text/plain", "video/mp4"),
    (b"\x00\x00\x00\x1cftypavif", None, "image/avif"),
    (b"\x00\x00\x00\x14ftypqt  ", None, "video/quicktime"),
    (b"\x1a\x45\xdf\xa3\x9f", None, "video/webm"),
    (b"\xef\xbb\xbf  <!DOCTYPE html><html>", "application/json", "text/html"),
    (b"\n<html><body>", None, "text/html"),
    (b'<?xml version="1.0"?><rss version="2.0">', "text/html", "application/rss+xml"),
    (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">',
        None,
        "application/atom+xml",
    ),
    (b'<?xml version="1.0"?><urlset>', None, "application/xml"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'>", "image/png", "image/svg+xml"),
    (b' {"a": 1}', "text/html", "application/json"),
    (b"plain words", "text/plain; charset=utf-8", "text/plain"),
    (b"plain words", None, "application/octet-stream"),
    (b"", "", "application/octet-stream"),
]


@pytest.mark.parametrize(("head", "declared", "expected"), CASES)
def test_sniff(head: bytes, declared: str | None, expected: str) -> None:
    assert sniff_media_type(head, declared) == expected
