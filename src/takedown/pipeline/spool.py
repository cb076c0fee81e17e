"""Found files handed from one worker to the next (download → hash → triage), encrypted, in the
evidence store: a worker on another machine reads what this one wrote; each file is deleted by
the last stage that needs it."""

from __future__ import annotations

from takedown.evidence.store import StoreError
from takedown.pipeline.services import Services

KEY = "spool"


def put(services: Services, name: str, data: bytes) -> None:
    blob = services.vault.encrypt(data, evidence_key=KEY, name=name)
    services.store.delete(KEY, name)  # a retry after a crash writes the file again
    services.store.write_new(KEY, name, blob)


def take(services: Services, name: str, *, keep: bool = False) -> bytes | None:
    """The file's bytes, or None when it is gone; deleted unless ``keep``."""
    try:
        blob = services.store.read(KEY, name)
    except StoreError:
        return None
    if not keep:
        services.store.delete(KEY, name)
    return services.vault.decrypt(blob, evidence_key=KEY, name=name)


def drop(services: Services, name: str) -> None:
    services.store.delete(KEY, name)


def media_name(media_id: int) -> str:
    return f"media-{media_id}.bin"
