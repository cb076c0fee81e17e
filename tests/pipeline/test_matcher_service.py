"""Closing a case stops its matching in every process: a worker's matcher, which the web process
never touches, drops the closed case's references and takes them back when it is re-opened."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.matching.hashing import hash_media
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.services import MatcherService
from takedown.review import lifecycle
from takedown.store.tables import Case
from takedown.web.app import create_app
from tests.conftest import auth
from tests.sites.media import sample_image
from tests.support.images import jpeg


def test_closed_case_leaves_every_matcher(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    web = Runtime(settings)
    worker = MatcherService(Runtime(settings, migrate=False).db)  # another process's matcher
    worker.RECONCILE_SECONDS = 0.0
    picture = jpeg(sample_image(2, 3, size=400), 90)
    query = hash_media(picture)
    with web.db.session() as s:
        h = auth(create_token(s, "officer", "t")[1])
    with TestClient(create_app(settings, web)) as c:
        case = c.post("/api/v1/cases", json={"name": "c"}, headers=h).json()
        r = c.post(
            f"/api/v1/cases/{case['id']}/references",
            files={"file": ("r.jpg", picture, "image/jpeg")},
            headers=h,
        )
        assert r.status_code == 201, r.text
    assert [m.case_id for m in worker.refresh().match(query)] == [case["id"]]

    with web.db.session() as s:
        row = s.get(Case, case["id"])
        assert row is not None
        lifecycle.set_status(s, row, "closed", "officer")
    assert worker.refresh().match(query) == []

    with web.db.session() as s:
        row = s.get(Case, case["id"])
        assert row is not None
        lifecycle.set_status(s, row, "open", "officer")
    assert [m.case_id for m in worker.refresh().match(query)] == [case["id"]]
    web.close()
