"""The hostile local web of the browser tests (``tests/evidence/site.py``: scripts, redirects
to private addresses, pages that hang) served beside a canary that no page may reach, and the
event loop the async browser runs on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.evidence.site import LocalWeb, Loop
from tests.sites.server import Reply, ServerThread


@contextmanager
def canary_server() -> Iterator[ServerThread]:
    """A server no page may reach: any request it logs is a guard failure."""
    with ServerThread(lambda request: Reply(200, b"canary", "text/plain")) as running:
        yield running


@contextmanager
def hostile_web(canary: ServerThread) -> Iterator[tuple[ServerThread, LocalWeb]]:
    """The hostile pages, whose links and redirects point at ``canary``."""
    site = LocalWeb(canary.origin)
    with ServerThread(site) as running:
        yield running, site
        site.release.set()  # let a hanging page go, so the server can stop


@contextmanager
def event_loop() -> Iterator[Loop]:
    running = Loop()
    try:
        yield running
    finally:
        running.close()
