"""The task queue: Huey on SQLite under TAKEDOWN_HOME (embedded) or on Redis (scaled)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey

from takedown.config import Settings


def make_huey(settings: Settings, name: str = "takedown") -> Huey:
    url = settings.queue_url
    if url.startswith(("redis://", "rediss://", "unix://")):
        huey: Huey = RedisHuey(name, url=url, results=False, utc=True)
    elif url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, filename=str(path), results=False, utc=True, timeout=30)
    else:
        raise ValueError(f"TAKEDOWN_QUEUE_URL must be sqlite:///PATH or redis://...; got {url!r}")
    return huey


def pending_count(huey: Huey) -> int:
    count: Any = huey.pending_count()
    return int(count)
