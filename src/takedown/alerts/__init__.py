"""Alerts to officers through Apprise URLs: only counts, ids and a link, never an image or a name."""

from takedown.alerts.dispatch import notify
from takedown.alerts.events import EVENT_KINDS, AlertEvent
from takedown.alerts.targets import AlertTarget

__all__ = ["EVENT_KINDS", "AlertEvent", "AlertTarget", "notify"]
