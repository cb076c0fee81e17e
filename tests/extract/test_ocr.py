"""A keyword burned into a benign photo is read by OCR, in Korean and in English."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFont
from skimage import data as skdata
from sqlalchemy import select

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.extract.keywords import KeywordMatcher
from takedown.extract.ocr import ocr_available, ocr_image
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.scheduler import run_job
from takedown.store.tables import Detection, Media
from takedown.web.app import create_app
from tests.conftest import auth
from tests.notices.conftest import Site
from tests.support.drain import drain, poll_now

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
pytestmark = pytest.mark.skipif(
    not ocr_available() or not FONT.exists(), reason="tesseract or Noto CJK missing"
)


def captioned(caption: str) -> bytes:
    """scikit-image's coffee photo with a caption band burned in, as a JPEG."""
    photo = Image.fromarray(skdata.coffee()).convert("RGB")
    draw = ImageDraw.Draw(photo, "RGBA")
    draw.rectangle((10, 290, 590, 395), fill=(255, 255, 255, 220))
    font = ImageFont.truetype(str(FONT), 40, index=1)  # index 1: the Korean face
    draw.text((30, 305), caption, font=font, fill=(0, 0, 0))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.mark.parametrize(
    ("caption", "languages", "keyword"),
    [("푸른사과 보러 가기", "kor+eng", "푸른사과"), ("join zorblat today", "eng", "zorblat")],
)
def test_keyword_in_an_image_is_found(caption: str, languages: str, keyword: str) -> None:
    result = ocr_image(captioned(caption), languages=languages)
    assert result.error is None
    assert [h.keyword for h in KeywordMatcher([keyword, "quixel"]).find(result.text)] == [keyword]


def test_a_plain_photo_gives_no_hit_and_junk_a_clear_error() -> None:
    plain = io.BytesIO()
    Image.fromarray(skdata.coffee()).save(plain, "JPEG")
    assert KeywordMatcher(["푸른사과", "zorblat"]).find(ocr_image(plain.getvalue()).text) == []
    assert (ocr_image(b"<html>not an image</html>").error or "").startswith("not an image")
    slow = ocr_image(captioned("zorblat"), languages="eng", timeout=0.001)
    assert slow.error == "timeout after 0.001 s"


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    s.server.start()
    yield s
    s.server.stop()


@pytest.mark.slow
def test_ocr_stage_turns_a_caption_into_a_text_detection(tmp_path: Path, site: Site) -> None:
    site.html("/", '<html><body><a href="/p/1">a post</a></body></html>')
    site.html("/p/1", '<html lang="ko"><body><p>사진</p><img src="/c.jpg"></body></html>')
    site.data("/c.jpg", captioned("푸른사과 보러 가기"), "image/jpeg")
    site.json("/rdap.json", {"version": "1.0", "services": []})
    settings = Settings(
        home=tmp_path / "home",
        fetch_allow=[site.origin],
        rdap_bootstrap_url=site.url("/rdap.json"),
        rdap_ip_bootstrap_urls=[site.url("/rdap.json")],
    )
    rt = Runtime(settings)
    with rt.db.session() as s:
        h = auth(create_token(s, "officer", "t")[1])
    with TestClient(create_app(settings, rt)) as c:
        case = c.post(
            "/api/v1/cases", json={"name": "c", "keywords": ["푸른사과"]}, headers=h
        ).json()
        c.post(
            "/api/v1/sources",
            json={"url": site.url("/"), "kind": "page", "interval_seconds": 3600},
            headers=h,
        )
        poll_now(rt, skip=("capture", "draft", "triage"))
        with rt.db.session() as s:
            before = list(s.execute(select(Detection)).scalars())
        assert before == []  # the page text does not name the keyword
        assert run_job(rt, "wake_ocr") != []
        assert "ocr" in drain(rt, skip=("capture", "draft", "triage"))
    with rt.db.session() as s:
        media = s.execute(select(Media)).scalar_one()
        found = list(s.execute(select(Detection)).scalars())
        assert media.ocr_state == "done" and "푸른사과" in (media.ocr_text or "")
        assert [(d.case_id, d.kind, d.algorithm, d.media_id) for d in found] == [
            (case["id"], "text", "ocr", media.id)
        ]
        assert found[0].detail["keywords"] == ["푸른사과"]
    assert run_job(rt, "wake_ocr") == []  # read once
    rt.close()
