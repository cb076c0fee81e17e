"""`make bench`: run every benchmark and write docs/benchmarks.md from their fragments.

    .venv/bin/python bench/run.py [--quick] [--only matching,pipeline]

Each `bench/bench_<area>.py` writes `bench/results/<area>.md`, every figure beside its baseline
measured in the same run. A benchmark that fails is reported in the document, not hidden.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["matching", "video", "pipeline", "load", "monitoring", "keywords", "notices", "triage"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="")
    ap.add_argument(
        "--assemble",
        action="store_true",
        help="only join the existing fragments (each names the command that made it)",
    )
    args = ap.parse_args()
    found = {p.stem.removeprefix("bench_"): p for p in (ROOT / "bench").glob("bench_*.py")}
    names = [n for n in ORDER if n in found] + sorted(set(found) - set(ORDER))
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    failed = []
    for name in [] if args.assemble else names:
        out = results / f"{name}.md"
        cmd = [sys.executable, str(found[name]), "--out", str(out)] + (
            ["--quick"] if args.quick else []
        )
        print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
        started = time.monotonic()
        code = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}).returncode
        print(f"== {name}: exit {code} after {time.monotonic() - started:.0f} s", flush=True)
        if code != 0:
            failed.append(name)
    head = (
        "# Benchmarks\n\n"
        f"Assembled by `python bench/run.py{' --assemble' if args.assemble else ''}` (`make bench` "
        f"runs them all) on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} cores, "
        f"{platform.platform()}, Python {platform.python_version()}. Every figure stands beside "
        "its baseline, measured in the same run on the same machine. Benign data only.\n\n"
    )
    parts = [head]
    for name in names:
        frag = results / f"{name}.md"
        if name in failed:
            parts.append(
                f"## {name}\n\nThis benchmark FAILED in this run; see the console output.\n\n"
            )
        elif frag.exists():
            parts.append(frag.read_text("utf-8").rstrip() + "\n\n")
    (ROOT / "docs" / "benchmarks.md").write_text("".join(parts), "utf-8")
    print(f"wrote docs/benchmarks.md ({len(names) - len(failed)} of {len(names)} benchmarks)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
