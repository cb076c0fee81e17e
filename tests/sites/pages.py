"""The documents of the test web: HTML pages, RSS, Atom and sitemaps, built from posts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from email.utils import format_datetime
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.sites.web import Post

_BLANK_GIF = "data:image/gif;base64,R0lGODlhAQABAAAAACwAAAAAAQABAAA="


def _page(title: str, body: str, head: str = "", lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>{head}</head><body>{body}</body></html>"
    )


def home(sites: Sequence[str]) -> str:
    links = "".join(f'<li><a href="/{site}/">{site}</a></li>' for site in sites)
    return _page("Test web", f"<ul>{links}</ul>")


def simple(title: str, text: str, links: Sequence[str] = (), images: Sequence[str] = ()) -> str:
    anchors = "".join(f'<a href="{escape(url)}">{escape(url)}</a> ' for url in links)
    pictures = "".join(f'<img src="{escape(url)}">' for url in images)
    return _page(title, f"<h1>{escape(title)}</h1><p>{escape(text)}</p>{anchors}{pictures}")


def _media_html(post: Post) -> tuple[str, str]:
    """(head, body) linking the post's media, each in a different form, as boards do."""
    head = ""
    parts: list[str] = []
    for index, path in enumerate(post.media_paths):
        absolute = post.origin + path
        relative = "../../" + path.removeprefix("/")  # from /site/post/N
        if path.endswith(".mp4"):
            parts.append(f'<video controls><source src="{path}" type="video/mp4"></video>')
            continue
        form = index % 7
        if form == 0:
            parts.append(f'<img src="{path}" alt="photo">')
        elif form == 1:
            parts.append(f'<img src="{_BLANK_GIF}" data-src="{relative}" class="lazy">')
        elif form == 2:
            parts.append(f'<img srcset="{absolute} 640w" sizes="100vw" alt="">')
        elif form == 3:
            parts.append(f'<picture><source srcset="{path}"><img alt="pic"></picture>')
        elif form == 4:
            parts.append(f'<div class="cover" style="background-image: url(\'{path}\')"></div>')
        elif form == 5:
            parts.append(f'<a href="{relative}">full size</a>')
        else:
            head += f'<meta property="og:image" content="{absolute}">'
    return head, "\n".join(parts)


def post(item: Post) -> str:
    head, media = _media_html(item)
    extras = "".join(f'<a href="{escape(url)}">link</a> ' for url in item.extra_links)
    extras += "".join(f'<img src="{escape(url)}">' for url in item.extra_images)
    body = (
        f'<nav><a href="/">home</a> <a href="/{item.site}/">{item.site}</a></nav>'
        f"<article><h1>{escape(item.title)}</h1><p>{escape(item.body)}</p>{media}{extras}"
        f"</article>"
    )
    return _page(item.title, body, head)


def listing(posts: Sequence[Post], page: int, per_page: int, hostile: Sequence[str]) -> str:
    chunk = posts[(page - 1) * per_page : page * per_page]
    rows = "".join(
        f'<li><a href="/board/post/{p.id}">{escape(p.title)}</a>'
        f'<img src="{p.media_paths[0]}" width="80"></li>'
        if p.media_paths
        else f'<li><a href="/board/post/{p.id}">{escape(p.title)}</a></li>'
        for p in chunk
    )
    if page == 1:
        rows += "".join(f'<li><a href="{escape(url)}">odd link</a></li>' for url in hostile)
    pages = max(1, -(-len(posts) // per_page))
    nav = " ".join(f'<a href="/board/?page={n}">{n}</a>' for n in range(1, pages + 1))
    if page < pages:
        nav += f' <a rel="next" href="/board/?page={page + 1}">다음</a>'
    return _page(f"Board page {page}", f"<ul>{rows}</ul><div class=paging>{nav}</div>", lang="ko")


def rss(origin: str, posts: Sequence[Post], hostile: Sequence[str]) -> str:
    items = []
    for p in posts[:20]:
        thumb = f'<media:thumbnail url="{origin}{p.media_paths[0]}"/>' if p.media_paths else ""
        items.append(
            f"<item><title>{escape(p.title)}</title><link>{p.url}</link><guid>{p.url}</guid>"
            f"<pubDate>{format_datetime(p.published)}</pubDate>"
            f"<description>{escape(p.body)}</description>{thumb}</item>"
        )
    items += [f"<item><title>odd</title><link>{escape(u)}</link></item>" for u in hostile]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        f"<title>Feed site</title><link>{origin}/feed/</link><description>posts</description>"
        + "".join(items)
        + "</channel></rss>"
    )


def atom(origin: str, posts: Sequence[Post], hostile: Sequence[str]) -> str:
    entries = [
        f"<entry><id>tag:test.web,2026:feed:{p.id}</id><title>{escape(p.title)}</title>"
        f'<link href="{p.url}"/><updated>{p.published.isoformat()}</updated>'
        f"<summary>{escape(p.body)}</summary></entry>"
        for p in posts[:20]
    ]
    entries += [
        f'<entry><id>{escape(u)}</id><title>odd</title><link href="{escape(u)}"/></entry>'
        for u in hostile
    ]
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Feed site</title><id>{origin}/feed/</id><updated>2026-01-01T00:00:00Z</updated>"
        + "".join(entries)
        + "</feed>"
    )


