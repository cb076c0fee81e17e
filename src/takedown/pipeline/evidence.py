"""The evidence store and the vault key of this installation."""

from __future__ import annotations

import base64
import os
import secrets
from typing import TYPE_CHECKING

from takedown.evidence.store import EvidenceStore, open_store
from takedown.evidence.vault import Vault

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime


def store(rt: Runtime) -> EvidenceStore:
    s: EvidenceStore = rt.service("evidence_store", lambda r: open_store(r.settings.evidence_dir))
    return s


def _dev_key(rt: Runtime) -> bytes:
    """Development only: a key made once and kept beside the data (production refuses to start
    without TAKEDOWN_VAULT_KEY), so media are encrypted at rest in every mode."""
    path = rt.settings.home / "vault.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(base64.b64encode(secrets.token_bytes(32)).decode())
    return base64.b64decode(path.read_text().strip())


def vault(rt: Runtime) -> Vault:
    def build(r: Runtime) -> Vault:
        return Vault(r.settings.vault_key_bytes or _dev_key(r))

    v: Vault = rt.service("vault", build)
    return v
