"""Evidence through the pipeline, the API and the CLI: capture, audited reads, verify, export."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import AuditEvent
from takedown.web.app import create_app
from tests.conftest import auth
from tests.notices.conftest import Site
from tests.sites.media import sample_image
from tests.support.drain import poll_now
from tests.support.images import jpeg


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    s.server.start()
    yield s
    s.server.stop()


@pytest.mark.slow
def test_capture_read_verify_export(tmp_path: Path, site: Site) -> None:
    original = sample_image(11, 1, size=400)
    site.html("/", '<html lang="ko"><body><a href="/p/1">글</a></body></html>')
    site.html(
        "/p/1", '<html lang="ko"><body><p>한국어 본문 텍스트</p><img src="/i.jpg"></body></html>'
    )
    site.data("/i.jpg", jpeg(original, 70), "image/jpeg")
    settings = Settings(home=tmp_path / "home", fetch_allow=[site.origin])
    rt = Runtime(settings)
    with rt.db.session() as s:
        token = create_token(s, "officer", "officer-lee")[1]
    h = auth(token)
    with TestClient(create_app(settings, rt)) as c:
        case = c.post("/api/v1/cases", json={"name": "c"}, headers=h).json()
        c.post(
            f"/api/v1/cases/{case['id']}/references",
            files={"file": ("o.jpg", jpeg(original, 95), "image/jpeg")},
            headers=h,
        )
        c.post(
            "/api/v1/sources",
            json={"url": site.url("/"), "kind": "page", "interval_seconds": 3600},
            headers=h,
        )
        poll_now(rt)
        det = next(d for d in c.get("/api/v1/detections", headers=h).json() if d["media_url"])
        ev = c.get(f"/api/v1/evidence/{det['evidence_id']}", headers=h).json()
        assert ev["state"] == "captured" and ev["page_url"] == site.url("/p/1")
        kinds = {a["kind"] for a in ev["artifacts"]}
        assert {"warc", "screenshot", "html", "text", "media", "report_hwpx", "report_pdf"} <= kinds
        assert all(len(a["sha256"]) == 64 and a["size"] > 0 for a in ev["artifacts"])

        r = c.get(f"/api/v1/evidence/{ev['id']}/artifacts/page.txt", headers=h)
        assert r.status_code == 200 and "한국어" in r.text
        with rt.db.session() as s:
            reads = (
                s.execute(select(AuditEvent).where(AuditEvent.action == "evidence.read"))
                .scalars()
                .all()
            )
            assert [(e.actor, e.data["artifact"]) for e in reads] == [
                ("token:officer-lee", "page.txt")
            ]
        viewer = auth(create_token_for(rt, "viewer"))
        assert (
            c.get(f"/api/v1/evidence/{ev['id']}/artifacts/page.txt", headers=viewer).status_code
            == 403
        )
        assert c.post(f"/api/v1/evidence/{ev['id']}/verify", headers=h).json()["ok"] is True
    key_file = rt.services.signer.key_file
    rt.close()

    env = {"TAKEDOWN_HOME": str(settings.home), "TAKEDOWN_SIGNING_KEY_FILE": str(key_file)}
    cli = [sys.executable, "-m", "takedown.cli", "evidence"]
    ok = subprocess.run(
        [*cli, "verify", str(ev["id"])], env=env, capture_output=True, text=True, timeout=120
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    out = tmp_path / "export"
    exp = subprocess.run(
        [*cli, "export", str(ev["id"]), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert exp.returncode == 0, exp.stderr
    check = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr

    # One changed byte in one artifact fails verification; so does one in the custody log.
    target = settings.evidence_dir / ev["key"] / "page.txt"
    raw = bytearray(target.read_bytes())
    raw[0] ^= 1
    target.write_bytes(bytes(raw))
    bad = subprocess.run(
        [*cli, "verify", str(ev["id"])], env=env, capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 1 and "page.txt" in bad.stdout + bad.stderr
    raw[0] ^= 1
    target.write_bytes(bytes(raw))
    custody = next((settings.evidence_dir / ev["key"]).glob("custody*"))
    text = custody.read_bytes()
    custody.write_bytes(text.replace(b'"captured"', b'"Captured"', 1))
    bad = subprocess.run(
        [*cli, "verify", str(ev["id"])], env=env, capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 1


def create_token_for(rt: Runtime, role: str) -> str:
    with rt.db.session() as s:
        return create_token(s, role, f"t-{role}")[1]