_SITEMAP_CHUNK = 10


def sitemap(origin: str, name: str, posts: Sequence[Post], hostile: Sequence[str]) -> str | None:
    """The index (``sitemap.xml``), ``posts-N.xml`` chunks, ``pages.xml``; None for others."""
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    chunks = [posts[i : i + _SITEMAP_CHUNK] for i in range(0, len(posts), _SITEMAP_CHUNK)]
    if name == "sitemap.xml":
        children = [
            f"<sitemap><loc>{origin}/sitemap/posts-{n}.xml</loc>"
            f"<lastmod>{max(p.published for p in chunk).isoformat()}</lastmod></sitemap>"
            for n, chunk in enumerate(chunks, start=1)
        ]
        children.append(f"<sitemap><loc>{origin}/sitemap/pages.xml</loc></sitemap>")
        return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex {ns}>{"".join(children)}</sitemapindex>'
    if name == "pages.xml":
        urls = [f"<url><loc>{origin}/sitemap/about</loc></url>"]
        urls += [f"<url><loc>{escape(u)}</loc></url>" for u in hostile]
    elif name.startswith("posts-") and name[6:-4].isdigit() and 0 < int(name[6:-4]) <= len(chunks):
        urls = [
            f"<url><loc>{p.url}</loc><lastmod>{p.published.isoformat()}</lastmod></url>"
            for p in chunks[int(name[6:-4]) - 1]
        ]
    else:
        return None
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {ns}>{"".join(urls)}</urlset>'


def _squash(text: str) -> str:
    return "".join(text.casefold().split())


def matches(query: str, item: Post) -> bool:
    """The search site's own matching: case and spacing ignored."""
    needle = _squash(query)
    return bool(needle) and needle in _squash(item.title + " " + item.body)


def results(query: str, hits: Sequence[Post], hostile: Sequence[str]) -> str:
    rows = "".join(f'<li><a href="/search/post/{p.id}">{escape(p.title)}</a></li>' for p in hits)
    rows += "".join(f'<li><a href="{escape(url)}">odd result</a></li>' for url in hostile)
    form = '<form action="/search/"><input name="q"></form>'
    return _page(f"Search: {query}", f"{form}<p>{len(hits)} results</p><ul>{rows}</ul>")


def _script_page(title: str, data: object, builder: str) -> str:
    payload = json.dumps(data).replace("</", "<\\/")
    body = (
        '<div id="app">Loading…</div>'
        f"<script>const data = {payload};\nconst app = document.getElementById('app');\n"
        f"app.textContent = '';\n{builder}</script>"
    )
    return _page(title, body)


def js_listing(posts: Sequence[Post], hostile: Sequence[str]) -> str:
    data = [{"href": f"/js/post/{p.id}", "title": p.title} for p in posts]
    data += [{"href": url, "title": "odd"} for url in hostile]
    builder = (
        "for (const item of data) { const a = document.createElement('a');"
        " a.href = item.href; a.textContent = item.title; app.appendChild(a); }"
    )
    return _script_page("JS site", data, builder)


def js_post(item: Post) -> str:
    data = {"title": item.title, "body": item.body, "images": item.media_paths}
    builder = (
        "const h = document.createElement('h1'); h.textContent = data.title; app.appendChild(h);"
        "const p = document.createElement('p'); p.textContent = data.body; app.appendChild(p);"
        "for (const src of data.images) { const img = document.createElement('img');"
        " img.src = src; app.appendChild(img); }"
    )
    return _script_page(item.title, data, builder)
