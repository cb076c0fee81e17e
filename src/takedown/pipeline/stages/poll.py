"""Poll stage: run a source's poll, ingest what it found, schedule its next poll."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, ClassVar

from sqlalchemy import and_, or_, select

from takedown.config import Settings
from takedown.evidence.vault import VaultError
from takedown.extract.keywords import KeywordMatcher
from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher
from takedown.pipeline.context import StageContext
from takedown.pipeline.graph import Work
from takedown.pipeline.services import fetch_limits
from takedown.pipeline.stages.ingest import CaseKeywords, ingest_page
from takedown.sources.base import PageFetcher, PollContext, PollResult, SourceSpec, SourceState
from takedown.sources.cookies import CookieJar, seal_json, unseal_json
from takedown.sources.gated import Interactor, browser_login, poll_gated
from takedown.sources.network import (
    SessionFetcher,
    needs_own_fetcher,
    source_fetcher,
    with_proxy_credentials,
)
from takedown.sources.registry import poll_source
from takedown.store.base import utcnow
from takedown.store.db import Database
from takedown.store.tables import Case, Source

log = logging.getLogger(__name__)
MIN_POLL_GAP = timedelta(seconds=1)  # between the end of one poll and the start of the next
POLL_TIMEOUT = 600.0
PAGE_SHARE = 0.5  # of a source's interval, for fetching new pages
# A source whose polls keep failing as a whole waits interval * 2**streak, at most this long.
MAX_BACKOFF_SECONDS = 6 * 3600
SECRETS = "secrets"
COOKIES = "cookies"


def case_keywords(db: Database, extra: list[str]) -> CaseKeywords:
    """Every case's keywords (and the source's own, which belong to no case)."""
    owners: dict[str, set[int | None]] = {}
    pruned: set[str] = set()
    with db.session() as s:
        rows = s.execute(select(Case.id, Case.keywords, Case.pruned_variants))
        for case_id, words, case_pruned in rows:
            for w in words or []:
                owners.setdefault(" ".join(str(w).split()), set()).add(case_id)
            pruned.update(str(text) for text in case_pruned or [])
    for w in extra:
        owners.setdefault(" ".join(w.split()), set()).add(None)
    owners.pop("", None)
    matcher = _matcher(tuple(sorted(owners)), tuple(sorted(pruned))) if owners else None
    return CaseKeywords(matcher, owners)


@lru_cache(maxsize=32)
def _matcher(words: tuple[str, ...], pruned: tuple[str, ...] = ()) -> KeywordMatcher:
    """Variants are generated once per set of keywords, not at every poll (read-only after).

    One automaton holds every case's keywords; a variant pruned in any case is left out.
    """
    return KeywordMatcher(list(words), pruned=pruned)


class PollStage:
    """Poll a source over HTTP, ingest what it found, schedule its next poll."""

    name: ClassVar[str] = "poll"
    lane: ClassVar[str] = "poll"
    successors: ClassVar[tuple[str, ...]] = ("fetch", "rematch", "capture", "draft")
    work: ClassVar[Work | None] = Work(
        Source,
        ready="queued",
        working="polling",
        done="idle",
        where=lambda: and_(Source.render != "browser", Source.gated.is_(False)),
    )

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return settings.poll_concurrency

    def run(self, source_id: int) -> None:
        ctx = self.ctx
        started = utcnow()
        loaded = load_source(ctx, source_id)
        if loaded is None:
            return
        spec, state = loaded.spec, loaded.state
        keywords = case_keywords(ctx.db, list(spec.keywords))
        # Built off the loop: the loop thread must never wait for the services lock.
        shared = ctx.services.fetcher
        browser: Interactor | None = None
        if (spec.render == "browser" or spec.steps) and not own_browser(spec):
            browser = ctx.services.browser
        try:
            outcome = ctx.services.run(
                self._poll(loaded, keywords.matcher, shared, browser), timeout=POLL_TIMEOUT
            )
        except Exception as exc:  # tried again later, with the reason shown
            log.warning("polling source %s failed: %s", source_id, type(exc).__name__)
            finish(
                ctx.db,
                source_id,
                f"{type(exc).__name__}: {exc}",
                None,
                failed=True,
                started=started,
            )
            return
        if outcome.jar is not None:
            save_cookies(ctx, source_id, outcome.jar)
        result = outcome.result
        if result is None:
            state.streak += 1
            finish(ctx.db, source_id, outcome.error, state, failed=True, started=started)
            return
        for found in result.pages:
            try:
                ingest_page(ctx, source_id, found, keywords, spec.language)
            except Exception:
                # One bad page never loses the poll: the others, and the new state, are kept.
                log.exception("ingesting %s failed", found.url)
        errors = "; ".join(f"{e.url}: {e.reason}" for e in result.errors[:5]) or None
        failed = outcome.error is not None or whole_poll_failed(spec, result)
        if outcome.error:
            errors = outcome.error + (f"; {errors}" if errors else "")
        result.state.streak = state.streak + 1 if failed else 0
        finish(ctx.db, source_id, errors, result.state, failed=failed, started=started)

    async def _poll(
        self,
        loaded: LoadedSource,
        matcher: KeywordMatcher | None,
        shared: PageFetcher,
        browser: Interactor | None,
    ) -> Outcome:
        """One poll with the source's own network settings, session and steps."""
        ctx, spec = self.ctx, loaded.spec
        settings = ctx.settings
        guard = shared.guard if isinstance(shared, Fetcher) else UrlGuard(settings.fetch_allow)
        async with AsyncExitStack() as stack:
            fetcher = shared
            if needs_own_fetcher(spec, settings.proxy):
                fetcher = await stack.enter_async_context(
                    source_fetcher(
                        spec,
                        guard=guard,
                        limits=fetch_limits(settings),
                        global_proxy=settings.proxy,
                        user_agent=settings.user_agent,
                    )
                )
            if browser is None and (spec.render == "browser" or spec.steps):
                browser = await self._own_browser(stack, spec, guard)
            renderer = None
            if spec.render == "browser" and browser is not None:
                renderer = _renderer(browser, loaded.jar)
            poll_ctx = PollContext(
                fetcher=fetcher,
                renderer=renderer,
                keywords=matcher,
                page_budget=settings.poll_page_budget,
                # A poll begins pages for half its interval, leaving the other half to ingest
                # them: what is left waits for the next poll, which then starts on time.
                page_seconds=spec.interval_seconds * PAGE_SHARE,
                secrets=loaded.secrets,
            )
            if not spec.steps:
                session = SessionFetcher(fetcher, spec, loaded.jar)
                result = await poll_source(spec, loaded.state, replace(poll_ctx, fetcher=session))
                return Outcome(result, session.jar if session.cookies_changed else None, None)
            login = None
            if browser is not None:
                login = browser_login(browser, spec, loaded.secrets)
            gated = await poll_gated(spec, loaded.state, poll_ctx, loaded.jar, login)
            jar = gated.jar if gated.cookies_changed or gated.result is None else None
            return Outcome(gated.result, jar, gated.error)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _own_browser(
        self, stack: AsyncExitStack, spec: SourceSpec, guard: UrlGuard
    ) -> Interactor:
        """A browser of the source's own, for its proxy, user agent or locale."""
        from takedown.fetch.browser import Browser, BrowserConfig

        overrides: dict[str, Any] = {}
        if spec.proxy:
            overrides["proxy"] = spec.proxy
        if spec.user_agent:
            overrides["user_agent"] = spec.user_agent
        if spec.locale:
            overrides["locale"] = spec.locale
        config = BrowserConfig.from_settings(self.ctx.settings, **overrides)
        return await stack.enter_async_context(Browser(config, guard=guard))


