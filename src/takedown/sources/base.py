"""The Source plug-in kind: what a source is told, what it remembers, and what a poll returns.

A source kind (``feed``, ``page``, ``sitemap``, ``search``, or a third party's) implements
:class:`Source` and is registered by name in :mod:`takedown.sources.registry`. The pipeline
stores :class:`SourceState` per source as JSON, so a restarted worker resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Protocol

from takedown.extract.keywords import KeywordMatcher
from takedown.fetch.http import FetchResponse, Kind
from takedown.sources.steps import Step, parse_steps

__all__ = [
    "FoundPage",
    "PageFetcher",
    "PollContext",
    "PollError",
    "PollResult",
    "RenderMode",
    "Renderer",
    "Source",
    "SourceSpec",
    "SourceState",
]

RenderMode = Literal["http", "browser"]
# An async callable that loads a URL in a browser and returns (final_url, html).
Renderer = Callable[[str], Awaitable[tuple[str, str]]]


@dataclass(frozen=True)
class SourceSpec:
    """A source as configured through the API (``POST /sources``)."""

    url: str
    kind: str
    interval_seconds: int = 300
    render: RenderMode = "http"
    keywords: tuple[str, ...] = ()
    language: str | None = None
    max_depth: int = 1
    # Per-source network settings, overriding the global ones (None: the global one).
    proxy: str | None = None
    user_agent: str | None = None
    locale: str | None = None
    rate: float | None = None  # requests per second to one host
    # Browser steps run before polling (login, age gate); see takedown.sources.steps.
    steps: tuple[Step, ...] = ()
    # A poll landing on a page whose URL starts with this (default: the first goto) or whose
    # HTML contains it means the session expired and the steps must run again.
    logged_out: str | None = None
    # Seen posts older than this are fetched again (handed over only when changed); None: never.
    refetch_seconds: int | None = None

    @property
    def login_marker(self) -> str | None:
        if self.logged_out:
            return self.logged_out
        return next((step.target for step in self.steps if step.action == "goto"), None)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SourceSpec:
        """Build from the API's field names (unknown fields ignored, lists made tuples)."""
        rate = data.get("rate")
        return cls(
            url=str(data["url"]),
            kind=str(data["kind"]),
            interval_seconds=int(data.get("interval_seconds") or 300),
            render="browser" if data.get("render") == "browser" else "http",
            keywords=tuple(str(k) for k in data.get("keywords") or ()),
            language=data.get("language") or None,
            max_depth=int(data["max_depth"]) if data.get("max_depth") is not None else 1,
            proxy=data.get("proxy") or None,
            user_agent=data.get("user_agent") or None,
            locale=data.get("locale") or None,
            rate=float(rate) if rate else None,
            steps=parse_steps(data.get("steps")),
            logged_out=data.get("logged_out") or None,
            refetch_seconds=int(data["refetch_seconds"])
            if data.get("refetch_seconds") is not None
            else None,
        )


def _trim(mapping: dict[str, Any], bound: int) -> None:
    """Drop the oldest entries (dicts keep insertion order) beyond ``bound``."""
    excess = len(mapping) - bound
    if excess > 0:
        for key in list(mapping)[:excess]:
            del mapping[key]


