"""Every way a page links an image or a video is found, resolved to an absolute URL."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from takedown.extract.media import extract_media, media_kind_from_url, parse_srcset

PAGE = """<!doctype html><html><head>
<meta property="og:image" content="/og.jpg">
<meta name="twitter:image" content="https://cdn.example.org/tw.png">
<meta property="og:video" content="//cdn.example.org/clip.mp4">
<style>.hero { background-image: url('/hero.webp'); color: red }</style>
</head><body>
<img src="plain.jpg" alt="a">
<img src="data:image/gif;base64,R0lGOD" data-src="lazy.jpg"
     data-srcset="lazy-1x.jpg 1x, lazy-2x.jpg 2x">
<img data-original="/orig.png" data-lazy-src="lazy2.png">
<img srcset="small.jpg 320w, medium.jpg 640w,large.jpg 1024w" src="fallback.jpg">
<picture><source srcset="pic.avif" type="image/avif"><source srcset="pic.webp 1x, pic@2x.webp 2x">
<img src="pic.jpg"></picture>
<div style="background-image: url(&quot;bg.jpg&quot;)">x</div>
<div style="background: #fff url(bg2.png) no-repeat">y</div>
<video src="movie.webm" poster="poster.jpg"></video>
<video><source src="/v/clip2.mp4" type="video/mp4"><source data-src="clip3.mov"></video>
<a href="files/download.mp4?x=1">video link</a>
<a href="photo.JPEG#frag">photo link</a>
<a href="next-page.html">not media</a>
<a href="file:///etc/passwd.jpg">file link</a>
<a href="javascript:void(0)">js</a>
<img src="plain.jpg">
</body></html>"""


def test_every_media_form_is_found() -> None:
    media = extract_media(LexborHTMLParser(PAGE), "https://board.example.com/posts/7")
    got = {(m.url, m.kind, m.found_in) for m in media}
    b = "https://board.example.com"
    expected = {
        (f"{b}/posts/plain.jpg", "image", "img[src]"),
        (f"{b}/posts/lazy.jpg", "image", "img[data-src]"),
        (f"{b}/posts/lazy-1x.jpg", "image", "img[data-srcset]"),
        (f"{b}/posts/lazy-2x.jpg", "image", "img[data-srcset]"),
        (f"{b}/orig.png", "image", "img[data-original]"),
        (f"{b}/posts/lazy2.png", "image", "img[data-lazy-src]"),
        (f"{b}/posts/fallback.jpg", "image", "img[src]"),
        (f"{b}/posts/small.jpg", "image", "img[srcset]"),
        (f"{b}/posts/medium.jpg", "image", "img[srcset]"),
        (f"{b}/posts/large.jpg", "image", "img[srcset]"),
        (f"{b}/posts/pic.avif", "image", "picture>source[srcset]"),
        (f"{b}/posts/pic.webp", "image", "picture>source[srcset]"),
        (f"{b}/posts/pic@2x.webp", "image", "picture>source[srcset]"),
        (f"{b}/posts/pic.jpg", "image", "img[src]"),
        (f"{b}/posts/bg.jpg", "image", "style[background-image]"),
        (f"{b}/posts/bg2.png", "image", "style[background-image]"),
        (f"{b}/hero.webp", "image", "style-element[background-image]"),
        (f"{b}/posts/movie.webm", "video", "video[src]"),
        (f"{b}/posts/poster.jpg", "image", "video[poster]"),
        (f"{b}/v/clip2.mp4", "video", "video>source[src]"),
        (f"{b}/posts/clip3.mov", "video", "video>source[data-src]"),
        (f"{b}/posts/files/download.mp4?x=1", "video", "a[href]"),
        (f"{b}/posts/photo.JPEG", "image", "a[href]"),
        (f"{b}/og.jpg", "image", "meta[og:image]"),
        ("https://cdn.example.org/tw.png", "image", "meta[twitter:image]"),
        ("https://cdn.example.org/clip.mp4", "video", "meta[og:video]"),
    }
    assert got == expected
    assert len(media) == len(expected)  # plain.jpg twice on the page, once in the list


def test_base_href_is_honoured() -> None:
    html = '<html><head><base href="https://static.example.net/img/"></head><img src="a.png">'
    (ref,) = extract_media(LexborHTMLParser(html), "https://site.example/p/1")
    assert ref.url == "https://static.example.net/img/a.png"


def test_srcset_parsing_keeps_commas_inside_urls() -> None:
    assert parse_srcset("a.jpg 1x, b.jpg 2x") == ["a.jpg", "b.jpg"]
    assert parse_srcset("img,w_100.jpg 100w, img,w_200.jpg 200w") == [
        "img,w_100.jpg",
        "img,w_200.jpg",
    ]
    assert parse_srcset("  ") == []
    assert parse_srcset("only.png") == ["only.png"]


def test_kind_by_extension() -> None:
    assert media_kind_from_url("http://x/a/b.webp?size=2") == "image"
    assert media_kind_from_url("http://x/a/b.M4V") == "video"
    assert media_kind_from_url("http://x/a.jpg/") is None
    assert media_kind_from_url("http://x/page.html") is None


def test_broken_markup_and_bad_urls_do_not_raise() -> None:
    html = '<img src="http://[::1"><img src="http://ok.example/a.png"<div style="background:url(">'
    media = extract_media(LexborHTMLParser(html), "http://site.example/")
    assert [m.url for m in media] == ["http://ok.example/a.png"]
