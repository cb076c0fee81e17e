"""Every list pages by cursor (Link rel=next), filters and searches; the body stays an array."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Case, Detection, Notice, Page
from tests.conftest import auth


def _next(r: object) -> str | None:
    link = r.headers.get("link")  # type: ignore[attr-defined]
    if not link:
        return None
    m = re.fullmatch(r'<([^>]+)>; rel="next"', link)
    assert m, link
    return m.group(1)


def _walk(client: TestClient, url: str, h: dict[str, str]) -> tuple[list[dict], int]:
    rows: list[dict] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        r = client.get(next_url, headers=h)
        assert r.status_code == 200, r.text
        assert isinstance(r.json(), list)
        rows += r.json()
        pages += 1
        next_url = _next(r)
    return rows, pages


def _seed(rt: Runtime, n: int) -> None:
    with rt.db.session() as s:
        case = Case(name="paging", keywords=[], victim_reference="V-2026-0042")
        other = Case(name="other", keywords=[])
        s.add_all([case, other])
        s.flush()
        pages = [
            Page(
                url_hash=f"{i:064x}",
                url=f"https://site{i % 3}.example/p/{i}",
                site=f"site{i % 3}.example",
                language="ko" if i % 2 else "en",
            )
            for i in range(n)
        ]
        s.add_all(pages)
        s.flush()
        for i, p in enumerate(pages):
            s.add(
                Detection(
                    case_id=case.id if i % 4 else other.id,
                    page_id=p.id,
                    page_url=p.url,
                    site=p.site,
                    kind="text" if i % 5 == 0 else "image",
                    algorithm="pdq",
                    priority=float(i % 7),
                )
            )
            s.add(
                Notice(
                    case_id=case.id if i % 4 else other.id,
                    site=p.site,
                    channel="email",
                    to=[],
                    recipients=[],
                    language="ko",
                    jurisdiction="KR",
                    subject=f"req {i}",
                    body="b",
                    legal_basis="",
                    status="draft" if i % 2 else "sent",
                    priority=float(i % 3),
                    draft_state="idle",
                    message_id=f"<ticket-{i}@x>",
                )
            )


def test_detections_page_through_every_row_once(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    _seed(runtime, 23)
    h = auth(tokens["viewer"])
    everything = client.get("/api/v1/detections", headers=h).json()
    assert _next(client.get("/api/v1/detections", headers=h)) is None
    rows, pages = _walk(client, "/api/v1/detections?limit=5", h)
    assert [r["id"] for r in rows] == [r["id"] for r in everything] and len(rows) == 23
    assert pages == 5
    site1, _ = _walk(client, "/api/v1/detections?limit=2&site=site1.example", h)
    assert site1 and {r["site"] for r in site1} == {"site1.example"}
    assert len(site1) == sum(1 for r in everything if r["site"] == "site1.example")
    text, _ = _walk(client, "/api/v1/detections?limit=3&kind=text&language=en", h)
    assert {r["kind"] for r in text} == {"text"}
    found = client.get("/api/v1/detections?q=/p/17", headers=h).json()
    assert [r["page_url"] for r in found] == ["https://site2.example/p/17"]
    assert client.get("/api/v1/detections?cursor=garbage!", headers=h).status_code == 400


def test_notices_page_in_priority_order_and_search_tickets(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    _seed(runtime, 20)
    h = auth(tokens["viewer"])
    everything = client.get("/api/v1/notices", headers=h).json()
    rows, pages = _walk(client, "/api/v1/notices?limit=3", h)
    assert [r["id"] for r in rows] == [r["id"] for r in everything] and pages == 7
    keys = [(-r["priority"], r["id"]) for r in rows]
    assert keys == sorted(keys)
    drafts, _ = _walk(client, "/api/v1/notices?limit=4&status=draft&site=site0.example", h)
    assert drafts and all(r["status"] == "draft" and r["site"] == "site0.example" for r in drafts)
    ticket = client.get("/api/v1/notices?q=ticket-13@", headers=h).json()
    assert [r["message_id"] for r in ticket] == ["<ticket-13@x>"]
    by_ref = client.get("/api/v1/notices?q=V-2026-0042", headers=h).json()
    assert len(by_ref) == sum(1 for i in range(20) if i % 4)


def test_cases_and_sources_page_and_filter(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["officer"])
    ids = [
        client.post(
            "/api/v1/cases",
            json={"name": f"case {i}", "officer": "kim" if i % 2 else "lee"},
            headers=h,
        ).json()["id"]
        for i in range(7)
    ]
    rows, pages = _walk(client, "/api/v1/cases?limit=3", h)
    assert [r["id"] for r in rows] == ids and pages == 3
    assert [r["id"] for r in client.get("/api/v1/cases?officer=kim", headers=h).json()] == ids[1::2]
    for i in range(4):
        r = client.post(
            "/api/v1/sources",
            json={
                "url": f"https://board{i}.example/list",
                "kind": "page",
                "interval_seconds": 60,
                "case_id": ids[0],
            },
            headers=h,
        )
        assert r.status_code == 201, r.text
    rows, pages = _walk(client, f"/api/v1/sources?limit=2&case_id={ids[0]}", h)
    assert len(rows) == 4 and pages == 2
    assert [r["url"] for r in client.get("/api/v1/sources?q=board2", headers=h).json()] == [
        "https://board2.example/list"
    ]
