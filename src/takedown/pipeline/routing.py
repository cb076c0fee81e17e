"""Where new detections go next: the capture of their page, or, once it is captured, the draft
of each case's request for that site. One rule for every stage that records detections."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.pipeline.detections import attach_evidence, ensure_evidence
from takedown.pipeline.stages.draft import request_draft
from takedown.store.tables import Detection, Evidence, Page

# (stage, item id, priority): returned by the session's owner, handed off after it commits.
Next = tuple[str, int, float]
# The stages route_hits may name: every stage that calls it declares both as successors.
ROUTES = ("capture", "draft")


def route_hits(s: Session, page: Page, made: list[Detection]) -> list[Next]:
    if not made:
        return []
    priority = max(d.priority for d in made)
    cases = sorted({d.case_id for d in made if d.case_id and d.review in ("none", "confirmed")})
    if not cases:
        return []  # proactive findings and candidates wait for triage or an officer
    current = s.execute(
        select(Evidence).where(Evidence.page_id == page.id, Evidence.state != "failed")
    ).scalar_one_or_none()
    if current is not None and current.state == "captured":
        attach_evidence(s, made, page)
        drafts = [request_draft(s, c, page.site) for c in cases]
        return [("draft", n.id, priority) for n in drafts if n is not None]
    ev = current or ensure_evidence(s, page)
    # A pending capture is handed again with this priority: a match outranks a keyword page.
    return [("capture", ev.id, priority)] if ev is not None else []
