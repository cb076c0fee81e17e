"""Public Telegram channels through their web preview, ``https://t.me/s/<channel>``.

The preview lists the newest posts (``div.tgme_widget_message`` with ``data-post``), each with
its caption, photos (``background-image`` of ``tgme_widget_message_photo_wrap``), videos and
link previews; a "load more" link (``?before=<id>``) pages back. Each post is handed over as a
small page of its own, addressed by its permalink, holding its caption and media, so the
pipeline extracts and matches it like any post. A post edited later (new caption or media) is
handed over again, as its fingerprint changes.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from takedown.sources.base import PollContext, PollResult, SourceSpec, SourceState
from takedown.sources.session import FetchedPage, PollSession

__all__ = ["TelegramPost", "TelegramSource", "parse_channel_page"]

_BACKGROUND = re.compile(r"background-image\s*:\s*url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
_CHANNEL = re.compile(r"^/s/([A-Za-z0-9_]{3,64})/?$")
_MEDIA_CLASSES = (
    "tgme_widget_message_photo_wrap",
    "tgme_widget_message_video_thumb",
    "link_preview_image",
    "tgme_widget_message_link_preview",
)


class LayoutError(ValueError):
    """The page is not a channel preview as we know it."""


@dataclass(frozen=True)
class TelegramPost:
    post: str  # "<channel>/<id>"
    number: int
    text: str
    media: tuple[str, ...]
    published: str | None


@dataclass(frozen=True)
class ChannelPage:
    posts: tuple[TelegramPost, ...]
    before: str | None  # URL of the older page, if any


def _media(node: LexborNode, base: str) -> list[str]:
    found: list[str] = []

    def add(url: str | None) -> None:
        if url:
            absolute = urljoin(base, html.unescape(url.strip()))
            if urlsplit(absolute).scheme in ("http", "https") and absolute not in found:
                found.append(absolute)

    for element in node.css("[style]"):
        classes = element.attributes.get("class") or ""
        if any(name in classes for name in _MEDIA_CLASSES) or "background-image" in (
            element.attributes.get("style") or ""
        ):
            match = _BACKGROUND.search(element.attributes.get("style") or "")
            add(match.group(1) if match else None)
    for element in node.css("video[src], img[src], source[src]"):
        add(element.attributes.get("src"))
    return found


def parse_channel_page(page_html: str, base: str) -> ChannelPage:
    """The posts of one preview page, oldest first, and the link to older ones."""
    tree = LexborHTMLParser(page_html)
    messages = tree.css("div.tgme_widget_message[data-post]")
    if not messages and tree.css_first(".tgme_channel_info, .tgme_page") is None:
        raise LayoutError("unexpected Telegram layout: no channel and no messages")
    posts: list[TelegramPost] = []
    for message in messages:
        post = (message.attributes.get("data-post") or "").strip()
        _, _, number = post.rpartition("/")
        if not number.isdigit():
            continue
        text_node = message.css_first(".tgme_widget_message_text")
        text = text_node.text(separator="\n").strip() if text_node is not None else ""
        when = message.css_first("time[datetime]")
        posts.append(
            TelegramPost(
                post=post,
                number=int(number),
                text=text,
                media=tuple(_media(message, base)),
                published=when.attributes.get("datetime") if when is not None else None,
            )
        )
    before: str | None = None
    more = tree.css_first("a.tme_messages_more[data-before], link[rel=prev][href]")
    if more is not None:
        if more.attributes.get("data-before"):
            before_id = (more.attributes.get("data-before") or "").strip()
            if before_id.isdigit():
                before = _with_before(base, before_id)
        elif more.attributes.get("href"):
            before = urljoin(base, more.attributes.get("href") or "")
    return ChannelPage(tuple(sorted(posts, key=lambda p: p.number)), before)


def _with_before(url: str, before: str) -> str:
    parts = urlsplit(url)
    return parts._replace(query=f"before={before}", fragment="").geturl()


def post_html(channel_url: str, post: TelegramPost) -> str:
    """A small page for one post: its caption and media, what extraction needs."""
    media = "".join(
        f'<video src="{html.escape(url)}"></video>'
        if url.lower().split("?")[0].endswith((".mp4", ".webm", ".mov"))
        else f'<img src="{html.escape(url)}">'
        for url in post.media
    )
    when = f'<time datetime="{html.escape(post.published)}"></time>' if post.published else ""
    return (
        f"<!doctype html><html><head><title>{html.escape(post.post)}</title></head><body>"
        f"<article><p>{html.escape(post.text)}</p>{media}{when}</article></body></html>"
    )


def permalink(channel_url: str, post: TelegramPost) -> str:
    parts = urlsplit(channel_url)
    return f"{parts.scheme}://{parts.netloc}/{post.post}"


class TelegramSource:
    """``telegram``: a public channel's web preview, newest page first, ``before=`` to page back.

    Pages are followed back while they still hold posts not seen before (at most
    ``max_listing_pages``); every new or edited post is handed over as its own page.
    """

    kind = "telegram"

    async def poll(self, spec: SourceSpec, state: SourceState, ctx: PollContext) -> PollResult:
        session = PollSession(spec, state, ctx)
        if not _CHANNEL.match(urlsplit(spec.url).path):
            session.fail(spec.url, "not a channel preview URL (…/s/<channel>)", permanent=True)
            return session.result()
        url: str | None = spec.url
        pages = 0
        while url is not None and pages < ctx.max_listing_pages and not session.out_of_budget:
            pages += 1
            response = await session.fetch_document(url, kind="page", index=pages == 1)
            if response is None:
                break
            try:
                listing = parse_channel_page(response.text(), response.final_url)
            except LayoutError as exc:
                session.fail(spec.url, str(exc))
                break
            fresh = 0
            for post in listing.posts:
                link = permalink(spec.url, post)
                page = FetchedPage(link, link, post_html(spec.url, post))
                if session.offer(page, post.media):
                    fresh += 1
                if not session.state.is_seen(link):
                    session.state.mark_seen(link, ctx.now())
            # Older pages only while this one was all new: the seen posts are reached.
            url = listing.before if listing.posts and fresh == len(listing.posts) else None
        return session.result()
