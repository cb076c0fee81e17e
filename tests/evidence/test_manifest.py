"""The manifest: canonical JSON, round trip, time zones, refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from takedown.evidence.manifest import Artifact, Manifest

WHEN = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)


def _manifest(**kw: object) -> Manifest:
    art = Artifact("page.txt", "text", "text/plain", 3, "a" * 64)
    values: dict[str, object] = {
        "evidence_key": "ev-1",
        "page_url": "http://a.invalid/",
        "final_url": "http://a.invalid/",
        "captured_at": WHEN,
        "artifacts": (art,),
        "capture": {"problems": ["x"]},
    }
    values.update(kw)
    return Manifest(**values)  # type: ignore[arg-type]


def test_round_trip_and_local_time() -> None:
    manifest = _manifest()
    raw = manifest.to_json()
    assert Manifest.from_json(raw) == manifest
    assert Manifest.from_json(raw).to_json() == raw
    assert manifest.captured_at_local.isoformat() == "2026-03-02T00:30:00+09:00"
    assert b'"captured_at_local":"2026-03-02T00:30:00+09:00"' in raw
    assert _manifest(timezone="Europe/Paris").captured_at_local.hour == 16


def test_refusals() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _manifest(captured_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="unique"):
        art = Artifact("a", "text", "text/plain", 1, "b" * 64)
        _manifest(artifacts=(art, art))
    with pytest.raises(ValueError):
        Manifest.from_json(b"[]")
    with pytest.raises(ValueError):
        Manifest.from_json(b'{"evidence_key": "ev-1"}')
    with pytest.raises(KeyError):
        _manifest().artifact("nothing")
