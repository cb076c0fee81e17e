"""The benign robustness corpus: scikit-image samples, conformance photos and Debian wallpapers.

Large photographs are cut into non-overlapping 512x384 tiles; near-uniform tiles (PDQ quality
below 50) and near-duplicates (any rotation or flip within 31 PDQ bits of an earlier item) are dropped. Each source
photograph is used at one resolution only, so no item is a rescaled crop of another. The
result is cached as JPEG (quality 95) under ``bench/cache/corpus/``.

Debian packages it reads when installed: mate-backgrounds, ukui-wallpapers,
lomiri-wallpapers-16.04, lomiri-wallpapers-20.04, plasma-workspace-wallpapers. (gnome-backgrounds'
periodic designs are left out: their tiles are near-copies of each other.)
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image

TILE = (512, 384)
WALLPAPER_ROOTS = (Path("/usr/share/backgrounds"), Path("/usr/share/wallpapers"))
CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "pdq" / "images"
# Only folders of distinct photographs; the others hold edits of one image.
CONFORMANCE_DIRS = ("labelme-subset", "misc", "pytx-resources")
SKIMAGE_FILES = (
    "astronaut.png",
    "chelsea.png",
    "coffee.png",
    "rocket.jpg",
    "motorcycle_left.png",
    "camera.png",
    "brick.png",
    "grass.png",
    "gravel.png",
    "moon.png",
    "retina.jpg",
    "hubble_deep_field.jpg",
    "ihc.png",
    "coins.png",
    "page.png",
    "text.png",
    "color.png",
)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
Image.MAX_IMAGE_PIXELS = 64_000_000


@dataclass(frozen=True)
class Corpus:
    """References (the victims' originals) and distractors (unrelated images)."""

    references: list[Path]
    distractors: list[Path]
    sources: dict[str, int]  # origin -> items in the whole cached corpus

    @property
    def size(self) -> int:
        """Items in the whole cached corpus (a run may use fewer)."""
        return sum(self.sources.values())


def source_files() -> Iterator[tuple[str, Path]]:
    """(package or origin, file) for every source photograph, one resolution each."""
    import skimage

    data = Path(skimage.__file__).parent / "data"
    for name in SKIMAGE_FILES:
        if (data / name).exists():
            yield "scikit-image", data / name
    for folder in CONFORMANCE_DIRS:
        for f in sorted((CONFORMANCE / folder).glob("*")):
            if f.suffix.lower() in IMAGE_SUFFIXES:
                yield "conformance", f
    backgrounds = WALLPAPER_ROOTS[0]
    if backgrounds.exists():
        for f in sorted(backgrounds.rglob("*")):
            if f.suffix.lower() not in IMAGE_SUFFIXES or _is_variant(f):
                continue
            yield "wallpapers:" + (f.parent.name if f.parent != backgrounds else "misc"), f
    plasma = WALLPAPER_ROOTS[1]
    if plasma.exists():
        for theme in sorted(plasma.iterdir()):
            largest = _largest(theme / "contents" / "images")
            if largest is not None:
                yield "plasma-workspace-wallpapers", largest


def _is_variant(f: Path) -> bool:
    """Other resolutions or dark/light twins of a photograph already used."""
    stem = f.stem
    if f.parent.name == "gnome":
        return True  # periodic designs (wood, grid, truchet): tiles are near-copies
    if stem.startswith("Elephants"):
        return True  # a mirror-symmetric painting: its tiles are flipped copies of each other
    return stem.endswith("-d") and f.with_name(stem[:-2] + "-l" + f.suffix).exists()


def _largest(folder: Path) -> Path | None:
    best: tuple[int, Path] | None = None
    for f in folder.glob("*"):
        m = re.fullmatch(r"(\d+)x(\d+)", f.stem)
        if m and f.suffix.lower() in IMAGE_SUFFIXES:
            area = int(m[1]) * int(m[2])
            if best is None or area > best[0]:
                best = (area, f)
    return best[1] if best else None


def _tiles(image: Image.Image) -> Iterator[Image.Image]:
    w, h = image.size
    tw, th = TILE
    if w < 2 * tw or h < 2 * th:
        scale = min(1.0, 768 / max(w, h))
        yield image.resize(
            (max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.LANCZOS
        )
        return
    for y in range(0, h - th + 1, th):
        for x in range(0, w - tw + 1, tw):
            yield image.crop((x, y, x + tw, y + th))


def pdq_of(image: Image.Image) -> tuple[np.ndarray, int]:
    """PDQ bits (as packed uint8) and quality of an RGB image."""
    bits, quality = pdqhash.compute(np.asarray(image.convert("RGB")))
    return np.packbits(bits.astype(np.uint8)), int(quality)


def textured(paths: list[Path], min_quality: int = 80) -> list[Path]:
    """The items whose PDQ quality is at least ``min_quality`` (stills for the videos, where a
    barely textured frame would measure the encoder rather than the matcher)."""
    out = []
    for p in paths:
        with Image.open(p) as im:
            if pdq_of(im)[1] >= min_quality:
                out.append(p)
    return out


def build_corpus(cache: Path, *, references: int, distractors: int, seed: int = 7) -> Corpus:
    """The cached corpus, built on first use; ``references + distractors`` items at most."""
    folder = cache / "corpus"
    manifest = folder / "manifest.json"
    if not manifest.exists():
        _build(folder)
    items = json.loads(manifest.read_text())
    paths = [folder / item["file"] for item in items]
    random.Random(seed).shuffle(paths)
    sources: dict[str, int] = {}
    for item in items:
        sources[item["source"]] = sources.get(item["source"], 0) + 1
    refs = paths[:references]
    return Corpus(refs, paths[references : references + distractors], sources)


def _build(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    kept: list[np.ndarray] = []
    items: list[dict[str, str]] = []
    for source, path in source_files():
        try:
            with Image.open(path) as im:
                image = im.convert("RGB")
        except (OSError, Image.DecompressionBombError) as exc:
            print(f"corpus: skipping {path}: {exc}")
            continue
        for tile in _tiles(image):
            code, quality = pdq_of(tile)
            if quality < 50:
                continue
            # Mirror-symmetric paintings give tiles that are flips of each other: compare all
            # eight rotations and flips.
            variants, _q = pdqhash.compute_dihedral(np.asarray(tile))
            codes = np.stack([np.packbits(np.asarray(v, dtype=np.uint8)) for v in variants])
            if kept:
                stored = np.stack(kept)
                near = np.bitwise_count(stored[None, :, :] ^ codes[:, None, :]).sum(axis=2)
                if int(near.min()) <= 31:
                    continue
            kept.append(code)
            name = f"{len(items):05d}.jpg"
            tile.save(folder / name, quality=95)
            items.append({"file": name, "source": source, "origin": str(path)})
    (folder / "manifest.json").write_text(json.dumps(items, indent=1))
    print(f"corpus: {len(items)} images in {folder}")
