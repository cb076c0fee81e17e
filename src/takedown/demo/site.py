"""The demonstration web: a small board on 127.0.0.1 with posts, an RSS feed and a contact page.

Posts appear over time; some carry edited copies of the demo case's pictures. The site obeys a
deletion request: when one reaches its abuse mailbox, the posts it names are taken down.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

ABUSE = "abuse@demo-board.example"


@dataclass
class Post:
    id: int
    title: str
    text: str
    images: list[str]
    published: datetime = field(default_factory=lambda: datetime.now(UTC))
    removed: bool = False


class DemoWeb:
    def __init__(self) -> None:
        self.posts: list[Post] = []
        self.files: dict[str, tuple[bytes, str]] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> DemoWeb:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_file(self, name: str, data: bytes, media_type: str) -> str:
        with self.lock:
            self.files[name] = (data, media_type)
        return f"/media/{name}"

    def publish(self, title: str, text: str, images: list[str]) -> Post:
        with self.lock:
            post = Post(len(self.posts) + 1, title, text, images)
            self.posts.append(post)
            return post

    def comply(self, message: str) -> list[int]:
        """Take down every post whose URL a deletion request names."""
        ids = {int(m) for m in re.findall(re.escape(self.origin) + r"/post/(\d+)", message)}
        with self.lock:
            for post in self.posts:
                if post.id in ids and not post.removed:
                    post.removed = True
                    for img in post.images:
                        self.files.pop(img.rsplit("/", 1)[-1], None)
        return sorted(ids)

    # -- pages ---------------------------------------------------------------------------
    def page(self, path: str) -> tuple[int, str, bytes]:
        with self.lock:
            live = [p for p in self.posts if not p.removed]
            if path in ("/", "/board"):
                items = "".join(
                    f'<li><a href="/post/{p.id}">{html.escape(p.title)}</a></li>'
                    for p in reversed(live)
                )
                body = f"<h1>Demo board</h1><ul>{items}</ul>"
                return 200, "text/html; charset=utf-8", _doc("Demo board", body)
            if path == "/feed.xml":
                items = "".join(
                    f"<item><title>{html.escape(p.title)}</title><link>{self.origin}/post/{p.id}</link>"
                    f"<guid>{self.origin}/post/{p.id}</guid></item>"
                    for p in live
                )
                xml = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Demo board</title>{items}</channel></rss>'
                return 200, "application/rss+xml", xml.encode()
            if path in ("/rdap/dns.json", "/rdap/ipv4.json"):
                # Empty bootstraps: the demo never asks a real RDAP server anything.
                return 200, "application/json", b'{"version": "1.0", "services": []}'
            if path == "/contact":
                body = f'<h1>Contact</h1><p>To report content: <a href="mailto:{ABUSE}">{ABUSE}</a></p>'
                return 200, "text/html; charset=utf-8", _doc("Contact", body)
            m = re.fullmatch(r"/post/(\d+)", path)
            if m:
                post = next((p for p in self.posts if p.id == int(m.group(1))), None)
                if post is None or post.removed:
                    return (
                        404,
                        "text/html; charset=utf-8",
                        _doc("Gone", "<p>This post was removed.</p>"),
                    )
                imgs = "".join(f'<img src="{src}" alt="">' for src in post.images)
                body = f"<article><h1>{html.escape(post.title)}</h1><p>{html.escape(post.text)}</p>{imgs}</article>"
                return 200, "text/html; charset=utf-8", _doc(post.title, body)
            m = re.fullmatch(r"/media/([\w.-]+)", path)
            if m and m.group(1) in self.files:
                data, ctype = self.files[m.group(1)]
                return 200, ctype, data
        return 404, "text/plain", b"not found"


def _doc(title: str, body: str) -> bytes:
    footer = '<footer><a href="/contact">Contact</a> · <a href="/board">Board</a></footer>'
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"</head><body>{body}{footer}</body></html>"
    ).encode()


def _handler(web: DemoWeb) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        site: ClassVar[DemoWeb] = web

        def do_GET(self) -> None:
            status, ctype, body = self.site.page(self.path.split("?", 1)[0])
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            return

    return Handler
