"""The housekeeping jobs of the graph: the audit head time-stamped by a real RFC 3161 authority
(OpenSSL's), checked later against the chain; retention run as a job of the pipeline."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

from sqlalchemy import select, text

from takedown.audit import Event, record
from takedown.audit_stamp import ACTION, check_stamps
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.scheduler import run_job
from takedown.store.tables import AuditEvent
from tests.support.tsa import openssl_tsa


def test_audit_head_is_time_stamped_and_a_later_rewrite_shows(tmp_path: Path) -> None:
    with openssl_tsa() as (url, cert):
        rt = Runtime(Settings(home=tmp_path / "home", tsa_url=url))
        try:
            with rt.db.session() as s:
                record(s, Event("case.created", "officer", "case", 1, {"n": 1}))
            stamp = run_job(rt, "stamp_audit_head")
            assert stamp is not None
            assert run_job(rt, "stamp_audit_head") is None, "nothing new since the last stamp"
            with rt.db.session() as s:
                row = s.execute(select(AuditEvent).where(AuditEvent.action == ACTION)).scalar_one()
                stamped = s.get(AuditEvent, row.data["entry"])
                assert stamped is not None and stamped.action == "case.created"
                assert check_stamps(s) == (1, [])
            # Anyone can check the token with OpenSSL alone, against the entry's hash.
            (tmp_path / "token.tsr").write_bytes(base64.b64decode(row.data["token"]))
            (tmp_path / "data").write_bytes(stamped.hash.encode())
            done = subprocess.run(
                ["openssl", "ts", "-verify", "-data", str(tmp_path / "data"),
                 "-in", str(tmp_path / "token.tsr"), "-CAfile", str(cert)],
                capture_output=True, text=True,
            )  # fmt: skip
            assert done.returncode == 0 and "Verification: OK" in done.stdout, done.stderr
            # Someone with the database rewrites the stamped entry and re-hashes it (bypassing
            # the append-only trigger as an owner could): the stamp no longer covers it.
            with rt.db.session() as s:
                s.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
                s.execute(
                    text("UPDATE audit_events SET hash = :h WHERE id = :i"),
                    {"h": "f" * 64, "i": stamped.id},
                )
            with rt.db.session() as s:
                count, problems = check_stamps(s)
            assert count == 1 and problems == [
                f"stamp {row.id}: entry {stamped.id} changed after it was time-stamped"
            ]
        finally:
            rt.close()


def test_retention_runs_as_a_job(tmp_path: Path) -> None:
    rt = Runtime(Settings(home=tmp_path / "home"))
    try:
        assert "enforce_retention" in [j["name"] for j in rt.graph.describe(rt.settings)["jobs"]]
        expired = run_job(rt, "enforce_retention")
        assert getattr(expired, "artifacts", None) == 0
    finally:
        rt.close()
