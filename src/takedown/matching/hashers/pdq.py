"""PDQ image hashing via ``pdqhash``: one hash, the 8 dihedral variants, and the quality score."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pdqhash
from PIL import Image

from takedown.matching.hashers.base import HashValue, register_hasher
from takedown.media.decode import ImageLimits, decode_image

PDQ_BITS = 256
PDQ_HEX_LENGTH = 64
PDQ_THRESHOLD = 31
# Upstream's guidance: hashes of quality <= 49 come from flat or featureless images and match
# unrelated images of the same kind, so they are stored but never trusted for a match.
PDQ_MIN_QUALITY = 50
# The 8 rotations and mirror images, as Pillow transposes. pdqhash.compute_dihedral derives
# them from one DCT, which is cheaper but drifted 14-54 bits from the hash of the actually
# mirrored pixels on 256-pixel images in our measurements: we hash the turned pixels.
DIHEDRAL: tuple[tuple[str, Image.Transpose | None], ...] = (
    ("original", None),
    ("rotate90", Image.Transpose.ROTATE_90),
    ("rotate180", Image.Transpose.ROTATE_180),
    ("rotate270", Image.Transpose.ROTATE_270),
    ("mirror", Image.Transpose.FLIP_LEFT_RIGHT),
    ("flip", Image.Transpose.FLIP_TOP_BOTTOM),
    ("transpose", Image.Transpose.TRANSPOSE),
    ("transverse", Image.Transpose.TRANSVERSE),
)
DIHEDRAL_NAMES = tuple(name for name, _ in DIHEDRAL)

Code = npt.NDArray[np.uint8]


def _pixels(image: Image.Image) -> npt.NDArray[np.uint8]:
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def _bits_to_hex(bits: npt.NDArray[np.integer]) -> str:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq_hex(image: Image.Image) -> tuple[str, int]:
    """PDQ hash (64 hex characters) and quality (0-100) of an RGB image."""
    bits, quality = pdqhash.compute(_pixels(image))
    return _bits_to_hex(bits), int(quality)


def pdq_dihedral_hex(image: Image.Image) -> tuple[list[str], int]:
    """The 8 dihedral variants' hashes (order of :data:`DIHEDRAL_NAMES`) and the quality."""
    hashes = []
    quality = 0
    for _name, turn in DIHEDRAL:
        value, variant_quality = pdq_hex(image if turn is None else image.transpose(turn))
        hashes.append(value)
        quality = quality if turn is not None else variant_quality
    return hashes, quality


def validate_pdq_hex(value: str) -> str:
    """Lower-cased PDQ hex, or ``ValueError`` saying what is wrong with it."""
    text = value.strip().lower()
    if len(text) != PDQ_HEX_LENGTH:
        raise ValueError(f"a PDQ hash is {PDQ_HEX_LENGTH} hex characters, got {len(text)}")
    try:
        bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"not a hex string: {value[:70]!r}") from None
    return text


def hex_to_code(value: str) -> Code:
    """A 256-bit hash as the (32,) uint8 row the index stores."""
    return np.frombuffer(bytes.fromhex(value), dtype=np.uint8).copy()


def codes_of(values: list[str]) -> Code:
    """Stack hex hashes into an (n, 32) uint8 matrix."""
    if not values:
        return np.zeros((0, PDQ_BITS // 8), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8).reshape(len(values), -1)


def hamming_hex(a: str, b: str) -> int:
    """Hamming distance between two equal-length hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def hamming_matrix(queries: Code, stored: Code) -> npt.NDArray[np.int64]:
    """All pairwise Hamming distances between two code matrices (small sets only)."""
    if len(queries) == 0 or len(stored) == 0:
        return np.zeros((len(queries), len(stored)), dtype=np.int64)
    xor = np.bitwise_xor(queries[:, None, :], stored[None, :, :])
    distances: npt.NDArray[np.int64] = np.bitwise_count(xor).sum(axis=2, dtype=np.int64)
    return distances


@dataclass(frozen=True)
class PdqHasher:
    """PDQ of each decoded frame (one for stills, a few for animations)."""

    limits: ImageLimits = field(default_factory=ImageLimits)
    name: str = "pdq"
    hash_length: int = PDQ_BITS
    threshold: int = PDQ_THRESHOLD

    @property
    def distance_metric(self) -> Literal["hamming"]:
        return "hamming"

    def compute(self, data: bytes) -> list[HashValue]:
        decoded = decode_image(data, self.limits)
        out = []
        for frame in decoded.frames:
            value, quality = pdq_hex(frame)
            out.append(HashValue(self.name, value, quality))
        return out


register_hasher("pdq", PdqHasher)
