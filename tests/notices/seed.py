"""Requests about one detection on a local site, made in the store with its contacts already
looked up, so that the tests of what happens after sending need no poll or capture.

:func:`request_for` writes an approved request by hand (subject and body made up), for tests of
the transport; :func:`drafted_request_for` has the real draft stage compose a complete request
about an image whose hashes are the real ones, for tests that must pass the approval checks."""

from __future__ import annotations

from sqlalchemy.orm import Session

from takedown.notices.contacts.discover import site_key
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.stages.draft import request_draft
from takedown.store.base import utcnow
from takedown.store.tables import (
    Case,
    Detection,
    Notice,
    Page,
    notice_detections,
)
from tests.notices.conftest import Site
from tests.sites.media import sample_image
from tests.support.contacts import cache_contacts
from tests.support.detections import captured_image
from tests.support.drain import drain
from tests.support.images import jpeg


def _page(s: Session, site: Site) -> tuple[Case, Page]:
    page_url = site.url("/post/1")
    case = Case(name="Case zorblat")
    s.add(case)
    s.flush()
    page = Page(url_hash=f"{site_key(page_url)}-{case.id}", url=page_url)
    s.add(page)
    s.flush()
    return case, page


def request_for(
    rt: Runtime,
    site: Site,
    to: str,
    contacts: list[tuple[str, str]],
    channel: str = "email",
) -> int:
    """An approved request about one keyword detection on ``site``, its body written by hand."""
    with rt.db.session() as s:
        case, page = _page(s, site)
        key = site_key(page.url)
        det = Detection(
            case_id=case.id,
            page_id=page.id,
            page_url=page.url,
            site=key,
            kind="text",
            algorithm="keyword",
        )
        s.add(det)
        cache_contacts(s, page.url, contacts)
        n = Notice(
            case_id=case.id,
            site=key,
            status="approved",
            channel=channel,
            send_state="queued",
            to=[to],
            recipients=[{"address": a, "source": src} for a, src in contacts],
            subject="Deletion request",
            body=f"Please remove {page.url}.",
            approved_at=utcnow(),
            approved_by="officer-kim",
        )
        s.add(n)
        s.flush()
        s.execute(notice_detections.insert().values(notice_id=n.id, detection_id=det.id))
        nid = n.id
    rt.submit("send", nid)
    return nid


def drafted_request_for(rt: Runtime, site: Site, contacts: list[tuple[str, str]]) -> int:
    """A draft composed by the draft stage about one image on ``site``: the page shows it, the
    file's SHA-256 and PDQ are hashed from the bytes served, the page's capture is on record.
    The draft goes to the first of ``contacts`` (the lookup's choice); it waits for approval."""
    image = jpeg(sample_image(3, 1, size=160))
    site.data("/m/1.jpg", image, "image/jpeg")
    site.html("/post/1", '<html><body><p>zorblat post</p><img src="/m/1.jpg"></body></html>')
    with rt.db.session() as s:
        case, page = _page(s, site)
        captured_image(s, case.id, page, site.url("/m/1.jpg"), image)
        cache_contacts(s, page.url, contacts)
        notice = request_draft(s, case.id, site_key(page.url))
        assert notice is not None
        nid = notice.id
    rt.submit("draft", nid)
    drain(rt)
    return nid
