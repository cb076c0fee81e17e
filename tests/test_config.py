"""Settings: environment over takedown.toml over defaults; production refuses missing secrets."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pydantic import ValidationError

from takedown.config import load_settings


def test_defaults_derive_from_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAKEDOWN_HOME", str(tmp_path))
    s = load_settings()
    assert s.home == tmp_path
    assert s.database_url == f"sqlite:///{tmp_path / 'takedown.db'}"
    assert s.queue_url == f"sqlite:///{tmp_path / 'queue.db'}"
    assert s.recheck_seconds == 3600 and s.renotice_seconds == 86400
    assert s.smtp_url is None


def test_environment_wins_over_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "takedown.toml").write_text(
        'recheck_seconds = 120\nsmtp_from = "toml@center.invalid"\n', "utf-8"
    )
    monkeypatch.setenv("TAKEDOWN_HOME", str(tmp_path))
    monkeypatch.setenv("TAKEDOWN_RECHECK_SECONDS", "60")
    s = load_settings()
    assert s.recheck_seconds == 60
    assert s.smtp_from == "toml@center.invalid"


def test_home_given_explicitly_reads_its_toml(tmp_path: Path) -> None:
    (tmp_path / "takedown.toml").write_text("renotice_seconds = 7\n", "utf-8")
    assert load_settings(home=tmp_path).renotice_seconds == 7


def test_production_needs_keys(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="VAULT_KEY"):
        load_settings(home=tmp_path, mode="production")
    key = base64.b64encode(b"k" * 32).decode()
    s = load_settings(home=tmp_path, mode="production", vault_key=key, session_secret="x" * 32)
    assert s.vault_key_bytes == b"k" * 32


def test_bad_values_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        load_settings(home=tmp_path, vault_key=base64.b64encode(b"short").decode())
    with pytest.raises(ValidationError):
        load_settings(home=tmp_path, recheck_seconds=0)
