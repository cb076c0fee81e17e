"""The evidence bundle for the police: one signed zip per case with a WACZ of the captures, each
item's export and a script that checks it; a changed byte or another key fails verification."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from takedown.accounts.roles import Principal
from takedown.accounts.tokens import create_token
from takedown.cli.main import cli
from takedown.config import Settings
from takedown.evidence.bundle import verify_bundle, wacz_pages
from takedown.evidence.capture import store_capture
from takedown.evidence.signing import load_signer
from takedown.pipeline.runtime import Runtime
from takedown.review.handover import bundle_case
from takedown.store.tables import Case, Detection, Evidence, Page
from takedown.web.app import create_app
from tests.conftest import auth
from tests.evidence.items import MEDIA_URL, PAGE_URL, page_capture

pytestmark = pytest.mark.slow  # py-wacz indexes the WARCs


def _case_with_evidence(rt: Runtime) -> tuple[int, list[int]]:
    services = rt.services.evidence
    with rt.db.session() as s:
        case = Case(name="c", keywords=[])
        page = Page(url_hash="b" * 64, url=PAGE_URL, site="site.invalid")
        s.add_all([case, page])
        s.flush()
        ids = []
        for n in range(2):
            ev = Evidence(
                key=f"ev-bundle-{n}", page_id=page.id, page_url=PAGE_URL, state="captured"
            )
            s.add(ev)
            s.flush()
            s.add(
                Detection(
                    case_id=case.id, page_id=page.id, page_url=PAGE_URL, media_url=MEDIA_URL,
                    kind="image", algorithm="pdq", evidence_id=ev.id,
                )
            )  # fmt: skip
            store_capture(
                page_capture(),
                store=services.store,
                evidence_key=ev.key,
                vault=services.vault,
                media_urls=(MEDIA_URL,),
                signer=rt.services.signer,
            )
            ids.append(ev.id)
        return case.id, ids


def test_bundle_is_signed_complete_and_checkable(tmp_path: Path) -> None:
    rt = Runtime(Settings(home=tmp_path / "home"))
    try:
        case_id, ids = _case_with_evidence(rt)
        dest = tmp_path / "bundle.zip"
        who = Principal("user", 1, "officer-kim", "officer")
        items = bundle_case(rt, case_id, dest, who, handed_to="Seoul Police cyber unit")
        assert [i.evidence_id for i in items] == ids
        with rt.db.session() as s:
            assert all(s.get(Evidence, i).handed_over_to == "Seoul Police cyber unit" for i in ids)  # type: ignore[union-attr]
        public = rt.services.signer.public_pem()
    finally:
        rt.close()

    report = verify_bundle(dest, public)
    assert report.ok, report.problems
    with zipfile.ZipFile(dest) as z:
        names = set(z.namelist())
    for key in ("ev-bundle-0", "ev-bundle-1"):
        assert f"items/{key}/artifacts/capture.warc.gz" in names
        assert f"items/{key}/custody.jsonl" in names
    assert "captures.wacz" in names and PAGE_URL in wacz_pages(dest)

    # The bundle's own script, run by someone with only Python and the zip.
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(dest).extractall(unpacked)
    done = subprocess.run(
        [sys.executable, "verify_bundle.py"], cwd=unpacked, capture_output=True, text=True
    )
    assert done.returncode == 0 and "signature OK" in done.stdout, done.stdout + done.stderr

    # One changed byte in one file, or a bundle checked against another key, fails.
    target = unpacked / "items" / "ev-bundle-1" / "artifacts" / "page.txt"
    target.write_bytes(target.read_bytes() + b" ")
    done = subprocess.run(
        [sys.executable, "verify_bundle.py"], cwd=unpacked, capture_output=True, text=True
    )
    assert done.returncode != 0 and "CHANGED  items/ev-bundle-1/artifacts/page.txt" in done.stdout
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(dest) as src, zipfile.ZipFile(tampered, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "items/ev-bundle-0/artifacts/page.txt":
                data = data.replace(b"\xea", b"\xeb", 1)
            out.writestr(info.filename, data)
    assert verify_bundle(tampered, public).problems == (
        "items/ev-bundle-0/artifacts/page.txt: changed",
    )
    other = load_signer(tmp_path / "other" / "k.key", create=True).public_pem()
    assert verify_bundle(dest, other).problems == ("the signature does not match bundle.json",)

    runner = CliRunner()
    key_file = tmp_path / "pub.pem"
    key_file.write_bytes(public)
    ok = runner.invoke(cli, ["evidence", "verify-bundle", str(dest), "--public-key", str(key_file)])
    assert ok.exit_code == 0 and "bundle OK" in ok.output, ok.output


def test_bundle_over_the_api(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    rt = Runtime(settings)
    try:
        case_id, _ = _case_with_evidence(rt)
        with rt.db.session() as s:
            officer = auth(create_token(s, "officer", "o")[1])
            viewer = auth(create_token(s, "viewer", "v")[1])
        with TestClient(create_app(settings, rt)) as c:
            url = f"/api/v1/cases/{case_id}/bundle"
            assert c.post(url, json={}, headers=viewer).status_code == 403
            assert c.post("/api/v1/cases/999/bundle", json={}, headers=officer).status_code == 404
            r = c.post(url, json={"evidence_ids": [12345]}, headers=officer)
            assert r.status_code == 422
            r = c.post(url, json={}, headers=officer)
            assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
            assert r.headers["cache-control"] == "no-store"
            out = tmp_path / "b.zip"
            out.write_bytes(r.content)
        assert verify_bundle(out, rt.services.signer.public_pem()).ok
    finally:
        rt.close()
