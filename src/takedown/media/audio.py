"""The sound track's Chromaprint fingerprint, from ``fpcalc -raw`` run as a limited child process.

A raw Chromaprint fingerprint is one 32-bit sub-fingerprint per ~0.124 s of sound (11,025 Hz,
4,096-sample frames advancing by a third). It survives mirroring, cropping, re-colouring and
overlays of the picture, which leave the sound alone. Only the numbers are kept, never the sound.
Debian: ``libchromaprint-tools``.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from takedown.media.errors import MediaError
from takedown.media.limits import DEFAULT_MEMORY_MB, crash_reason, run_limited

ITEM_SECONDS = 4096 / 3 / 11025  # time between two sub-fingerprints


@dataclass(frozen=True)
class AudioLimits:
    """Bounds on fingerprinting one sound track."""

    enabled: bool = True
    max_seconds: int = 600
    timeout_seconds: float = 60.0
    memory_mb: int = DEFAULT_MEMORY_MB


@dataclass(frozen=True)
class AudioPrint:
    """A sound track's raw Chromaprint: sub-fingerprints as unsigned 32-bit integers."""

    values: tuple[int, ...]
    duration: float

    @property
    def seconds(self) -> float:
        return len(self.values) * ITEM_SECONDS


def fpcalc_available() -> bool:
    return shutil.which("fpcalc") is not None


def fingerprint_file(path: Path, limits: AudioLimits | None = None) -> AudioPrint | None:
    """The fingerprint of the file's first sound track; None when it has no (usable) sound.

    Raises :class:`MediaError` when fpcalc is missing, crashes, hangs or reports a broken track.
    """
    limits = limits or AudioLimits()
    if not fpcalc_available():
        raise MediaError("fpcalc is not installed (Debian package libchromaprint-tools)")
    args = ["fpcalc", "-raw", "-json", "-length", str(int(limits.max_seconds)), str(path)]
    result = run_limited(args, timeout=limits.timeout_seconds, memory_mb=limits.memory_mb)
    crashed = crash_reason(result, "fpcalc")
    if crashed is not None:
        raise MediaError(f"sound track: {crashed}")
    stderr = result.stderr.decode("utf-8", "replace")
    if "Could not find any audio stream" in stderr:
        return None
    try:
        report = json.loads(result.stdout or b"{}")
    except ValueError:
        report = {}
    values = report.get("fingerprint") if isinstance(report, dict) else None
    if not isinstance(values, list) or not values:
        if result.returncode != 0:
            lines = [line for line in stderr.strip().splitlines() if line.strip()]
            raise MediaError(f"sound track unreadable: {lines[-1] if lines else 'fpcalc failed'}")
        return None  # too short to fingerprint
    try:
        numbers = tuple(int(v) & 0xFFFFFFFF for v in values)
        duration = float(report.get("duration") or 0.0)
    except (TypeError, ValueError) as exc:
        raise MediaError("sound track: unreadable fpcalc output") from exc
    return AudioPrint(numbers, duration)
