"""The demo's reply loop, with the demo's own pieces (its web, its abuse mailbox, its settings):
an approved request reaches the demo site, which answers with a ticket number, takes the post
down and says so; both replies arrive in the center's mailbox and show on the request's
timeline, and the "removed" reply's re-check resolves the request."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from takedown.demo.run import Mailbox, center_inbox, demo_settings
from takedown.demo.site import ABUSE, DemoWeb
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.scheduler import run_job
from takedown.store.base import utcnow
from takedown.store.tables import (
    Case,
    Detection,
    MailboxCursor,
    MailMessage,
    Notice,
    Page,
    notice_detections,
)
from takedown.web.api.notices import timeline
from tests.support.drain import drain


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[DemoWeb, Mailbox, Runtime]]:
    web = DemoWeb().start()
    home = tmp_path / "demo"
    box = Mailbox(web, center_inbox(home), delay=0.3)
    rt = Runtime(demo_settings(home, web, box.start()))
    yield web, box, rt
    rt.close()
    box.stop()
    web.stop()


def _read(rt: Runtime) -> None:
    with rt.db.session() as s:
        s.execute(update(MailboxCursor).values(next_poll_at=utcnow()))
    run_job(rt, "wake_mailbox")
    drain(rt)


def test_the_demo_site_replies_and_the_request_resolves(
    demo: tuple[DemoWeb, Mailbox, Runtime],
) -> None:
    web, box, rt = demo
    post = web.publish("Holiday album", "zorblat", [])
    url = f"{web.origin}/post/{post.id}"
    with rt.db.session() as s:
        case = Case(name="Demo case 1")
        s.add(case)
        s.flush()
        page = Page(url_hash="demo-1", url=url)
        s.add(page)
        s.flush()
        det = Detection(
            case_id=case.id, page_id=page.id, page_url=url, site="demo", kind="text", algorithm="kw"
        )
        s.add(det)
        n = Notice(
            case_id=case.id,
            site="demo",
            status="approved",
            send_state="queued",
            to=[ABUSE],
            subject="Deletion request",
            body=f"Please remove {url}.",
        )
        s.add(n)
        s.flush()
        s.execute(notice_detections.insert().values(notice_id=n.id, detection_id=det.id))
        nid = n.id
    rt.submit("send", nid)
    drain(rt)
    assert len(box.received) == 1
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        _read(rt)
        with rt.db.session() as s:
            got = s.get(Notice, nid)
            assert got is not None
            if got.status == "resolved":
                break
        time.sleep(0.2)
    with rt.db.session() as s:
        got = s.get(Notice, nid)
        assert got is not None and got.status == "resolved", got.status
        mails = list(s.execute(select(MailMessage).order_by(MailMessage.id)).scalars())
        assert [(m.suggested, m.verified) for m in mails] == [
            ("acknowledged", True),
            ("removed", True),
        ]
        assert mails[0].ticket == "DB-1001"
        kinds = [e.type for e in timeline(s, got)]
        assert kinds.count("mail") == 2 and "recheck" in kinds
    assert post.removed
