"""The editing pages: notices, cases and references, sources, evidence, users, dashboard."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Artifact, Evidence, Notice, Reference, Source, User
from takedown.web.ui.sample import SAMPLE_PDQ, Seeded
from tests.ui.conftest import audit_actions, csrf_of


def test_notice_editor_shows_recipients_preview_and_timeline(
    client_as: Callable[[str | None], TestClient], seeded: Seeded
) -> None:
    client = client_as("officer")
    page = client.get(f"/notices/{seeded.notice_id}").text
    assert "abuse@photos.example" in page
    assert "https://photos.example/contact" in page  # where the address came from
    assert "security.txt" in page
    assert 'class="mail"' in page and "photos.example" in page
    assert "approve" in page and "data-confirm" in page
    assert f'action="/notices/{seeded.notice_id}/approve"' in page  # so the check below can fail
    # The officer sees the law's required elements, each checked, with its citation and date.
    assert "필수 기재사항" in page and "<code>no_forward</code>" in page
    assert 'class="present"' in page and 'class="missing"' not in page
    sent_id = seeded.other_notice_ids[-1]
    sent = client.get(f"/notices/{sent_id}").text
    assert "발송" in sent
    for action in ("approve", "reject"):  # a sent request offers no decision any more
        assert f'action="/notices/{sent_id}/{action}"' not in sent


def test_edit_then_reject_a_draft(
    client_as: Callable[[str | None], TestClient], seeded: Seeded, ui_runtime: Runtime
) -> None:
    client = client_as("officer")
    nid = seeded.notice_id
    token = csrf_of(client.get(f"/notices/{nid}").text)
    client.post(
        f"/notices/{nid}/edit",
        data={
            "csrf": token,
            "to": "desk@photos.example\n",
            "subject": "Edited subject",
            "body": "B",
        },
    )
    bad = client.post(
        f"/notices/{nid}/edit",
        data={"csrf": token, "to": "not-an-address", "subject": "S", "body": "B"},
    )
    assert "not e-mail addresses" in bad.text  # the workflow's message is shown
    client.post(f"/notices/{nid}/reject", data={"csrf": token, "reason": "duplicate"})
    with ui_runtime.db.session() as s:
        n = s.get(Notice, nid)
        assert n is not None
        assert (n.to, n.subject, n.status) == (
            ["desk@photos.example"],
            "Edited subject",
            "rejected",
        )
    page = client.get(f"/notices/{nid}").text
    assert "duplicate" in page  # the timeline shows the rejection and its reason
    assert f'action="/notices/{nid}/approve"' not in page


def test_case_create_keywords_and_references(
    client_as: Callable[[str | None], TestClient], ui_runtime: Runtime
) -> None:
    client = client_as("officer")
    token = csrf_of(client.get("/cases").text)
    created = client.post(
        "/cases",
        data={"csrf": token, "name": "case-beta", "keywords": "mossgate, tinwhistle\nmossgate"},
        follow_redirects=False,
    )
    case_path = created.headers["location"]
    case_id = int(case_path.rsplit("/", 1)[1])
    client.post(case_path, data={"csrf": token, "name": "case-beta", "keywords": "tinwhistle"})
    image = Image.new("RGB", (256, 256))
    for x in range(256):
        for y in range(0, 256, 8):
            image.putpixel((x, y), (x, 255 - x, (x * y) % 256))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    upload = buf.getvalue()
    client.post(
        f"{case_path}/references/upload",
        data={"csrf": token},
        files={"file": ("original.png", upload, "image/png")},
    )
    client.post(
        f"{case_path}/references/hashes",
        data={"csrf": token, "algorithm": "pdq", "hashes": SAMPLE_PDQ},
    )
    wrong = client.post(
        f"{case_path}/references/hashes", data={"csrf": token, "algorithm": "pdq", "hashes": "xyz"}
    )
    assert "64 hex characters" in wrong.text  # the parser says what is wrong
    junk = client.post(
        f"{case_path}/references/upload",
        data={"csrf": token},
        files={"file": ("x.png", b"not an image at all", "image/png")},
    )
    assert junk.status_code == 200 and "flash error" in junk.text
    with ui_runtime.db.session() as s:
        refs = list(s.execute(select(Reference).where(Reference.case_id == case_id)).scalars())
    assert [(r.kind, r.origin) for r in refs] == [("image", "upload"), ("image", "hash-intake")]
    assert len(refs[0].hashes["pdq"]) >= 8 and refs[0].sha256
    assert refs[1].hashes["pdq"][0][0] == SAMPLE_PDQ
    # The upload's bytes were not kept anywhere in the installation's home.
    home = Path(ui_runtime.settings.home)
    assert not any(p.is_file() and upload in p.read_bytes() for p in home.rglob("*"))
    page = client.get(case_path).text
    assert "tinwhistle" in page and "mossgate" not in page
    assert len(audit_actions(ui_runtime, "reference.add")) == 2


def test_sources_add_edit_pause(
    client_as: Callable[[str | None], TestClient], ui_runtime: Runtime
) -> None:
    client = client_as("officer")
    token = csrf_of(client.get("/sources").text)
    client.post(
        "/sources",
        data={
            "csrf": token,
            "url": "https://news.example/feed",
            "kind": "feed",
            "interval_seconds": "600",
        },
    )
    refused = client.post(
        "/sources", data={"csrf": token, "url": "ftp://x.example/", "kind": "feed"}
    )
    assert "http(s)" in refused.text
    with ui_runtime.db.session() as s:
        src = s.execute(
            select(Source).where(Source.url == "https://news.example/feed")
        ).scalar_one()
        sid = src.id
    client.post(
        f"/sources/{sid}",
        data={
            "csrf": token,
            "interval_seconds": "120",
            "render": "browser",
            "keywords": "mossgate",
            "max_depth": "2",
        },
    )
    client.post(f"/sources/{sid}/pause", data={"csrf": token, "paused": "true"})
    with ui_runtime.db.session() as s:
        edited = s.get(Source, sid)
        assert edited is not None
        assert (
            edited.interval_seconds,
            edited.render,
            edited.keywords,
            edited.max_depth,
            edited.paused,
        ) == (
            120,
            "browser",
            ["mossgate"],
            2,
            True,
        )
    listing = client.get("/sources").text
    assert "HTTP 503 from board.example" in listing  # the last error of the seeded source


def test_evidence_verify_and_audited_download(
    client_as: Callable[[str | None], TestClient], seeded: Seeded, ui_runtime: Runtime
) -> None:
    client = client_as("officer")
    eid = seeded.evidence_id
    page = client.get(f"/evidence/{eid}").text
    assert "custody" in page or "보관" in page
    token = csrf_of(page)
    assert "검증 완료" in client.post(f"/evidence/{eid}/verify", data={"csrf": token}).text
    media_id = seeded.media_artifact_ids[1]
    got = client.get(f"/evidence/{eid}/artifacts/{media_id}")
    assert got.content == seeded.images[1]  # decrypted, byte for byte
    assert got.headers["content-disposition"].startswith("attachment")
    [event] = audit_actions(ui_runtime, "evidence.download")
    assert event.object_id == str(media_id)
    assert client_as("viewer").get(f"/evidence/{eid}/artifacts/{media_id}").status_code == 403
    # Damage one stored file: verification says so.
    with ui_runtime.db.session() as s:
        ev = s.get(Evidence, eid)
        art = s.execute(select(Artifact).where(Artifact.id == media_id)).scalar_one()
        assert ev is not None
        path = ui_runtime.settings.evidence_dir / ev.key / art.name
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    failed = client.post(f"/evidence/{eid}/verify", data={"csrf": token}).text
    assert "검증 실패" in failed and art.name in failed
    assert len(audit_actions(ui_runtime, "evidence.verify")) == 2


def test_admin_manages_users(
    client_as: Callable[[str | None], TestClient], ui_runtime: Runtime
) -> None:
    client = client_as("admin")
    token = csrf_of(client.get("/admin/users").text)
    client.post(
        "/admin/users",
        data={
            "csrf": token,
            "username": "new-officer",
            "password": "long-enough-pw",
            "role": "officer",
            "locale": "en",
        },
    )
    short = client.post(
        "/admin/users",
        data={"csrf": token, "username": "x", "password": "short", "role": "viewer"},
    )
    assert "at least 8" in short.text
    with ui_runtime.db.session() as s:
        new = s.execute(select(User).where(User.username == "new-officer")).scalar_one()
        me = s.execute(select(User).where(User.username == "sample-admin")).scalar_one()
    client.post(
        f"/admin/users/{new.id}", data={"csrf": token, "role": "viewer"}
    )  # unchecked: inactive
    selfdemote = client.post(
        f"/admin/users/{me.id}", data={"csrf": token, "role": "viewer", "active": "true"}
    )
    assert "own admin" in selfdemote.text or "관리자 권한" in selfdemote.text
    with ui_runtime.db.session() as s:
        new = s.execute(select(User).where(User.username == "new-officer")).scalar_one()
        me = s.execute(select(User).where(User.username == "sample-admin")).scalar_one()
        assert (new.role, new.active, new.locale) == ("viewer", False, "en")
        assert me.role == "admin"
    assert audit_actions(ui_runtime, "user.update")[-1].data == {"role": "viewer", "active": False}


def test_dashboard_renders_four_charts(
    client_as: Callable[[str | None], TestClient], seeded: Seeded
) -> None:
    page = client_as("viewer").get("/dashboard").text
    assert page.count("<svg") == 4
    assert page.count('class="bar"') > 10
    assert "site1.example" in page  # time to removal per site
