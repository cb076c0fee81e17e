"""Signed custody: a rewritten file with a re-hashed chain, or a cut-off log, fails verify."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from takedown.evidence.capture import store_capture
from takedown.evidence.custody import CustodyEntry
from takedown.evidence.manifest import Manifest, sha256_hex
from takedown.evidence.record import EvidenceRecord
from takedown.evidence.signing import (
    Signer,
    SigningError,
    Verifier,
    key_file_for,
    load_signer,
)
from takedown.evidence.store import FileStore
from takedown.evidence.vault import Vault
from takedown.evidence.verify import ArtifactRow, verify_evidence
from tests.evidence.items import MEDIA_URL, page_capture


@pytest.fixture
def signer(tmp_path: Path) -> Signer:
    return load_signer(tmp_path / "keys" / "signing.key", create=True)


@pytest.fixture
def signed(store: FileStore, vault_key: bytes, signer: Signer) -> str:
    vault = Vault(vault_key)
    store_capture(
        page_capture(),
        store=store,
        evidence_key="ev-signed",
        vault=vault,
        media_urls=(MEDIA_URL,),
        signer=signer,
    )
    record = EvidenceRecord.open(store, "ev-signed", vault=vault, signer=signer)
    record.commit(action="reviewed", actor="officer")
    return "ev-signed"


def _rewrite_page_text(store: FileStore, key: str) -> None:
    """What someone with write access to the data folder can do: edit, re-hash everything."""
    page = store.local_path(key, "page.txt")
    page.write_bytes(b"rewritten text")
    log = store.local_path(key, "custody.jsonl")
    entries = [CustodyEntry(**json.loads(line)) for line in log.read_text().splitlines()]
    previous = "0" * 64
    lines = []
    for entry in entries:
        snapshot = store.local_path(key, entry.manifest)
        manifest = Manifest.from_json(snapshot.read_bytes())
        data = json.loads(manifest.to_json())
        for artifact in data["artifacts"]:
            if artifact["name"] == "page.txt":
                artifact["sha256"] = artifact["stored_sha256"] = sha256_hex(b"rewritten text")
                artifact["size"] = len(b"rewritten text")
        raw = json.dumps(data, ensure_ascii=False, indent=2).encode()
        os.chmod(snapshot, stat.S_IWUSR | stat.S_IRUSR)
        snapshot.write_bytes(raw)
        entry = replace(entry, manifest_sha256=sha256_hex(raw), prev_sha256=previous)
        entry = replace(entry, sha256=entry.compute_sha256())
        previous = entry.sha256
        lines.append(entry.to_line())
    os.chmod(log, stat.S_IWUSR | stat.S_IRUSR)
    log.write_bytes(b"".join(lines))


def test_signed_item_verifies_with_the_public_key_only(
    store: FileStore, signed: str, signer: Signer
) -> None:
    public = Verifier.from_pem(signer.public_pem())
    report = verify_evidence(store, signed, verifier=public, heads=signer.heads)
    assert report.ok, report.lines()
    lines = store.local_path(signed, "custody.jsonl").read_text().splitlines()
    assert all(json.loads(line)["signature"] for line in lines)


def test_rewritten_file_with_a_rehashed_chain_fails(
    store: FileStore, signed: str, signer: Signer
) -> None:
    _rewrite_page_text(store, signed)
    assert verify_evidence(store, signed).ok  # the hash chain alone is fooled
    public = Verifier.from_pem(signer.public_pem())
    report = verify_evidence(store, signed, verifier=public, heads=signer.heads)
    assert not report.ok
    assert any("signature does not match" in p.detail for p in report.problems)


def test_stripped_signatures_or_a_cut_log_fail(
    store: FileStore, signed: str, signer: Signer
) -> None:
    log = store.local_path(signed, "custody.jsonl")
    first = log.read_text().splitlines()[0]
    os.chmod(log, stat.S_IWUSR | stat.S_IRUSR)
    log.write_text(first + "\n")
    report = verify_evidence(store, signed, verifier=signer, heads=signer.heads)
    assert any("truncated: 1 entries, the signed head says 2" in p.detail for p in report.problems)
    data = json.loads(first)
    data.pop("signature")
    data.pop("key_id")
    log.write_text(json.dumps(data) + "\n")
    report = verify_evidence(store, signed, verifier=signer, heads=signer.heads)
    assert not report.ok


def test_legacy_unsigned_item_is_a_note_not_a_failure(
    item: object, store: FileStore, signer: Signer
) -> None:
    report = verify_evidence(store, "ev-item", verifier=signer, heads=signer.heads)
    assert report.ok, report.lines()
    assert any("legacy-unsigned" in note for note in report.notes)


def test_database_rows_are_cross_checked(store: FileStore, signed: str, signer: Signer) -> None:
    manifest = EvidenceRecord.open(store, signed).manifest
    rows = [ArtifactRow(a.name, a.sha256, a.size) for a in manifest.artifacts]
    assert verify_evidence(store, signed, rows=rows).ok
    wrong = [replace(rows[0], sha256="0" * 64), *rows[2:], ArtifactRow("extra.bin", "1" * 64, 1)]
    report = verify_evidence(store, signed, rows=wrong)
    details = {(p.subject, p.detail) for p in report.problems}
    assert (rows[0].name, "database hash or size differs from the manifest") in details
    assert (rows[1].name, "in the manifest but missing from the database") in details
    assert ("extra.bin", "in the database but not in the certified manifest") in details


def test_key_placement(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with pytest.raises(SigningError, match="outside the data home"):
        key_file_for(home, home / "signing.key", production=True)
    with pytest.raises(SigningError, match="needs TAKEDOWN_SIGNING_KEY_FILE"):
        key_file_for(home, None, production=True)
    assert key_file_for(home, tmp_path / "k", production=True) == tmp_path / "k"
    key = load_signer(tmp_path / "k", create=True).key_file
    assert key is not None and stat.S_IMODE(key.stat().st_mode) == 0o600


def test_retention_tombstone_passes_verify_a_plain_deletion_does_not(
    store: FileStore, signed: str, signer: Signer
) -> None:
    from takedown.review.retention import retire_artifact

    custody = store.read(signed, "custody.jsonl").decode().splitlines()
    manifest_name = json.loads(custody[-1])["manifest"]
    manifest = Manifest.from_json(store.read(signed, manifest_name))
    media = next(a for a in manifest.artifacts if a.kind == "media")
    text = next(a for a in manifest.artifacts if a.name == "page.txt")
    public = Verifier.from_pem(signer.public_pem())
    when = datetime(2027, 1, 1, tzinfo=UTC)
    retire_artifact(
        store, signed, media.name, media.sha256, when, "retention_days[media]=180", signer
    )
    rows = [ArtifactRow(a.name, a.sha256, a.size) for a in manifest.artifacts if a is not media]
    report = verify_evidence(store, signed, verifier=public, heads=signer.heads, rows=rows)
    assert report.ok, report.lines()
    assert any("deleted under the retention policy" in n for n in report.notes)

    # A file removed without a tombstone, or with a forged (unsigned) one, is a problem.
    path = store.local_path(signed, "page.txt")
    assert path is not None
    path.unlink()
    forged = {
        "name": "page.txt",
        "sha256": text.sha256,
        "deleted_at": when.isoformat(),
        "policy": "x",
    }
    store.append(signed, "retention.jsonl", (json.dumps(forged) + "\n").encode())
    report = verify_evidence(store, signed, verifier=public, heads=signer.heads)
    assert [(p.subject, p.detail) for p in report.problems] == [("page.txt", "missing")]
