"""The local test web: a board, a feed site, a sitemap site, a search site, a JavaScript site
and hostile behaviours, all served by one real HTTP server on 127.0.0.1 (sites by path prefix),
plus a canary server on another port that must never receive a request.

    with TestWeb() as web:
        post = web.publish("board", title="A new post")
        ...poll web.source_url("board")..., then look for post.url and post.media_urls

Every request either server receives is logged (``web.requests()``, ``web.canary.requests()``).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tests.sites import pages
from tests.sites.media import encode, sample_image, test_video
from tests.sites.server import LoggedRequest, Reply, Request, ServerThread, drip

__all__ = ["SITES", "Post", "TestWeb"]

SITES = ("board", "feed", "sitemap", "search", "js")
_EXTENSIONS = ("jpg", "png", "webp")


@dataclass
class Post:
    """A post on one of the sites. ``media`` maps a media path to (bytes, media type)."""

    site: str
    id: int
    title: str
    body: str
    published: datetime
    origin: str
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    extra_links: tuple[str, ...] = ()
    extra_images: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return f"/{self.site}/post/{self.id}"

    @property
    def url(self) -> str:
        return self.origin + self.path

    @property
    def media_paths(self) -> list[str]:
        return list(self.media)

    @property
    def media_urls(self) -> list[str]:
        """Absolute URLs of the post's own media, as its page links them."""
        return [self.origin + path for path in self.media]


