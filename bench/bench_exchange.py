"""Hash exchange: a partner's HMA lookup over HTTP, and the victim page's PDQ in Chromium.

Figures, each beside its baseline from the same run:

* ``GET /m/lookup`` (PDQ) through the whole app (partner token, limiter, audit row) against a
  bank of N published PDQ hashes, p50/p95 ms; baseline: the bank lookup function alone.
* The victim page's JavaScript PDQ in headless Chromium, decode included, ms per image on the
  shared conformance photos; baseline: ``pdqhash`` (C++) after a Pillow decode, same files.

    .venv/bin/python bench/bench_exchange.py --out bench/results/exchange.md [--quick]
"""

from __future__ import annotations

import argparse
import base64
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.exchange.banks import add_entry, create_bank, lookup
from takedown.matching.hashers.pdq import pdq_hex
from takedown.media.decode import ImageLimits, decode_image
from takedown.pipeline.runtime import Runtime
from takedown.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "src" / "takedown" / "web" / "ui" / "static" / "intake"
PHOTOS = ROOT.parent / "shared" / "conformance" / "pdq" / "images" / "bridge-mods"


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def bench_lookup(sizes: list[int], queries: int) -> list[str]:
    rng = np.random.default_rng(7)
    rows = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(home=Path(tmp) / "home", partner_lookups_per_minute=1_000_000)
            rt = Runtime(settings)
            codes = rng.integers(0, 256, size=(size, 32), dtype=np.uint8)
            hexes = [bytes(c).hex() for c in codes]
            with rt.db.session() as s:
                bank = create_bank(s, "bench", "bench")
                for h in hexes:
                    add_entry(s, bank, "pdq", h, "import")
                token = create_token(s, "partner", "bench")[1]
            probes = [hexes[int(i)] for i in rng.integers(0, size, size=queries)]
            direct, http = [], []
            with TestClient(create_app(settings, rt)) as c:
                head = {"Authorization": f"Bearer {token}"}
                for probe in probes:
                    t0 = time.perf_counter()
                    with rt.db.session() as s:
                        assert lookup(s, "pdq", probe)
                    direct.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    r = c.get(
                        "/m/lookup", params={"signal_type": "pdq", "signal": probe}, headers=head
                    )
                    assert r.status_code == 200 and r.json()
                    http.append(time.perf_counter() - t0)
            rt.close()
        d50, d95 = _ms(direct)
        h50, h95 = _ms(http)
        rows.append(f"| {size:,} | {h50:.1f} / {h95:.1f} | {d50:.1f} / {d95:.1f} |")
    return rows


def bench_js(count: int) -> list[str]:
    files = sorted(PHOTOS.glob("*.jpg"))[:count]
    native, js = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu"],
        )
        page = browser.new_page()
        page.set_content("<!doctype html><title>bench</title>")
        page.add_script_tag(path=str(STATIC / "pdq.js"))
        for path in files:
            data = path.read_bytes()
            t0 = time.perf_counter()
            pdq_hex(decode_image(data, ImageLimits(max_side=0)).image)
            native.append(time.perf_counter() - t0)
            seconds = page.evaluate(
                """async (b64) => {
                    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
                    const t0 = performance.now();
                    await TakedownPDQ.fromBlob(new Blob([bytes]));
                    return (performance.now() - t0) / 1000;
                }""",
                base64.b64encode(data).decode(),
            )
            js.append(float(seconds))
        browser.close()
    j50, j95 = _ms(js)
    n50, n95 = _ms(native)
    size = decode_image(files[0].read_bytes(), ImageLimits(max_side=0)).image.size
    return [
        f"| {len(files)} photos, {size[0]}x{size[1]} | {j50:.0f} / {j95:.0f} | {n50:.0f} / {n95:.0f} |"
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "exchange.md")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 50_000]
    queries = 30 if args.quick else 100
    lookup_rows = bench_lookup(sizes, queries)
    js_rows = bench_js(6 if args.quick else 12)
    command = "python bench/bench_exchange.py --out bench/results/exchange.md" + (
        " --quick" if args.quick else ""
    )
    text = "\n".join(
        [
            "## Hash exchange: partner lookups and the victim page's PDQ",
            "",
            f"Made by `{command}`. Machine: {platform.processor() or platform.machine()}, "
            "2 cores (shared), SQLite.",
            "",
            "### `GET /m/lookup` (PDQ, partner token), ms p50 / p95",
            "",
            "| bank size | HTTP route (auth, limiter, audit) | baseline: bank lookup alone |",
            "|---|---|---|",
            *lookup_rows,
            "",
            "### PDQ of a photo, decode included, ms p50 / p95",
            "",
            "| files | our JavaScript in headless Chromium | baseline: pdqhash (C++) + Pillow |",
            "|---|---|---|",
            *js_rows,
            "",
        ]
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, "utf-8")
    print(text)


if __name__ == "__main__":
    main()