def own_browser(spec: SourceSpec) -> bool:
    return bool(spec.proxy or spec.user_agent or spec.locale)


def _renderer(browser: Any, jar: CookieJar) -> Any:
    """Render with the shared browser; with session cookies, in a page that carries them."""
    cookies = [{**c, "expires": c["expires"] or -1} for c in jar.to_json()]

    async def render(url: str) -> tuple[str, str]:
        if not cookies:
            page = await browser.render(url)
            return str(page.final_url), str(page.html)

        async def load(page: Any) -> tuple[str, str]:
            await page.goto(url, wait_until="load", timeout=30_000)
            return str(page.url), str(await page.content())

        (final_url, html), _ = await browser.interact(load, cookies=cookies, timeout=45)
        return str(final_url), str(html)

    return render


@dataclass(frozen=True)
class LoadedSource:
    spec: SourceSpec
    state: SourceState
    secrets: dict[str, str]
    jar: CookieJar


@dataclass(frozen=True)
class Outcome:
    result: PollResult | None
    jar: CookieJar | None  # to store (None: unchanged)
    error: str | None


def load_source(ctx: StageContext, source_id: int) -> LoadedSource | None:
    """The source's spec and state, with its secrets and cookies opened (never logged)."""
    with ctx.db.session() as s:
        src = s.get(Source, source_id)
        if src is None or src.deleted:
            return None
        options = dict(src.options or {})
        spec = SourceSpec.from_mapping(
            {
                **options,
                "url": src.url,
                "kind": src.kind,
                "interval_seconds": src.interval_seconds,
                "render": src.render,
                "keywords": src.keywords,
                "language": src.language,
                "max_depth": src.max_depth,
            }
        )
        state = SourceState.from_json(src.poll_state)
        sealed_secrets, sealed_cookies = src.secrets_sealed, src.cookies_sealed
    secrets: dict[str, str] = {}
    jar = CookieJar()
    if sealed_secrets or sealed_cookies:
        vault = ctx.services.vault
        try:
            opened = unseal_json(vault, source_id, SECRETS, sealed_secrets) or {}
            secrets = {str(k): str(v) for k, v in dict(opened).items()}
        except (VaultError, ValueError):
            log.warning("source %s: its secrets do not open with this vault key", source_id)
        try:
            jar = CookieJar.from_json(unseal_json(vault, source_id, COOKIES, sealed_cookies) or [])
        except (VaultError, ValueError):
            jar = CookieJar()  # a new login makes new cookies
    if spec.proxy and "proxy_user" in secrets:
        spec = replace(spec, proxy=with_proxy_credentials(spec.proxy, secrets))
    return LoadedSource(spec, state, secrets, jar)


