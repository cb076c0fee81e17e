"""EvidenceServices from the settings."""

from __future__ import annotations

import base64
from pathlib import Path

from takedown.config import Settings
from takedown.evidence.services import EvidenceServices
from takedown.evidence.store import FileStore
from takedown.evidence.timestamp import HttpTimestampAuthority


def test_from_settings(tmp_path: Path) -> None:
    key = base64.b64encode(bytes(range(32))).decode()
    settings = Settings(home=tmp_path, vault_key=key, tsa_url="http://127.0.0.1:9/tsa")
    services = EvidenceServices.from_settings(settings)
    assert isinstance(services.store, FileStore)
    assert services.store.root == tmp_path / "evidence"
    assert services.vault is not None
    assert isinstance(services.tsa, HttpTimestampAuthority)
    assert services.timezone == "Asia/Seoul"
    bare = EvidenceServices.from_settings(Settings(home=tmp_path))
    assert bare.vault is None and bare.tsa is None
