"""The stored-media index: every hashed media file's codes, packed, for retroactive matching.

A new reference must be checked against everything already seen. Decoding each stored
``Media.hashes`` JSON and running a full matcher per media costs minutes at a million media;
this index keeps, in memory, what the matcher would compare and nothing else:

- the trusted PDQ codes of every media (image variants and video frames, quality >= the
  matcher's minimum) in an exact Hamming index (``HashIndex``: the multi-index of ``mih.py``
  beyond 100,000 codes), each under its media id;
- SHA-256 and MD5 digests;
- the sound prints of videos (an ``AudioIndex`` keyed by media id).

A search returns the media that share a digest with the reference, have a code within the
matcher's threshold of one of the reference's trusted codes, or whose sound aligns with the
reference's: a superset of what the full matcher can find by hashes, on which the full matcher
then runs (retro.py). The index is filled incrementally: media rows above the last id seen,
and rows that were still being fetched at the last refresh.
"""

from __future__ import annotations

import base64
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select

from takedown.matching.audio import AudioIndex
from takedown.matching.engine import MatchPolicy
from takedown.matching.hashers.pdq import codes_of
from takedown.matching.hashes import MediaHashes, ReferenceHashes
from takedown.matching.index import HashIndex
from takedown.media.audio import AudioPrint
from takedown.store.db import Database
from takedown.store.tables import Media

BATCH = 5000
_WAITING = ("new", "fetching")  # states that may still become "done"


class StoredMediaIndex:
    """Packed hashes of every ``done`` media; ``refresh`` then ``candidates``; thread-safe."""

    def __init__(self, policy: MatchPolicy | None = None) -> None:
        self.policy = policy or MatchPolicy()
        self.radius = max(self.policy.pdq_threshold, self.policy.vpdq_threshold)
        self._lock = threading.RLock()
        self._codes = HashIndex(bits=256)
        self._sha256: dict[str, set[int]] = defaultdict(set)
        self._md5: dict[str, set[int]] = defaultdict(set)
        self._audio = AudioIndex(self.policy.audio)
        self._last = 0
        self._waiting: set[int] = set()
        self.media = 0  # media indexed
        self.codes = 0  # codes indexed

    def refresh(self, db: Database) -> int:
        """Index media stored since the last call; how many were added.

        Codes of all new rows go into the Hamming index in one call (one table rebuild at
        most, however many rows arrived).
        """
        with self._lock:
            batch = _Batch()
            while True:
                with db.session() as s:
                    rows = s.execute(
                        select(Media.id, Media.state, Media.hashes)
                        .where(Media.id > self._last)
                        .order_by(Media.id)
                        .limit(BATCH)
                    ).all()
                if not rows:
                    break
                self._last = rows[-1][0]
                self._take(rows, batch)
            waiting = sorted(self._waiting)
            for start in range(0, len(waiting), 500):
                chunk = waiting[start : start + 500]
                with db.session() as s:
                    rows = s.execute(
                        select(Media.id, Media.state, Media.hashes).where(Media.id.in_(chunk))
                    ).all()
                self._waiting.difference_update(chunk)
                self._take(rows, batch)
            if batch.codes:
                codes = np.frombuffer(b"".join(batch.codes), np.uint8).reshape(-1, 32)
                self._codes.add(codes, np.concatenate(batch.ids))
                self.codes += len(codes)
            return batch.media

    def _take(self, rows: Iterable[Any], batch: _Batch) -> None:
        q = self.policy.min_quality
        for media_id, state, hashes in rows:
            if state in _WAITING:
                self._waiting.add(int(media_id))
                continue
            if state != "done" or not hashes:
                continue
            try:
                packed, audio = _packed(hashes, q)
            except (ValueError, KeyError, TypeError, IndexError):
                continue  # unreadable hashes: the full scan skips them too
            if packed:
                batch.codes.append(packed)
                batch.ids.append(np.full(len(packed) // 32, int(media_id), np.int64))
            sha256, md5 = hashes.get("sha256"), hashes.get("md5")
            if sha256:
                self._sha256[str(sha256)].add(int(media_id))
            if md5:
                self._md5[str(md5)].add(int(media_id))
            if audio is not None:
                self._audio.add(int(media_id), audio)
            self.media += 1
            batch.media += 1

    def add(self, media_id: int, media: MediaHashes) -> None:
        """Index one media's hashes (what ``refresh`` does for each stored row)."""
        q = self.policy.min_quality
        values = {v.hex for v in media.pdq if v.quality >= q}
        values |= {f.hex for f in media.vpdq if f.quality >= q}
        with self._lock:
            if values:
                self._codes.add(codes_of(sorted(values)), np.full(len(values), media_id, np.int64))
                self.codes += len(values)
            if media.sha256:
                self._sha256[media.sha256].add(media_id)
            if media.md5:
                self._md5[media.md5].add(media_id)
            if media.audio is not None and media.audio.values:
                self._audio.add(media_id, media.audio)
            self.media += 1

    def candidates(self, reference: ReferenceHashes) -> set[int]:
        """Media ids the full matcher should look at for ``reference``."""
        q = self.policy.min_quality
        found: set[int] = set()
        with self._lock:
            if reference.sha256:
                found |= self._sha256.get(reference.sha256, set())
            if reference.md5:
                found |= self._md5.get(reference.md5, set())
        values = {v.hex for v in reference.pdq if v.quality >= q}
        values |= {f.hex for f in reference.vpdq if f.quality >= q}
        if values:
            for row in self._codes.search(codes_of(sorted(values)), self.radius):
                found.update(media_id for media_id, _distance in row)
        if reference.audio is not None and reference.audio.values:
            found.update(self._audio.search(reference.audio))
        return found


@dataclass
class _Batch:
    codes: list[bytes] = field(default_factory=list)
    ids: list[npt.NDArray[np.int64]] = field(default_factory=list)
    media: int = 0


def _packed(hashes: dict[str, Any], min_quality: int) -> tuple[bytes, AudioPrint | None]:
    """The trusted codes of a stored ``Media.hashes`` (distinct, packed) and its sound print.

    Reads the stored JSON directly (no ``MediaHashes`` objects): this is the loop that runs a
    million times when the index is first built.
    """
    values = {
        str(item[0])
        for key in ("pdq", "vpdq")
        for item in hashes.get(key) or ()
        if int(item[1]) >= min_quality
    }
    packed = bytes.fromhex("".join(sorted(values)))
    if len(packed) != 32 * len(values):
        raise ValueError("a PDQ hash is not 64 hex digits")
    audio = None
    sound = hashes.get("audio")
    if isinstance(sound, dict) and sound.get("chromaprint"):
        raw = base64.b64decode(str(sound["chromaprint"]), validate=True)
        if raw and len(raw) % 4 == 0:
            values_ = np.frombuffer(raw, dtype="<u4")
            audio = AudioPrint(tuple(values_.tolist()), float(sound.get("duration") or 0.0))
    return packed, audio