def save_cookies(ctx: StageContext, source_id: int, jar: CookieJar) -> None:
    sealed = seal_json(ctx.services.vault, source_id, COOKIES, jar.to_json()) if len(jar) else None
    with ctx.db.session() as s:
        src = s.get(Source, source_id)
        if src is not None:
            src.cookies_sealed = sealed


def whole_poll_failed(spec: SourceSpec, result: PollResult) -> bool:
    """Nothing came back and the source's own URL (its index) failed: back off."""
    return not result.pages and any(error.url == spec.url for error in result.errors)


class RenderPollStage(PollStage):
    """Poll a JavaScript-rendered source in the browser lane (never blocking an I/O worker)."""

    name: ClassVar[str] = "render"
    lane: ClassVar[str] = "browser"
    work: ClassVar[Work | None] = Work(
        Source,
        ready="queued",
        working="polling",
        done="idle",
        where=lambda: or_(Source.render == "browser", Source.gated.is_(True)),
    )

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return settings.render_concurrency


def finish(
    db: Database,
    source_id: int,
    error: str | None,
    state: SourceState | None,
    *,
    failed: bool = False,
    started: datetime | None = None,
) -> None:
    """Record a poll's outcome and when the source is due next: ``interval`` after the poll
    *started* (a poll that fetched many new pages does not push the next one back), at least a
    second from now; a failing source backs off from now."""
    with db.session() as s:
        src = s.get(Source, source_id)
        if src is None:
            return
        now = utcnow()
        src.last_polled_at = now
        src.last_error = error[:2000] if error else None
        src.failing_since = (src.failing_since or now) if error else None
        if state is not None:
            state.compact()
            src.poll_state = state.to_json()
        src.polls += 1
        wait = float(src.interval_seconds)
        if failed:
            streak = state.streak if state is not None else 1
            wait = min(wait * 2 ** min(max(streak, 1), 20), max(wait, MAX_BACKOFF_SECONDS))
        if failed or started is None:
            src.next_poll_at = now + timedelta(seconds=wait)
        else:
            src.next_poll_at = max(started + timedelta(seconds=wait), now + MIN_POLL_GAP)
        src.state = "idle"
        src.state_changed_at = now
