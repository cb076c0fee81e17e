"""Erasure on the victim's withdrawal: no hash, face or case text is left in the database or the
data folder (searched byte-wise, SQLite file included), the audit shows it, and what the police
hold is kept and listed with the reason."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.config import Settings
from takedown.evidence.store import open_store
from takedown.pipeline.runtime import Runtime
from takedown.store.base import utcnow
from takedown.store.tables import (
    Artifact,
    AuditEvent,
    CaseFace,
    Detection,
    Evidence,
    Page,
    Reference,
)
from tests.conftest import auth

PDQ = "f00dfacecafe" * 5 + "beef"  # 64 hex digits, found nowhere else
SHA = "5ea1ed" * 10 + "c0de"
FACE = b"FACEVECTOR-" * 20
SECRETS = ["Quenbrillo", "vandermoss-note", "zorblatine", "zorb1atine", PDQ, SHA]


def _bytes_everywhere(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file())


def _seed(rt: Runtime, settings: Settings, case_id: int) -> tuple[int, int]:
    store = open_store(settings.evidence_dir)
    with rt.db.session() as s:
        s.add(
            Reference(
                case_id=case_id,
                kind="image",
                origin="upload",
                sha256=SHA,
                hashes={"sha256": SHA, "pdq": [{"hash": PDQ, "quality": 90}]},
            )
        )
        s.add(CaseFace(case_id=case_id, model_name="m", model_version="1", embedding=FACE))
        ids = []
        for i, handed in enumerate((False, True)):
            text = "zorblatine found here" if not handed else "neutral page kept for police"
            page = Page(
                url_hash=f"{i:064x}",
                url=f"https://board.example/{i}",
                site="board.example",
                excerpt=text,
                title=text,
                keyword_hits=[] if handed else [{"keyword": "zorblatine", "variant": "zorb1atine"}],
            )
            s.add(page)
            s.flush()
            ev = Evidence(
                key=f"ev{i}",
                page_id=page.id,
                page_url=page.url,
                state="captured",
                handed_over_at=utcnow() if handed else None,
                handed_over_to="Seoul police" if handed else None,
            )
            s.add(ev)
            s.flush()
            store.write_new(ev.key, "page.txt", text.encode())
            s.add(
                Artifact(
                    evidence_id=ev.id,
                    name="page.txt",
                    kind="text",
                    media_type="text/plain",
                    size=len(text),
                    sha256="0" * 64,
                    path=f"{ev.key}/page.txt",
                )
            )
            det = Detection(
                case_id=case_id,
                page_id=page.id,
                page_url=page.url,
                site=page.site,
                kind="text",
                algorithm="keyword",
                evidence_id=ev.id,
                detail={"keyword": "zorblatine"},
            )
            s.add(det)
            s.flush()
            ids.append((ev.id, det.id))
    return ids[1]


def test_erasure_leaves_no_hash_face_or_text(
    client: TestClient, runtime: Runtime, settings: Settings, tokens: dict[str, str]
) -> None:
    h = auth(tokens["officer"])
    case = client.post(
        "/api/v1/cases",
        json={
            "name": "Quenbrillo",
            "keywords": ["zorblatine"],
            "notes": "vandermoss-note",
            "victim_reference": "V-77",
        },
        headers=h,
    ).json()
    kept_evidence, kept_detection = _seed(runtime, settings, case["id"])
    before = _bytes_everywhere(settings.home.parent)  # the data folder and the SQLite file
    assert b"zorblatine" in before  # the capture on disk holds the case text
    if settings.database_url.startswith("sqlite"):  # the search would find them (not vacuous)
        assert all(x.encode() in before for x in SECRETS)

    assert client.post(f"/api/v1/cases/{case['id']}/erase", headers=h).status_code == 403
    r = client.post(f"/api/v1/cases/{case['id']}/erase", headers=auth(tokens["admin"]))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["references"] == 1 and out["faces"] == 1 and out["detections"] == 1
    assert [k["evidence_id"] for k in out["kept"]] == [kept_evidence]
    assert out["kept"][0]["detection_ids"] == [kept_detection]
    assert "police" in out["kept"][0]["reason"]

    if settings.database_url.startswith("sqlite"):
        runtime.db.dispose()  # close pooled connections so the file on disk is final
    after = _bytes_everywhere(settings.home.parent)
    for secret in SECRETS:
        assert secret.encode() not in after, secret
    assert FACE not in after
    assert b"neutral page kept for police" in after  # the handed-over capture stays

    with runtime.db.session() as s:
        assert s.execute(select(Reference)).first() is None
        assert s.execute(select(CaseFace)).first() is None
        dump = repr(
            [(p.title, p.excerpt, p.keyword_hits) for p in s.execute(select(Page)).scalars()]
        )
        dump += repr([(d.detail, d.page_url) for d in s.execute(select(Detection)).scalars()])
        assert not any(x in dump for x in SECRETS)
        audit = s.execute(select(AuditEvent).where(AuditEvent.action == "case.erase")).scalar_one()
        assert audit.object_id == str(case["id"]) and audit.data["kept_evidence"] == [kept_evidence]
    got = client.get(f"/api/v1/cases/{case['id']}", headers=h).json()
    assert got["status"] == "closed" and got["erased_at"] and got["keywords"] == []
    again = client.post(f"/api/v1/cases/{case['id']}/erase", headers=auth(tokens["admin"]))
    assert again.status_code == 409
    reopen = client.post(f"/api/v1/cases/{case['id']}/status", json={"status": "open"}, headers=h)
    assert reopen.status_code == 409


def test_closing_a_case_pauses_its_sources(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["officer"])
    case = client.post("/api/v1/cases", json={"name": "c"}, headers=h).json()
    mine = client.post(
        "/api/v1/sources",
        json={
            "url": "https://a.example/",
            "kind": "page",
            "interval_seconds": 60,
            "case_id": case["id"],
        },
        headers=h,
    ).json()
    other = client.post(
        "/api/v1/sources",
        json={"url": "https://b.example/", "kind": "page", "interval_seconds": 60},
        headers=h,
    ).json()
    r = client.post(f"/api/v1/cases/{case['id']}/status", json={"status": "closed"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["closed_at"]
    assert client.get(f"/api/v1/sources/{mine['id']}", headers=h).json()["paused"] is True
    assert client.get(f"/api/v1/sources/{other['id']}", headers=h).json()["paused"] is False
    assert (
        client.post(
            f"/api/v1/cases/{case['id']}/status", json={"status": "monitoring"}, headers=h
        ).json()["status"]
        == "monitoring"
    )
