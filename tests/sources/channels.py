"""Local stand-ins for a Telegram channel preview and for search APIs (benign content only).

The channel pages have the shape of ``t.me/s/<channel>`` as served today: message wraps with
``data-post``, captions in ``tgme_widget_message_text``, photos as ``background-image`` of
``tgme_widget_message_photo_wrap``, videos as ``<video src>``, and a ``tme_messages_more`` link
with ``data-before`` to older posts. The search server answers SearXNG's JSON (``results``) and
Bing's (``webPages.value``), or junk when told to.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

from tests.sites.server import Reply, Request

CHANNEL = "zorblatchan"
PER_PAGE = 5


@dataclass
class Post:
    number: int
    caption: str
    photos: int = 1
    video: bool = False


@dataclass
class TelegramChannel:
    origin: str = ""
    posts: list[Post] = field(default_factory=list)
    layout: str = "preview"  # "changed": a page without any known markers

    def publish(self, caption: str, photos: int = 1, video: bool = False) -> Post:
        post = Post(len(self.posts) + 1, caption, photos, video)
        self.posts.append(post)
        return post

    def edit(self, number: int, caption: str, photos: int) -> None:
        post = self.posts[number - 1]
        post.caption, post.photos = caption, photos

    def _message(self, post: Post) -> str:
        photos = "".join(
            f'<a class="tgme_widget_message_photo_wrap {post.number} blured" '
            f'href="https://t.me/{CHANNEL}/{post.number}?single" style="width:800px;'
            f"background-image:url('{self.origin}/media/{post.number}-{i}.jpg')\"></a>"
            for i in range(post.photos)
        )
        video = (
            f'<div class="tgme_widget_message_video_wrap"><video src="{self.origin}/media/'
            f'{post.number}.mp4" class="tgme_widget_message_video js-message_video"></video></div>'
            if post.video
            else ""
        )
        return (
            '<div class="tgme_widget_message_wrap js-widget_message_wrap">'
            f'<div class="tgme_widget_message text_not_supported_wrap js-widget_message" '
            f'data-post="{CHANNEL}/{post.number}" data-view="x">'
            '<div class="tgme_widget_message_bubble">'
            f'<div class="tgme_widget_message_owner_name"><span>{CHANNEL}</span></div>'
            f"{photos}{video}"
            '<div class="tgme_widget_message_text js-message_text" dir="auto">'
            f"{html.escape(post.caption)}</div>"
            '<div class="tgme_widget_message_footer"><a class="tgme_widget_message_date" '
            f'href="https://t.me/{CHANNEL}/{post.number}"><time datetime="2026-11-0'
            f'{1 + post.number % 9}T10:00:00+00:00" class="time">10:00</time></a></div>'
            "</div></div></div>"
        )

    def route(self, request: Request) -> Reply | None:
        if request.path != f"/s/{CHANNEL}":
            return None
        if self.layout == "changed":
            return Reply(body=b"<html><body><div class='new-app-shell'></div></body></html>")
        before = request.arg("before")
        older = [p for p in self.posts if not before or p.number < int(before)]
        page = older[-PER_PAGE:]
        more = ""
        if page and page[0].number > 1:
            more = (
                f'<a class="tme_messages_more js-messages_more" data-before="{page[0].number}" '
                f'href="/s/{CHANNEL}?before={page[0].number}"></a>'
            )
        body = (
            f"<!doctype html><html><head><title>{CHANNEL}</title></head><body>"
            f'<div class="tgme_channel_info"><div class="tgme_channel_info_header_title">'
            f"<span>{CHANNEL}</span></div></div>"
            f'<section class="tgme_channel_history js-message_history">{more}'
            f"{''.join(self._message(p) for p in page)}</section></body></html>"
        )
        return Reply(body=body.encode())


@dataclass
class SearchApi:
    """``/searx?q=`` answers SearXNG JSON, ``/bing?q=`` Bing JSON; ``mode`` "junk" or "error"."""

    origin: str = ""
    mode: str = "ok"
    queries: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    def results_for(self, query: str) -> list[str]:
        slug = "".join(ch for ch in query.lower() if ch.isalnum()) or "x"
        return [f"{self.origin}/found/{slug}/1", f"{self.origin}/found/{slug}/2"]

    def route(self, request: Request) -> Reply | None:
        if request.path.startswith("/found/"):
            text = html.escape(request.path)
            return Reply(body=f"<html><body><p>result {text}</p></body></html>".encode())
        if request.path not in ("/searx", "/bing"):
            return None
        query = request.arg("q")
        self.queries.append(query)
        self.keys.append(request.headers.get("ocp-apim-subscription-key", ""))
        if self.mode == "junk":
            return Reply(body=b"<html>rate limited</html>", content_type="text/html")
        if self.mode == "error":
            return Reply(503, b'{"error": "overloaded"}', "application/json")
        urls = [*self.results_for(query), "http://10.0.0.9/private", "javascript:alert(1)"]
        if request.path == "/searx":
            data: dict[str, object] = {
                "query": query,
                "results": [{"url": u, "title": "t", "content": "c"} for u in urls],
            }
        else:
            data = {"webPages": {"value": [{"url": u, "name": "n", "snippet": "s"} for u in urls]}}
        return Reply(body=json.dumps(data).encode(), content_type="application/json")
