"""Polling a source behind a login or an age gate.

The browser steps run first when the source has no live cookies; the poll then goes over the
source's :class:`~takedown.sources.network.SessionFetcher`. When an answer is the login page
again (the site expired the session) the steps run once more and the poll is repeated with the
fresh cookies. Failures come back as a clear error, never as an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from takedown.sources.base import PageFetcher, PollContext, PollResult, SourceSpec, SourceState
from takedown.sources.cookies import CookieJar
from takedown.sources.network import SessionFetcher
from takedown.sources.registry import poll_source
from takedown.sources.steps import StepError, StepPage, run_steps

__all__ = ["GatedOutcome", "Interactor", "LoginFailed", "browser_login", "poll_gated"]

log = logging.getLogger(__name__)
T = TypeVar("T")
Login = Callable[[], Awaitable[CookieJar]]


class LoginFailed(Exception):  # noqa: N818 - reads as the outcome
    """The steps did not produce a working session; the message says which step and why."""


class Interactor(Protocol):
    """What logging in needs of the browser (:meth:`takedown.fetch.browser.Browser.interact`)."""

    async def interact(
        self,
        action: Callable[[Any], Awaitable[T]],
        *,
        cookies: list[dict[str, Any]] | None = None,
        timeout: float = 60.0,
    ) -> tuple[T, list[dict[str, Any]]]: ...


def browser_login(
    browser: Interactor,
    spec: SourceSpec,
    secrets: Mapping[str, str],
    *,
    step_timeout: float = 15.0,
    check_url: Callable[[str], Awaitable[None]] | None = None,
) -> Login:
    """A login callable: runs the steps in a fresh page and returns the cookies it left."""

    async def login() -> CookieJar:
        async def act(page: Any) -> str:
            typed: StepPage = page
            await run_steps(typed, spec.steps, secrets, timeout=step_timeout, check_url=check_url)
            return str(page.url)

        try:
            landed, cookies = await browser.interact(
                act, timeout=step_timeout * (len(spec.steps) + 2)
            )
        except StepError as exc:
            raise LoginFailed(f"login failed: {exc}") from None
        except Exception as exc:  # the browser is hostile ground: any failure is a login failure
            raise LoginFailed(f"login failed: {type(exc).__name__}: {_first_line(exc)}") from None
        marker = spec.login_marker
        if marker and marker.startswith(("http://", "https://", "/")):
            path = marker if marker.startswith("/") else urlsplit(marker).path
            if path not in ("", "/") and urlsplit(landed).path == path:
                raise LoginFailed("login failed: still on the login page after the steps")
        if not cookies:
            raise LoginFailed("login failed: the site set no cookie")
        return CookieJar.from_json(cookies)

    return login


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else ""


@dataclass(frozen=True)
class GatedOutcome:
    """The poll (None when the login failed), the jar to store, and what happened."""

    result: PollResult | None
    jar: CookieJar
    logins: int
    error: str | None = None
    cookies_changed: bool = False


async def poll_gated(
    spec: SourceSpec,
    state: SourceState,
    ctx: PollContext,
    jar: CookieJar,
    login: Login | None,
) -> GatedOutcome:
    """Poll with the session, logging in first when needed and again when it expired."""
    logins = 0
    base: PageFetcher = ctx.fetcher
    if spec.steps and len(jar) == 0:
        if login is None:
            return GatedOutcome(None, jar, 0, "login needed but no browser is available")
        try:
            jar = await login()
        except LoginFailed as exc:
            return GatedOutcome(None, jar, 1, str(exc))
        logins = 1
    for attempt in range(2):
        wrapped = SessionFetcher(base, spec, jar)
        result = await poll_source(spec, state, replace(ctx, fetcher=wrapped))
        if not wrapped.logged_out:
            return GatedOutcome(result, jar, logins, None, wrapped.cookies_changed or logins > 0)
        log.info("session of %s expired (attempt %d)", spec.url, attempt + 1)
        if login is None or attempt == 1:
            break
        try:
            jar = await login()
        except LoginFailed as exc:
            return GatedOutcome(None, CookieJar(), logins + 1, str(exc))
        logins += 1
    return GatedOutcome(
        replace(result, logged_out=True),
        CookieJar(),
        logins,
        "session expired and logging in again did not help",
    )
