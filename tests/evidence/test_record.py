"""EvidenceRecord: write-once artifacts, the encryption policy, commits with a TSA token."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from takedown.evidence.manifest import Manifest, sha256_hex
from takedown.evidence.record import EvidenceRecord
from takedown.evidence.store import FileStore, StoreError
from takedown.evidence.vault import Vault, is_encrypted
from takedown.evidence.verify import verify_evidence


class RecordingTsa:
    """Stands in for a TSA: returns a token-shaped blob naming the hash it was asked for."""

    def __init__(self) -> None:
        self.asked: list[bytes] = []

    def timestamp(self, data: bytes) -> bytes:
        self.asked.append(data)
        return b"token:" + sha256_hex(data).encode()


def _record(store: FileStore, vault: Vault | None) -> EvidenceRecord:
    manifest = Manifest("ev-r", "http://a.invalid/", "http://a.invalid/", datetime.now(UTC))
    return EvidenceRecord(store, manifest, vault=vault)


def test_policy_commit_and_token(store: FileStore, vault_key: bytes) -> None:
    record = _record(store, Vault(vault_key))
    media = record.add("media/a.png", "media", "image/png", b"\x89PNG....")
    text = record.add("page.txt", "text", "text/plain", "본문".encode())
    assert media.encrypted and is_encrypted(store.read("ev-r", "media/a.png"))
    assert not text.encrypted and store.read("ev-r", "page.txt") == "본문".encode()
    tsa = RecordingTsa()
    committed = record.commit(action="captured", actor="t", tsa=tsa)
    assert committed.entry.timestamp == "manifests/0001.tsr"
    assert tsa.asked == [store.read("ev-r", "manifests/0001.json")]
    assert store.read("ev-r", "manifests/0001.tsr").startswith(b"token:")
    assert verify_evidence(store, "ev-r", vault=Vault(vault_key)).ok
    reopened = EvidenceRecord.open(store, "ev-r")
    with pytest.raises(StoreError, match="no vault key"):
        reopened.read("media/a.png")
    assert reopened.read("page.txt") == "본문".encode()


def test_refusals(store: FileStore) -> None:
    record = _record(store, None)
    assert not record.add("media/a.png", "media", "image/png", b"x").encrypted  # no key: dev
    with pytest.raises(StoreError, match="never overwritten"):
        record.add("media/a.png", "media", "image/png", b"y")
    with pytest.raises(StoreError, match="reserved"):
        record.add("manifests/0009.json", "text", "application/json", b"{}")
    with pytest.raises(StoreError, match="no evidence"):
        EvidenceRecord.open(store, "ev-missing")
