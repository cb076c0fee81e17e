"""An approved request about one detection on a local site, made straight in the store (with its
contacts already looked up), then handed to the send stage: the tests of what happens after
sending need no poll, capture or drafting."""

from __future__ import annotations

from datetime import timedelta

from takedown.notices.contacts.discover import site_key
from takedown.pipeline.runtime import Runtime
from takedown.store.base import utcnow
from takedown.store.tables import Case, Contact, Detection, Notice, Page, notice_detections
from tests.notices.conftest import Site


def request_for(
    rt: Runtime,
    site: Site,
    to: str,
    contacts: list[tuple[str, str]],
    channel: str = "email",
) -> int:
    """An approved request about one detection on ``site``, its contacts already looked up."""
    page_url = site.url("/post/1")
    key = site_key(page_url)
    with rt.db.session() as s:
        case = Case(name="Case zorblat")
        s.add(case)
        s.flush()
        page = Page(url_hash=f"{key}-{case.id}", url=page_url)
        s.add(page)
        s.flush()
        det = Detection(
            case_id=case.id,
            page_id=page.id,
            page_url=page_url,
            site=key,
            kind="text",
            algorithm="keyword",
        )
        s.add(det)
        for rank, (address, source) in enumerate(contacts):
            s.add(
                Contact(
                    domain=key,
                    address=address,
                    source=source,
                    source_url=page_url,
                    rank=rank,
                    detail={},
                    expires_at=utcnow() + timedelta(days=1),
                )
            )
        n = Notice(
            case_id=case.id,
            site=key,
            status="approved",
            channel=channel,
            send_state="queued",
            to=[to],
            recipients=[{"address": a, "source": src} for a, src in contacts],
            subject="Deletion request",
            body=f"Please remove {page_url}.",
            approved_at=utcnow(),
            approved_by="officer-kim",
        )
        s.add(n)
        s.flush()
        s.execute(notice_detections.insert().values(notice_id=n.id, detection_id=det.id))
        nid = n.id
    rt.submit("send", nid)
    return nid
