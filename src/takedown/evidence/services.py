"""The evidence stage's collaborators built once from the settings: store, vault, TSA, zone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from takedown.evidence.record import TimestampAuthority
from takedown.evidence.signing import Signer
from takedown.evidence.store import EvidenceStore, open_store
from takedown.evidence.timestamp import HttpTimestampAuthority
from takedown.evidence.vault import Vault

if TYPE_CHECKING:
    from takedown.config import Settings


@dataclass(frozen=True)
class EvidenceServices:
    store: EvidenceStore
    vault: Vault | None
    tsa: TimestampAuthority | None
    timezone: str
    signer: Signer | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> EvidenceServices:
        """Evidence under ``$TAKEDOWN_HOME/evidence``; encrypted when ``vault_key`` is set."""
        key = settings.vault_key_bytes
        return cls(
            store=open_store(settings.evidence_dir),
            vault=Vault(key) if key is not None else None,
            tsa=HttpTimestampAuthority(settings.tsa_url) if settings.tsa_url else None,
            timezone=settings.timezone,
        )
