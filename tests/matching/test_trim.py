"""Query-side trimming of uniform borders and letterbox bars."""

from __future__ import annotations

from PIL import Image

from takedown.matching.hashers.pdq import hamming_hex, pdq_hex
from takedown.matching.trim import border_box, trim_borders
from tests.matching.transforms import jpeg, pad


def test_letterbox_bars_are_removed(samples: dict[str, Image.Image]) -> None:
    image = samples["rocket"]
    boxed = Image.new("RGB", (image.width, image.height + 200))
    boxed.paste(image, (0, 100))
    boxed = jpeg(boxed, 80)
    left, top, right, bottom = border_box(boxed)
    assert (left, right) == (0, image.width)
    assert abs(top - 100) <= 2 and abs(bottom - (image.height + 100)) <= 2
    assert hamming_hex(pdq_hex(trim_borders(boxed))[0], pdq_hex(image)[0]) <= 16
    assert hamming_hex(pdq_hex(boxed)[0], pdq_hex(image)[0]) > 31


def test_padding_of_different_colours(samples: dict[str, Image.Image]) -> None:
    image = samples["coffee"]
    framed = pad(pad(image, 0.1, (255, 255, 255)), 0.05, (20, 20, 20))
    trimmed = trim_borders(jpeg(framed, 85))
    assert abs(trimmed.width - image.width) <= 4 and abs(trimmed.height - image.height) <= 4


def test_image_without_borders_is_untouched(samples: dict[str, Image.Image]) -> None:
    image = samples["astronaut"]
    assert trim_borders(image) is image


def test_flat_image_is_not_trimmed_away() -> None:
    flat = Image.new("RGB", (300, 200), (90, 90, 90))
    assert trim_borders(flat) is flat
    tiny = Image.new("RGB", (4, 4))
    assert trim_borders(tiny) is tiny
