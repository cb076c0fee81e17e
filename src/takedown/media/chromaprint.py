"""Chromaprint in process: a ctypes binding to Debian's libchromaprint (what fpcalc runs).

Used by the decoder worker (decodeworker.py), which feeds it the sound track it decodes
alongside the frames, so a video costs one decode instead of a second process running fpcalc.
Sound must be signed 16-bit mono at :data:`SAMPLE_RATE`, as fpcalc resamples it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

SAMPLE_RATE = 11025
# CHROMAPRINT_ALGORITHM_DEFAULT (TEST2): what fpcalc computes unless told otherwise.
ALGORITHM = 1


class ChromaprintError(RuntimeError):
    """libchromaprint is missing or refused the sound."""


@cache
def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("chromaprint") or "libchromaprint.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise ChromaprintError(f"libchromaprint is not installed ({exc})") from exc
    lib.chromaprint_new.restype = ctypes.c_void_p
    lib.chromaprint_new.argtypes = [ctypes.c_int]
    lib.chromaprint_free.argtypes = [ctypes.c_void_p]
    lib.chromaprint_start.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    lib.chromaprint_feed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.chromaprint_finish.argtypes = [ctypes.c_void_p]
    lib.chromaprint_get_raw_fingerprint.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.POINTER(ctypes.c_uint32)),
        ctypes.POINTER(ctypes.c_int),
    ]
    lib.chromaprint_dealloc.argtypes = [ctypes.c_void_p]
    return lib


def available() -> bool:
    try:
        _library()
    except ChromaprintError:
        return False
    return True


class Fingerprinter:
    """One sound track's raw fingerprint: :meth:`feed` s16 mono samples, then :meth:`finish`."""

    def __init__(self, max_seconds: float) -> None:
        self._lib = _library()
        self._ctx = self._lib.chromaprint_new(ALGORITHM)
        if not self._ctx:
            raise ChromaprintError("chromaprint_new failed")
        self._left = 0
        self.restart(max_seconds)

    def restart(self, max_seconds: float) -> None:
        """Start a new sound track (a context costs ~5 ms to make: the worker keeps one)."""
        if not self._ctx or self._lib.chromaprint_start(self._ctx, SAMPLE_RATE, 1) != 1:
            raise ChromaprintError("chromaprint_start failed")
        self._left = int(max_seconds * SAMPLE_RATE)  # samples still wanted, as fpcalc -length

    @property
    def full(self) -> bool:
        return self._left <= 0

    def feed(self, samples: bytes) -> None:
        count = min(len(samples) // 2, self._left)
        if count <= 0 or not self._ctx:
            return
        if self._lib.chromaprint_feed(self._ctx, samples[: count * 2], count) != 1:
            raise ChromaprintError("chromaprint_feed failed")
        self._left -= count

    def finish(self) -> tuple[int, ...]:
        """The raw sub-fingerprints (unsigned 32-bit); empty when the sound was too short.

        The context stays usable: :meth:`restart` begins the next track.
        """
        if not self._ctx:
            return ()
        self._left = 0
        if self._lib.chromaprint_finish(self._ctx) != 1:
            raise ChromaprintError("chromaprint_finish failed")
        data = ctypes.POINTER(ctypes.c_uint32)()
        size = ctypes.c_int(0)
        got = self._lib.chromaprint_get_raw_fingerprint(
            self._ctx, ctypes.byref(data), ctypes.byref(size)
        )
        if got != 1:
            return ()
        try:
            return tuple(data[: size.value])
        finally:
            self._lib.chromaprint_dealloc(data)

    def close(self) -> None:
        if self._ctx:
            self._lib.chromaprint_free(self._ctx)
            self._ctx = None
