"""The evidence store and the vault of this installation, for the web layer and the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

from takedown.evidence.store import EvidenceStore
from takedown.evidence.vault import Vault

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime


def store(rt: Runtime) -> EvidenceStore:
    return rt.services.store


def vault(rt: Runtime) -> Vault:
    return rt.services.vault
