"""Retention deletes old artifacts of a kind (file and row) but keeps what the police hold."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from takedown.config import Settings
from takedown.evidence.store import open_store
from takedown.pipeline.runtime import Runtime
from takedown.review.retention import enforce_retention
from takedown.store.base import utcnow
from takedown.store.tables import Artifact, AuditEvent, Evidence, Page


def test_retention_per_kind_spares_handed_over(runtime: Runtime, settings: Settings) -> None:
    cfg = settings.model_copy(update={"retention_days": {"media": 30}})
    store = open_store(cfg.evidence_dir)
    old = utcnow() - timedelta(days=40)
    with runtime.db.session() as s:
        page = Page(url_hash="a" * 64, url="https://x.example/", site="x.example")
        s.add(page)
        s.flush()
        for key, handed in (("old", None), ("police", old)):
            ev = Evidence(
                key=key,
                page_id=page.id,
                page_url=page.url,
                state="captured",
                created_at=old,
                handed_over_at=handed,
            )
            s.add(ev)
            s.flush()
            for name, kind in (("media/a.jpg", "media"), ("page.txt", "text")):
                store.write_new(key, name, b"bytes")
                s.add(
                    Artifact(
                        evidence_id=ev.id,
                        name=name,
                        kind=kind,
                        media_type="x/y",
                        size=5,
                        sha256="0" * 64,
                        path=f"{key}/{name}",
                    )
                )
    with runtime.db.session() as s:
        got = enforce_retention(s, cfg, utcnow())
    assert got.artifacts == 1 and got.by_kind == {"media": 1}
    assert not store.exists("old", "media/a.jpg") and store.exists("old", "page.txt")
    assert store.exists("police", "media/a.jpg")
    with runtime.db.session() as s:
        names = sorted(s.execute(select(Artifact.path)).scalars())
        assert names == ["old/page.txt", "police/media/a.jpg", "police/page.txt"]
        assert s.execute(
            select(AuditEvent).where(AuditEvent.action == "evidence.retention")
        ).scalar_one()
        assert enforce_retention(s, cfg, utcnow()).artifacts == 0
