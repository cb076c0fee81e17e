"""`takedown demo` starts, prints the review UI's URL, and the demo pipeline finds its copies."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.procs import terminate
from tests.support.services import free_port


@pytest.mark.slow
def test_demo_starts_and_prints_the_ui_url(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "demo.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "takedown.cli", "demo", "--port", str(port)],
            env={"TAKEDOWN_HOME": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"},
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        url = token = None
        while time.monotonic() < deadline and not (url and token):
            text = log.read_text("utf-8", "replace")
            m = re.search(r"Review UI: (http://\S+)", text)
            t = re.search(r"admin token (tdk_\S+?)\)", text)
            url, token = (m.group(1) if m else None), (t.group(1) if t else None)
            time.sleep(0.5)
        assert url == f"http://127.0.0.1:{port}/", log.read_text()
        while time.monotonic() < deadline and "status: " not in log.read_text("utf-8", "replace"):
            time.sleep(0.5)
        lines = log.read_text("utf-8", "replace").splitlines()
        before = next(i for i, line in enumerate(lines) if line.startswith("status: "))
        assert before <= 15, "\n".join(lines[:before])  # a short banner, then the status
        assert not any("Traceback" in line or " INFO " in line for line in lines), lines
        assert (tmp_path / "data" / "demo" / "logs" / "takedown.log").stat().st_size > 0
        assert httpx.get(url, follow_redirects=True, timeout=10).status_code == 200
        h = {"Authorization": f"Bearer {token}"}
        found: list[dict[str, object]] = []
        while time.monotonic() < deadline + 60 and not found:
            found = [
                d
                for d in httpx.get(f"{url}api/v1/detections", headers=h, timeout=10).json()
                if d["kind"] == "image"
            ]
            time.sleep(1)
        assert found, log.read_text()
    finally:
        terminate(proc)
