"""Encryption of evidence at rest: AES-256-GCM with the installation's key.

Each file is bound to its place (``<evidence_key>/<name>`` as associated data), so an encrypted
file moved or swapped under another name fails to decrypt. Decryption happens only through
:meth:`Vault.decrypt`, which the caller audits.
"""

from __future__ import annotations

import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC: Final = b"TDV1"
NONCE_BYTES: Final = 12


class VaultError(Exception):
    """Wrong key, tampered ciphertext, or not a vault file."""


class Vault:
    """Encrypts and decrypts evidence files with one 32-byte key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise VaultError("the vault key must be 32 bytes (AES-256)")
        self._aead = AESGCM(key)

    @staticmethod
    def associated_data(evidence_key: str, name: str) -> bytes:
        return f"takedown-evidence:{evidence_key}/{name}".encode()

    def encrypt(self, data: bytes, *, evidence_key: str, name: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, data, self.associated_data(evidence_key, name))
        return MAGIC + nonce + sealed

    def decrypt(self, blob: bytes, *, evidence_key: str, name: str) -> bytes:
        if not is_encrypted(blob):
            raise VaultError(f"{evidence_key}/{name} is not a vault file")
        nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
        try:
            return self._aead.decrypt(
                nonce,
                blob[len(MAGIC) + NONCE_BYTES :],
                self.associated_data(evidence_key, name),
            )
        except InvalidTag as exc:
            raise VaultError(f"{evidence_key}/{name}: wrong key or the file was altered") from exc


def is_encrypted(blob: bytes) -> bool:
    return blob.startswith(MAGIC) and len(blob) >= len(MAGIC) + NONCE_BYTES + 16
