"""The default sender identity never goes out."""

from __future__ import annotations

from pathlib import Path

from takedown.config import Settings
from takedown.notices.identity import sender_identity_problems
from tests.support.identity import CENTER_IDENTITY


def test_defaults_are_refused_one_reason_per_setting(tmp_path: Path) -> None:
    problems = sender_identity_problems(Settings(home=tmp_path))
    joined = " ".join(problems)
    for env in (
        "TAKEDOWN_CENTER_NAME",
        "TAKEDOWN_CENTER_DESIGNATION",
        "TAKEDOWN_CENTER_EMAIL",
        "TAKEDOWN_CENTER_SIGNER",
    ):
        assert env in joined
    assert len(problems) == 4


def test_a_complete_identity_passes_but_not_an_undeliverable_address(tmp_path: Path) -> None:
    assert sender_identity_problems(Settings(home=tmp_path, **CENTER_IDENTITY)) == []
    odd = {**CENTER_IDENTITY, "center_email": "desk@center.invalid"}
    assert any(
        "not a deliverable" in p for p in sender_identity_problems(Settings(home=tmp_path, **odd))
    )
