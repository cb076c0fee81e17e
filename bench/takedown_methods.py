"""takedown's own matching (``hash_reference``, ``hash_media``, ``Matcher``) as benchmark methods.

The engine runs with its PDQ threshold (31 bits), near hits out to 47 bits sent to the
verifier, and the benchmark sweeps a threshold on one score, so takedown is held to the same >= 99.99% precision as the baselines: a hash hit
scores its Hamming distance (0-47), a local-feature hit scores ``48 + 60 * (1 - confidence)``
(48-108, falling as the verifier's evidence, spread RANSAC inliers, rises). A threshold
therefore admits hash hits up to some distance first, then verifier hits down to some evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from methods import Method, Scores
from takedown.matching import (
    Matcher,
    MatchPolicy,
    MatchResult,
    MediaHashes,
    hash_media,
    hash_reference,
)
from takedown.matching.hashers.pdq import hex_to_code
from takedown.matching.verify import VerifyLimits
from takedown.media.errors import MediaError
from videos import VideoMethod

# PDQ hits within the engine's threshold (31 bits) score their distance; hits out to 47 bits
# count only when the verifier confirms them, as in the engine. The verifier's own decision
# floor is lifted, so the sweep sees every candidate it measured (the engine's default is
# what the sweep chose, with a margin).
LOOSE = MatchPolicy(pdq_confirm_threshold=47, verify=VerifyLimits(min_evidence=0.0))


def score(result: MatchResult) -> float:
    if result.algorithm == "local":
        return 48.0 + 60.0 * (1.0 - result.confidence)
    return result.distance


def status() -> str:
    return ""


class TakedownImages:
    """The full engine: PDQ x8 + augmentation + trimming, then the local-feature verifier."""

    name = "takedown"
    split = 48.0  # hash distances below, verifier scores from here on

    def __init__(self) -> None:
        self.matcher = Matcher(LOOSE)
        self.hash_only: list[Scores] = []
        self.local_calls = 0

    def index(self, references: Sequence[bytes]) -> None:
        for i, data in enumerate(references):
            self.matcher.add(i, 1, hash_reference(data))

    def match(self, queries: Sequence[bytes]) -> list[Scores]:
        out: list[Scores] = []
        for data in queries:
            try:
                media = hash_media(data)
            except MediaError:
                out.append({})
                self.hash_only.append({})
                continue
            by_hash = self.matcher.match(media)
            self.hash_only.append({r.reference_id: score(r) for r in by_hash})
            results = by_hash
            if not any(r.distance <= self.matcher.policy.pdq_threshold for r in by_hash):
                self.local_calls += 1
                results = self.matcher.match(media, data=data)
            out.append({r.reference_id: score(r) for r in results})
        return out


class HashesOnly:
    """The same engine without the verifier: what one index lookup finds."""

    name = "takedown, hashes only"
    split = 48.0

    def __init__(self, full: TakedownImages) -> None:
        self.full = full
        self.taken = 0

    def index(self, references: Sequence[bytes]) -> None:
        pass

    def match(self, queries: Sequence[bytes]) -> list[Scores]:
        # Runs after the full method on the same batch, whose hash-only answers it returns.
        batch = self.full.hash_only[self.taken : self.taken + len(queries)]
        self.taken += len(queries)
        assert len(batch) == len(queries), "run TakedownImages before HashesOnly"
        return batch


def image_methods() -> list[Method]:
    full = TakedownImages()
    return [full, HashesOnly(full)]


def speed_paths() -> dict[str, Callable[[bytes], np.ndarray]]:
    def path(data: bytes) -> np.ndarray:
        return hex_to_code(hash_media(data).pdq[0].hex)

    return {"takedown `hash_media`": path}


def _hash_query(path: Path) -> MediaHashes:
    return hash_media(path.read_bytes())


def _build(refs: list[Any]) -> Callable[[Any], set[int]]:
    matcher = Matcher()
    for i, hashes in enumerate(refs):
        matcher.add(i, 1, hashes)
    return lambda media: {r.reference_id for r in matcher.match(media)}


def video_methods() -> list[VideoMethod]:
    return [VideoMethod("takedown", lambda p: hash_reference(p.read_bytes()), _hash_query, _build)]
