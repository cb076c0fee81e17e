"""The matching benchmark: image and video recall, hashing speed and index speed, each beside
its baseline measured in the same run. Writes a markdown fragment for docs/benchmarks.md.

    .venv/bin/python bench/bench_matching.py --out bench/results/matching.md [--quick]

Needs the Debian packages ffmpeg, mate-backgrounds, ukui-wallpapers, lomiri-wallpapers-16.04,
lomiri-wallpapers-20.04 and plasma-workspace-wallpapers (the corpus).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import cv2
import faiss

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import images  # noqa: E402
import index_bench  # noqa: E402
import speed  # noqa: E402
import takedown_methods  # noqa: E402
import videos  # noqa: E402
from corpus import build_corpus, textured  # noqa: E402
from methods import Method, PHash, PlainPdq  # noqa: E402

TARGETS = [
    ("overall image recall", ">= 97%"),
    ("crop 5%", ">= 95%"),
    ("pad 20%", ">= 95%"),
    ("rotate 4°", ">= 90%"),
    ("crop 20%", ">= 85%"),
    ("screenshot", ">= 85%"),
    ("collage", ">= 85% (2x2)"),
    ("video recall", ">= 99% (compilations >= 95%)"),
    ("hashing speed", ">= 2x naive at 1 MP, >= 8x at 4 MP, within 10 bits"),
    ("query at 10 M hashes", ">= 4,000 queries/s on one core, recall 1.0000, < 8 GB"),
]


def _cpu() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"Machine: {model}, {os.cpu_count()} cores (shared), Python {platform.python_version()}."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "matching.md")
    parser.add_argument("--quick", action="store_true", help="smaller corpus, 1 M index only")
    parser.add_argument(
        "--only", default="images,speed,index,videos", help="comma-separated sections to run"
    )
    parser.add_argument(
        "--references",
        type=int,
        help="reference images in the recall run (default 250, quick 40; the corpus has ~1,100)",
    )
    parser.add_argument("--distractors", type=int, help="distractor images (default 100, quick 20)")
    args = parser.parse_args(argv)
    sections = set(args.only.split(","))
    cache = HERE / "cache"
    started = time.perf_counter()
    # Every figure is for one core: the machine is shared, and OpenMP teams on a busy machine
    # cost more than they give.
    faiss.omp_set_num_threads(1)
    cv2.setNumThreads(1)
    corpus = build_corpus(
        cache,
        references=args.references or (40 if args.quick else 250),
        distractors=args.distractors or (20 if args.quick else 100),
    )
    command = "python bench/bench_matching.py " + " ".join(sys.argv[1:])
    out = [
        "## Matching: takedown against plain PDQ, pHash and vPDQ",
        "",
        f"Made by `{command.strip()}`. {_cpu()}",
        f"Corpus: {corpus.size} distinct benign images"
        f" ({', '.join(f'{k} {v}' for k, v in sorted(corpus.sources.items()))});"
        f" this run used {len(corpus.references)} as references and {len(corpus.distractors)}"
        " as distractors.",
        "",
    ]
    status = takedown_methods.status()
    if status:
        out += [f"Note: {status}", ""]
    head = len(out)
    summary: dict[str, str] = {}
    if "images" in sections:
        methods: list[Method] = [*takedown_methods.image_methods(), PlainPdq(), PHash()]
        res_i = images.run(corpus, methods)
        out += images.report(res_i)
        summary.update(_image_summary(res_i))
    if "speed" in sections:
        photos = speed_photos()
        res = speed.run(
            photos,
            takedown_methods.speed_paths(),
            count=6 if args.quick else 20,
            repeat=1 if args.quick else 2,
        )
        out += speed.report(res)
        ups = [r[n] / r[speed.NAIVE] for r in res.rates.values() for n in r if n != speed.NAIVE]
        summary["hashing speed"] = (
            f"{min(ups):.1f}x-{max(ups):.1f}x naive (1-4 MP), at most"
            f" {max(res.max_bits.values())} bits from naive"
        )
    if "index" in sections:
        sizes = [1_000_000] if args.quick else [1_000_000, 10_000_000]
        res_ix = index_bench.run(corpus.references, sizes, query_refs=100 if args.quick else 250)
        out += index_bench.report(res_ix, "")
        big = max(res_ix.numpy_qps)
        t = res_ix.takedown[big]
        summary[f"query at {big // 1_000_000} M hashes"] = (
            f"{t.qps:,.0f} queries/s ({t.qps / res_ix.numpy_qps[big]:,.0f}x numpy), recall"
            f" {t.recall:.4f}, {t.memory_mb / 1024:.1f} GB"
        )
    if "videos" in sections:
        n_refs, n_dis = (4, 2) if args.quick else (16, 6)
        stills = textured(corpus.references)
        dis_stills = textured(corpus.distractors)
        vmethods = [*takedown_methods.video_methods(), _plain_vpdq()]
        res_v = videos.run(stills, dis_stills, cache, vmethods, n_refs, n_dis)
        out += videos.report(res_v)
        if "takedown" in res_v.recall:
            rv = res_v.recall["takedown"]
            mean = 100 * sum(rv.values()) / len(rv)
            summary["video recall"] = f"{mean:.1f}% (compilations {100 * rv['compilation']:.1f}%)"
    out[head:head] = _targets(summary)
    out += [f"Total benchmark time: {(time.perf_counter() - started) / 60:.1f} min.", ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(out))
    print(f"wrote {args.out}")
    return 0


def _image_summary(res: images.ImageResults) -> dict[str, str]:
    if "takedown" not in res.outcomes:
        return {}
    o = res.outcomes["takedown"]

    def pct(*names: str) -> str:
        return f"{100 * o.overall(names):.1f}%"

    return {
        "overall image recall": f"{100 * o.overall():.1f}%",
        "crop 5%": pct("crop 5%"),
        "pad 20%": pct("pad 20%"),
        "rotate 4°": pct("rotate 4°"),
        "crop 20%": pct("crop 20%"),
        "screenshot": pct("screenshot"),
        "collage": pct("collage"),
    }


def _targets(summary: dict[str, str]) -> list[str]:
    lines = ["### Targets", "", "| figure | target | measured |", "|---|---|---|"]
    for name, target in TARGETS:
        key = next((k for k in summary if k.startswith(name.split(" at ")[0])), name)
        lines.append(f"| {name} | {target} | {summary.get(key, 'not measured in this run')} |")
    return [*lines, "", *WHY_MISSED]


# Why targets are missed, as measured when this benchmark was written; kept beside the figures
# so a reader of docs/benchmarks.md sees the reasons with the numbers.
WHY_MISSED = [
    "Where the targets are missed, and why (from reading the per-transform tables below):",
    "",
    "- **Image recall**: collage cells and the picture inside a screenshot are found by hashing the panels of the query (`takedown.matching.panels`, a recursive XY cut on flat gutters) and its quarters; heavy crops by the reference's 12% and 20% crop grids and centre crops; the rest by the local-feature verifier, whose decision counts RANSAC inliers only as far as they spread over an 8 x 8 grid of the reference (at most 3 per occupied cell), with floors of 12 inliers, 7 cells and 2% of the reference's area covered, and rejects fits that shrink the reference below 1/8, stretch it, or tilt it. ORB keypoints are detected per grid cell (a cell short of its share is re-detected at lower FAST thresholds, so a watermark's or caption's hard-edged text cannot take the place of the picture's fainter corners), queries under 512 px are enlarged first (ORB's 31-pixel border and patch would eat a thumbnail), and the 12 references with the most descriptor votes are checked (a screenshot's page text and a collage's other cells draw votes of their own). The misses left are pictures with almost no corners (smooth gradients, flat shapes with straight edges, blurred backdrops: several references get no local features at all), heavily cropped, blurred or overlaid, which neither PDQ (low quality, so not trusted) nor ORB can describe.",
    "- **Precision** is estimated on this corpus: a method's threshold is the loosest with no false pair among all (edited image, other reference) pairs. That lets plain PDQ use 70+ bits here, which would not stay precise against millions of references; takedown's hash threshold is below 40 bits.",
    "- **Hashing speed**: `hash_media` decodes a JPEG straight to its luma plane (no chroma, no colour conversion) at full resolution, and computes PDQ's two-pass box blur only at the 64 x 64 points PDQ samples (`takedown.matching.fastpdq`, bit-exact with pdqhash on the same luma), so it stays within a few bits of the naive full decode at every size.",
    "- **Video hashing speed**: takedown first samples frames to find letterbox or pillarbox bars, then crops before hashing; that costs about half of plain vPDQ's speed and buys the letterbox row of the video table.",
    "- **Index**: exact by construction (substring tables probed by the generalised pigeonhole principle, every candidate's full distance checked), so its recall is 1.0000 at every size; the FAISS multi-hash rows are there for comparison (10x24 with one flip was takedown's previous index and misses pairs at 20-31 bits).",
    "",
]


def _plain_vpdq() -> videos.VideoMethod:
    return videos.VideoMethod(
        "plain vPDQ",
        videos.plain_vpdq,
        videos.plain_vpdq,
        videos.pairwise(videos.plain_vpdq_decision),
    )


def speed_photos() -> list[Path]:
    """The largest source photographs, for realistic 1-4 MP JPEG content."""
    from PIL import Image

    from corpus import source_files

    sized = []
    for _source, path in source_files():
        with Image.open(path) as im:
            w, h = im.size
        if w * h >= 4_000_000 and path.suffix.lower() in (".jpg", ".jpeg"):
            sized.append(path)
    return sized


if __name__ == "__main__":
    raise SystemExit(main())
