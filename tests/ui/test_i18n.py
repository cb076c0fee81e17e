"""The Korean and English catalogues cover every message the UI shows."""

from __future__ import annotations

import re
from pathlib import Path

from takedown.web.ui.i18n import LANGUAGES, messages, pick_language, translator

UI = Path(__file__).parents[2] / "src" / "takedown" / "web" / "ui"
CALL = re.compile(r"""(?:\b_|\btr\(request\))\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def used_msgids() -> set[str]:
    found: set[str] = set()
    for path in [*UI.glob("templates/*.html"), *UI.glob("**/*.py")]:
        for m in CALL.finditer(path.read_text("utf-8")):
            found.add(m.group(1) if m.group(1) is not None else m.group(2))
    return found


def test_every_message_is_translated() -> None:
    used = used_msgids()
    assert len(used) > 100
    ko, en = messages("ko"), messages("en")
    assert not used - set(ko), "missing from ko/ui.po"
    assert not used - set(en), "missing from en/ui.po"
    assert set(ko) == set(en)
    for msgid, text in ko.items():
        # Placeholders must survive translation, or str.format fails at run time.
        assert set(re.findall(r"\{\w+\}", msgid)) == set(re.findall(r"\{\w+\}", text)), msgid


def test_translator_and_language_choice() -> None:
    assert translator("ko")("Queue") == "검토 대기열"
    assert translator("en")("Queue") == "Queue"
    assert translator("ko")("{n} artifacts checked", n=3) == "파일 3개 확인"
    assert translator("xx")("Queue") == "검토 대기열"  # unknown: the default, Korean
    assert pick_language(None, None, "en-US,en;q=0.9") == "en"
    assert pick_language("ko", None, "en-US") == "ko"
    assert pick_language(None, "fr", "de") == "ko"
    assert set(LANGUAGES) == {"ko", "en"}
