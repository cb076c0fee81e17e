"""Paths and readers for the shared conformance data (``../shared/conformance`` beside the checkout)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

_BESIDE = Path(__file__).resolve().parents[3] / "shared" / "conformance"
ROOT = Path(os.environ.get("TAKEDOWN_CONFORMANCE_DIR", str(_BESIDE)))
PDQ_IMAGES = ROOT / "pdq" / "images"
PDQ_EXPECTED = ROOT / "pdq" / "expected"
VPDQ = ROOT / "vpdq"


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a conformance CSV, skipping ``#`` comment lines."""
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


@pytest.fixture(scope="session", autouse=True)
def _conformance_data_present() -> None:
    if not (PDQ_EXPECTED / "GENERATED_pdqhash_recomputed.csv").is_file():
        pytest.fail(f"conformance data missing under {ROOT}")
