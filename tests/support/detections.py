"""A detection as the pipeline leaves it once a page was captured: the media file on the page
(hashed from its bytes, as intake does; the bytes themselves are not kept), the page's evidence,
and the detection that links them to a case."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from takedown.evidence.capture import new_evidence_key
from takedown.matching.hashing import hash_media
from takedown.notices.contacts.discover import site_key
from takedown.pipeline.detections import url_hash
from takedown.store.base import utcnow
from takedown.store.tables import Detection, Evidence, Media, Page


def captured_image(
    s: Session,
    case_id: int,
    page: Page,
    media_url: str,
    data: bytes,
    *,
    captured_at: datetime | None = None,
) -> Detection:
    """An active image detection of ``data`` (served at ``media_url``) on ``page``, whose
    capture is on record (taken five minutes ago unless ``captured_at`` says otherwise)."""
    hashes = hash_media(data)
    media = Media(
        url_hash=url_hash(media_url),
        url=media_url,
        page_id=page.id,
        sha256=hashes.sha256,
        md5=hashes.md5,
        media_type="image/jpeg",
        size=len(data),
        hashes=hashes.to_dict(),
        state="done",
    )
    evidence = Evidence(
        key=new_evidence_key(),
        page_id=page.id,
        page_url=page.url,
        captured_at=captured_at or utcnow() - timedelta(minutes=5),
        state="captured",
    )
    s.add_all([media, evidence])
    s.flush()
    detection = Detection(
        case_id=case_id,
        page_id=page.id,
        media_id=media.id,
        page_url=page.url,
        media_url=media_url,
        site=site_key(page.url),
        kind="image",
        algorithm="sha256",
        evidence_id=evidence.id,
        status="active",
    )
    s.add(detection)
    s.flush()
    return detection
