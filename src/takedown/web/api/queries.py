"""The filters of every list, once: the API's list routes and the review UI's pages both build
their query here, then page it with :func:`takedown.store.paging.paginate`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select

from takedown.store.base import utcnow
from takedown.store.paging import since_age
from takedown.store.tables import Case, Detection, Evidence, Notice, Page, Source


def detections_query(
    *,
    case_id: int | None = None,
    since: datetime | None = None,
    status: str | None = None,
    proactive: bool | None = None,
    review: str | None = None,
    site: str | None = None,
    kind: str | None = None,
    min_priority: float | None = None,
    age_days: int | None = None,
    language: str | None = None,
    q: str | None = None,
) -> Select[Detection]:
    """Detections; `q` searches the page and file URL and the host."""
    query = select(Detection)
    if case_id is not None:
        query = query.where(Detection.case_id == case_id)
    since = since_age(since, age_days, utcnow())
    if since is not None:
        query = query.where(Detection.first_seen_at >= since)
    if status is not None:
        query = query.where(Detection.status == status)
    if proactive is not None:
        query = query.where(Detection.proactive.is_(proactive))
    if review is not None:
        query = query.where(Detection.review == review)
    if site:
        query = query.where(Detection.site == site.lower())
    if kind is not None:
        query = query.where(Detection.kind == kind)
    if min_priority is not None:
        query = query.where(Detection.priority >= min_priority)
    if language:
        query = query.where(Detection.page_id.in_(select(Page.id).where(Page.language == language)))
    if q:
        query = query.where(
            or_(
                Detection.page_url.icontains(q, autoescape=True),
                Detection.media_url.icontains(q, autoescape=True),
                Detection.site.icontains(q, autoescape=True),
            )
        )
    return query


def notices_query(
    *,
    status: str | None = None,
    case_id: int | None = None,
    site: str | None = None,
    kind: str | None = None,
    language: str | None = None,
    min_priority: float | None = None,
    since: datetime | None = None,
    age_days: int | None = None,
    q: str | None = None,
) -> Select[Notice]:
    """Notices; `q` searches the host, subject, ticket (message id) and the case's victim-facing
    reference."""
    query = select(Notice)
    if status is not None:
        query = query.where(Notice.status == status)
    if case_id is not None:
        query = query.where(Notice.case_id == case_id)
    if site:
        query = query.where(Notice.site == site.lower())
    if kind:
        query = query.where(Notice.kind == kind)
    if language:
        query = query.where(Notice.language == language)
    if min_priority is not None:
        query = query.where(Notice.priority >= min_priority)
    since = since_age(since, age_days, utcnow())
    if since is not None:
        query = query.where(Notice.created_at >= since)
    if q:
        query = query.where(
            or_(
                Notice.site.icontains(q, autoescape=True),
                Notice.subject.icontains(q, autoescape=True),
                Notice.message_id.icontains(q, autoescape=True),
                Notice.case_id.in_(select(Case.id).where(Case.victim_reference == q)),
            )
        )
    return query


def cases_query(
    *, status: str | None = None, officer: str | None = None, q: str | None = None
) -> Select[Case]:
    """Cases; `q` searches the label and the victim-facing reference."""
    query = select(Case)
    if status is not None:
        query = query.where(Case.status == status)
    if officer:
        query = query.where(Case.officer == officer)
    if q:
        query = query.where(
            or_(Case.name.icontains(q, autoescape=True), Case.victim_reference == q)
        )
    return query


def sources_query(
    *,
    case_id: int | None = None,
    kind: str | None = None,
    paused: bool | None = None,
    state: str | None = None,
    language: str | None = None,
    failing: bool | None = None,
    q: str | None = None,
) -> Select[Source]:
    """Sources not deleted; `q` searches the URL (and so the host)."""
    query = select(Source).where(Source.deleted.is_(False))
    if case_id is not None:
        query = query.where(Source.case_id == case_id)
    if kind:
        query = query.where(Source.kind == kind)
    if paused is not None:
        query = query.where(Source.paused.is_(paused))
    if state:
        query = query.where(Source.state == state)
    if language:
        query = query.where(Source.language == language)
    if failing is not None:
        query = query.where(
            Source.last_error.is_not(None) if failing else Source.last_error.is_(None)
        )
    if q:
        query = query.where(Source.url.icontains(q, autoescape=True))
    return query


def evidence_query(
    *, case_id: int | None = None, age_days: int | None = None, q: str | None = None
) -> Select[Evidence]:
    """Captures; `case_id` through their detections, `q` searches the page URL and the key."""
    query = select(Evidence)
    if case_id is not None:
        query = query.where(
            Evidence.id.in_(select(Detection.evidence_id).where(Detection.case_id == case_id))
        )
    since = since_age(None, age_days, utcnow())
    if since is not None:
        query = query.where(Evidence.created_at >= since)
    if q:
        query = query.where(
            or_(Evidence.page_url.icontains(q, autoescape=True), Evidence.key == q.strip())
        )
    return query
