"""Safe decoding: bad input gets a clear MediaError; good input comes out upright RGB."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
import skimage.data
from PIL import Image

from takedown.matching.hashers.pdq import hamming_hex, pdq_hex
from takedown.media.decode import ImageLimits, decode_image, to_rgb
from takedown.media.errors import MediaError
from tests.media.conftest import encode, noise_image


def test_jpeg_decodes_to_reduced_rgb(large_photo: Image.Image) -> None:
    big = large_photo.resize((2400, 2400))
    decoded = decode_image(encode(big, quality=90))
    assert decoded.image.mode == "RGB"
    # libjpeg's 1/2 scale: the largest reduction that keeps max_side (800) pixels.
    assert decoded.image.size == (1200, 1200)
    assert (decoded.width, decoded.height) == big.size
    assert decoded.format == "JPEG"


def test_other_formats_are_reduced_by_an_integer_factor(large_photo: Image.Image) -> None:
    decoded = decode_image(encode(large_photo.resize((2500, 1700)), fmt="PNG"))
    assert decoded.image.size == (834, 567)  # reduce(3): a partial last box is kept


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea", "retina", "rocket"])
@pytest.mark.parametrize("side", [1700, 2400, 3300])
def test_reduced_decode_hash_within_10_bits_of_full_decode(name: str, side: int) -> None:
    # 1.5-8 MP JPEGs of benign photographs, the sizes where draft mode reduces by 2 or 4.
    image = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
    scale = side / max(image.size)
    big = image.resize((round(image.width * scale), round(image.height * scale)))
    data = encode(big, quality=90)
    fast = decode_image(data)
    assert max(fast.image.size) < side * 0.75  # it was reduced
    full = decode_image(data, ImageLimits(max_side=0))
    assert hamming_hex(pdq_hex(fast.image)[0], pdq_hex(full.image)[0]) <= 10


def test_fast_decode_hash_within_10_bits_of_full_decode(large_photo: Image.Image) -> None:
    data = encode(large_photo, quality=92)
    fast = decode_image(data)
    full = decode_image(data, ImageLimits(max_side=0))
    assert full.image.size == large_photo.size
    assert hamming_hex(pdq_hex(fast.image)[0], pdq_hex(full.image)[0]) <= 10


def test_fast_decode_is_faster(large_photo: Image.Image) -> None:
    data = encode(large_photo.resize((2400, 2400)), quality=90)

    def timed(limits: ImageLimits) -> float:
        start = time.perf_counter()
        for _ in range(3):
            pdq_hex(decode_image(data, limits).image)
        return time.perf_counter() - start

    timed(ImageLimits())  # warm up
    assert timed(ImageLimits()) < timed(ImageLimits(max_side=0))


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_is_applied(photo: Image.Image, orientation: int) -> None:
    wide = photo.crop((0, 0, 512, 300))
    # Store the pixels turned the way a camera would, and say so in EXIF.
    stored = {
        3: wide.rotate(180),
        6: wide.rotate(90, expand=True),
        8: wide.rotate(-90, expand=True),
    }
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(stored[orientation], quality=95, exif=exif.tobytes())
    decoded = decode_image(data)
    assert (decoded.width, decoded.height) == (512, 300)
    assert decoded.image.size == (512, 300)
    assert hamming_hex(pdq_hex(decoded.image)[0], pdq_hex(wide)[0]) <= 20


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "PA", "RGBA", "CMYK", "I", "F", "I;16"])
def test_every_mode_converts_close_to_rgb(photo: Image.Image, mode: str) -> None:
    reference = (
        pdq_hex(photo.convert("L").convert("RGB"))[0]
        if mode in ["1", "L", "LA", "I", "F", "I;16"]
        else pdq_hex(photo)[0]
    )
    if mode == "I;16":
        image = Image.fromarray(np.asarray(photo.convert("L"), dtype=np.uint16) * 257)
        assert image.mode.startswith("I;16")
    else:
        image = photo.convert(mode) if mode not in ("I", "F") else photo.convert("L").convert(mode)
    rgb = to_rgb(image)
    assert rgb.mode == "RGB"
    limit = 40 if mode in ("1", "P", "PA") else 6  # dithering and palettes move a few bits
    assert hamming_hex(pdq_hex(rgb)[0], reference) <= limit


def test_cmyk_is_not_inverted(photo: Image.Image) -> None:
    data = encode(photo.convert("CMYK"), quality=95)
    assert hamming_hex(pdq_hex(decode_image(data).image)[0], pdq_hex(photo)[0]) <= 12


def test_animated_gif_frames_are_bounded() -> None:
    frames = [noise_image(64, 64, seed) for seed in range(30)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=40)
    decoded = decode_image(buffer.getvalue(), ImageLimits(max_frames=5))
    assert decoded.frame_count == 30
    assert len(decoded.frames) == 5
    assert len({pdq_hex(f)[0] for f in decoded.frames}) == 5


def test_animated_webp_frames(photo: Image.Image) -> None:
    frames = [photo, photo.rotate(90), photo.rotate(180)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:], quality=90)
    decoded = decode_image(buffer.getvalue())
    assert len(decoded.frames) == 3
    assert hamming_hex(pdq_hex(decoded.frames[1])[0], pdq_hex(photo.rotate(90))[0]) <= 20


def test_avif_when_pillow_supports_it(photo: Image.Image) -> None:
    from PIL import features

    if not features.check("avif"):
        pytest.skip("this Pillow has no AVIF codec")
    decoded = decode_image(encode(photo, "AVIF", quality=90))
    assert decoded.format == "AVIF"
    assert hamming_hex(pdq_hex(decoded.image)[0], pdq_hex(photo)[0]) <= 20


# -- bad input -------------------------------------------------------------------------------


def test_zero_bytes() -> None:
    with pytest.raises(MediaError, match="empty"):
        decode_image(b"")


def test_truncated_jpeg(photo: Image.Image) -> None:
    data = encode(photo, quality=90)
    with pytest.raises(MediaError, match="truncated or corrupt"):
        decode_image(data[: len(data) // 3])


def test_truncated_header() -> None:
    with pytest.raises(MediaError):
        decode_image(b"\x89PNG\r\n\x1a\n\x00\x00")


def test_text_file_is_not_an_image() -> None:
    with pytest.raises(MediaError, match="unrecognised"):
        decode_image(b"<html><body>hello</body></html>" * 10)


def test_video_bytes_are_refused(clip_bytes: bytes) -> None:
    with pytest.raises(MediaError, match="video"):
        decode_image(clip_bytes)


def test_png_with_jpeg_name_decodes_by_content(photo: Image.Image) -> None:
    # A mislabelled file is judged by its bytes: names and declared types are never trusted.
    decoded = decode_image(encode(photo, "PNG"))
    assert decoded.format == "PNG"


def test_decompression_bomb_is_refused_before_decoding() -> None:
    # A 12000x12000 PNG of one colour compresses to a few kB.
    data = encode(Image.new("1", (12000, 12000)), "PNG")
    assert len(data) < 100_000
    start = time.perf_counter()
    with pytest.raises(MediaError, match="decompression bomb"):
        decode_image(data, ImageLimits(max_pixels=50_000_000))
    assert time.perf_counter() - start < 1.0


def test_pillow_own_bomb_guard_also_maps_to_media_error() -> None:
    data = encode(Image.new("1", (14000, 14000)), "PNG")  # above Pillow's own 2x89M guard
    with pytest.raises(MediaError, match="decompression bomb"):
        decode_image(data, ImageLimits(max_pixels=10**12))


@pytest.mark.parametrize("size", [(1, 1), (30000, 10), (10, 30000), (15, 400)])
def test_tiny_or_thin_images_are_too_small(size: tuple[int, int]) -> None:
    data = encode(Image.new("RGB", size, (10, 200, 30)), "PNG")
    with pytest.raises(MediaError, match="too small to hash"):
        decode_image(data)


def test_media_error_has_reason() -> None:
    try:
        decode_image(b"\x00" * 100)
    except MediaError as exc:
        assert exc.reason == str(exc) and exc.reason
    else:
        pytest.fail("garbage decoded")
