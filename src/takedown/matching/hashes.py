"""The stored hashes of a reference and of a media item, JSON-able for the database.

Nothing here holds pixels: a reference is kept as hashes and local-feature descriptors only.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from takedown.matching.hashers.exact import HEX_LENGTHS
from takedown.matching.hashers.pdq import PDQ_HEX_LENGTH, validate_pdq_hex
from takedown.matching.intake import parse_pdq_entries, parse_vpdq_entries
from takedown.media.audio import AudioPrint
from takedown.media.video import VideoFrameHash

MediaKind = Literal["image", "video"]
IntakeAlgorithm = Literal["pdq", "vpdq", "sha256", "md5"]


@dataclass(frozen=True)
class PdqVariant:
    """One PDQ hash of a rendering: ``original``, a dihedral name, an augmentation, ``trimmed``."""

    hex: str
    quality: int
    variant: str = "original"


@dataclass(frozen=True, eq=False)
class LocalFeatures:
    """ORB keypoints (x, y in pixels of an image ``width`` x ``height``) and descriptors."""

    points: np.ndarray  # float32 (n, 2)
    descriptors: np.ndarray  # uint8 (n, 32)
    width: int
    height: int

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LocalFeatures):
            return NotImplemented
        return (
            (self.width, self.height) == (other.width, other.height)
            and np.array_equal(self.points, other.points)
            and np.array_equal(self.descriptors, other.descriptors)
        )

    __hash__ = None  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self.descriptors)

    def to_dict(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "points": base64.b64encode(self.points.astype("<f4").tobytes()).decode("ascii"),
            "descriptors": base64.b64encode(self.descriptors.tobytes()).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LocalFeatures:
        points = np.frombuffer(base64.b64decode(data["points"]), dtype="<f4").reshape(-1, 2)
        desc = np.frombuffer(base64.b64decode(data["descriptors"]), dtype=np.uint8)
        desc = desc.reshape(-1, 32)
        if len(points) != len(desc):
            raise ValueError("local features: points and descriptors differ in count")
        return cls(points.astype(np.float32), desc.copy(), int(data["width"]), int(data["height"]))


def _frame_to_dict(frame: VideoFrameHash) -> list[Any]:
    return [frame.hex, frame.quality, frame.timestamp, frame.frame_number]


def _frame_from_list(item: list[Any]) -> VideoFrameHash:
    hex_, quality, timestamp, number = item
    return VideoFrameHash(validate_pdq_hex(str(hex_)), int(quality), float(timestamp), int(number))


def _audio_to_dict(audio: AudioPrint | None) -> dict[str, Any] | None:
    if audio is None:
        return None
    raw = np.asarray(audio.values, dtype="<u4").tobytes()
    return {"duration": audio.duration, "chromaprint": base64.b64encode(raw).decode("ascii")}


def _audio_from_dict(data: Any) -> AudioPrint | None:
    if not data:
        return None
    if not isinstance(data, dict):
        raise ValueError("audio must be an object with a base64 'chromaprint'")
    raw = base64.b64decode(str(data.get("chromaprint", "")), validate=True)
    if len(raw) % 4:
        raise ValueError("audio: a Chromaprint is a whole number of 32-bit values")
    values = np.frombuffer(raw, dtype="<u4")
    return AudioPrint(tuple(int(v) for v in values), float(data.get("duration") or 0.0))


@dataclass(frozen=True)
class _HashSet:
    kind: MediaKind
    sha256: str | None = None
    md5: str | None = None
    pdq: tuple[PdqVariant, ...] = ()
    vpdq: tuple[VideoFrameHash, ...] = ()
    audio: AudioPrint | None = None  # the sound track's raw Chromaprint (videos with sound)

    def _base_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "sha256": self.sha256,
            "md5": self.md5,
            "pdq": [[v.hex, v.quality, v.variant] for v in self.pdq],
            "vpdq": [_frame_to_dict(f) for f in self.vpdq],
        }
        if self.audio is not None:
            out["audio"] = _audio_to_dict(self.audio)
        return out

    @staticmethod
    def _base_kwargs(data: dict[str, Any]) -> dict[str, Any]:
        kind = data.get("kind")
        if kind not in ("image", "video"):
            raise ValueError(f"kind must be 'image' or 'video', got {kind!r}")
        return {
            "kind": kind,
            "sha256": data.get("sha256"),
            "md5": data.get("md5"),
            "pdq": tuple(
                PdqVariant(validate_pdq_hex(str(h)), int(q), str(v))
                for h, q, v in data.get("pdq", [])
            ),
            "vpdq": tuple(_frame_from_list(item) for item in data.get("vpdq", [])),
            "audio": _audio_from_dict(data.get("audio")),
        }


@dataclass(frozen=True)
class ReferenceHashes(_HashSet):
    """Everything the matcher keeps about one victim original (never its bytes)."""

    features: LocalFeatures | None = None
    source: Literal["media", "hashes"] = "media"

    def to_dict(self) -> dict[str, Any]:
        out = self._base_dict()
        out["source"] = self.source
        out["features"] = self.features.to_dict() if self.features is not None else None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReferenceHashes:
        features = data.get("features")
        return cls(
            **cls._base_kwargs(data),
            features=LocalFeatures.from_dict(features) if features else None,
            source="hashes" if data.get("source") == "hashes" else "media",
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_hashes(cls, algorithm: IntakeAlgorithm, hashes: list[str]) -> ReferenceHashes:
        """A reference from hashes computed elsewhere (a victim's device, StopNCII, HMA).

        ``pdq``: 64 hex characters, optionally ``hex,quality``. ``vpdq``: frames as
        ``hex,quality,timestamp`` (python-threatexchange/HMA), ``frame,quality,hex,timestamp``
        (the vpdq tool's output), a JSON list of the former, or bare hex (1 frame/s assumed).
        ``sha256``/``md5``: hex digests. Raises ``ValueError`` naming the bad entry.
        """
        if not hashes:
            raise ValueError("no hashes given")
        if algorithm == "pdq":
            variants = tuple(PdqVariant(h, q, "supplied") for h, q in parse_pdq_entries(hashes))
            return cls(kind="image", pdq=variants, source="hashes")
        if algorithm == "vpdq":
            return cls(kind="video", vpdq=tuple(parse_vpdq_entries(hashes)), source="hashes")
        if algorithm in ("sha256", "md5"):
            digests = [_digest(algorithm, value) for value in hashes]
            if len(set(digests)) != 1:
                raise ValueError(f"one reference takes one {algorithm} digest; got {len(digests)}")
            if algorithm == "sha256":
                return cls(kind="image", sha256=digests[0], source="hashes")
            return cls(kind="image", md5=digests[0], source="hashes")
        raise ValueError(f"unknown algorithm {algorithm!r}: use pdq, vpdq, sha256 or md5")


def _digest(algorithm: str, value: str) -> str:
    text = value.strip().lower()
    if len(text) != HEX_LENGTHS[algorithm]:
        raise ValueError(f"{algorithm} is {HEX_LENGTHS[algorithm]} hex characters: {value[:80]!r}")
    try:
        bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"{algorithm} must be hex: {value[:80]!r}") from None
    return text


@dataclass(frozen=True)
class MediaHashes(_HashSet):
    """The hashes of one media item found online, computed once and stored with it."""

    width: int = 0
    height: int = 0
    duration: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        out = self._base_dict()
        out.update(
            width=self.width, height=self.height, duration=self.duration, notes=list(self.notes)
        )
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MediaHashes:
        return cls(
            **cls._base_kwargs(data),
            width=int(data.get("width", 0)),
            height=int(data.get("height", 0)),
            duration=float(data.get("duration", 0.0)),
            notes=tuple(str(n) for n in data.get("notes", [])),
        )


__all__ = [
    "PDQ_HEX_LENGTH",
    "IntakeAlgorithm",
    "LocalFeatures",
    "MediaHashes",
    "MediaKind",
    "PdqVariant",
    "ReferenceHashes",
]
