"""Must-show 3: the victim page's PDQ (JavaScript, ours) in headless Chromium agrees with
``pdqhash`` within 2 bits on every shared conformance image, quality included.

Two layers: the browser decodes the file itself (what a victim's phone does), and the same
Pillow-decoded pixels pdqhash saw are handed to the JavaScript (the hash alone, no decoder).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, sync_playwright

from takedown.matching.hashers.pdq import hamming_hex
from tests.conformance.conftest import PDQ_IMAGES
from tests.conformance.test_pdq_conformance import full_hash

STATIC = (
    Path(__file__).resolve().parents[2] / "src" / "takedown" / "web" / "ui" / "static" / "intake"
)
FILES = sorted(p.relative_to(PDQ_IMAGES).as_posix() for p in PDQ_IMAGES.rglob("*") if p.is_file())
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_FLAGS
        )
        tab = browser.new_page()
        tab.set_content("<!doctype html><title>pdq</title>")
        tab.add_script_tag(path=str(STATIC / "pdq.js"))
        yield tab
        browser.close()


def _browser_decoded(page: Page, data: bytes) -> tuple[str, int]:
    out = page.evaluate(
        """async (b64) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const r = await TakedownPDQ.fromBlob(new Blob([bytes]));
            return [r.hex, r.quality];
        }""",
        base64.b64encode(data).decode(),
    )
    return str(out[0]), int(out[1])


def test_conformance_set_is_there() -> None:
    assert len(FILES) >= 45


@pytest.mark.parametrize("path", FILES)
def test_browser_pdq_within_2_bits_of_pdqhash(page: Page, path: str) -> None:
    expected, expected_quality = full_hash(path)
    value, quality = _browser_decoded(page, (PDQ_IMAGES / path).read_bytes())
    assert hamming_hex(value, expected) <= 2, (path, value, expected)
    assert abs(quality - expected_quality) <= 2, (path, quality, expected_quality)


def test_same_pixels_give_the_same_hash(page: Page) -> None:
    """Fed pdqhash's own decoded pixels, the JavaScript hash is pdqhash's, bit for bit."""
    from takedown.media.decode import ImageLimits, decode_image

    for path in FILES[::6]:
        image = decode_image((PDQ_IMAGES / path).read_bytes(), ImageLimits(max_side=0)).image
        rgb = np.asarray(image.convert("RGB"))
        h, w = rgb.shape[:2]
        rgba = np.concatenate([rgb, np.full((h, w, 1), 255, np.uint8)], axis=2)
        out = page.evaluate(
            """([b64, w, h]) => {
                const px = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
                const r = TakedownPDQ.fromRGBA(px, w, h);
                return [r.hex, r.quality];
            }""",
            [base64.b64encode(rgba.tobytes()).decode(), w, h],
        )
        expected = full_hash(path)
        assert (out[0], out[1]) == expected, path
