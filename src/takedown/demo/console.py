"""The demo's console: logs go to a file, the terminal shows a short banner and one live status
line (sources polled, found, drafted, sent, removed)."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select

from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Detection, MailMessage, Notice, Source

MAX_BANNER_LINES = 15


def log_to_file(home: Path) -> Path:
    """Send every log record to $TAKEDOWN_HOME/logs/takedown.log and none to the terminal."""
    path = home / "logs" / "takedown.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "huey"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.captureWarnings(True)
    # A bad log call elsewhere must not print a traceback over the banner (see the report).
    logging.raiseExceptions = False
    return path


def banner(*, ui: str, api: str, board: str, password: str, token: str, log: Path) -> str:
    lines = [
        "takedown demo",
        f"  review UI: {ui}  (log in as officer / {password})",
        f"  API:       {api}  (admin token {token})",
        f"  demo web:  {board}  (the monitored site)",
        f"  logs:      {log}",
        "Approve the drafted request in the UI; the demo site replies with a ticket number,",
        "takes the posts down and says so; the reply's re-check resolves it. Ctrl-C stops.",
        f"Review UI: {ui}",
    ]
    assert len(lines) <= MAX_BANNER_LINES
    return "\n".join(lines)


def status_text(rt: Runtime) -> str:
    with rt.db.session() as s:
        polled = s.execute(select(func.coalesce(func.sum(Source.polls), 0))).scalar_one()
        found = s.execute(select(func.count()).select_from(Detection)).scalar_one()
        drafted = s.execute(select(func.count()).select_from(Notice)).scalar_one()
        sent = s.execute(
            select(func.count()).select_from(Notice).where(Notice.sent_at.is_not(None))
        ).scalar_one()
        removed = s.execute(
            select(func.count()).select_from(Detection).where(Detection.status == "removed")
        ).scalar_one()
        replies = s.execute(select(func.count()).select_from(MailMessage)).scalar_one()
        resolved = s.execute(
            select(func.count()).select_from(Notice).where(Notice.status == "resolved")
        ).scalar_one()
    return (
        f"status: polled {polled} · found {found} · drafted {drafted} · sent {sent} "
        f"· replies {replies} · removed {removed} · resolved {resolved}"
    )


class StatusLine:
    """Rewrites one terminal line in place; without a terminal, prints a line when it changes."""

    def __init__(self, rt: Runtime, out: TextIO | None = None, every: float = 2.0) -> None:
        self.rt, self.out, self.every = rt, out or sys.stdout, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-status", daemon=True)

    def start(self) -> StatusLine:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        last = ""
        tty = self.out.isatty()
        while not self._stop.is_set():
            try:
                text = status_text(self.rt)
            except Exception:  # the database may be busy or closing: try again next tick
                logging.getLogger(__name__).debug("status line skipped", exc_info=True)
                text = last
            if text != last:
                self.out.write(f"\r\x1b[2K{text}" if tty else f"{text}\n")
                self.out.flush()
                last = text
            self._stop.wait(self.every)
