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
    key = base64.b64encode(bytes(range(100, 132))).decode()
    secret = "Zq8-xV3_pLm2Rt9wYb4NcK7hJd1sFg6aUe0o"
    s = load_settings(home=tmp_path, mode="production", vault_key=key, session_secret=secret)
    assert s.vault_key_bytes == bytes(range(100, 132))


def test_bad_values_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        load_settings(home=tmp_path, vault_key=base64.b64encode(b"short").decode())
    with pytest.raises(ValidationError):
        load_settings(home=tmp_path, recheck_seconds=0)


def test_production_refuses_weak_secrets(tmp_path: Path) -> None:
    good_key = base64.b64encode(bytes(range(1, 33))).decode()
    good_secret = "Zq8-xV3_pLm2Rt9wYb4NcK7hJd1sFg6aUe0o"
    weak = [
        {"vault_key": good_key, "session_secret": "x"},
        {"vault_key": good_key, "session_secret": "x" * 40},
        {"vault_key": base64.b64encode(bytes(32)).decode(), "session_secret": good_secret},
        {"vault_key": base64.b64encode(b"\x07" * 32).decode(), "session_secret": good_secret},
    ]
    for secrets in weak:
        with pytest.raises(ValidationError, match=r"too short|too little variety"):
            load_settings(home=tmp_path, mode="production", **secrets)
    s = load_settings(
        home=tmp_path, mode="production", vault_key=good_key, session_secret=good_secret
    )
    assert s.second_factor_required
    assert not load_settings(home=tmp_path).second_factor_required


def test_secrets_come_from_files_and_systemd_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = base64.b64encode(bytes(range(40, 72))).decode()
    (tmp_path / "vault.key").write_text(key + "\n", "utf-8")
    monkeypatch.setenv("TAKEDOWN_VAULT_KEY_FILE", str(tmp_path / "vault.key"))
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "session_secret").write_text("from-a-credential-0123456789abcdefXYZ", "utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    s = load_settings(home=tmp_path)
    assert s.vault_key_bytes == bytes(range(40, 72))
    assert s.session_secret is not None
    assert s.session_secret.get_secret_value() == "from-a-credential-0123456789abcdefXYZ"
    monkeypatch.setenv("TAKEDOWN_SESSION_SECRET", "the-environment-wins-0123456789abcdef")
    assert load_settings(home=tmp_path).session_secret.get_secret_value().startswith("the-env")  # type: ignore[union-attr]
