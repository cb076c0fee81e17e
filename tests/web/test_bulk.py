"""Bulk approval: three drafts that pass go out as exactly three e-mails; a set with one draft
missing an element is refused whole (nothing sent) with the reason per draft."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Notice, notice_detections
from takedown.web.app import create_app
from takedown.web.ui.sample import seed_sample
from tests.conftest import auth
from tests.notices.conftest import SmtpServer
from tests.support.drain import drain
from tests.support.identity import CENTER_IDENTITY
from tests.ui.conftest import VAULT_KEY


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def _copies(rt: Runtime, template_id: int, n: int, **changes: object) -> list[int]:
    skip = {"id", "message_id", "state_changed_at", "reference"}
    with rt.db.session() as s:
        t = s.get(Notice, template_id)
        assert t is not None
        dets = list(
            s.execute(
                select(notice_detections.c.detection_id).where(
                    notice_detections.c.notice_id == t.id
                )
            ).scalars()
        )
        fields = {c.key: getattr(t, c.key) for c in Notice.__table__.columns if c.key not in skip}
        ids = []
        for _ in range(n):
            copy = Notice(**{**fields, **changes})
            s.add(copy)
            s.flush()
            # Each request has its own reference: the copy prints its own.
            assert t.reference and copy.reference
            copy.body = t.body.replace(t.reference, copy.reference)
            copy.subject = t.subject.replace(t.reference, copy.reference)
            elements = dict((t.detail or {}).get("elements") or {})
            elements["reference"] = [
                x.replace(t.reference, copy.reference) for x in elements.get("reference", [])
            ]
            copy.detail = {**(t.detail or {}), "elements": elements}
            for d in dets:
                s.execute(insert(notice_detections).values(notice_id=copy.id, detection_id=d))
            ids.append(copy.id)
    return ids


def test_bulk_approve_all_or_nothing(tmp_path: Path, database_url: str, smtp: SmtpServer) -> None:
    settings = Settings(
        home=tmp_path / "home",
        database_url=database_url,
        vault_key=VAULT_KEY,
        smtp_url=smtp.url,
        smtp_from="takedown@center.example",
        **CENTER_IDENTITY,
    )
    rt = Runtime(settings)
    try:
        seeded = seed_sample(rt)
        with rt.db.session() as s:
            token = create_token(s, "officer", "bulk")[1]
        good = _copies(rt, seeded.notice_id, 3)
        broken = _copies(rt, seeded.notice_id, 1, to=[])
        with TestClient(create_app(settings, rt)) as client:
            h = auth(token)
            r = client.post(
                "/api/v1/notices/bulk-approve", json={"ids": [good[0], *broken]}, headers=h
            )
            assert r.status_code == 409, r.text
            assert f"#{broken[0]}: no recipient" in r.json()["detail"]
            assert smtp.mailbox.messages == []
            r = client.post("/api/v1/notices/bulk-approve", json={"ids": good}, headers=h)
            assert r.status_code == 200, r.text
            assert sorted(n["id"] for n in r.json()) == good
            # Approval hands each draft to the notice lane; sending happens there.
            assert {n["status"] for n in r.json()} == {"approved"}
            drain(rt)
            assert len(smtp.mailbox.messages) == 3
            statuses = {
                n["id"]: n["status"] for n in client.get("/api/v1/notices", headers=h).json()
            }
            assert statuses[broken[0]] == "draft"
            assert {statuses[i] for i in good} == {"sent"}
            again = client.post("/api/v1/notices/bulk-approve", json={"ids": good[:1]}, headers=h)
            assert again.status_code == 409 and "not a draft" in again.json()["detail"]
    finally:
        rt.close()
