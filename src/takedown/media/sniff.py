"""Tell images from videos by their leading bytes, never by a file name or a declared type."""

from __future__ import annotations

from typing import Literal

MediaKind = Literal["image", "video"]

_IMAGE_MAGIC: tuple[bytes, ...] = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",  # TIFF little-endian
    b"MM\x00*",  # TIFF big-endian
    b"\x00\x00\x01\x00",  # ICO
)
_IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1", b"avif", b"avis"}
_VIDEO_MAGIC: tuple[bytes, ...] = (
    b"\x1a\x45\xdf\xa3",  # Matroska / WebM (EBML)
    b"FLV",
    b"OggS",
    b"\x00\x00\x01\xba",  # MPEG program stream
    b"\x00\x00\x01\xb3",  # MPEG-1/2 video elementary stream
    b"\x30\x26\xb2\x75",  # ASF / WMV
)


def sniff(data: bytes) -> MediaKind | None:
    """Return ``"image"``, ``"video"`` or ``None`` (unknown or not media) from magic bytes."""
    head = data[:64]
    if len(head) < 4:
        return None
    if head.startswith(_IMAGE_MAGIC):
        # "BM" is short; require the BMP header's declared size field to be plausible.
        if head.startswith(b"BM") and len(head) < 26:
            return None
        return "image"
    if head[:4] == b"RIFF" and len(head) >= 12:
        form = head[8:12]
        if form == b"WEBP":
            return "image"
        if form == b"AVI ":
            return "video"
        return None
    if head[4:8] == b"ftyp" and len(head) >= 12:
        # ISO base media: the major brand tells HEIF/AVIF stills from MP4/MOV/3GP.
        return "image" if head[8:12] in _IMAGE_BRANDS else "video"
    if head.startswith(_VIDEO_MAGIC):
        return "video"
    if len(data) > 188 * 2 and data[0] == 0x47 and data[188] == 0x47 and data[376] == 0x47:
        return "video"  # MPEG transport stream: a sync byte every 188 bytes
    return None
