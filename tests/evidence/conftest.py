"""Fixtures for the evidence tests: the local test web, one shared browser, a vault key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from takedown.evidence.capture import store_capture
from takedown.evidence.record import Committed, EvidenceRecord
from takedown.evidence.reports.build import add_reports
from takedown.evidence.reports.content import MatchInfo, ReportInput
from takedown.evidence.store import FileStore
from takedown.evidence.vault import Vault
from takedown.fetch.browser import Browser, BrowserConfig
from takedown.fetch.guard import UrlGuard
from tests.evidence.items import MEDIA_URL, SEGMENTS, page_capture
from tests.evidence.site import LocalWeb, Loop
from tests.sites.server import Reply, ServerThread


@pytest.fixture(scope="session")
def canary() -> Iterator[ServerThread]:
    """A server no capture may reach: the guard must refuse every request to it."""
    with ServerThread(lambda request: Reply(200, b"canary", "text/plain")) as running:
        yield running


@pytest.fixture(scope="session")
def web(canary: ServerThread) -> Iterator[tuple[ServerThread, LocalWeb]]:
    site = LocalWeb(canary.origin)
    with ServerThread(site) as running:
        yield running, site
        site.release.set()


@pytest.fixture(scope="module")
def loop() -> Iterator[Loop]:
    running = Loop()
    yield running
    running.close()


@pytest.fixture(scope="module")
def browser(loop: Loop, web: tuple[ServerThread, LocalWeb]) -> Iterator[Browser]:
    server, _ = web
    shared = Browser(
        BrowserConfig(user_agent="takedown-test", max_pages=2),
        guard=UrlGuard(allow=[server.origin]),
    )
    loop.run(shared.start())
    yield shared
    loop.run(shared.aclose())


@pytest.fixture
def vault_key() -> bytes:
    return bytes(range(32))


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "evidence")


@pytest.fixture
def item(store: FileStore, vault_key: bytes) -> Committed:
    """A stored evidence item (capture, then reports) made from a hand-made page capture."""
    vault = Vault(vault_key)
    committed = store_capture(
        page_capture(),
        store=store,
        evidence_key="ev-item",
        vault=vault,
        media_urls=(MEDIA_URL,),
    )
    record = EvidenceRecord.open(store, "ev-item", vault=vault)
    report = ReportInput(
        case_reference="CASE-2026-0012",
        custody_entry_id=committed.entry.id,
        matches=(
            MatchInfo("ref-7", "pdq", 14, MEDIA_URL),
            MatchInfo("ref-9", "vpdq", 9.5, MEDIA_URL, segments=SEGMENTS),
        ),
        center_name="시험 지원 센터",
    )
    return add_reports(record, report, actor="officer-test")