@dataclass
class SourceState:
    """What a source remembers between polls; every field is plain JSON.

    ``validators``: URL -> {"etag", "last_modified"} for conditional requests.
    ``seen``: item ids and post URLs already handed over (bounded, oldest dropped first).
    ``lastmods``: sitemap ``<loc>`` -> ``<lastmod>``.
    ``fingerprints``: page URL -> hash of its visible text and media, to skip unchanged pages.
    ``failures``: URL -> consecutive failures; a URL is given up after ``max_failures``.
    """

    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)
    lastmods: dict[str, str] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    # Consecutive polls that failed as a whole (login, gate, junk index): the backoff exponent.
    streak: int = 0
    # Post URL -> when it was last fetched (ISO), for re-fetching by age.
    fetched: dict[str, str] = field(default_factory=dict)

    max_seen: ClassVar[int] = 5000
    max_lastmods: ClassVar[int] = 50_000
    max_fingerprints: ClassVar[int] = 5000
    max_validators: ClassVar[int] = 1000
    max_failures: ClassVar[int] = 3

    def to_json(self) -> dict[str, Any]:
        return {
            "validators": self.validators,
            "seen": self.seen,
            "lastmods": self.lastmods,
            "fingerprints": self.fingerprints,
            "failures": self.failures,
            "streak": self.streak,
            "fetched": self.fetched,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> SourceState:
        """Load a stored state; missing or malformed parts start empty rather than fail."""
        data = data or {}

        def part(name: str) -> dict[str, Any]:
            value = data.get(name)
            return dict(value) if isinstance(value, dict) else {}

        return cls(
            validators={k: dict(v) for k, v in part("validators").items() if isinstance(v, dict)},
            seen={str(k): str(v) for k, v in part("seen").items()},
            lastmods={str(k): str(v) for k, v in part("lastmods").items()},
            fingerprints={str(k): str(v) for k, v in part("fingerprints").items()},
            failures={str(k): int(v) for k, v in part("failures").items() if isinstance(v, int)},
            streak=data["streak"] if isinstance(data.get("streak"), int) else 0,
            fetched={str(k): str(v) for k, v in part("fetched").items()},
        )

    def mark_seen(self, key: str, when: datetime) -> None:
        self.seen.pop(key, None)
        self.seen[key] = when.isoformat()
        _trim(self.seen, self.max_seen)

    def is_seen(self, key: str) -> bool:
        return key in self.seen

    def given_up(self, url: str) -> bool:
        return self.failures.get(url, 0) >= self.max_failures

    def compact(self) -> None:
        _trim(self.lastmods, self.max_lastmods)
        _trim(self.fingerprints, self.max_fingerprints)
        _trim(self.validators, self.max_validators)
        _trim(self.failures, self.max_seen)
        _trim(self.fetched, self.max_seen)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PageFetcher(Protocol):
    """What a poll needs of a fetcher: :class:`takedown.fetch.http.Fetcher`, or a wrapper."""

    def check(self, url: str) -> None: ...

    async def get(
        self, url: str, *, kind: Kind = "page", headers: Mapping[str, str] | None = None
    ) -> FetchResponse: ...


@dataclass(frozen=True)
class PollContext:
    """What a poll may use: the fetcher, a browser renderer, the case keywords, a page budget."""

    fetcher: PageFetcher
    renderer: Renderer | None = None
    keywords: KeywordMatcher | None = None
    page_budget: int = 50
    # Seconds from the poll's start after which it fetches no further page: what is left waits
    # for the next poll, so a wave of new posts never makes the source's next poll late.
    page_seconds: float | None = None
    max_listing_pages: int = 5
    now: Callable[[], datetime] = _utcnow
    # The source's vault secrets (an API key for a search source); never logged.
    secrets: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FoundPage:
    """A new or changed page for the pipeline to extract.

    ``url`` is the address as linked or listed, ``final_url`` where it ended after redirects
    (resolve relative links against it). ``media_hints`` lists media URLs the source itself
    named (feed enclosures, ``media:content``), beside what the HTML links.
    """

    url: str
    final_url: str
    html: str
    fetched_at: datetime
    language_hint: str | None = None
    status: int = 200
    media_hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class PollError:
    """One URL that failed during a poll; the poll itself went on."""

    url: str
    reason: str


@dataclass(frozen=True)
class PollResult:
    """New or changed pages, the state to store, per-URL errors and the number of requests."""

    pages: tuple[FoundPage, ...]
    state: SourceState
    errors: tuple[PollError, ...] = ()
    requests: int = 0
    # The poll landed on the login page: the session expired, the steps must run again.
    logged_out: bool = False


class Source(Protocol):
    """A kind of source. ``kind`` is its registry name; ``poll`` never raises for one bad URL."""

    kind: str

    async def poll(self, spec: SourceSpec, state: SourceState, ctx: PollContext) -> PollResult:
        """Fetch what is new since ``state`` and return it with the updated state."""
        ...
