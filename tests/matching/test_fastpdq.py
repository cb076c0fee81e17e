"""fastpdq against pdqhash itself, and hash_media's luma path against a naive full decode."""

from __future__ import annotations

import io

import numpy as np
import pdqhash
import pytest
from PIL import Image

from takedown.matching.fastpdq import pdq_from_luma
from takedown.matching.hashing import hash_media
from takedown.media.decode import decode_luma
from takedown.media.errors import MediaError

from .conftest import encode


def _float_luma(rgb: np.ndarray) -> np.ndarray:
    r, g, b = (rgb[..., k].astype(np.float32) for k in range(3))
    return np.float32(0.299) * r + np.float32(0.587) * g + np.float32(0.114) * b


def _reference_bits(rgb: np.ndarray) -> tuple[np.ndarray, int]:
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return bits.astype(np.uint8), int(quality)


@pytest.mark.parametrize("size", [(512, 512), (1155, 866), (333, 517), (64, 64), (100, 37)])
@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea", "retina"])
def test_bit_exact_with_pdqhash(
    samples: dict[str, Image.Image], name: str, size: tuple[int, int]
) -> None:
    rgb = np.asarray(samples[name].resize(size, Image.Resampling.BILINEAR))
    want_bits, want_quality = _reference_bits(rgb)
    bits, quality = pdq_from_luma(_float_luma(rgb))
    assert quality == want_quality
    assert int((bits != want_bits).sum()) == 0
    assert 100 <= int(bits.sum()) <= 156  # thresholded at the median: about half set


def test_uint8_luma_is_within_a_few_bits(samples: dict[str, Image.Image]) -> None:
    rgb = np.asarray(samples["coffee"])
    want, _ = _reference_bits(rgb)
    bits, _ = pdq_from_luma(np.asarray(samples["coffee"].convert("L")))
    assert int((bits != want).sum()) <= 6


def test_different_images_differ(samples: dict[str, Image.Image]) -> None:
    a, _ = pdq_from_luma(np.asarray(samples["astronaut"].convert("L")))
    b, _ = pdq_from_luma(np.asarray(samples["camera"].convert("L")))
    assert int((a != b).sum()) > 80


def _naive_hex(data: bytes) -> str:
    with Image.open(io.BytesIO(data)) as im:
        bits, _ = pdqhash.compute(np.asarray(im.convert("RGB")))
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def _bits(a: str, b: str) -> int:
    return int(
        np.bitwise_count(
            np.frombuffer(bytes.fromhex(a), np.uint8) ^ np.frombuffer(bytes.fromhex(b), np.uint8)
        ).sum()
    )


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
@pytest.mark.parametrize("scale", [1, 3])
def test_hash_media_is_within_10_bits_of_a_full_decode(
    samples: dict[str, Image.Image], fmt: str, scale: int
) -> None:
    for name in ("astronaut", "chelsea", "rocket"):
        image = samples[name]
        image = image.resize((image.width * scale, image.height * scale))
        data = encode(image, fmt, quality=90) if fmt != "PNG" else encode(image, fmt)
        got = hash_media(data).pdq[0]
        assert got.variant == "original"
        assert _bits(got.hex, _naive_hex(data)) <= 10, (name, fmt, scale)


def test_exif_orientation_is_applied(samples: dict[str, Image.Image]) -> None:
    image = samples["astronaut"]
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned: display rotates 90 degrees clockwise
    data = encode(image, "JPEG", quality=92, exif=exif.tobytes())
    decoded = decode_luma(data)
    assert decoded.frames[0].shape == (image.width, image.height)
    upright = encode(image.transpose(Image.Transpose.ROTATE_270), "JPEG", quality=92)
    assert _bits(hash_media(data).pdq[0].hex, hash_media(upright).pdq[0].hex) <= 10


def test_trimmed_variant_from_the_luma_path(samples: dict[str, Image.Image]) -> None:
    image = samples["coffee"]
    padded = Image.new("RGB", (image.width + 200, image.height + 160), (0, 0, 0))
    padded.paste(image, (100, 80))
    hashes = hash_media(encode(padded, "PNG"))
    trimmed = [v for v in hashes.pdq if v.variant == "trimmed"]
    assert len(trimmed) == 1
    plain = hash_media(encode(image, "PNG")).pdq[0]
    assert _bits(trimmed[0].hex, plain.hex) <= 12
    assert _bits(hashes.pdq[0].hex, plain.hex) > 40  # the padding moved the untrimmed hash


def test_animated_frames_and_bad_input() -> None:
    frames = [Image.new("RGB", (80, 60), (k * 40, 255 - k * 40, 90)) for k in range(4)]
    for k, f in enumerate(frames):
        f.paste((255, 255, 255), (10 * k, 10, 10 * k + 20, 40))
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    decoded = decode_luma(buffer.getvalue())
    assert decoded.frame_count == 4 and len(decoded.frames) == 4
    with pytest.raises(MediaError, match=r"truncated|corrupt"):
        decode_luma(encode(frames[0], "JPEG")[:200])
    with pytest.raises(MediaError, match="empty"):
        decode_luma(b"")
