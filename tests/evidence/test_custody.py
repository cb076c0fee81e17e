"""The custody log: a hash chain over entries that certify manifest snapshots."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from takedown.evidence.custody import GENESIS, CustodyLog
from takedown.evidence.manifest import sha256_hex
from takedown.evidence.store import FileStore


def _log(tmp_path: Path) -> tuple[FileStore, CustodyLog]:
    store = FileStore(tmp_path)
    clock = iter(datetime(2026, 1, 1, 0, 0, s, tzinfo=UTC) for s in range(60))
    log = CustodyLog(store, "ev-1", clock=lambda: next(clock))
    for seq in (1, 2, 3):
        name = f"manifests/{seq:04d}.json"
        store.write_new("ev-1", name, f'{{"v":{seq}}}'.encode())
        log.append(
            action="captured",
            actor="w",
            manifest=name,
            manifest_sha256=sha256_hex(f'{{"v":{seq}}}'.encode()),
        )
    return store, log


def test_chain_links_and_verifies(tmp_path: Path) -> None:
    _, log = _log(tmp_path)
    entries = log.entries()
    assert [e.id for e in entries] == ["ev-1#1", "ev-1#2", "ev-1#3"]
    assert entries[0].prev_sha256 == GENESIS
    assert entries[1].prev_sha256 == entries[0].sha256 == entries[0].compute_sha256()
    assert entries[0].at == "2026-01-01T00:00:00+00:00"
    assert log.verify() == []


def test_edits_reorders_and_deletions_are_detected(tmp_path: Path) -> None:
    _, log = _log(tmp_path)
    path = tmp_path / "ev-1" / "custody.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0] + lines[2])
    assert any("chain" in p.detail for p in log.verify())
    path.write_bytes(lines[1] + lines[0] + lines[2])
    assert log.verify()
    edited = json.loads(lines[1])
    edited["actor"] = "x"
    path.write_bytes(lines[0] + json.dumps(edited).encode() + b"\n" + lines[2])
    assert [p.line for p in log.verify()] == [2]
    path.write_bytes(lines[0] + b"{not json\n")
    assert "malformed" in log.verify()[0].detail
