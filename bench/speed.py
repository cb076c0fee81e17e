"""Image hashing speed for 1-4 MP JPEGs, decode included: takedown's path against naive PDQ.

Naive: Pillow decodes the full image, converts to RGB, pdqhash hashes it at full size. The
JPEGs are the largest wallpaper photographs, resized to each size and saved at quality 90.
Rates are per CPU second of the process (``time.process_time``), so they measure one core's
work even on a busy machine; BLAS is not used by either path.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from methods import naive_pdq

NAIVE = "naive (full decode + pdqhash)"
SIZES = {"1 MP": (1155, 866), "2 MP": (1633, 1225), "4 MP": (2309, 1732)}

# A hashing path: JPEG bytes -> 32-byte PDQ code.
Path_ = Callable[[bytes], np.ndarray]


@dataclass
class SpeedResults:
    rates: dict[str, dict[str, float]]  # size -> path name -> images/s
    max_bits: dict[str, int]  # size -> largest distance from the naive hash, per path
    images: int


def jpegs(photos: Sequence[Path], size: tuple[int, int], count: int) -> list[bytes]:
    out = []
    for p in photos[:count]:
        with Image.open(p) as im:
            image = im.convert("RGB").resize(size, Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=90)
        out.append(buf.getvalue())
    return out


def _rate(path: Path_, data: Sequence[bytes], repeat: int) -> tuple[float, list[np.ndarray]]:
    codes = [path(d) for d in data]  # warm-up, and the codes to compare
    # CPU seconds of this process: one core's work, whatever else runs on the machine.
    t0 = time.process_time()
    for _ in range(repeat):
        for d in data:
            path(d)
    return repeat * len(data) / (time.process_time() - t0), codes


def run(photos: Sequence[Path], paths: dict[str, Path_], count: int, repeat: int) -> SpeedResults:
    rates: dict[str, dict[str, float]] = {}
    max_bits: dict[str, int] = {}
    for label, size in SIZES.items():
        data = jpegs(photos, size, count)
        rates[label] = {}
        base_rate, base_codes = _rate(naive_pdq, data, repeat)
        rates[label][NAIVE] = base_rate
        for name, path in paths.items():
            rate, codes = _rate(path, data, repeat)
            rates[label][name] = rate
            bits = [
                int(np.bitwise_count(a ^ b).sum()) for a, b in zip(codes, base_codes, strict=True)
            ]
            max_bits[label] = max(max_bits.get(label, 0), *bits)
        print(f"speed: {label} done", flush=True)
    return SpeedResults(rates, max_bits, count)


def report(res: SpeedResults) -> list[str]:
    names = list(next(iter(res.rates.values())))
    base = names[0]
    lines = [
        "### Image hashing speed (decode included)",
        "",
        f"Images per CPU second (one core), {res.images} JPEGs (quality 90) per size, made from"
        " the largest wallpaper photographs. `hash_media` decodes a JPEG straight to its luma"
        " plane at full resolution and evaluates PDQ's blur only at the 64 x 64 points PDQ"
        " samples (`takedown.matching.fastpdq`, bit-exact with pdqhash on the same luma); it"
        " also computes SHA-256, MD5 and the border-trimmed variant. The last column is the largest Hamming distance"
        " between takedown's hash and the naive full-decode hash of the same file.",
        "",
        "| size | " + " | ".join(names) + " | speed-up | max bits from naive |",
        "|---|" + "---:|" * (len(names) + 2),
    ]
    for size, rates in res.rates.items():
        fastest = max(v for k, v in rates.items() if k != base)
        cells = " | ".join(f"{rates[n]:.1f}" for n in names)
        lines.append(f"| {size} | {cells} | {fastest / rates[base]:.1f}x | {res.max_bits[size]} |")
    return [*lines, ""]
