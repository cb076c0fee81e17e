"""Parsing hash-only intake: PDQ and vPDQ in the formats StopNCII, HMA and the vpdq tool use."""

from __future__ import annotations

import json

from takedown.matching.hashers.pdq import validate_pdq_hex
from takedown.media.video import VideoFrameHash

MAX_ENTRIES = 100_000


def _quality(text: str, entry: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"quality must be an integer 0-100 in {entry[:100]!r}") from None
    if not 0 <= value <= 100:
        raise ValueError(f"quality must be 0-100 in {entry[:100]!r}")
    return value


def _seconds(text: str, entry: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"timestamp must be a number of seconds in {entry[:100]!r}") from None
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"timestamp must be >= 0 in {entry[:100]!r}")
    return value


def parse_pdq_entries(entries: list[str]) -> list[tuple[str, int]]:
    """``hex`` or ``hex,quality`` entries as (hex, quality); quality 100 when not given."""
    if len(entries) > MAX_ENTRIES:
        raise ValueError(f"too many hashes: {len(entries)} > {MAX_ENTRIES}")
    out: list[tuple[str, int]] = []
    for entry in entries:
        parts = [p.strip() for p in str(entry).split(",")]
        if len(parts) == 1:
            out.append((validate_pdq_hex(parts[0]), 100))
        elif len(parts) == 2:
            out.append((validate_pdq_hex(parts[0]), _quality(parts[1], entry)))
        else:
            raise ValueError(f"a PDQ entry is 'hex' or 'hex,quality': {str(entry)[:100]!r}")
    return out


def _expand_json(entries: list[str]) -> list[str]:
    """HMA stores a vPDQ signal as one JSON list of 'hex,quality,timestamp' strings."""
    out: list[str] = []
    for entry in entries:
        text = str(entry).strip()
        if text.startswith("["):
            try:
                items = json.loads(text)
            except ValueError:
                raise ValueError("vPDQ entry looks like JSON but does not parse") from None
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise ValueError("a JSON vPDQ signal is a list of 'hex,quality,timestamp'")
            out.extend(items)
        elif "\n" in text:
            out.extend(line for line in text.splitlines() if line.strip())
        else:
            out.append(text)
    return out


def parse_vpdq_entries(entries: list[str]) -> list[VideoFrameHash]:
    """vPDQ frames from any accepted layout (see ``ReferenceHashes.from_hashes``)."""
    frames: list[VideoFrameHash] = []
    for index, entry in enumerate(_expand_json(entries)):
        if len(frames) >= MAX_ENTRIES:
            raise ValueError(f"too many vPDQ frames (> {MAX_ENTRIES})")
        parts = [p.strip() for p in entry.split(",")]
        if len(parts) == 1:
            frames.append(VideoFrameHash(validate_pdq_hex(parts[0]), 100, float(index), index))
        elif len(parts) == 3:
            hex_ = validate_pdq_hex(parts[0])
            frames.append(
                VideoFrameHash(hex_, _quality(parts[1], entry), _seconds(parts[2], entry), index)
            )
        elif len(parts) == 4:
            try:
                number = int(parts[0])
            except ValueError:
                raise ValueError(f"frame number must be an integer in {entry[:100]!r}") from None
            hex_ = validate_pdq_hex(parts[2])
            frames.append(
                VideoFrameHash(hex_, _quality(parts[1], entry), _seconds(parts[3], entry), number)
            )
        else:
            raise ValueError(
                "a vPDQ frame is 'hex,quality,timestamp' or 'frame,quality,hex,timestamp': "
                f"{entry[:100]!r}"
            )
    if not frames:
        raise ValueError("no vPDQ frames given")
    return frames
