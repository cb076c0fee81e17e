"""The matching methods compared by the benchmark: plain PDQ, pHash and takedown.

A method indexes the reference images, then returns for each query a map from reference index
to a distance (lower is closer), for the references it considers candidates at all.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Protocol

import imagehash
import numpy as np
import pdqhash
from PIL import Image

Scores = dict[int, float]


class Method(Protocol):
    name: str

    def index(self, references: Sequence[bytes]) -> None: ...

    def match(self, queries: Sequence[bytes]) -> list[Scores]: ...


def naive_pdq(data: bytes) -> np.ndarray:
    """Plain PDQ the way most integrations do it: full Pillow decode, RGB, pdqhash."""
    with Image.open(io.BytesIO(data)) as im:
        pixels = np.asarray(im.convert("RGB"))
    bits, _quality = pdqhash.compute(pixels)
    return np.packbits(bits.astype(np.uint8))


def _phash(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        h = imagehash.phash(im.convert("RGB"))
    return np.packbits(h.hash.flatten().astype(np.uint8))


def _scores(queries: np.ndarray, refs: np.ndarray, cap: int) -> list[Scores]:
    out: list[Scores] = []
    for start in range(0, len(queries), 256):
        block = queries[start : start + 256]
        dist = np.bitwise_count(block[:, None, :] ^ refs[None, :, :]).sum(axis=2)
        for row in dist:
            (near,) = np.nonzero(row <= cap)
            out.append({int(i): float(row[i]) for i in near})
    return out


class PlainPdq:
    """pdqhash, one hash per image, Hamming distance."""

    name = "plain PDQ"

    def __init__(self) -> None:
        self.refs = np.empty((0, 32), dtype=np.uint8)

    def index(self, references: Sequence[bytes]) -> None:
        self.refs = np.stack([naive_pdq(r) for r in references])

    def match(self, queries: Sequence[bytes]) -> list[Scores]:
        return _scores(np.stack([naive_pdq(q) for q in queries]), self.refs, cap=100)


class PHash:
    """imagehash's 64-bit DCT pHash, Hamming distance."""

    name = "pHash"

    def __init__(self) -> None:
        self.refs = np.empty((0, 8), dtype=np.uint8)

    def index(self, references: Sequence[bytes]) -> None:
        self.refs = np.stack([_phash(r) for r in references])

    def match(self, queries: Sequence[bytes]) -> list[Scores]:
        return _scores(np.stack([_phash(q) for q in queries]), self.refs, cap=24)
