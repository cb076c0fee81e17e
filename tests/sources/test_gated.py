"""A board behind a login form and an age gate, polled through real Chromium and HTTP.

The steps run in the browser, the cookies they leave carry the HTTP poll, the new post's image
is fetched with them and matched; when the site expires the session the poll lands on the login
page, the steps run again and the poll goes on. A wrong password or a changed gate is a clear
error that never shows the password.
"""

from __future__ import annotations

import asyncio
import shutil

import pytest

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher
from takedown.matching.engine import Matcher
from takedown.matching.hashing import hash_media, hash_reference
from takedown.sources import PollContext, SourceSpec, SourceState
from takedown.sources.cookies import CookieJar
from takedown.sources.gated import GatedOutcome, browser_login, poll_gated
from takedown.sources.network import SessionFetcher
from tests.sources.boards import PASSWORD, USER, GatedBoard, steps
from tests.sources.conftest import LIMITS

browser_module = pytest.importorskip("takedown.fetch.browser")
pytestmark = [
    pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium"),
    pytest.mark.slow,
]
SECRETS = {"user": USER, "password": PASSWORD}


@pytest.fixture
def board() -> GatedBoard:
    with GatedBoard() as running:
        yield running  # type: ignore[misc]


def _spec(board: GatedBoard, **extra: object) -> SourceSpec:
    return SourceSpec.from_mapping(
        {"url": board.url("/board"), "kind": "page", "steps": steps(board), **extra}
    )


async def _run(
    board: GatedBoard,
    spec: SourceSpec,
    rounds: list[object],
    secrets: dict[str, str] = SECRETS,
) -> list[tuple[GatedOutcome, bytes | None]]:
    """Poll once per entry of ``rounds`` (a callable run before that poll, or None)."""
    guard = UrlGuard(allow=[board.origin])
    config = browser_module.BrowserConfig(executable=shutil.which("chromium"))
    out: list[tuple[GatedOutcome, bytes | None]] = []
    async with (
        browser_module.Browser(config, guard=guard) as browser,
        Fetcher(guard=guard, limits=LIMITS) as fetcher,
    ):
        login = browser_login(browser, spec, secrets, step_timeout=5)
        state, jar = SourceState(), CookieJar()
        for before in rounds:
            if callable(before):
                before()
            outcome = await poll_gated(spec, state, PollContext(fetcher=fetcher), jar, login)
            image = None
            if outcome.result is not None:
                state, jar = outcome.result.state, outcome.jar
                posts = [p for p in outcome.result.pages if "/post/" in p.url]
                if posts:
                    number = posts[-1].url.rsplit("/", 1)[1]
                    assert f"/media/{number}.png" in posts[-1].html
                    media = SessionFetcher(fetcher, spec, jar)
                    image = (
                        await media.get(board.url(f"/media/{number}.png"), kind="media")
                    ).content
            out.append((outcome, image))
    return out


def test_login_and_age_gate_then_new_posts_media_matched_and_session_refreshed(
    board: GatedBoard,
) -> None:
    board.publish()
    spec = _spec(board)
    (first, image1), (second, image2) = asyncio.run(
        _run(board, spec, [None, lambda: (board.publish(), board.expire())])
    )
    assert first.error is None and first.logins == 1
    assert first.result is not None
    assert board.url("/post/1") in [page.url for page in first.result.pages]
    assert {c["name"] for c in first.jar.to_json()} >= {"sid", "adult"}
    matcher = Matcher()
    matcher.add(1, 7, hash_reference(board.image(1)))
    assert image1 is not None
    assert [m.case_id for m in matcher.match(hash_media(image1))] == [7]
    # The site expired the session: the poll landed on /login, the steps ran again.
    assert second.error is None and second.logins == 1
    assert second.result is not None
    assert board.url("/post/2") in [page.url for page in second.result.pages]
    assert board.logins == 2
    old_sid = next(c["value"] for c in first.jar.to_json() if c["name"] == "sid")
    new_sid = next(c["value"] for c in second.jar.to_json() if c["name"] == "sid")
    assert old_sid != new_sid
    matcher.add(2, 7, hash_reference(board.image(2)))
    assert image2 is not None
    assert [m.reference_id for m in matcher.match(hash_media(image2))] == [2]


def test_a_wrong_password_is_a_clear_error_without_the_password(board: GatedBoard) -> None:
    board.publish()
    wrong = {"user": USER, "password": "not-" + PASSWORD}
    [(outcome, _)] = asyncio.run(_run(board, _spec(board), [None], secrets=wrong))
    assert outcome.result is None
    assert outcome.error is not None and outcome.error.startswith("login failed")
    assert PASSWORD not in outcome.error and "not-" not in outcome.error
    assert board.failed_logins == 1


def test_a_changed_gate_is_a_clear_error(board: GatedBoard) -> None:
    board.publish()
    spec = SourceSpec.from_mapping(
        {
            "url": board.url("/board"),
            "kind": "page",
            "steps": [*steps(board)[:4], {"age_gate": "#no-such-button"}],
        }
    )
    [(outcome, _)] = asyncio.run(_run(board, spec, [None]))
    assert outcome.result is None and outcome.error is not None
    assert "step 5 (age_gate #no-such-button) failed" in outcome.error
