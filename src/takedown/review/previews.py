"""Reading what officers look at from the evidence store: blurred thumbnails by default, and the
full evidentiary file only on a deliberate, audited request (the caller audits)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from takedown.evidence.store import EvidenceStore, StoreError
from takedown.evidence.vault import Vault, VaultError

# Kinds a browser may render inline when revealed; anything else is only downloadable.
REVEALABLE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp"})


class PreviewError(Exception):
    """The file is missing, damaged, of the wrong kind, or cannot be decrypted."""


@dataclass(frozen=True)
class ArtifactRef:
    """Where one artifact lives: its capture's key and its name, and how it is stored."""

    evidence_key: str
    name: str
    kind: str
    media_type: str
    encrypted: bool


@dataclass(frozen=True)
class Preview:
    data: bytes
    media_type: str
    name: str

    def data_uri(self) -> str:
        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"


class Previews:
    """Reads artifacts for the review UI from one evidence store."""

    def __init__(self, store: EvidenceStore, vault: Vault | None = None) -> None:
        self.store = store
        self.vault = vault

    def read(self, ref: ArtifactRef) -> Preview:
        """The evidentiary bytes of any artifact, decrypted if need be (audit every call)."""
        try:
            stored = self.store.read(ref.evidence_key, ref.name)
        except StoreError as exc:
            raise PreviewError(str(exc)) from exc
        if not ref.encrypted:
            return Preview(stored, ref.media_type, ref.name)
        if self.vault is None:
            raise PreviewError(f"{ref.name} is encrypted and no vault key is configured")
        try:
            plain = self.vault.decrypt(stored, evidence_key=ref.evidence_key, name=ref.name)
        except VaultError as exc:
            raise PreviewError(str(exc)) from exc
        return Preview(plain, ref.media_type, ref.name)

    def thumbnail(self, ref: ArtifactRef) -> Preview:
        """A blurred greyscale thumbnail; refuses any other kind, so this path never shows media."""
        if ref.kind != "thumbnail" or ref.media_type != "image/png":
            raise PreviewError(f"{ref.name} is not a thumbnail")
        return self.read(ref)

    def reveal(self, ref: ArtifactRef) -> Preview:
        """The full matched image, for one deliberate look."""
        if ref.kind != "media":
            raise PreviewError(f"{ref.name} is not a matched media file")
        if ref.media_type not in REVEALABLE_TYPES:
            raise PreviewError(f"{ref.media_type} cannot be shown inline; download it instead")
        return self.read(ref)
