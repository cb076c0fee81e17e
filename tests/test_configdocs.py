"""Meta-test: docs/configuration.md is what `takedown config docs` generates from Settings, and
every setting says what it means."""

from __future__ import annotations

from pathlib import Path

from takedown.config import Settings
from takedown.configdocs import _comments, render

DOC = Path(__file__).parents[1] / "docs" / "configuration.md"


def test_the_reference_is_generated_from_the_settings() -> None:
    assert DOC.read_text("utf-8") == render(), (
        "run: takedown config docs --output docs/configuration.md"
    )


def test_every_setting_is_documented() -> None:
    notes = _comments()
    undocumented = [name for name in Settings.model_fields if not notes.get(name)]
    assert not undocumented
    text = DOC.read_text("utf-8")
    for name in Settings.model_fields:
        assert f"`TAKEDOWN_{name.upper()}`" in text
