"""Bounds on the hashing the web process does for uploads: a few jobs at once, and images whose
decoded size (read from the header, before any pixel is allocated) fits a memory budget."""

from __future__ import annotations

import asyncio
import io
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import HTTPException, Request, status
from PIL import Image, UnidentifiedImageError

from takedown.config import Settings
from takedown.media.sniff import sniff

# JPEG decodes through libjpeg's DCT scaling (media.decode uses draft mode): at most 1/8 a side.
_DRAFT = ("JPEG", "MPO")


def decoded_bytes(width: int, height: int, bands: int, fmt: str, max_side: int = 800) -> int:
    """Bytes the decoder will hold for one frame: the stored mode plus its RGB conversion."""
    if fmt in _DRAFT and max_side > 0 and max(width, height) > max_side:
        scale = min(8, 2 ** int(math.log2(max(width, height) / max_side)))
        width, height = math.ceil(width / scale), math.ceil(height / scale)
    return width * height * (bands + 3)


def check_image_budget(data: bytes, max_decode_bytes: int) -> None:
    """Refuse (422) an image whose decoded pixels would exceed the budget; header only."""
    if sniff(data) == "video":
        return
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            bands = len(image.getbands())
            fmt = image.format or ""
    except Image.DecompressionBombError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"decompression bomb refused: {exc}"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return  # decode_image gives the precise reason
    need = decoded_bytes(width, height, bands, fmt)
    if need > max_decode_bytes:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"decompression bomb refused: {width}x{height} would need {need // 2**20} MiB to "
            f"decode (the limit is {max_decode_bytes // 2**20} MiB)",
        )


class HashGate:
    """At most ``slots`` hashing jobs at once; a request waits ``wait`` seconds, then gets 503."""

    def __init__(self, slots: int, wait: float) -> None:
        self._sem = asyncio.Semaphore(slots)
        self._wait = wait

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        try:
            await asyncio.wait_for(self._sem.acquire(), timeout=self._wait or 0.001)
        except TimeoutError:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                "busy hashing other uploads; try again shortly",
                headers={"Retry-After": str(max(1, math.ceil(self._wait or 1)))},
            ) from None
        try:
            yield
        finally:
            self._sem.release()


def gate(request: Request) -> HashGate:
    """The app's gate, made on first use (inside the running event loop)."""
    found = getattr(request.app.state, "hash_gate", None)
    if not isinstance(found, HashGate):
        settings: Settings = request.app.state.settings
        found = HashGate(settings.web_hash_concurrency, settings.web_hash_wait_seconds)
        request.app.state.hash_gate = found
    return found
