"""verify_evidence: passes on an intact item, names every changed byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from takedown.evidence.record import Committed
from takedown.evidence.store import FileStore
from takedown.evidence.vault import Vault
from takedown.evidence.verify import verify_evidence


def _flip(path: Path, offset: int = -1) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _path(store: FileStore, name: str) -> Path:
    path = store.local_path("ev-item", name)
    assert path is not None
    return path


def test_intact_item_passes(item: Committed, store: FileStore, vault_key: bytes) -> None:
    report = verify_evidence(store, "ev-item", vault=Vault(vault_key))
    assert report.ok, report.lines()
    assert set(report.checked) == {a.name for a in item.manifest.artifacts}
    assert {"report.hwpx", "report.pdf", "capture.warc.gz"} <= set(report.checked)
    assert report.lines()[0].startswith("ev-item: OK")


def test_without_key_checks_stored_form_and_says_so(item: Committed, store: FileStore) -> None:
    report = verify_evidence(store, "ev-item")
    assert report.ok
    assert any("stored form only" in note for note in report.notes)


@pytest.mark.parametrize("name", ["page.txt", "report.pdf", "screenshot.png", "capture.warc.gz"])
def test_one_changed_byte_in_an_artifact_fails(
    item: Committed, store: FileStore, vault_key: bytes, name: str
) -> None:
    _flip(_path(store, name), offset=len(_path(store, name).read_bytes()) // 2)
    report = verify_evidence(store, "ev-item", vault=Vault(vault_key))
    assert not report.ok
    assert [p.subject for p in report.problems] == [name]


def test_one_changed_byte_in_the_custody_log_fails(item: Committed, store: FileStore) -> None:
    path = _path(store, "custody.jsonl")
    text = path.read_text()
    # Change one character of the first entry's actor: still valid JSON, but no longer certified.
    path.write_text(text.replace('"actor":"capture-worker"', '"actor":"capture-workes"', 1))
    report = verify_evidence(store, "ev-item")
    assert not report.ok
    assert report.problems[0].subject == "custody.jsonl"
    assert "line 1" in report.problems[0].detail


def test_raw_byte_flip_in_custody_log_fails(item: Committed, store: FileStore) -> None:
    _flip(_path(store, "custody.jsonl"), offset=40)
    assert not verify_evidence(store, "ev-item").ok


def test_removed_custody_line_or_altered_snapshot_fails(item: Committed, store: FileStore) -> None:
    snapshot = _path(store, "manifests/0001.json")
    snapshot.write_bytes(snapshot.read_bytes().replace(b"image/png", b"image/jpg", 1))
    report = verify_evidence(store, "ev-item")
    assert any("manifests/0001.json was altered" in p.detail for p in report.problems)
    log = _path(store, "custody.jsonl")
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(lines[1])
    report = verify_evidence(store, "ev-item")
    assert any("chain" in p.detail or "sequence" in p.detail for p in report.problems)


def test_missing_artifact_and_wrong_key(item: Committed, store: FileStore) -> None:
    _path(store, "urls.json").unlink()
    report = verify_evidence(store, "ev-item", vault=Vault(bytes(32)))
    details = {p.subject: p.detail for p in report.problems}
    assert details["urls.json"] == "missing"
    assert "wrong key" in details["capture.warc.gz"]


def test_unknown_item_reports_instead_of_raising(store: FileStore) -> None:
    report = verify_evidence(store, "ev-nothing")
    assert not report.ok
    assert report.problems[0].detail == "the custody log is empty or missing"
