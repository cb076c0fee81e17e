"""The one error every media stage raises for input it cannot or will not handle."""

from __future__ import annotations


class MediaError(Exception):
    """Bad or unsupported media: a clean, explainable refusal, never a crash.

    ``reason`` is a short human-readable sentence suitable for logs and API responses.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
