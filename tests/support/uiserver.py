"""The review UI served for headless Chromium: the sample data, a real HTTP server, the notice
lane's workers (approval hands each request to it), an SMTP sink and one browser; and a
logged-in page per sample user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

from takedown.config import Settings
from takedown.pipeline.roles import Workers
from takedown.pipeline.runtime import Runtime
from takedown.web.app import create_app
from takedown.web.ui import mount
from takedown.web.ui.localserver import LocalServer
from takedown.web.ui.sample import Seeded, seed_sample
from takedown.web.ui.screenshots import CHROMIUM_FLAGS
from tests.notices.conftest import SmtpServer
from tests.support.identity import CENTER_IDENTITY
from tests.ui.conftest import VAULT_KEY


@dataclass
class ServedUi:
    url: str
    rt: Runtime
    seeded: Seeded
    smtp: SmtpServer
    browser: Browser

    def logged_in(
        self, role: str = "officer", *, locale: str = "en-US", bypass_csp: bool = False
    ) -> Page:
        """A new browser context logged in as the sample user of ``role``, on the queue."""
        page = self.browser.new_context(locale=locale, bypass_csp=bypass_csp).new_page()
        page.goto(f"{self.url}/login")
        name = f"sample-{role}"
        page.fill("input[name=username]", name)
        page.fill("input[name=password]", self.seeded.users[name])
        page.click("button.primary")
        page.wait_for_url("**/queue")
        return page


@contextmanager
def served_ui(home: Path, **settings: Any) -> Iterator[ServedUi]:
    """The sample installation under ``home``, served and open in Chromium; ``settings`` are
    added to the test settings (vault key, sender identity, the SMTP sink)."""
    smtp = SmtpServer()
    smtp.start()
    rt = Runtime(
        Settings(
            home=home,
            vault_key=VAULT_KEY,
            smtp_url=smtp.url,
            smtp_from="takedown@center.example",
            **CENTER_IDENTITY,
            **settings,
        )
    )
    seeded = seed_sample(rt)
    app = create_app(rt.settings, rt)
    mount(app, rt)
    server = LocalServer(app)
    workers = Workers(rt, ("notice",))
    workers.start()
    try:
        url = server.start()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=list(CHROMIUM_FLAGS)
            )
            yield ServedUi(url, rt, seeded, smtp, browser)
            browser.close()
    finally:
        server.stop()
        workers.stop()
        rt.close()
        smtp.stop()
