"""The evidence manifest: every artifact with its kind, media type, size and SHA-256, plus when,
where and with what software the capture was made. JSON-able, canonical, hashable."""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter

import takedown

MANIFEST_VERSION: Final = 1
# The names the API and the DB use; other kinds are allowed (a plug-in may add some).
KINDS: Final = (
    "warc",
    "screenshot",
    "html",
    "text",
    "urls",
    "media",
    "thumbnail",
    "capture_log",
    "report_hwpx",
    "report_pdf",
    "timestamp",
)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Artifact:
    """One file of an evidence item. ``size``/``sha256`` describe the evidentiary bytes; when the
    file is encrypted at rest, ``stored_size``/``stored_sha256`` describe the file on disk."""

    name: str
    kind: str
    media_type: str
    size: int
    sha256: str
    encrypted: bool = False
    stored_size: int | None = None
    stored_sha256: str | None = None
    source_url: str | None = None


@dataclass(frozen=True)
class Manifest:
    """What one capture holds. Times are stored in UTC; the center's local time is derived."""

    evidence_key: str
    page_url: str
    final_url: str
    captured_at: datetime
    timezone: str = "Asia/Seoul"
    software: str = f"takedown {takedown.__version__}"
    environment: dict[str, str] = field(default_factory=dict)
    capture: dict[str, Any] = field(default_factory=dict)
    artifacts: tuple[Artifact, ...] = ()
    version: int = MANIFEST_VERSION

    def __post_init__(self) -> None:
        if self.captured_at.tzinfo is None:
            raise ValueError("captured_at must be timezone-aware")
        ZoneInfo(self.timezone)  # fails early on a bad zone name
        names = [a.name for a in self.artifacts]
        if len(names) != len(set(names)):
            raise ValueError("artifact names must be unique")

    @property
    def captured_at_utc(self) -> datetime:
        return self.captured_at.astimezone(UTC)

    @property
    def captured_at_local(self) -> datetime:
        return self.captured_at.astimezone(ZoneInfo(self.timezone))

    def artifact(self, name: str) -> Artifact:
        for artifact in self.artifacts:
            if artifact.name == name:
                return artifact
        raise KeyError(name)

    def of_kind(self, kind: str) -> tuple[Artifact, ...]:
        return tuple(a for a in self.artifacts if a.kind == kind)

    def with_artifacts(self, *added: Artifact) -> Manifest:
        return replace(self, artifacts=(*self.artifacts, *added))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["captured_at"] = self.captured_at_utc.isoformat()
        data["captured_at_local"] = self.captured_at_local.isoformat()
        data["artifacts"] = [asdict(a) for a in self.artifacts]
        return data

    def to_json(self) -> bytes:
        """Canonical JSON (sorted keys, UTF-8, no spaces): its SHA-256 goes into the custody log."""
        return json.dumps(
            self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")

    def sha256(self) -> str:
        return sha256_hex(self.to_json())

    @classmethod
    def from_json(cls, raw: bytes | str) -> Manifest:
        """Read a manifest file; raises ``ValueError`` on anything malformed."""
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("manifest must be a JSON object")
        data.pop("captured_at_local", None)
        return _ADAPTER.validate_python(data)


_ADAPTER: Final = TypeAdapter(Manifest)


def capture_environment(**extra: str) -> dict[str, str]:
    """The facts about the capturing machine that a court may ask for."""
    env = {
        "software": f"takedown {takedown.__version__}",
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "hostname": platform.node(),
    }
    env.update({k: v for k, v in extra.items() if v})
    return env
