"""The Hasher plug-in kind: one Protocol, a registry by name, and a conformance helper."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

DistanceMetric = Literal["hamming", "exact"]


@dataclass(frozen=True)
class HashValue:
    """One hash as hex, with PDQ quality (100 for exact hashes) and a video timestamp."""

    algorithm: str
    hex: str
    quality: int = 100
    timestamp: float | None = None


@runtime_checkable
class Hasher(Protocol):
    """Turns media bytes into hashes; declares how those hashes are compared.

    ``threshold`` is the default largest distance that counts as a match (0 for exact hashes).
    """

    @property
    def name(self) -> str: ...

    @property
    def hash_length(self) -> int:
        """Length of one hash in bits."""
        ...

    @property
    def distance_metric(self) -> DistanceMetric: ...

    @property
    def threshold(self) -> int: ...

    def compute(self, data: bytes) -> list[HashValue]:
        """Hash the media; raise :class:`takedown.media.errors.MediaError` on bad input."""
        ...


_REGISTRY: dict[str, Callable[[], Hasher]] = {}


def register_hasher(name: str, factory: Callable[[], Hasher]) -> None:
    """Make a hasher available by name (built-ins register themselves the same way)."""
    _REGISTRY[name] = factory


def get_hasher(name: str) -> Hasher:
    """Build the hasher registered under ``name``; ``KeyError`` names the known ones."""
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown hasher {name!r}; known: {sorted(_REGISTRY)}") from None
    return factory()


def hasher_names() -> list[str]:
    """Registered hasher names, sorted."""
    return sorted(_REGISTRY)


def check_hasher(hasher: Hasher, sample: bytes) -> list[HashValue]:
    """Conformance helper every hasher's tests call: facts declared, output well-formed, stable."""
    assert isinstance(hasher, Hasher)
    assert hasher.name and hasher.hash_length > 0 and hasher.hash_length % 4 == 0
    assert hasher.distance_metric in ("hamming", "exact")
    assert hasher.threshold >= 0
    if hasher.distance_metric == "exact":
        assert hasher.threshold == 0
    first = hasher.compute(sample)
    assert first, "a hasher returns at least one hash for valid media"
    for value in first:
        assert value.algorithm == hasher.name
        assert len(value.hex) == hasher.hash_length // 4
        int(value.hex, 16)
        assert 0 <= value.quality <= 100
    assert hasher.compute(sample) == first, "hashing must be deterministic"
    return first
