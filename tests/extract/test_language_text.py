"""Page language, title, main text and links."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from takedown.extract.keywords import KeywordMatcher
from takedown.extract.language import declared_language, detect_language
from takedown.extract.page import extract_page
from takedown.extract.text import extract_links, extract_title

SAMPLES = {
    "ko": "오늘은 날씨가 맑아서 공원에서 산책을 하고 도서관에 들렀습니다.",
    "ja": "今日は天気が良かったので、公園を散歩してから図書館に行きました。",
    "zh": "今天天气很好，我们在公园里散步，然后去了图书馆看书。",
    "ru": "Сегодня была хорошая погода, мы гуляли в парке и зашли в библиотеку.",
    "en": "The weather was fine today, so we walked in the park and visited the library.",
    "vi": "Hôm nay trời đẹp nên chúng tôi đi dạo trong công viên và ghé thư viện.",
    "es": "Hoy hizo buen tiempo, así que paseamos por el parque y fuimos a la biblioteca.",
}


@pytest.mark.parametrize(("code", "text"), SAMPLES.items())
def test_detect_language(code: str, text: str) -> None:
    assert detect_language(text) == code


def test_declared_language_wins_and_is_normalised() -> None:
    assert declared_language(LexborHTMLParser('<html lang="ko-KR"><body>x')) == "ko"
    assert declared_language(LexborHTMLParser('<html lang="zh_Hant"><body>x')) == "zh"
    assert declared_language(LexborHTMLParser('<html lang="und"><body>x')) is None
    assert declared_language(LexborHTMLParser("<html><body>x")) is None
    assert detect_language("12 34 !!") is None


def test_title_fallbacks() -> None:
    assert extract_title(LexborHTMLParser("<title>  A \n title </title>")) == "A title"
    og = '<meta property="og:title" content="From OG"><h1>Heading</h1>'
    assert extract_title(LexborHTMLParser(og)) == "From OG"
    assert extract_title(LexborHTMLParser("<h1>Heading</h1>")) == "Heading"


def test_links_absolute_deduplicated_http_only() -> None:
    html = """<a href="/p/2">two</a><a href="/p/2#c">again</a><a href="mailto:x@y">m</a>
    <a href="file:///etc/passwd">f</a><a rel="next" href="?page=2">Next</a>
    <link rel="next" href="/list?page=3"><link rel="stylesheet" href="/s.css">
    <a href="http://169.254.169.254/latest/">meta</a>"""
    links = extract_links(LexborHTMLParser(html), "http://board.example/list")
    assert [link.url for link in links] == [
        "http://board.example/p/2",
        "http://board.example/list?page=2",
        "http://board.example/list?page=3",
        "http://169.254.169.254/latest/",  # kept: the fetcher's guard refuses it, not the parser
    ]
    assert links[1].rel == ("next",) and links[1].text == "Next"


def test_extract_page() -> None:
    html = """<html lang="en"><head><title>Post 3 - Board</title></head><body>
    <nav>Home | Login</nav><article><h1>Post three</h1>
    <p>Today we saw a r.e.d a.p.p.l.e near the river and took a photo of it.</p>
    <img data-src="/media/3.jpg"><a href="/post/4">next post</a></article>
    <script>document.title = "never shown"</script></body></html>"""
    page = extract_page(html, "http://board.example/post/3", KeywordMatcher(["red apple"]))
    assert page.title == "Post 3 - Board"
    assert page.language == "en"
    assert "near the river" in page.text and "never shown" not in page.text
    assert [m.url for m in page.media] == ["http://board.example/media/3.jpg"]
    assert "http://board.example/post/4" in [link.url for link in page.links]
    (hit,) = page.keyword_hits
    assert hit.keyword == "red apple" and hit.matched == "r.e.d a.p.p.l.e"


def test_extract_page_survives_garbage() -> None:
    page = extract_page("\x00<<<>>>\ufffd<img src='http://[bad'>", "http://x.example/", None)
    assert page.media == () and page.keyword_hits == ()
    page = extract_page("", "http://x.example/", KeywordMatcher(["blue"]), language_hint="ko")
    assert page.text == "" and page.language == "ko"
