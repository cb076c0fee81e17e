"""Fixtures of the hash-exchange tests: the service on a real loopback port, partner tokens."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.web.app import create_app
from takedown.web.ui.localserver import LocalServer

EXTENSION = Path(__file__).resolve().parents[2] / "extensions" / "takedown_tx"


@pytest.fixture
def served(settings: Settings, runtime: Runtime) -> Iterator[str]:
    """The whole app under uvicorn on 127.0.0.1 and a free port; yields its base URL."""
    with LocalServer(create_app(settings, runtime)) as server:
        yield server.url


@pytest.fixture
def partner_token(runtime: Runtime) -> str:
    with runtime.db.session() as s:
        return create_token(s, "partner", "platform-zorblat")[1]


@pytest.fixture
def takedown_tx(monkeypatch: pytest.MonkeyPatch) -> None:
    """The extension importable as HMA would have it after ``pip install extensions/takedown_tx``."""
    monkeypatch.syspath_prepend(str(EXTENSION))
    sys.modules.pop("takedown_tx", None)
