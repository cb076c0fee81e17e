"""A lint of the deletion-request catalogues (``make lint`` runs it through
``scripts/lint_catalogues.py``), in the spirit of ``pybabel compile --check`` and ``dennis``.

Each ``.po`` file must parse and compile; every msgid of ``messages.py`` and of the regimes data
file is translated, none fuzzy, none empty; each translation keeps exactly the ``{placeholders}``
of its msgid; the header asks for human review; and the legal review's findings stay fixed:
no Korean particle templates (``은(는)``, ``(으)로``) and no sound-dependent particle right after a
placeholder, no 선의 (it means "without knowledge" in Korean law), "sexual" not "private"
imagery, lower-case Russian вы, Vietnamese "tài liệu" for content, Spanish "equipo de abusos".
"""

from __future__ import annotations

import io
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from takedown.notices import messages
from takedown.notices.catalog import DOMAINS, LOCALES_DIR, SOURCE_LANGUAGE, SUPPORTED_LANGUAGES
from takedown.notices.law import JURISDICTIONS

# A Korean particle written for both sounds at once: 은(는), (이)가, 을(를), (으)로, 과(와)...
_KO_TEMPLATE = re.compile(
    r"[은는이가을를과와]\([은는이가을를과와]\)|\((?:은|는|이|가|을|를|과|와|으|이나|이랑)\)"
)
# A particle whose form depends on the last sound of the word, right after a placeholder.
_KO_AFTER_PLACEHOLDER = re.compile(
    r"\}(?:은|는|을|를|과|와|으로|로|이나|나|이[ ,.)]|가[ ,.)]|이$|가$)"
)
_BANNED: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "ko": (
        (
            re.compile("선의"),
            "선의 means 'without knowledge' in Korean law; use 신의에 따라 성실하게",
        ),
        (re.compile(r"사적(인)? (이미지|영상|촬영물)"), "say 성적 (sexual), not 사적 (private)"),
    ),
    "ja": (
        (re.compile(r"私的な(画像|動画)"), "say 性的な (sexual), not 私的な (private)"),
        (re.compile(r"(しなさい|せよ|すること。)"), "a deadline is a polite request, not an order"),
    ),
    "ru": (
        (re.compile(r"(?<![А-Яа-яЁё])(вы|вас|вам|вами|ваш\w*)(?![А-Яа-яЁё])"), "Вы is capitalised"),
    ),
    "vi": ((re.compile("tài liệu", re.IGNORECASE), "content is 'nội dung', not 'tài liệu'"),),
    "es": ((re.compile("equipo de abusos", re.IGNORECASE), "not 'equipo de abusos'"),),
}


@dataclass(frozen=True)
class Problem:
    path: str
    msgid: str
    reason: str

    def __str__(self) -> str:
        short = self.msgid if len(self.msgid) <= 60 else self.msgid[:57] + "..."
        return f"{self.path}: {short!r}: {self.reason}"


def fields(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def expected_msgids(domain: str) -> set[tuple[str, str | None]]:
    if domain == "notices":
        return {(msgid, None) for msgid in messages.ALL}
    return {(msgid, code) for code, j in JURISDICTIONS.items() for msgid in j.msgids}


def lint_catalog(catalog: Catalog, path: str, header: str, language: str) -> Iterator[Problem]:
    if "NEEDS HUMAN REVIEW" not in header:
        yield Problem(path, "", "the header must say NEEDS HUMAN REVIEW")
    try:
        write_mo(io.BytesIO(), catalog)
    except Exception as exc:
        yield Problem(path, "", f"does not compile: {exc}")
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        text = message.string if isinstance(message.string, str) else ""
        if message.fuzzy:
            yield Problem(path, msgid, "fuzzy entry")
        if not text.strip():
            yield Problem(path, msgid, "empty translation")
            continue
        if fields(text) != fields(msgid):
            yield Problem(
                path, msgid, f"placeholders {sorted(fields(text))} != {sorted(fields(msgid))}"
            )
        if language == "ko":
            if _KO_TEMPLATE.search(text):
                yield Problem(path, msgid, "Korean particle template such as 은(는) or (으)로")
            if _KO_AFTER_PLACEHOLDER.search(text):
                yield Problem(path, msgid, "sound-dependent particle right after a placeholder")
        for pattern, reason in _BANNED.get(language, ()):
            if pattern.search(text):
                yield Problem(path, msgid, reason)


def lint_file(path: Path, language: str, domain: str) -> list[Problem]:
    try:
        raw = path.read_bytes()
        catalog = read_po(io.BytesIO(raw), locale=language, domain=domain)
    except (OSError, ValueError) as exc:
        return [Problem(str(path), "", f"cannot read: {exc}")]
    header = raw[:1000].decode("utf-8", "replace")
    problems = list(lint_catalog(catalog, str(path), header, language))
    present = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog if m.id}
    for msgid, context in sorted(expected_msgids(domain) - present, key=str):
        problems.append(Problem(str(path), msgid, f"not translated (context {context})"))
    return problems


def lint_all(
    locales: Path = LOCALES_DIR, languages: Iterable[str] = SUPPORTED_LANGUAGES
) -> list[Problem]:
    out: list[Problem] = []
    for language in languages:
        if language == SOURCE_LANGUAGE:
            continue
        for domain in DOMAINS:
            out += lint_file(locales / language / "LC_MESSAGES" / f"{domain}.po", language, domain)
    return out