class TestWeb:
    """Start with ``start()`` (or ``with``); ``publish()`` adds posts while it runs."""

    __test__ = False  # a helper, not a pytest test class

    def __init__(
        self,
        *,
        drip_interval: float = 1.0,
        per_page: int = 5,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.drip_interval = drip_interval
        self.per_page = per_page
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._posts: dict[str, list[Post]] = {site: [] for site in SITES}
        self._hostile: dict[str, list[str]] = {site: [] for site in SITES}
        self._next_id = 1
        self._media: dict[str, tuple[bytes, str]] = {}
        self._last_time = datetime(2000, 1, 1, tzinfo=UTC)
        self.server = ServerThread(self._route)
        self.canary = ServerThread(lambda request: Reply(200, b"canary", "text/plain"))

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> TestWeb:
        self.canary.start()
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.canary.stop()

    def __enter__(self) -> TestWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        return self.server.origin

    def url(self, path: str) -> str:
        return self.origin + path

    def requests(self) -> list[LoggedRequest]:
        return self.server.requests()

    def source_url(self, site: str) -> str:
        """The URL to register as a source of the site's natural kind."""
        return {
            "board": self.url("/board/"),
            "feed": self.url("/feed/rss.xml"),
            "sitemap": self.url("/sitemap/sitemap.xml"),
            "search": self.url("/search/?q={keyword}"),
            "js": self.url("/js/"),
        }[site]

    def posts(self, site: str) -> list[Post]:
        with self._lock:
            return list(self._posts[site])

    # -- content ---------------------------------------------------------------------------
    def _now(self) -> datetime:
        # Strictly increasing, whole seconds: lastmod and pubDate must change with each post.
        now = self._clock().replace(microsecond=0)
        if now <= self._last_time:
            now = self._last_time + timedelta(seconds=1)
        self._last_time = now
        return now

    def publish(
        self,
        site: str,
        *,
        title: str | None = None,
        body: str = "",
        images: int = 2,
        image_bytes: Sequence[bytes] = (),
        video: bool = False,
        video_bytes: Sequence[bytes] = (),
        extra_links: Sequence[str] = (),
        extra_images: Sequence[str] = (),
    ) -> Post:
        """Add a post to ``site``; its media are ``images`` sample photos plus ``image_bytes``."""
        if site not in SITES:
            raise ValueError(f"unknown site {site!r}")
        with self._lock:
            number = self._next_id
            self._next_id += 1
            post = Post(
                site=site,
                id=number,
                title=title or f"{site} post {number}",
                body=body or f"Post number {number} on the {site} site. Nothing to see here.",
                published=self._now(),
                origin=self.origin,
                extra_links=tuple(extra_links),
                extra_images=tuple(extra_images),
            )
            for index in range(images):
                extension = _EXTENSIONS[(number + index) % len(_EXTENSIONS)]
                data, media_type = encode(sample_image(number + index, number), extension)
                post.media[f"/media/{site}/{number}/{index}.{extension}"] = (data, media_type)
            for index, data in enumerate(image_bytes, start=images):
                media_type = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
                extension = "png" if media_type == "image/png" else "jpg"
                post.media[f"/media/{site}/{number}/{index}.{extension}"] = (data, media_type)
            if video:
                post.media[f"/media/{site}/{number}/clip.mp4"] = (test_video(), "video/mp4")
            for index, data in enumerate(video_bytes):
                post.media[f"/media/{site}/{number}/video{index}.mp4"] = (data, "video/mp4")
            self._media.update(post.media)
            self._posts[site].append(post)
            return post

    def edit(self, post: Post, *, body: str) -> None:
        """Change a post's text (its sitemap lastmod moves with it)."""
        with self._lock:
            post.body = body
            post.published = self._now()

    def hostile_urls(self) -> dict[str, str]:
        """The misbehaving addresses, by name."""
        canary = self.canary.port
        return {
            "drip": self.url("/hostile/drip"),
            "loop": self.url("/hostile/loop"),
            "huge": self.url("/hostile/huge"),
            "to-canary": self.url("/hostile/to-canary"),
            "links": self.url("/hostile/links"),
            "metadata": "http://169.254.169.254/latest/meta-data/",
            "canary": f"http://127.0.0.1:{canary}/secret",
            "canary-decimal": f"http://2130706433:{canary}/decimal",
            "private": "http://10.0.0.1/admin",
            "file": "file:///etc/passwd",
        }

    def publish_hostile(self, site: str) -> list[str]:
        """List every hostile URL on ``site`` (as entries, sitemap locs, links or results)."""
        urls = list(self.hostile_urls().values())
        with self._lock:
            self._hostile[site].extend(urls)
        return urls

    # -- serving ---------------------------------------------------------------------------
    def _route(self, request: Request) -> Reply | None:
        reply = self._dispatch(request)
        if reply is None or reply.status != 200 or reply.chunks is not None:
            return reply
        etag = '"' + hashlib.sha256(reply.body).hexdigest()[:20] + '"'
        reply.headers.setdefault("ETag", etag)
        if request.headers.get("if-none-match") == etag:
            return Reply(304, b"", "", {"ETag": etag})
        return reply

    def _dispatch(self, request: Request) -> Reply | None:
        path = request.path
        with self._lock:
            media = self._media.get(path)
            posts = {site: list(items) for site, items in self._posts.items()}
            hostile = {site: list(items) for site, items in self._hostile.items()}
        if media is not None:
            return Reply(body=media[0], content_type=media[1])
        if path.startswith("/hostile/"):
            return self._hostile_reply(path)
        site, _, rest = path.strip("/").partition("/")
        if site not in SITES:
            return Reply(body=pages.home(SITES).encode()) if path == "/" else None
        items, bad = posts[site], hostile[site]
        if rest.startswith("post/"):
            post = next((p for p in items if f"post/{p.id}" == rest.rstrip("/")), None)
            if post is None:
                return None
            html = pages.js_post(post) if site == "js" else pages.post(post)
            return Reply(body=html.encode())
        return self._site_reply(site, rest, request, items, bad)

    def _site_reply(
        self, site: str, rest: str, request: Request, items: list[Post], bad: list[str]
    ) -> Reply | None:
        newest = sorted(items, key=lambda p: p.id, reverse=True)
        if site == "board" and rest == "":
            page = max(1, int(request.arg("page", "1") or 1))
            html = pages.listing(newest, page, self.per_page, bad)
            return Reply(body=html.encode())
        if site == "feed" and rest == "rss.xml":
            return Reply(
                body=pages.rss(self.origin, newest, bad).encode(),
                content_type="application/rss+xml",
            )
        if site == "feed" and rest == "atom.xml":
            return Reply(
                body=pages.atom(self.origin, newest, bad).encode(),
                content_type="application/atom+xml",
            )
        if site == "sitemap" and rest.endswith(".xml"):
            xml = pages.sitemap(self.origin, rest, sorted(items, key=lambda p: p.id), bad)
            return Reply(body=xml.encode(), content_type="application/xml") if xml else None
        if site == "sitemap" and rest == "about":
            return Reply(body=pages.simple("About", "A sitemap site about nothing.").encode())
        if site == "search" and rest == "":
            query = request.arg("q")
            hits = [p for p in newest if pages.matches(query, p)]
            return Reply(body=pages.results(query, hits, bad).encode())
        if site == "js" and rest == "":
            return Reply(body=pages.js_listing(newest, bad).encode())
        return None

    def _hostile_reply(self, path: str) -> Reply | None:
        name = path.removeprefix("/hostile/")
        if name == "drip":
            body = b"<!doctype html><html><body>" + b"." * 600 + b"</body></html>"
            return Reply(chunks=drip(body, self.drip_interval))
        if name in ("loop", "loop2"):
            return Reply(
                302, headers={"Location": "/hostile/loop2" if name == "loop" else "/hostile/loop"}
            )
        if name == "huge":
            return Reply(
                chunks=iter([b"\xff\xd8\xff" + b"\0" * 1024]),
                length=2 * 1024**3,
                content_type="image/jpeg",
            )
        if name == "to-canary":
            return Reply(302, headers={"Location": self.hostile_urls()["canary"]})
        if name == "links":
            urls = self.hostile_urls()
            off_site = [
                urls[k] for k in ("metadata", "canary", "canary-decimal", "private", "file")
            ]
            html = pages.simple(
                "Links", "Addresses nobody may fetch.", links=off_site, images=off_site
            )
            return Reply(body=html.encode())
        return None
