"""``python -m takedown.web.ui.screenshots DIR``: seed a temporary installation with benign sample
data, start the UI, log in and write a PNG of every page (``make screenshots``)."""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.web.app import create_app
from takedown.web.ui import mount
from takedown.web.ui.localserver import LocalServer
from takedown.web.ui.sample import Seeded, seed_sample

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def pages(seeded: Seeded) -> list[tuple[str, str, str]]:
    """(file name, path, role) of every page worth a picture."""
    return [
        ("login", "/login", ""),
        ("queue", "/queue", "officer"),
        ("notice-editor", f"/notices/{seeded.notice_id}", "officer"),
        ("notice-sent", f"/notices/{seeded.other_notice_ids[3]}", "officer"),
        ("notices", "/notices?status=sent", "officer"),
        ("cases", "/cases", "officer"),
        ("case", f"/cases/{seeded.case_id}", "officer"),
        ("sources", "/sources", "officer"),
        ("source", f"/sources/{seeded.source_id}", "officer"),
        ("evidence-list", "/evidence", "officer"),
        ("evidence", f"/evidence/{seeded.evidence_id}", "officer"),
        ("dashboard", "/dashboard", "officer"),
        ("users", "/admin/users", "admin"),
        ("queue-viewer-en", "/queue", "viewer"),
    ]


def shoot(out: Path, *, chromium: str = "/usr/bin/chromium", width: int = 1280) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="takedown-shots-") as tmp:
        settings = Settings(
            home=Path(tmp) / "home", vault_key=base64.b64encode(os.urandom(32)).decode()
        )
        rt = Runtime(settings)
        try:
            seeded = seed_sample(rt)
            app = create_app(settings, rt)
            mount(app, rt)
            with LocalServer(app) as server, sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=chromium, headless=True, args=list(CHROMIUM_FLAGS)
                )
                contexts = {}
                for name, path, role in pages(seeded):
                    key = role or "anonymous"
                    if key not in contexts:
                        lang = "en-US" if role == "viewer" else "ko-KR"
                        ctx = browser.new_context(
                            viewport={"width": width, "height": 900}, locale=lang
                        )
                        if role:
                            _login(ctx.new_page(), server.url, role, seeded)
                        contexts[key] = ctx
                    page = contexts[key].new_page()
                    page.goto(server.url + path)
                    page.wait_for_load_state("networkidle")
                    target = out / f"{name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    page.close()
                    written.append(target)
                browser.close()
        finally:
            rt.close()
    return written


def _login(page: Page, url: str, role: str, seeded: Seeded) -> None:
    name = f"sample-{role}"
    page.goto(f"{url}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", seeded.users[name])
    page.click("button.primary")
    page.wait_for_url("**/queue")
    if role == "viewer":
        # One set of pictures in English: the viewer switches language.
        page.click("button[name=locale][value=en]")
        page.wait_for_load_state()
    page.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, help="directory for the PNG files")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    for path in shoot(args.out, chromium=args.chromium):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
