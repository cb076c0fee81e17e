"""Fetching: the SSRF guard, the bounded HTTP fetcher, content sniffing (and the browser)."""

from takedown.fetch.guard import BlockedUrl, UrlGuard
from takedown.fetch.http import Fetcher, FetchError, FetchLimits, FetchResponse
from takedown.fetch.sniff import sniff_media_type

__all__ = [
    "BlockedUrl",
    "FetchError",
    "FetchLimits",
    "FetchResponse",
    "Fetcher",
    "UrlGuard",
    "sniff_media_type",
]
