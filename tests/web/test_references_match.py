"""Reference intake keeps hashes only; POST /match and `takedown match` find edited copies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageOps
from skimage import data as skdata

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.web.app import create_app
from tests.conftest import auth
from tests.support.images import jpeg


def _images() -> tuple[Image.Image, Image.Image]:
    ref = Image.fromarray(skdata.chelsea())
    other = Image.fromarray(skdata.coffee())
    return ref, other


def _all_bytes_under(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_intake_keeps_no_bytes_and_match_finds_copies(
    client: TestClient, tokens: dict[str, str], settings: Settings
) -> None:
    h = auth(tokens["officer"])
    case = client.post("/api/v1/cases", json={"name": "c"}, headers=h).json()
    ref, other = _images()
    original = jpeg(ref, 95)
    r = client.post(
        f"/api/v1/cases/{case['id']}/references",
        files={"file": ("orig.jpg", original, "image/jpeg")},
        headers=h,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["kind"] == "image" and len(body["hashes"]["pdq"]) == 64
    assert body["hashes"]["pdq_variants"] >= 8
    # Not the file, nor any 4 KiB run of it, is anywhere under TAKEDOWN_HOME.
    stored = _all_bytes_under(settings.home)
    assert original not in stored
    assert all(original[i : i + 4096] not in stored for i in range(0, len(original) - 4096, 4096))

    copies = {
        "resized": ref.resize((ref.width // 2, ref.height // 2)),
        "flipped": ImageOps.mirror(ref),
        "cropped": ref.crop((10, 10, ref.width - 10, ref.height - 10)),
    }
    for name, img in copies.items():
        r = client.post(
            "/api/v1/match",
            files={"file": ("q.jpg", jpeg(img, 70), "image/jpeg")},
            headers=auth(tokens["viewer"]),
        )
        assert r.status_code == 200, r.text
        hits = r.json()
        assert [m["reference_id"] for m in hits] == [body["id"]], (name, hits)
    r = client.post(
        "/api/v1/match", files={"file": ("q.jpg", jpeg(other), "image/jpeg")}, headers=h
    )
    assert r.json() == []
    r = client.post(
        "/api/v1/match",
        data={"case_id": "999"},
        files={"file": ("q.jpg", jpeg(copies["resized"]), "image/jpeg")},
        headers=h,
    )
    assert r.json() == []


def test_hash_only_intake_and_bad_uploads(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["officer"])
    case = client.post("/api/v1/cases", json={"name": "c"}, headers=h).json()
    url = f"/api/v1/cases/{case['id']}/references"
    ref, _ = _images()
    import pdqhash

    vec, _quality = pdqhash.compute(np.asarray(ref.convert("RGB")))
    pdq_hex = "".join(
        f"{int(''.join(str(int(b)) for b in vec[i : i + 4]), 2):x}" for i in range(0, 256, 4)
    )
    r = client.post(f"{url}/hashes", json={"algorithm": "pdq", "hashes": [pdq_hex]}, headers=h)
    assert r.status_code == 201, r.text
    ref_id = r.json()[0]["id"]
    r = client.post(
        "/api/v1/match", files={"file": ("q.jpg", jpeg(ref, 80), "image/jpeg")}, headers=h
    )
    assert ref_id in [m["reference_id"] for m in r.json()]
    r = client.post(f"{url}/hashes", json={"algorithm": "sha256", "hashes": ["ab" * 32]}, headers=h)
    assert r.status_code == 201
    for bad in (
        {"algorithm": "pdq", "hashes": ["xyz"]},
        {"algorithm": "md5", "hashes": []},
        {"algorithm": "crc", "hashes": ["00"]},
    ):
        assert client.post(f"{url}/hashes", json=bad, headers=h).status_code == 422, bad
    for payload, ctype in (
        (b"", "image/jpeg"),
        (b"not an image at all", "image/jpeg"),
        (jpeg(ref)[:500], "image/jpeg"),
    ):
        r = client.post(url, files={"file": ("x.jpg", payload, ctype)}, headers=h)
        assert r.status_code == 422 and r.json()["detail"], r.text
    assert (
        client.post(
            url, content=b"{}", headers={**h, "content-type": "application/json"}
        ).status_code
        == 415
    )
    assert (
        client.post(
            "/api/v1/cases/999/references",
            files={"file": ("x.jpg", jpeg(ref), "image/jpeg")},
            headers=h,
        ).status_code
        == 404
    )


@pytest.mark.slow
def test_cli_hash_and_match(tmp_path: Path) -> None:
    """The commands, as a person runs them (SQLite only: the store is covered above on both)."""
    settings = Settings(home=tmp_path / "home")
    rt = Runtime(settings)
    with rt.db.session() as s:
        token = create_token(s, "officer", "t")[1]
    with TestClient(create_app(settings, rt)) as client:
        _cli_case(client, auth(token), tmp_path, settings)
    rt.close()


def _cli_case(client: TestClient, h: dict[str, str], tmp_path: Path, settings: Settings) -> None:
    case = client.post("/api/v1/cases", json={"name": "c"}, headers=h).json()
    ref, other = _images()
    client.post(
        f"/api/v1/cases/{case['id']}/references",
        files={"file": ("o.jpg", jpeg(ref, 95), "image/jpeg")},
        headers=h,
    )
    copy, unrelated = tmp_path / "copy.jpg", tmp_path / "other.jpg"
    copy.write_bytes(jpeg(ref.resize((200, 150)), 60))
    unrelated.write_bytes(jpeg(other))
    env = {"TAKEDOWN_HOME": str(settings.home), "TAKEDOWN_DATABASE_URL": settings.database_url}
    out = subprocess.run(
        [sys.executable, "-m", "takedown.cli", "hash", str(copy), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    item = json.loads(out.stdout)[0]
    assert item["path"] == str(copy) and len(item["sha256"]) == 64 and len(item["pdq"]) == 64
    out = subprocess.run(
        [sys.executable, "-m", "takedown.cli", "match", str(copy), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert [m["case_id"] for m in json.loads(out.stdout)] == [case["id"]]
    out = subprocess.run(
        [sys.executable, "-m", "takedown.cli", "match", str(unrelated), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert json.loads(out.stdout) == []
