"""`takedown demo`: the demonstration web, a mailbox for its abuse address, a demo case, the service.

What it shows: sources polled → edited copies of the case's pictures detected → evidence captured
→ a request drafted to the site's abuse address → an officer approves in the review UI → the mail
arrives; the site answers at once with a ticket number, takes the posts down a little later and
says so → both replies arrive in the center's mailbox (a local Maildir read like the IMAP one),
on the request's timeline; the "removed" reply starts a re-check, which resolves the request.
"""

from __future__ import annotations

import mailbox
import secrets
import shutil
import socket
import threading
import time
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from takedown.accounts.tokens import create_token
from takedown.accounts.users import create_user
from takedown.config import Settings
from takedown.demo.images import edited, jpeg, pattern
from takedown.demo.site import ABUSE, DemoWeb
from takedown.matching.hashing import hash_reference
from takedown.pipeline import services
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Case, Reference, Source

KEYWORD = "zorblat"
EDITS = ["resize", "crop", "watermark", "flip"]


class Mailbox:
    """A local SMTP server standing in for the demo site's abuse inbox. The site answers every
    request: at once with a ticket number, and once it took the posts down, that it did. The
    answers are delivered to the center's mailbox (``inbox``, a Maildir), never sent by
    takedown: takedown only reads them."""

    def __init__(self, web: DemoWeb, inbox: Path | None = None, delay: float = 5.0) -> None:
        from aiosmtpd.controller import Controller

        self.received: list[str] = []
        self.inbox = inbox
        self.tickets = 0
        outer = self

        class Handler:
            async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
                raw = bytes(envelope.original_content or envelope.content)
                text = raw.decode("utf-8", "replace")
                outer.received.append(text)
                outer.acknowledge(raw)
                threading.Timer(delay, outer.comply, args=(web, raw)).start()
                return "250 OK"

        with socket.socket() as probe:  # aiosmtpd cannot listen on port 0
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> str:
        self.controller.start()
        return f"smtp://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.controller.stop()

    def acknowledge(self, request: bytes) -> None:
        self.tickets += 1
        self.reply(
            request,
            f"Thank you for your report. We have received it and will review it.\n"
            f"Ticket number: DB-{1000 + self.tickets}\n",
        )

    def comply(self, web: DemoWeb, request: bytes) -> None:
        text = request.decode("utf-8", "replace")
        if web.comply(text):
            self.reply(
                request, "We have removed the reported posts. They are no longer available.\n"
            )

    def reply(self, request: bytes, text: str) -> None:
        """The site's answer, threaded to the request, into the center's mailbox."""
        if self.inbox is None:
            return
        original = BytesParser(policy=default_policy).parsebytes(request, headersonly=True)
        msg = EmailMessage()
        msg["From"] = f"Demo board abuse desk <{ABUSE}>"
        msg["To"] = str(original.get("From", ""))
        msg["Subject"] = f"Re: {original.get('Subject', '')}"
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = make_msgid(domain=ABUSE.rpartition("@")[2])
        if original.get("Message-ID"):
            msg["In-Reply-To"] = str(original["Message-ID"])
            msg["References"] = str(original["Message-ID"])
        msg.set_content(text)
        mailbox.Maildir(self.inbox, create=True).add(msg.as_bytes())


def seed(rt: Runtime, web: DemoWeb) -> dict[str, str]:
    """The demo case (references hashed, pictures discarded), sources, an officer and a token."""
    originals = [pattern(seed) for seed in range(3)]
    with rt.db.session() as s:
        case = Case(name="Demo case 1", keywords=[KEYWORD], notes="demonstration data")
        s.add(case)
        s.flush()
        for img in originals:
            h = hash_reference(jpeg(img, 95), services.hash_limits(rt))
            s.add(
                Reference(
                    case_id=case.id,
                    kind=h.kind,
                    origin="upload",
                    sha256=h.sha256,
                    hashes=h.to_dict(),
                )
            )
        s.add(
            Source(
                url=f"{web.origin}/board",
                kind="page",
                interval_seconds=10,
                max_depth=1,
                state="idle",
            )
        )
        s.add(Source(url=f"{web.origin}/feed.xml", kind="feed", interval_seconds=15, state="idle"))
        password = secrets.token_urlsafe(9)
        create_user(s, "officer", password, "officer", actor="demo", locale="en")
        token = create_token(s, "admin", "demo", actor="demo")[1]
    for i, (img, how) in enumerate(zip(originals, EDITS, strict=False)):
        src = web.add_file(f"copy{i}.jpg", jpeg(edited(img, how), 75), "image/jpeg")
        web.publish(f"Holiday album {i + 1}", f"new upload, {KEYWORD} fans", [src])
    web.publish(
        "Unrelated picture",
        "nothing to see",
        [web.add_file("other.jpg", jpeg(pattern(99)), "image/jpeg")],
    )
    return {"password": password, "token": token}


def publish_later(web: DemoWeb, stop: threading.Event, every: float = 45.0) -> None:
    """A new post now and then, so the monitor has something to find while you watch."""
    n = 0
    while not stop.wait(every):
        n += 1
        img = edited(pattern(n % 3), EDITS[n % len(EDITS)])
        src = web.add_file(f"later{n}.jpg", jpeg(img, 70), "image/jpeg")
        web.publish(f"Repost {n}", f"{KEYWORD} again", [src])


def demo_settings(home: Path, web: DemoWeb, smtp_url: str) -> Settings:
    return Settings(
        home=home,
        fetch_allow=[web.origin],
        smtp_url=smtp_url,
        # The center's mailbox: a local Maildir the demo site's replies are delivered to.
        imap_url=f"maildir://{center_inbox(home)}",
        imap_poll_seconds=3,
        smtp_from="takedown-demo@center.example",
        center_email="takedown-demo@center.example",
        recheck_seconds=15,
        renotice_seconds=600,
        jurisdiction_override="kr",
        rdap_bootstrap_url=f"{web.origin}/rdap/dns.json",
        rdap_ip_bootstrap_urls=[f"{web.origin}/rdap/ipv4.json"],
    )


def center_inbox(home: Path) -> Path:
    return home / "mailbox"


def prepare(base: Path) -> Path:
    home = base / "demo"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    return home


def wait_forever(stop: threading.Event) -> None:
    while not stop.is_set():
        time.sleep(1)
