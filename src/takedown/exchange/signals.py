"""Signal types as python-threatexchange and HMA name them, and how each is validated.

``pdq``, ``vpdq`` (a JSON list of ``hex,quality,timestamp``), ``video_md5`` and ``video_sha256``
are python-threatexchange's names; ``md5`` and ``sha256`` are the same digests of a photo.
"""

from __future__ import annotations

import json
from typing import Any

from takedown.matching.hashers.exact import HEX_LENGTHS
from takedown.matching.hashers.pdq import validate_pdq_hex
from takedown.matching.intake import parse_vpdq_entries

SIGNAL_TYPES = ("pdq", "vpdq", "md5", "video_md5", "sha256", "video_sha256")
# Exact digests of the same bytes match whichever content type the caller names.
FAMILY = {
    "md5": "md5",
    "video_md5": "md5",
    "sha256": "sha256",
    "video_sha256": "sha256",
    "pdq": "pdq",
    "vpdq": "vpdq",
}
MAX_SIGNAL_CHARS = 200_000


class SignalError(ValueError):
    """An unknown signal type or a malformed signal; the message says which."""


def normalise(signal_type: str, signal: str) -> str:
    """The canonical text of ``signal`` (lower-case hex; vPDQ as a compact JSON list)."""
    if signal_type not in FAMILY:
        raise SignalError(f"no such signal type {signal_type!r}: use {', '.join(SIGNAL_TYPES)}")
    if len(signal) > MAX_SIGNAL_CHARS:
        raise SignalError(f"the signal is longer than {MAX_SIGNAL_CHARS} characters")
    family = FAMILY[signal_type]
    try:
        if family == "pdq":
            return validate_pdq_hex(signal)
        if family == "vpdq":
            frames = parse_vpdq_entries([signal])
            return vpdq_signal([[f.hex, f.quality, f.timestamp] for f in frames])
    except ValueError as exc:
        raise SignalError(f"invalid {signal_type} signal: {exc}") from None
    text = signal.strip().lower()
    want = HEX_LENGTHS[family]
    if len(text) != want or any(c not in "0123456789abcdef" for c in text):
        raise SignalError(f"a {signal_type} signal is {want} hex characters")
    return text


def vpdq_signal(frames: list[list[Any]]) -> str:
    """vPDQ frames ``[hex, quality, timestamp, ...]`` as the JSON list HMA stores."""
    return json.dumps([f"{f[0]},{int(f[1])},{float(f[2]):.3f}" for f in frames])


def reference_signals(hashes: dict[str, Any]) -> list[tuple[str, str]]:
    """The shareable signals of a stored reference or media item (its ``hashes`` column)."""
    video = hashes.get("kind") == "video"
    out: list[tuple[str, str]] = []
    for item in hashes.get("pdq") or []:
        out.append(("pdq", str(item[0])))
    if hashes.get("vpdq"):
        out.append(("vpdq", vpdq_signal(list(hashes["vpdq"]))))
    if hashes.get("md5"):
        out.append(("video_md5" if video else "md5", str(hashes["md5"])))
    if hashes.get("sha256"):
        out.append(("video_sha256" if video else "sha256", str(hashes["sha256"])))
    return list(dict.fromkeys(out))  # the dihedral variants of a symmetric image coincide
