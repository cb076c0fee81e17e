"""Exact hashes (SHA-256, MD5): identical files, and the hashes sites use to remove copies."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from takedown.matching.hashers.base import HashValue, register_hasher

ExactAlgorithm = Literal["sha256", "md5"]
HEX_LENGTHS: dict[str, int] = {"sha256": 64, "md5": 32}


def exact_hex(algorithm: ExactAlgorithm, data: bytes) -> str:
    """Hex digest of ``data``; MD5 is for interoperability only (StopNCII, NCMEC lists)."""
    return hashlib.new(algorithm, data, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class ExactHasher:
    """SHA-256 or MD5 of the raw bytes."""

    name: ExactAlgorithm = "sha256"
    threshold: int = 0

    @property
    def hash_length(self) -> int:
        return HEX_LENGTHS[self.name] * 4

    @property
    def distance_metric(self) -> Literal["exact"]:
        return "exact"

    def compute(self, data: bytes) -> list[HashValue]:
        return [HashValue(self.name, exact_hex(self.name, data))]


register_hasher("sha256", lambda: ExactHasher("sha256"))
register_hasher("md5", lambda: ExactHasher("md5"))
