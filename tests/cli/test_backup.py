"""A fresh home with cases, detections, requests and signed evidence: backup, restore into a new
home, the same rows, and both `audit verify` and `evidence verify --all` pass there."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from takedown import audit
from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.evidence.signing import signer_from_settings
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Artifact, AuditEvent, Case, Detection, Evidence, Notice
from takedown.web.app import create_app
from tests.conftest import auth
from tests.notices.conftest import Site
from tests.sites.media import sample_image
from tests.support.drain import poll_now
from tests.support.images import jpeg

TABLES = (Case, Detection, Notice, Evidence, Artifact, AuditEvent)


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    s.server.start()
    yield s
    s.server.stop()


def _counts(rt: Runtime) -> dict[str, int]:
    with rt.db.session() as s:
        return {t.__tablename__: s.execute(select(func.count()).select_from(t)).scalar_one()
                for t in TABLES}  # fmt: skip


def _cli(
    home: Path, key: Path, *args: str, db: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        "TAKEDOWN_HOME": str(home),
        **({"TAKEDOWN_DATABASE_URL": db} if db else {}),
        "TAKEDOWN_SIGNING_KEY_FILE": str(key),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "PATH": os.environ.get("PATH", ""),
    }
    return subprocess.run(
        [sys.executable, "-m", "takedown.cli", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_backup_then_restore_into_a_new_home(
    tmp_path: Path, site: Site, database_url: str, request: pytest.FixtureRequest
) -> None:
    original = sample_image(11, 1, size=400)
    site.html("/", '<html lang="ko"><body><a href="/p/1">글</a></body></html>')
    site.html("/p/1", '<html lang="ko"><body><p>본문</p><img src="/i.jpg"></body></html>')
    site.data("/i.jpg", jpeg(original, 70), "image/jpeg")
    key = tmp_path / "keys" / "signing.key"
    settings = Settings(
        home=tmp_path / "home",
        fetch_allow=[site.origin],
        signing_key_file=key,
        database_url=database_url,
    )
    postgres = database_url.startswith("postgresql")
    rt = Runtime(settings)
    audit.install_signer(rt.db.engine, signer_from_settings(settings))
    try:
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
        before = _counts(rt)
    finally:
        audit.install_signer(rt.db.engine, None)
        rt.close()
    assert before["cases"] == 1 and before["detections"] >= 1 and before["evidence"] >= 1

    done = _cli(settings.home, key, "backup", str(tmp_path / "bk"), "--keys-dest",
                str(tmp_path / "bk-keys"), db=database_url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    with tarfile.open(tmp_path / "bk" / "data.tar") as tar:
        names = tar.getnames()
    snapshot = "database/takedown.pgdump" if postgres else "database/takedown.db"
    assert any(n.startswith("database/") for n in names), names
    assert snapshot in names or postgres, names
    assert any(n.startswith("evidence/") for n in names)
    assert not any("vault.key" in n or "signing" in n for n in names)  # keys kept apart

    new_home, new_key = tmp_path / "restored", tmp_path / "new-keys" / "signing.key"
    new_db = None
    if postgres:
        from tests.conftest import _fresh_pg_database

        new_db, _ = _fresh_pg_database(request.getfixturevalue("postgres_server"))
    done = subprocess.run(
        [sys.executable, "-m", "takedown.cli", "restore", str(tmp_path / "bk"), "--home",
         str(new_home), "--keys", str(tmp_path / "bk-keys"), "--signing-key-file", str(new_key),
         *(["--database-url", new_db] if new_db else [])],
        env={"PYTHONPATH": os.environ.get("PYTHONPATH", "")},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    restored = Runtime(
        Settings(
            home=new_home, signing_key_file=new_key, **({"database_url": new_db} if new_db else {})
        )
    )
    try:
        after = _counts(restored)
    finally:
        restored.close()
    assert after == before
    checked = _cli(new_home, new_key, "audit", "verify", db=new_db)
    assert checked.returncode == 0 and "chain intact" in checked.stdout, checked.stderr
    assert "no signing key" not in checked.stderr
    ev = _cli(new_home, new_key, "evidence", "verify", "--all", db=new_db)
    assert ev.returncode == 0 and "evidence items OK" in ev.stdout, ev.stdout + ev.stderr
