"""What an officer can be told about, and the only words an alert may carry."""

from __future__ import annotations

from dataclasses import dataclass, field

EVENT_KINDS = ("detection", "reply", "bounce", "send_failed", "source_failing")

_TITLES = {
    "detection": "New detections",
    "reply": "Reply received",
    "bounce": "Request bounced",
    "send_failed": "Request failed to send",
    "source_failing": "Source failing for an hour",
}


@dataclass(frozen=True)
class AlertEvent:
    """An event the pipeline reports. `case_id` picks the officer; nothing else about the case
    (label, victim, keywords) is ever read into an alert."""

    kind: str
    case_id: int | None = None
    count: int = 1
    object_ids: tuple[int, ...] = field(default_factory=tuple)
    path: str = "/"  # the review UI page to open, joined to the public base URL

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown alert event {self.kind!r}; one of {', '.join(EVENT_KINDS)}")
        if not self.path.startswith("/"):
            raise ValueError("an alert links to a path of the review UI")


def render(event: AlertEvent, base_url: str) -> tuple[str, str]:
    """Title and body: counts, ids and a link only."""
    title = f"takedown: {_TITLES[event.kind]} ({event.count})"
    lines = [f"{_TITLES[event.kind]}: {event.count}"]
    if event.case_id is not None:
        lines.append(f"case #{event.case_id}")
    if event.object_ids:
        lines.append("ids: " + ", ".join(f"#{i}" for i in event.object_ids[:20]))
    lines.append(base_url.rstrip("/") + event.path)
    return title, "\n".join(lines)
