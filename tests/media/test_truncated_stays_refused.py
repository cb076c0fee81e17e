"""A library that flips Pillow's LOAD_TRUNCATED_IMAGES (WeasyPrint does, on import) must not
make the pipeline accept truncated files: the report module puts the setting back."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageFile

from takedown.media.decode import decode_image
from takedown.media.errors import MediaError


def test_truncated_jpeg_refused_after_the_pdf_report_module_is_imported() -> None:
    import takedown.evidence.reports.pdf  # noqa: F401

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), (10, 200, 90)).save(buf, "JPEG")
    with pytest.raises(MediaError):
        decode_image(buf.getvalue()[: len(buf.getvalue()) // 2])
