"""Visible text and URLs of a captured page."""

from __future__ import annotations

from takedown.evidence.pagetext import page_urls, visible_text

HTML = """<html><head><title>제목</title><style>p{color:red}</style></head><body>
<p>첫 문장</p><script>var secret = 1;</script><div>둘째 <b>문장</b></div>
<a href="/next?a=1#frag">n</a><a href="javascript:void(0)">j</a><a href="mailto:x@y">m</a>
<img src="img/a.png" srcset="img/a2.png 2x, /b.png 3x"><video poster="p.jpg"><source src="v.mp4"></video>
</body></html>"""


def test_visible_text_drops_scripts_and_styles() -> None:
    text = visible_text(HTML)
    assert text.splitlines()[:2] == ["제목", "첫 문장"]
    assert "secret" not in text and "color" not in text and "문장" in text


def test_urls_are_absolute_and_unique() -> None:
    urls = page_urls(HTML, "http://a.invalid/dir/page.html")
    assert urls.links == ("http://a.invalid/next?a=1",)
    assert urls.media == (
        "http://a.invalid/dir/img/a.png",
        "http://a.invalid/dir/p.jpg",
        "http://a.invalid/dir/v.mp4",
        "http://a.invalid/dir/img/a2.png",
        "http://a.invalid/b.png",
    )
    based = page_urls('<base href="http://cdn.invalid/x/"><img src="y.png">', "http://a.invalid/")
    assert based.media == ("http://cdn.invalid/x/y.png",)
