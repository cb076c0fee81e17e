"""docs/notices.md is what the code renders: one request per language, the citations table."""

from __future__ import annotations

from pathlib import Path

from takedown.notices.catalog import SUPPORTED_LANGUAGES
from takedown.notices.examples import EXAMPLES, example, render_docs
from takedown.notices.law import JURISDICTIONS

DOC = Path(__file__).parents[2] / "docs" / "notices.md"


def test_docs_are_current() -> None:
    assert DOC.read_text("utf-8") == render_docs(), "run python scripts/render_notice_docs.py"


def test_docs_show_every_language_and_every_element() -> None:
    text = DOC.read_text("utf-8")
    assert {lang for lang, _, _ in EXAMPLES} == set(SUPPORTED_LANGUAGES)
    for lang, code, country in EXAMPLES:
        assert example(lang, code, country).body.rstrip("\n") in text
    for j in JURISDICTIONS.values():
        for spec in j.elements:
            assert f"`{spec.name}`" in text and spec.as_of in text
    assert "What a lawyer must still review" in text
