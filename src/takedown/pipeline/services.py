"""The collaborators stages share in one process, each built on first use from the settings.

`Services` is made once by the composition root (:class:`~takedown.pipeline.runtime.Runtime`)
and handed to stages inside their :class:`~takedown.pipeline.context.StageContext`. A process
that runs no browser-lane stage never starts Chromium; one that runs no hash-lane stage never
loads the reference index.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown.config import Settings
from takedown.evidence.services import EvidenceServices
from takedown.evidence.signing import Signer, signer_from_settings
from takedown.evidence.store import EvidenceStore, open_store
from takedown.evidence.timestamp import HttpTimestampAuthority
from takedown.evidence.vault import Vault
from takedown.fetch.browser import Browser, BrowserConfig, background_pages
from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher, FetchLimits
from takedown.matching.engine import Matcher
from takedown.matching.hashes import ReferenceHashes
from takedown.matching.hashing import HashLimits
from takedown.pipeline.aio import AsyncRunner
from takedown.store.db import Database
from takedown.store.tables import Case, Reference

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime

log = logging.getLogger(__name__)
T = TypeVar("T")


def fetch_limits(settings: Settings) -> FetchLimits:
    return FetchLimits(
        connect_timeout=settings.fetch_connect_timeout,
        read_timeout=settings.fetch_read_timeout,
        total_timeout=settings.fetch_total_timeout,
        retries=settings.fetch_retries,
        per_host_concurrency=settings.fetch_per_host_concurrency,
        per_host_interval=settings.fetch_per_host_interval,
    )


def dev_vault_key(home: Path) -> bytes:
    """Development only: a key made once and kept beside the data (production refuses to start
    without TAKEDOWN_VAULT_KEY), so media are encrypted at rest in every mode."""
    path = home / "vault.key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process of this home made it first
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(base64.b64encode(secrets.token_bytes(32)).decode())
    return base64.b64decode(path.read_text().strip())


class MatcherService:
    """The in-memory index of the references of every case still matched (not closed), kept in
    step with the database.

    Each process loads the references at start, then before each use adds those created since
    (by id), so a worker on another machine sees new intake within one media item; every
    ``RECONCILE_SECONDS`` it also drops the references of closed or erased cases and takes back
    those of re-opened ones, so closing a case stops matching in every process.
    """

    RECONCILE_SECONDS = 10.0

    def __init__(self, db: Database) -> None:
        self.db = db
        self.matcher = Matcher()
        self._last_id = 0
        self._known: set[int] = set()
        self._lock = threading.Lock()
        self._reconciled = 0.0

    @staticmethod
    def _open_cases() -> Any:
        return select(Case.id).where(Case.status != "closed", Case.erased_at.is_(None))

    def refresh(self) -> Matcher:
        with self._lock, self.db.session() as s:
            rows = s.execute(
                select(Reference.id, Reference.case_id, Reference.hashes).where(
                    Reference.id > self._last_id, Reference.case_id.in_(self._open_cases())
                )
            ).all()
            for ref_id, case_id, hashes in rows:
                self.add(ref_id, case_id, hashes)
            self._last_id = max(
                self._last_id,
                s.execute(select(func.coalesce(func.max(Reference.id), 0))).scalar_one(),
            )
            if time.monotonic() - self._reconciled >= self.RECONCILE_SECONDS:
                self._reconcile(s)
        return self.matcher

    def _reconcile(self, s: Session) -> None:
        wanted = set(
            s.execute(
                select(Reference.id).where(Reference.case_id.in_(self._open_cases()))
            ).scalars()
        )
        for ref_id in self._known - wanted:
            self.matcher.remove(ref_id)
            self._known.discard(ref_id)
        missing = wanted - self._known
        if missing:
            for ref_id, case_id, hashes in s.execute(
                select(Reference.id, Reference.case_id, Reference.hashes).where(
                    Reference.id.in_(missing)
                )
            ).all():
                self.add(ref_id, case_id, hashes)
        self._reconciled = time.monotonic()

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


class _Lazy:
    """Per-process singletons, each built once under a lock (building one may ask for another)."""

    def __init__(self) -> None:
        self._built: dict[str, Any] = {}
        self._closers: list[Callable[[], None]] = []
        self._lock = threading.RLock()

    def get(self, name: str, build: Callable[[], T], close: Callable[[T], None] | None = None) -> T:
        with self._lock:
            if name not in self._built:
                value = build()
                self._built[name] = value
                if close is not None:
                    self._closers.append(lambda: close(value))
            result: T = self._built[name]
            return result

    def close(self) -> None:
        for closer in reversed(self._closers):  # the loop, built first, closes last
            try:
                closer()
            except Exception:
                log.exception("closing a service failed")
        self._closers.clear()
        self._built.clear()


class Services:
    """Typed access to what stages use; nothing is built before it is first asked for."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self._lazy = _Lazy()

    # --- the event loop and what lives on it ---------------------------------------------
    @property
    def runner(self) -> AsyncRunner:
        return self._lazy.get("aio", AsyncRunner, lambda r: r.close())

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run a coroutine on the process loop and wait for it (from a worker thread)."""
        return self.runner.run(coro, timeout)

    def on_loop(self, name: str, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        loop = self.runner

        def close(obj: T) -> None:
            loop.run(obj.aclose(), timeout=20)  # type: ignore[attr-defined]

        return self._lazy.get(name, lambda: loop.run(make()), close)

    @property
    def guard(self) -> UrlGuard:
        return self._lazy.get("guard", lambda: UrlGuard(allow=self.settings.fetch_allow))

    @property
    def fetcher(self) -> Fetcher:
        g = self.guard  # resolved here: the loop thread must never wait for the services lock

        async def make() -> Fetcher:
            return Fetcher(
                guard=g,
                proxy=self.settings.proxy,
                user_agent=self.settings.user_agent,
                limits=fetch_limits(self.settings),
            )

        return self.on_loop("fetcher", make)

    @property
    def browser(self) -> Browser:
        g = self.guard

        async def make() -> Browser:
            b = Browser(BrowserConfig.from_settings(self.settings), guard=g)
            await b.start()
            return b

        return self.on_loop("browser", make)

    @property
    def background_browser(self) -> Browser:
        """The browser of keyword-only captures: a Chromium of its own at a lower CPU priority
        (``browser_background_nice``), or the shared one when that is 0."""
        nice = self.settings.browser_background_nice
        if nice <= 0:
            return self.browser
        g = self.guard
        pages = background_pages(self.settings.browser_contexts)

        async def make() -> Browser:
            config = BrowserConfig.from_settings(
                self.settings, nice=nice, max_pages=pages, render_pages=1
            )
            b = Browser(config, guard=g)
            await b.start()
            return b

        return self.on_loop("background_browser", make)

    # --- matching --------------------------------------------------------------------------
    @property
    def hash_limits(self) -> HashLimits:
        return self._lazy.get("hash_limits", lambda: HashLimits.from_settings(self.settings))

    @property
    def matcher(self) -> MatcherService:
        return self._lazy.get("matcher", lambda: MatcherService(self.db))

    # --- evidence --------------------------------------------------------------------------
    @property
    def vault(self) -> Vault:
        return self._lazy.get(
            "vault",
            lambda: Vault(self.settings.vault_key_bytes or dev_vault_key(self.settings.home)),
        )

    @property
    def store(self) -> EvidenceStore:
        """Evidence and every hand-over between workers (spools): shared storage when scaled."""
        return self._lazy.get("store", lambda: open_store(self.settings.evidence_url))

    @property
    def signer(self) -> Signer:
        """Signs custody and audit entries (created on first use in development only)."""
        return self._lazy.get("signer", lambda: signer_from_settings(self.settings))

    @property
    def evidence(self) -> EvidenceServices:
        tsa = self.settings.tsa_url
        return self._lazy.get(
            "evidence",
            lambda: EvidenceServices(
                store=self.store,
                vault=self.vault,
                tsa=HttpTimestampAuthority(tsa) if tsa else None,
                timezone=self.settings.timezone,
                signer=self.signer,
            ),
        )

    def close(self) -> None:
        self._lazy.close()


# Thin accessors kept for the web layer and the command line, which hold a Runtime.
def matcher(rt: Runtime) -> MatcherService:
    return rt.services.matcher


def hash_limits(rt: Runtime) -> HashLimits:
    return rt.services.hash_limits
