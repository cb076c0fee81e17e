"""The audit chain verifies, and breaks when any byte of any entry changes."""

from __future__ import annotations

import itertools
import subprocess
import sys

from sqlalchemy import select, update

from takedown import audit
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import AuditEvent


def _fill(rt: Runtime, n: int = 5) -> None:
    for i in range(n):
        with rt.db.session() as s:
            audit.record(s, audit.Event("test.step", "tester", "thing", i, {"i": i, "text": "가"}))


def test_chain_verifies(runtime: Runtime) -> None:
    _fill(runtime)
    with runtime.db.session() as s:
        count, problems = audit.verify(s)
        rows = list(s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())
    assert count == 5 and problems == []
    assert rows[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))


def test_one_changed_byte_breaks_the_chain(runtime: Runtime) -> None:
    _fill(runtime)
    with runtime.db.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.id == 3).values(actor="testes"))
    with runtime.db.session() as s:
        _, problems = audit.verify(s)
    assert [p.entry_id for p in problems] == [3]


def test_a_removed_entry_breaks_the_chain(runtime: Runtime) -> None:
    _fill(runtime)
    with runtime.db.session() as s:
        s.delete(s.get(AuditEvent, 2))
    with runtime.db.session() as s:
        _, problems = audit.verify(s)
    assert problems and problems[0].entry_id == 3


def test_cli_verify_passes_then_fails(settings: Settings, runtime: Runtime) -> None:
    _fill(runtime)
    env = {"TAKEDOWN_HOME": str(settings.home), "TAKEDOWN_DATABASE_URL": settings.database_url}
    cmd = [sys.executable, "-m", "takedown.cli", "audit", "verify"]
    ok = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "chain intact" in ok.stdout
    with runtime.db.session() as s:
        row = s.get(AuditEvent, 4)
        assert row is not None
        row.data = {**row.data, "i": 40}
    bad = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert "entry 4" in bad.stderr
