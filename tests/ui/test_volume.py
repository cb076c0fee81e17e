"""The review UI at a center's volume, without a browser: lists paged by cursor and filtered,
bulk dismissal and pausing with one reason, the daily reveal cap with its gentle notice,
decide-from-preview marks, and the dashboard's period, reveal share and CSV/XLSX export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import unescape

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import insert, select

from takedown.pipeline.runtime import Runtime
from takedown.review.dashboard import compute_dashboard
from takedown.store.tables import Detection, Notice, Page, Source, notice_detections
from takedown.web.ui.listing import PAGE_SIZE
from takedown.web.ui.sample import Seeded
from tests.ui.conftest import audit_actions, csrf_of
from tests.web.test_bulk import _copies

Client = Callable[[str | None], TestClient]
NOTICE_ID = re.compile(r'data-notice="(\d+)"')


def _next(html: str) -> str | None:
    found = re.search(r'<a class="button next" rel="next" href="([^"]+)"', html)
    return unescape(found.group(1)) if found else None


def test_queue_pages_by_cursor_with_the_filters_kept(
    client_as: Client, ui_runtime: Runtime, seeded: Seeded
) -> None:
    many = _copies(ui_runtime, seeded.notice_id, PAGE_SIZE + 7, site="many.example")
    client = client_as("viewer")
    first = client.get("/queue", params={"site": "many.example"})
    assert first.status_code == 200
    page1 = [int(x) for x in NOTICE_ID.findall(first.text)]
    assert len(page1) == PAGE_SIZE
    link = _next(first.text)
    assert link is not None and "site=many.example" in link and "cursor=" in link
    second = client.get(link)
    page2 = [int(x) for x in NOTICE_ID.findall(second.text)]
    assert _next(second.text) is None
    assert not set(page1) & set(page2)
    assert sorted(page1 + page2) == sorted(many)  # every draft of the site once, no other
    # Search by host and by subject; an unknown host finds nothing.
    assert len(NOTICE_ID.findall(client.get("/queue", params={"q": "many.exa"}).text)) == PAGE_SIZE
    assert NOTICE_ID.findall(client.get("/queue", params={"q": "nowhere.example"}).text) == []
    # A broken cursor is refused plainly, not a server error.
    assert client.get("/queue", params={"cursor": "!!"}).status_code == 400


def test_other_lists_filter_and_page(
    client_as: Client, ui_runtime: Runtime, seeded: Seeded
) -> None:
    client = client_as("viewer")
    sent = client.get("/notices", params={"status": "sent", "site": "site1.example"}).text
    rows = re.findall(r'<a href="/notices/(\d+)">', sent)
    with ui_runtime.db.session() as s:
        expected = {
            str(n.id)
            for n in s.execute(
                select(Notice).where(Notice.status == "sent", Notice.site == "site1.example")
            ).scalars()
        }
    assert expected and set(rows) == expected
    paused = client.get("/sources", params={"status": "paused"}).text
    assert "board.example" in paused and "photos.example/feed.xml" not in paused
    assert "case-alpha" in client.get("/cases", params={"q": "alpha"}).text
    assert "case-alpha" not in client.get("/cases", params={"q": "zorblat"}).text
    assert (
        f'href="/evidence/{seeded.evidence_id}"'
        in client.get("/evidence", params={"case": seeded.case_id}).text
    )
    assert (
        f'href="/evidence/{seeded.evidence_id}"'
        not in client.get("/evidence", params={"case": seeded.case_id + 99}).text
    )


def test_bulk_dismiss_and_bulk_pause(client_as: Client, ui_runtime: Runtime) -> None:
    with ui_runtime.db.session() as s:
        rows = list(s.execute(select(Detection).limit(3)).scalars())
        ids = [d.id for d in rows]
        for d in rows[:2]:
            d.review = "candidate"
        sources = [x.id for x in s.execute(select(Source)).scalars()]
    client = client_as("officer")
    page = client.get("/candidates")
    assert all(f'name="ids" value="{i}"' in page.text for i in ids[:2])
    token = csrf_of(page.text)
    # One of them is no candidate: nothing is dismissed, and the page says why.
    refused = client.post(
        "/candidates/bulk-dismiss", data={"csrf": token, "ids": ids, "reason": "duplicate"}
    )
    assert f"#{ids[2]}: not a candidate" in unescape(refused.text)
    with ui_runtime.db.session() as s:
        assert [s.get(Detection, i).review for i in ids[:2]] == ["candidate"] * 2  # type: ignore[union-attr]
    done = client.post(
        "/candidates/bulk-dismiss", data={"csrf": token, "ids": ids[:2], "reason": "duplicate"}
    )
    assert done.status_code == 200
    events = audit_actions(ui_runtime, "detection.dismiss")
    assert sorted(int(e.object_id) for e in events) == sorted(ids[:2])
    assert {e.data["reason"] for e in events} == {"duplicate"}

    client.post("/sources/bulk-pause", data={"csrf": token, "ids": sources, "paused": "true"})
    with ui_runtime.db.session() as s:
        assert all(s.get(Source, i).paused for i in sources)  # type: ignore[union-attr]
    client.post("/sources/bulk-pause", data={"csrf": token, "ids": sources, "paused": "false"})
    with ui_runtime.db.session() as s:
        assert not any(s.get(Source, i).paused for i in sources)  # type: ignore[union-attr]


def test_reveal_daily_cap_with_a_gentle_notice(
    client_as: Client, ui_runtime: Runtime, seeded: Seeded
) -> None:
    ui_runtime.settings = ui_runtime.settings.model_copy(update={"reveal_daily_cap": 3})
    client = client_as("officer")
    page = client.get("/queue")
    assert "flash gentle" not in page.text
    token = csrf_of(page.text)
    media = seeded.media_artifact_ids[0]
    lefts = []
    for _ in range(3):
        reply = client.post(f"/reveal/{media}", headers={"X-CSRF-Token": token})
        assert reply.status_code == 200, reply.text
        lefts.append(reply.json()["left"])
    assert lefts == [2, 1, 0]
    refused = client.post(f"/reveal/{media}", headers={"X-CSRF-Token": token})
    assert refused.status_code == 429 and "3" in refused.json()["detail"]
    assert "src" not in refused.json()
    assert len(audit_actions(ui_runtime, "media.reveal")) == 3  # the refused one shows nothing
    assert "flash gentle" in client.get("/queue").text
    # Another officer's count is their own.
    admin = client_as("admin")
    other = admin.post(
        f"/reveal/{media}", headers={"X-CSRF-Token": csrf_of(admin.get("/queue").text)}
    )
    assert other.status_code == 200


def test_hash_matches_are_marked_decidable_from_the_preview(
    client_as: Client, ui_runtime: Runtime, seeded: Seeded
) -> None:
    client = client_as("officer")
    mark = "tag ok"
    with ui_runtime.db.session() as s:
        for i in seeded.detection_ids:
            det = s.get(Detection, i)
            assert det is not None
            det.confidence = 0.5
    entry = (
        client.get("/queue").text.split(f'id="notice-{seeded.notice_id}"')[1].split("</article>")[0]
    )
    assert mark not in entry
    assert client.get("/queue", params={"preview": "1"}).text.count("data-notice=") == 0
    with ui_runtime.db.session() as s:
        for i in seeded.detection_ids:
            det = s.get(Detection, i)
            assert det is not None
            det.confidence = 0.97
    entry = (
        client.get("/queue").text.split(f'id="notice-{seeded.notice_id}"')[1].split("</article>")[0]
    )
    assert mark in entry
    only = [int(x) for x in NOTICE_ID.findall(client.get("/queue", params={"preview": "1"}).text)]
    assert only == [seeded.notice_id]  # the older drafts have no confident hash match


def test_dashboard_period_share_and_exports(
    client_as: Client, ui_runtime: Runtime, seeded: Seeded
) -> None:
    client = client_as("officer")
    token = csrf_of(client.get("/queue").text)
    # One reveal on the top draft's capture, then that draft is rejected (a decision).
    client.post(f"/reveal/{seeded.media_artifact_ids[0]}", headers={"X-CSRF-Token": token})
    client.post(f"/notices/{seeded.notice_id}/reject", data={"csrf": token, "reason": "test"})
    with ui_runtime.db.session() as s:
        board = compute_dashboard(s)
    assert board.reveals is not None
    assert board.reveals.revealed == len(seeded.detection_ids)  # all from the revealed capture
    assert board.reveals.decided > board.reveals.revealed
    share = board.reveals.share_without_reveal
    assert share is not None and 0 < share < 1
    page = client.get("/dashboard").text
    assert f"{share * 100:.0f}" in page and page.count('<table class="list chart-table">') == 4

    today = datetime.now(UTC).date()
    week = {"from": str(today - timedelta(days=6)), "to": str(today)}
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/dashboard/export.csv", params=week).content.decode("utf-8-sig")
            )
        )
    )
    assert rows[0] == ["section", "label", "value"]
    per_day = [r for r in rows if r[0] == "detections per day"]
    assert len(per_day) == 7
    with ui_runtime.db.session() as s:
        since = datetime(*(today - timedelta(days=6)).timetuple()[:3], tzinfo=UTC)
        in_week = sum(
            1
            for t in s.execute(select(Detection.first_seen_at)).scalars()
            if (t if t.tzinfo else t.replace(tzinfo=UTC)) >= since
        )
    assert sum(int(float(r[2])) for r in per_day) == in_week
    assert ["totals", "detections", str(in_week)] in rows
    book = load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx", params=week).content))
    sheet = book.active
    values = [tuple(str(c) for c in r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ("section", "label", "value")
    assert len(values) == len(rows)
    assert ("totals", "detections", str(in_week)) in values


def test_keyword_badge_and_text_detection_read_as_words(
    client_as: Client, ui_runtime: Runtime, seeded: Seeded
) -> None:
    with ui_runtime.db.session() as s:
        det = s.get(Detection, seeded.detection_ids[0])
        assert det is not None
        page = s.get(Page, det.page_id)
        assert page is not None
        page.keyword_hits = [
            {"keyword": "zorblat", "variant": "zorb1at", "kind": "leet", "matched": "zorb1at"}
        ]
        text = Detection(
            case_id=seeded.case_id,
            page_id=page.id,
            page_url=page.url,
            site=page.site,
            kind="text",
            algorithm="keyword",
            distance=0.0,
        )
        proactive = Detection(
            page_id=page.id,
            page_url=page.url,
            media_url=f"{page.url}/x.jpg",
            site=page.site,
            kind="image",
            algorithm="nudenet",
            distance=0.0,
        )
        s.add_all([text, proactive])
        s.flush()
        for d in (text, proactive):
            s.execute(
                insert(notice_detections).values(notice_id=seeded.notice_id, detection_id=d.id)
            )
    html = unescape(client_as("viewer").get("/queue").text)
    entry = html.split(f'id="notice-{seeded.notice_id}"')[1].split("</article>")[0]
    assert "zorblat" in entry and "zorb1at" in entry
    assert "{'keyword'" not in entry and "'variant'" not in entry
    assert "#-" not in entry and "keyword · distance" not in entry
    assert "참조 없음" in entry  # the proactive finding says it has no reference
    assert (
        "Matched reference #" in entry or "일치한 원본 #" in entry
    )  # the image matches still say it


def test_skip_link_units_and_live_countdown(client_as: Client, seeded: Seeded) -> None:
    client = client_as("officer")
    queue = client.get("/queue").text
    assert '<a class="skip" href="#main">' in queue and '<main id="main"' in queue
    assert queue.index('class="skip"') < queue.index('<header class="top">')  # first to focus
    assert 'class="countdown" role="timer" aria-live="polite"' in queue
    board = client.get("/dashboard").text
    # Every median carries its unit, and so does each figure in the removal table.
    tiles = re.findall(
        r'<div class="total"><span class="n">([^<]*)(<abbr[^>]*>[^<]*</abbr>)?', board
    )
    medians = [t for t in tiles if t[0] not in ("-",) and "." in t[0]]
    assert medians and all(unit for _, unit in medians)
    assert re.search(r"<td>\d+\.\d (h|시간)", board)  # time to removal per site, in hours
