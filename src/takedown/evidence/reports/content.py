"""What an evidence report says, gathered once from the manifest and the caller's report input,
then laid out by the HWPX and PDF writers. Never the victim's name: only a case reference."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from takedown.evidence.manifest import Artifact, Manifest

# A case reference is an identifier, not a name: no spaces, no Hangul, at most 64 characters.
_CASE_REFERENCE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:#-]{0,63}$")
MAX_URLS: Final = 40

# (Korean, English) labels shared by both reports.
LABELS: Final = {
    "title": ("디지털 성범죄 증거 보고서", "Digital sex crime evidence report"),
    "case": ("사건 번호", "Case reference"),
    "site": ("사이트", "Site"),
    "page_url": ("페이지 URL", "Page URL"),
    "final_url": ("최종 URL", "Final URL"),
    "captured_utc": ("수집 시각 (UTC)", "Captured (UTC)"),
    "captured_local": ("수집 시각 (현지)", "Captured (local)"),
    "software": ("수집 소프트웨어", "Capturing software"),
    "custody": ("관리 기록 번호", "Custody entry"),
    "evidence": ("증거 번호", "Evidence key"),
    "matches": ("일치 정보", "Matches"),
    "reference": ("기준 자료", "Reference"),
    "algorithm": ("알고리즘", "Algorithm"),
    "distance": ("거리", "Distance"),
    "media_url": ("미디어 URL", "Media URL"),
    "segments": ("일치 구간", "Matching segments"),
    "urls": ("관련 URL", "URLs"),
    "hashes": ("파일 해시 (SHA-256)", "File hashes (SHA-256)"),
    "name": ("파일", "File"),
    "kind": ("종류", "Kind"),
    "size": ("크기 (바이트)", "Size (bytes)"),
    "thumbnail": ("흐림 처리된 미리보기", "Blurred thumbnail"),
    "excerpt": ("본문 발췌", "Text excerpt"),
    "notes": ("수집 참고 사항", "Capture notes"),
}


class ReportError(ValueError):
    """The report input is unusable (for instance a case reference that looks like a name)."""


# What each video signal is, in the words a report uses (Korean, English).
_SIGNALS: Final = {
    "vpdq": ("영상 프레임, vPDQ", "video frames, vPDQ"),
    "audio": ("소리, Chromaprint", "sound, Chromaprint"),
}


def _clock(seconds: float) -> str:
    minutes, rest = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


@dataclass(frozen=True)
class MatchSegment:
    """A stretch of the found video (seconds) that matches a stretch of the reference."""

    signal: str  # vpdq | audio
    query_start: float
    query_end: float
    reference_start: float
    reference_end: float

    def line(self) -> str:
        """One bilingual line: where in the found video, where in the reference, which signal."""
        ko, en = _SIGNALS.get(self.signal, (self.signal, self.signal))
        found = f"{_clock(self.query_start)}-{_clock(self.query_end)}"
        ref = f"{_clock(self.reference_start)}-{_clock(self.reference_end)}"
        return (
            f"발견 영상 {found} = 기준 자료 {ref} ({ko}) / "
            f"found video {found} matches reference {ref} ({en})"
        )


def segments_from_detail(detail: dict[str, Any] | None) -> tuple[MatchSegment, ...]:
    """The segments a video detection recorded (``detail["segments"]``); malformed ones skipped."""
    out = []
    for item in (detail or {}).get("segments") or []:
        try:
            out.append(
                MatchSegment(
                    str(item["signal"]),
                    float(item["query_start"]),
                    float(item["query_end"]),
                    float(item["reference_start"]),
                    float(item["reference_end"]),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(out)


@dataclass(frozen=True)
class MatchInfo:
    """One detection on the page: which reference it matched and how closely.

    ``segments``: for a video, the matching stretches, one report line each.
    """

    reference: str
    algorithm: str
    distance: float
    media_url: str | None = None
    segments: tuple[MatchSegment, ...] = ()


@dataclass(frozen=True)
class ReportInput:
    """What the report needs beyond the manifest; built by the pipeline from its DB rows."""

    case_reference: str
    custody_entry_id: str
    matches: tuple[MatchInfo, ...] = ()
    center_name: str = ""
    excerpt_chars: int = 600

    def __post_init__(self) -> None:
        if not _CASE_REFERENCE.match(self.case_reference):
            raise ReportError(
                "case_reference must be an identifier such as CASE-2026-0012 (never a name)"
            )


@dataclass(frozen=True)
class ReportContent:
    case_reference: str
    evidence_key: str
    site: str
    page_url: str
    final_url: str
    urls: tuple[str, ...]
    captured_utc: str
    captured_local: str
    timezone: str
    software: str
    custody_entry_id: str
    matches: tuple[MatchInfo, ...]
    artifacts: tuple[Artifact, ...]
    thumbnail_png: bytes | None
    excerpt: str
    notes: tuple[str, ...]
    center_name: str


def build_content(
    manifest: Manifest, report: ReportInput, *, read: Callable[[str], bytes]
) -> ReportContent:
    """Assemble the report from the manifest; ``read`` returns an artifact's plain bytes."""
    text = manifest.of_kind("text")
    excerpt = read(text[0].name).decode("utf-8", "replace") if text else ""
    if len(excerpt) > report.excerpt_chars:
        excerpt = excerpt[: report.excerpt_chars].rstrip() + " …"
    urls: list[str] = [manifest.page_url]
    if manifest.final_url != manifest.page_url:
        urls.append(manifest.final_url)
    urls += [m.media_url for m in report.matches if m.media_url]
    listed = manifest.of_kind("urls")
    if listed:
        data = json.loads(read(listed[0].name))
        urls += [u for u in data.get("media", []) if isinstance(u, str)]
    unique = tuple(dict.fromkeys(urls))[:MAX_URLS]
    return ReportContent(
        case_reference=report.case_reference,
        evidence_key=manifest.evidence_key,
        site=urlsplit(manifest.page_url).hostname or manifest.page_url,
        page_url=manifest.page_url,
        final_url=manifest.final_url,
        urls=unique,
        captured_utc=manifest.captured_at_utc.strftime("%Y-%m-%d %H:%M:%S UTC"),
        captured_local=manifest.captured_at_local.strftime("%Y-%m-%d %H:%M:%S %Z (UTC%z)"),
        timezone=manifest.timezone,
        software=f"{manifest.software}; {manifest.environment.get('browser', '')}".strip("; "),
        custody_entry_id=report.custody_entry_id,
        matches=report.matches,
        artifacts=manifest.artifacts,
        thumbnail_png=_thumbnail(manifest, report, read),
        excerpt=excerpt,
        notes=tuple(str(p) for p in manifest.capture.get("problems", [])),
        center_name=report.center_name,
    )


def _thumbnail(
    manifest: Manifest, report: ReportInput, read: Callable[[str], bytes]
) -> bytes | None:
    thumbs = manifest.of_kind("thumbnail")
    wanted = {m.media_url for m in report.matches}
    for thumb in thumbs:
        if thumb.source_url in wanted:
            return read(thumb.name)
    return read(thumbs[0].name) if thumbs else None
