"""The audit chain verifies, and breaks when any byte of any entry changes."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from takedown import audit
from takedown.config import Settings
from takedown.evidence.signing import Signer, Verifier, load_signer
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


def _lift_append_only(s: Session) -> None:
    """What the database owner (or anyone with the file) can still do: drop the triggers."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
    else:
        s.execute(text("DROP TRIGGER audit_events_no_update"))
        s.execute(text("DROP TRIGGER audit_events_no_delete"))


def test_one_changed_byte_breaks_the_chain(runtime: Runtime) -> None:
    _fill(runtime)
    with runtime.db.session() as s:
        _lift_append_only(s)
        s.execute(update(AuditEvent).where(AuditEvent.id == 3).values(actor="testes"))
    with runtime.db.session() as s:
        _, problems = audit.verify(s)
    assert [p.entry_id for p in problems] == [3]


def test_a_removed_entry_breaks_the_chain(runtime: Runtime) -> None:
    _fill(runtime)
    with runtime.db.session() as s:
        _lift_append_only(s)
        s.delete(s.get(AuditEvent, 2))
    with runtime.db.session() as s:
        _, problems = audit.verify(s)
    assert problems and problems[0].entry_id == 3


def test_cli_verify_passes_then_fails(settings: Settings, runtime: Runtime) -> None:
    _fill(runtime)
    env = {
        "TAKEDOWN_HOME": str(settings.home),
        "TAKEDOWN_DATABASE_URL": settings.database_url,
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        # The runtime signs every entry with its installation's key; the CLI checks with it.
        "TAKEDOWN_SIGNING_KEY_FILE": str(runtime.services.signer.key_file),
    }
    cmd = [sys.executable, "-m", "takedown.cli", "audit", "verify"]
    ok = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "chain intact" in ok.stdout
    with runtime.db.session() as s:
        _lift_append_only(s)
    with runtime.db.session() as s:
        row = s.get(AuditEvent, 4)
        assert row is not None
        row.data = {**row.data, "i": 40}
    bad = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert "entry 4" in bad.stderr


@pytest.fixture
def signer(runtime: Runtime, tmp_path: Path) -> Iterator[Signer]:
    key = load_signer(tmp_path / "keys" / "signing.key", create=True)
    audit.install_signer(runtime.db.engine, key)
    yield key
    audit.install_signer(runtime.db.engine, None)


def _rehash_from(s: Session, first_id: int) -> None:
    """Recompute every hash from ``first_id`` on, as an attacker would after a deletion."""
    rows = list(s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())
    prev = audit.GENESIS
    for row in rows:
        if row.id >= first_id:
            row.prev_hash = "x" * 64 if row.prev_hash != prev else row.prev_hash
            s.flush()
            row.prev_hash = prev
            row.hash = audit._digest(prev, row.at, row)
            s.flush()
        prev = row.hash


def test_the_table_refuses_update_and_delete(runtime: Runtime) -> None:
    _fill(runtime, 2)
    for statement in (update(AuditEvent).values(actor="x"), delete(AuditEvent)):
        with pytest.raises(DBAPIError, match="append-only"), runtime.db.session() as s:
            s.execute(statement)
    with runtime.db.session() as s:
        assert audit.verify(s) == (2, [])


def test_signed_chain_verifies_with_the_public_key(runtime: Runtime, signer: Signer) -> None:
    _fill(runtime, 3)
    public = Verifier.from_pem(signer.public_pem())
    with runtime.db.session() as s:
        report = audit.verify_signed(s, public, signer.heads)
        signatures = s.execute(select(AuditEvent.signature)).scalars().all()
    assert report.problems == [] and report.signed == 3
    assert all(signatures)


def test_truncated_audit_log_fails(runtime: Runtime, signer: Signer) -> None:
    _fill(runtime, 15)
    with runtime.db.session() as s:
        _lift_append_only(s)
        s.execute(delete(AuditEvent).where(AuditEvent.id > 5))
    with runtime.db.session() as s:
        count, problems = audit.verify(s)
    assert count == 5
    assert [p.reason for p in problems] == [
        "truncated: the signed head names entry 15, the log ends at 5"
    ]


def test_one_removed_row_and_a_rehashed_rest_fails(runtime: Runtime, signer: Signer) -> None:
    _fill(runtime, 6)
    with runtime.db.session() as s:
        _lift_append_only(s)
        s.delete(s.get(AuditEvent, 3))
        s.flush()
        _rehash_from(s, 4)
    with runtime.db.session() as s:
        assert audit.verify_signed(s, None, None).problems == []  # the bare chain is fooled
        _, problems = audit.verify(s)
    reasons = {(p.entry_id, p.reason) for p in problems}
    assert (4, "signature does not match the entry") in reasons
    assert (6, "entry differs from the signed head") in reasons


def test_unsigned_entries_before_signing_are_legacy(runtime: Runtime, tmp_path: Path) -> None:
    audit.install_signer(runtime.db.engine, None)  # as an installation from before signing
    _fill(runtime, 2)
    key = load_signer(tmp_path / "k", create=True)
    audit.install_signer(runtime.db.engine, key)
    try:
        _fill(runtime, 2)
        with runtime.db.session() as s:
            report = audit.verify_signed(s, key, key.heads)
    finally:
        audit.install_signer(runtime.db.engine, None)
    assert report.problems == [] and (report.legacy_unsigned, report.signed) == (2, 2)
