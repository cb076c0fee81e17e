"""Per-process services the stages share, built on first use: loop, fetcher, browser, matcher."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from takedown.config import Settings
from takedown.fetch.browser import Browser, BrowserConfig
from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher, FetchLimits
from takedown.matching.engine import Matcher
from takedown.matching.hashes import ReferenceHashes
from takedown.matching.hashing import HashLimits
from takedown.pipeline.aio import AsyncRunner
from takedown.store.tables import Reference

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime

log = logging.getLogger(__name__)


def runner(rt: Runtime) -> AsyncRunner:
    r: AsyncRunner = rt.service("aio", lambda _rt: AsyncRunner())
    return r


def guard(rt: Runtime) -> UrlGuard:
    g: UrlGuard = rt.service("guard", lambda r: UrlGuard(allow=r.settings.fetch_allow))
    return g


class _Closing:
    """An async resource living on the process loop, closed there when the runtime closes."""

    def __init__(self, inner: Any, loop: AsyncRunner) -> None:
        self.inner = inner
        self._loop = loop

    def close(self) -> None:
        try:
            self._loop.run(self.inner.aclose(), timeout=20)
        except Exception:
            log.exception("closing %s failed", type(self.inner).__name__)


def on_loop(rt: Runtime, name: str, make: Callable[[Runtime], Coroutine[Any, Any, Any]]) -> Any:
    def build(r: Runtime) -> _Closing:
        loop = runner(r)
        return _Closing(loop.run(make(r)), loop)

    return rt.service(name, build).inner


def fetcher(rt: Runtime) -> Fetcher:
    # Resolved here, not inside `make`: the loop thread must never wait for the services lock.
    g = guard(rt)

    async def make(r: Runtime) -> Fetcher:
        return Fetcher(
            guard=g,
            proxy=r.settings.proxy,
            user_agent=r.settings.user_agent,
            limits=fetch_limits(r.settings),
        )

    f: Fetcher = on_loop(rt, "fetcher", make)
    return f


def fetch_limits(settings: Settings) -> FetchLimits:
    return FetchLimits(
        connect_timeout=settings.fetch_connect_timeout,
        read_timeout=settings.fetch_read_timeout,
        total_timeout=settings.fetch_total_timeout,
        retries=settings.fetch_retries,
        per_host_concurrency=settings.fetch_per_host_concurrency,
        per_host_interval=settings.fetch_per_host_interval,
    )


def browser(rt: Runtime) -> Browser:
    g = guard(rt)

    async def make(r: Runtime) -> Browser:
        b = Browser(BrowserConfig.from_settings(r.settings), guard=g)
        await b.start()
        return b

    b: Browser = on_loop(rt, "browser", make)
    return b


def hash_limits(rt: Runtime) -> HashLimits:
    h: HashLimits = rt.service("hash_limits", lambda r: HashLimits.from_settings(r.settings))
    return h


class MatcherService:
    """The in-memory index of every reference, kept in step with the database.

    Each process loads the references at start, then before each use adds those created since
    (by id), so a worker on another machine sees new intake within one media item.
    """

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.matcher = Matcher()
        self._last_id = 0
        self._known: set[int] = set()
        self._lock = threading.Lock()

    def refresh(self) -> Matcher:
        with self._lock, self.rt.db.session() as s:
            rows = s.execute(
                select(Reference.id, Reference.case_id, Reference.hashes).where(
                    Reference.id > self._last_id
                )
            ).all()
            for ref_id, case_id, hashes in rows:
                self.add(ref_id, case_id, hashes)
        return self.matcher

    def add(self, ref_id: int, case_id: int, hashes: dict[str, Any]) -> None:
        if ref_id in self._known:
            return
        try:
            self.matcher.add(ref_id, case_id, ReferenceHashes.from_dict(hashes))
        except (ValueError, KeyError, TypeError):
            log.exception("reference %s has unreadable hashes; skipped", ref_id)
        self._known.add(ref_id)
        self._last_id = max(self._last_id, ref_id)

    def remove(self, ref_id: int) -> None:
        with self._lock:
            if ref_id in self._known:
                self.matcher.remove(ref_id)
                self._known.discard(ref_id)


def matcher(rt: Runtime) -> MatcherService:
    m: MatcherService = rt.service("matcher", MatcherService)
    return m
