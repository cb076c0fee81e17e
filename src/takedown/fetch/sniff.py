"""Content sniffing: the media type a body's first bytes prove, over what the server declared."""

from __future__ import annotations

__all__ = ["sniff_media_type"]

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
    (b"\x1a\x45\xdf\xa3", "video/webm"),
    (b"FLV\x01", "video/x-flv"),
    (b"OggS", "video/ogg"),
    (b"\x00\x00\x01\xba", "video/mpeg"),
    (b"%PDF-", "application/pdf"),
)
_FTYP_IMAGE = {
    b"avif": "image/avif",
    b"avis": "image/avif",
    b"heic": "image/heic",
    b"mif1": "image/heif",
}
_FTYP_VIDEO = {b"qt  ": "video/quicktime", b"3gp4": "video/3gpp", b"3gp5": "video/3gpp"}
_HTML_STARTS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<body",
    b"<!--",
    b"<meta",
    b"<title",
    b"<div",
)


def sniff_media_type(head: bytes, declared: str | None = None) -> str:
    """The media type of a body from its first bytes (512 are plenty), else the declared one.

    ``declared`` is a Content-Type header value; parameters are dropped. When neither says
    anything, ``application/octet-stream``.
    """
    found = _binary(head) or _text(head)
    if found:
        return found
    if declared:
        value = declared.split(";", 1)[0].strip().lower()
        if value:
            return value
    return "application/octet-stream"


def _binary(head: bytes) -> str | None:
    for prefix, media_type in _SIGNATURES:
        if head.startswith(prefix):
            return media_type
    if head[:4] == b"RIFF" and len(head) >= 12:
        form = head[8:12]
        if form == b"WEBP":
            return "image/webp"
        if form == b"AVI ":
            return "video/x-msvideo"
    if head[4:8] == b"ftyp" and len(head) >= 12:
        brand = head[8:12]
        if brand in _FTYP_IMAGE:
            return _FTYP_IMAGE[brand]
        return _FTYP_VIDEO.get(brand, "video/mp4")
    # MPEG transport stream: sync byte every 188 bytes.
    if len(head) >= 377 and head[0] == head[188] == head[376] == 0x47:
        return "video/mp2t"
    return None


def _text(head: bytes) -> str | None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<?xml") or text.startswith(b"<rss") or text.startswith(b"<feed"):
        if b"<rss" in text or b"<rdf:rdf" in text:
            return "application/rss+xml"
        if b"<feed" in text:
            return "application/atom+xml"
        if b"<svg" in text:
            return "image/svg+xml"
        if b"<html" in text:
            return "application/xhtml+xml"
        return "application/xml"
    if text.startswith(b"<svg"):
        return "image/svg+xml"
    if any(text.startswith(start) for start in _HTML_STARTS):
        return "text/html"
    if text[:1] in (b"{", b"["):
        return "application/json"
    return None
