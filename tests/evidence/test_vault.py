"""AES-GCM at rest: round trip, and refusal of wrong keys, moved files and altered bytes."""

from __future__ import annotations

import pytest

from takedown.evidence.vault import Vault, VaultError, is_encrypted


def test_round_trip_and_fresh_nonce(vault_key: bytes) -> None:
    vault = Vault(vault_key)
    one = vault.encrypt(b"evidence bytes", evidence_key="ev-1", name="media/a.png")
    two = vault.encrypt(b"evidence bytes", evidence_key="ev-1", name="media/a.png")
    assert one != two and is_encrypted(one) and b"evidence bytes" not in one
    assert vault.decrypt(one, evidence_key="ev-1", name="media/a.png") == b"evidence bytes"


def test_refusals(vault_key: bytes) -> None:
    vault = Vault(vault_key)
    blob = vault.encrypt(b"evidence bytes", evidence_key="ev-1", name="media/a.png")
    with pytest.raises(VaultError, match="wrong key"):
        Vault(bytes(32)).decrypt(blob, evidence_key="ev-1", name="media/a.png")
    with pytest.raises(VaultError):  # moved under another name or item
        vault.decrypt(blob, evidence_key="ev-2", name="media/a.png")
    altered = bytearray(blob)
    altered[-1] ^= 1
    with pytest.raises(VaultError):
        vault.decrypt(bytes(altered), evidence_key="ev-1", name="media/a.png")
    with pytest.raises(VaultError, match="not a vault file"):
        vault.decrypt(b"plain", evidence_key="ev-1", name="media/a.png")
    with pytest.raises(VaultError, match="32 bytes"):
        Vault(b"short")
