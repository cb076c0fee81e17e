"""One evidence item in a store: add artifacts (encrypted where they hold imagery), read them
back, and certify each state of the manifest in the custody log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Protocol

from takedown.evidence.custody import CustodyEntry, CustodyLog
from takedown.evidence.manifest import Artifact, Manifest, sha256_hex
from takedown.evidence.signing import Signer
from takedown.evidence.store import EvidenceStore, StoreError, check_name
from takedown.evidence.vault import Vault

# Kinds that can show the victim's imagery: never left in clear on disk when a key is set.
ENCRYPTED_KINDS: Final = frozenset({"warc", "screenshot", "html", "media"})
MANIFESTS: Final = "manifests"


class TimestampAuthority(Protocol):
    """An RFC 3161 time-stamping client: returns the DER ``TimeStampResp`` for ``data``'s
    SHA-256. Plug one in (e.g. built on ``rfc3161-client``) when ``TAKEDOWN_TSA_URL`` is set."""

    def timestamp(self, data: bytes) -> bytes: ...


@dataclass(frozen=True)
class Committed:
    manifest: Manifest
    entry: CustodyEntry


class EvidenceRecord:
    """Write-once artifacts plus the manifest that lists them; not safe for concurrent writers."""

    def __init__(
        self,
        store: EvidenceStore,
        manifest: Manifest,
        *,
        vault: Vault | None = None,
        encrypt_kinds: frozenset[str] = ENCRYPTED_KINDS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        signer: Signer | None = None,
    ) -> None:
        check_name(manifest.evidence_key)
        self.store = store
        self.key = manifest.evidence_key
        self._manifest = manifest
        self._vault = vault
        self._encrypt_kinds = encrypt_kinds
        self.custody = CustodyLog(store, self.key, clock=clock, signer=signer)

    @classmethod
    def open(
        cls,
        store: EvidenceStore,
        evidence_key: str,
        *,
        vault: Vault | None = None,
        signer: Signer | None = None,
    ) -> EvidenceRecord:
        """Open an existing item at the manifest its last custody entry certifies."""
        entries = CustodyLog(store, evidence_key).entries()
        if not entries:
            raise StoreError(f"no evidence {evidence_key!r} (no custody log)")
        manifest = Manifest.from_json(store.read(evidence_key, entries[-1].manifest))
        return cls(store, manifest, vault=vault, signer=signer)

    @property
    def manifest(self) -> Manifest:
        return self._manifest

    def add(
        self,
        name: str,
        kind: str,
        media_type: str,
        data: bytes,
        *,
        source_url: str | None = None,
        encrypt: bool | None = None,
    ) -> Artifact:
        """Store ``data`` under ``name`` (never overwriting) and list it in the manifest."""
        if name.startswith(f"{MANIFESTS}/") or name.startswith("custody"):
            raise StoreError(f"{name!r} is reserved")
        wanted = kind in self._encrypt_kinds if encrypt is None else encrypt
        stored = data
        if wanted and self._vault is not None:
            stored = self._vault.encrypt(data, evidence_key=self.key, name=name)
        encrypted = stored is not data
        self.store.write_new(self.key, name, stored)
        artifact = Artifact(
            name=name,
            kind=kind,
            media_type=media_type,
            size=len(data),
            sha256=sha256_hex(data),
            encrypted=encrypted,
            stored_size=len(stored) if encrypted else None,
            stored_sha256=sha256_hex(stored) if encrypted else None,
            source_url=source_url,
        )
        self._manifest = self._manifest.with_artifacts(artifact)
        return artifact

    def read(self, name: str) -> bytes:
        """The evidentiary bytes of an artifact, decrypted if need be: audit every call."""
        artifact = self._manifest.artifact(name)
        stored = self.store.read(self.key, name)
        if not artifact.encrypted:
            return stored
        if self._vault is None:
            raise StoreError(f"{name} is encrypted and no vault key was given")
        return self._vault.decrypt(stored, evidence_key=self.key, name=name)

    def commit(
        self,
        *,
        action: str,
        actor: str,
        note: str = "",
        tsa: TimestampAuthority | None = None,
    ) -> Committed:
        """Snapshot the manifest and append a custody entry for it (with a TSA token if given)."""
        seq = len(self.custody.entries()) + 1
        snapshot = f"{MANIFESTS}/{seq:04d}.json"
        raw = self._manifest.to_json()
        self.store.write_new(self.key, snapshot, raw)
        token_name = None
        if tsa is not None:
            token_name = f"{MANIFESTS}/{seq:04d}.tsr"
            self.store.write_new(self.key, token_name, tsa.timestamp(raw))
        entry = self.custody.append(
            action=action,
            actor=actor,
            manifest=snapshot,
            manifest_sha256=sha256_hex(raw),
            note=note,
            timestamp=token_name,
        )
        return Committed(self._manifest, entry)
