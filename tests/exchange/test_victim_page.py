"""Must-show 2: the victim's hashing page in headless Chromium hashes three benign photos and a
short video on the device, the case gains hash-only references, the raw bodies the server
received hold no byte run of any file, and an edited copy posted on the local test web is then
detected. Also: the link works once, expires, and refuses file bodies."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image, ImageEnhance
from playwright.sync_api import sync_playwright
from skimage import data as skdata
from sqlalchemy import select, update

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.matching.hashers.pdq import hamming_hex, pdq_hex
from takedown.pipeline.runtime import Runtime
from takedown.store.base import utcnow
from takedown.store.tables import Detection, IntakeLink, Reference
from takedown.web.app import create_app
from takedown.web.ui.localserver import LocalServer
from tests.conftest import auth
from tests.notices.conftest import Site
from tests.sites import media as site_media
from tests.support.drain import poll_now
from tests.support.images import jpeg

pytestmark = pytest.mark.slow
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


class BodyLog:
    """ASGI wrapper keeping every request body the server receives, as read off the socket."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app
        self.bodies: list[tuple[str, bytes]] = []

    async def __call__(
        self, scope: Scope, receive: Callable[[], Awaitable[Message]], send: Any
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def logged() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    self.bodies.append((f"{scope['method']} {scope['path']}", b"".join(chunks)))
            return message

        await self.app(scope, logged, send)


def _files(tmp: Path) -> dict[str, bytes]:
    photos = {
        "cat.jpg": jpeg(Image.fromarray(skdata.chelsea()), 92),
        "coffee.jpg": jpeg(Image.fromarray(skdata.coffee()), 90),
    }
    rocket = Image.fromarray(skdata.rocket())
    png = tmp / "rocket.png"
    rocket.save(png)
    photos["rocket.png"] = png.read_bytes()
    video = site_media.test_video()
    assert video, "ffmpeg is needed for the test video"
    photos["clip.mp4"] = video
    for name, data in photos.items():
        (tmp / name).write_bytes(data)
    return photos


def _no_run_of(data: bytes, bodies: list[bytes], size: int = 512) -> bool:
    runs = [
        data[i : i + size] for i in range(0, max(1, len(data) - size), max(size, len(data) // 64))
    ]
    return not any(run in body for body in bodies for run in runs)


def test_victim_page_sends_hashes_only_and_a_copy_is_found(tmp_path: Path) -> None:
    web = Site()
    web.server.start()
    settings = Settings(home=tmp_path / "home", fetch_allow=[web.origin])
    rt = Runtime(settings)
    logged = BodyLog(create_app(settings, rt))
    server = LocalServer(logged)  # type: ignore[arg-type]
    try:
        base = server.start()
        with rt.db.session() as s:
            officer = auth(create_token(s, "officer", "t-officer")[1])
        files = _files(tmp_path)
        with httpx.Client(base_url=base, headers=officer, timeout=30) as c:
            case = c.post("/api/v1/cases", json={"name": "zorblat"}).json()
            link = c.post(f"/api/v1/cases/{case['id']}/intake-links")
            assert link.status_code == 201, link.text
            assert set(link.json()) == {"url", "expires_at"}
            path = urlsplit(link.json()["url"]).path

        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
            )
            context = browser.new_context()
            page = context.new_page()  # no login: the link is the key
            page.goto(base + path)
            assert "never leave this device" in page.inner_text("#what-leaves")
            page.wait_for_selector("body[data-offline='ready']", timeout=30_000)
            # The phone loses its connection: the page opens again and hashes all the same.
            context.set_offline(True)
            page.reload()
            assert "never leave this device" in page.inner_text("#what-leaves")
            page.set_input_files("#files", [str(tmp_path / n) for n in files])
            page.wait_for_selector("body[data-hashed='4']", timeout=60_000)
            context.set_offline(False)
            page.click("#send")
            page.wait_for_selector("body[data-sent='4']", timeout=30_000)
            # A second visit: the link is spent.
            assert page.goto(base + path).status == 410  # type: ignore[union-attr]
            browser.close()

        with rt.db.session() as s:
            refs = list(
                s.execute(select(Reference).where(Reference.case_id == case["id"])).scalars()
            )
            assert {r.origin for r in refs} == {"victim-device"} and len(refs) == 4
            kinds = sorted(r.hashes["kind"] for r in refs)
            assert kinds == ["image", "image", "image", "video"]
            by_sha = {r.sha256: r.hashes for r in refs}
        for name, data in files.items():
            h = by_sha[hashlib.sha256(data).hexdigest()]  # SHA-256 computed in the browser
            assert h["md5"] == hashlib.md5(data).hexdigest()  # noqa: S324 (the videos' exchange format is MD5)
            assert h["features"] is None and h["source"] == "hashes"
            if name.endswith(".mp4"):
                assert not h["pdq"]
                continue
            from takedown.media.decode import ImageLimits, decode_image

            expected, _q = pdq_hex(decode_image(data, ImageLimits(max_side=0)).image)
            assert hamming_hex(h["pdq"][0][0], expected) <= 2, name

        # On the wire: no body the server received holds any 512-byte run of any file.
        bodies = [b for _, b in logged.bodies]
        assert any(k.startswith("POST /intake/") for k, _ in logged.bodies)
        for name, data in files.items():
            assert _no_run_of(data, bodies), name
        intake_body = next(b for k, b in logged.bodies if k.startswith("POST /intake/"))
        assert len(intake_body) < 3000

        # An edited copy of the cat photo goes up on the local test web and is detected.
        cat = Image.fromarray(skdata.chelsea())
        small = cat.resize((cat.width * 2 // 3, cat.height * 2 // 3))
        edited = ImageEnhance.Brightness(small).enhance(1.1)  # smaller, brighter, recompressed
        web.html("/", '<html lang="en"><body><a href="/p/1">post</a></body></html>')
        web.html("/p/1", '<html lang="en"><body><p>zorblat</p><img src="/1.jpg"></body></html>')
        web.data("/1.jpg", jpeg(edited, 70), "image/jpeg")
        with httpx.Client(base_url=base, headers=officer, timeout=30) as c:
            src = c.post(
                "/api/v1/sources",
                json={"url": web.url("/"), "kind": "page", "interval_seconds": 3600},
            )
            assert src.status_code == 201, src.text
        poll_now(rt, skip={"capture"})
        with rt.db.session() as s:
            cat_ref = next(
                r for r in refs if r.sha256 == hashlib.sha256(files["cat.jpg"]).hexdigest()
            )
            dets = list(
                s.execute(select(Detection).where(Detection.case_id == case["id"])).scalars()
            )
            assert [d.reference_id for d in dets if d.kind == "image"] == [cat_ref.id]
            assert dets[0].media_url == web.url("/1.jpg")
    finally:
        server.stop()
        rt.close()
        web.server.stop()


def test_link_refuses_files_and_expires(
    client: Any, tokens: dict[str, str], runtime: Runtime
) -> None:
    h = auth(tokens["officer"])
    case = client.post("/api/v1/cases", json={"name": "c"}, headers=h).json()
    assert (
        client.post(
            f"/api/v1/cases/{case['id']}/intake-links", headers=auth(tokens["viewer"])
        ).status_code
        == 403
    )

    def new_path() -> str:
        r = client.post(f"/api/v1/cases/{case['id']}/intake-links", headers=h)
        url = urlsplit(r.json()["url"]).path
        assert url.endswith("/")
        return url.rstrip("/")

    path = new_path()
    bare = client.get(path, follow_redirects=False)
    assert bare.status_code == 303 and bare.headers["location"] == path + "/"
    worker = client.get(path + "/sw.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["content-type"]
    assert "never leave this device" in client.get(path + "/").text
    one = {"kind": "image", "sha256": "a" * 64, "pdq": "b" * 64, "quality": 90}
    # A file body, a multipart form, a huge body, extra fields, bad hex: refused, nothing written.
    assert (
        client.post(
            path + "/hashes", files={"f": ("a.jpg", b"\xff\xd8\xff", "image/jpeg")}
        ).status_code
        == 415
    )
    assert (
        client.post(
            path + "/hashes", content=b"\xff\xd8\xff\xe0", headers={"content-type": "image/jpeg"}
        ).status_code
        == 415
    )
    big = b'{"items": [' + b'"' + b"A" * 300_000 + b'"]}'
    assert (
        client.post(
            path + "/hashes", content=big, headers={"content-type": "application/json"}
        ).status_code
        == 413
    )
    assert (
        client.post(path + "/hashes", json={"items": [{**one, "data": "ffd8"}]}).status_code == 422
    )
    assert (
        client.post(path + "/hashes", json={"items": [{**one, "pdq": "zz" * 32}]}).status_code
        == 422
    )
    assert (
        client.post(
            path + "/hashes", json={"items": [{"kind": "image", "sha256": "a" * 64}]}
        ).status_code
        == 422
    )
    with runtime.db.session() as s:
        assert s.execute(select(Reference)).first() is None
    assert client.post(path + "/hashes", json={"items": [one]}).status_code == 201
    assert client.post(path + "/hashes", json={"items": [one]}).status_code == 410  # once only
    # An expired link: the page and the upload say so.
    path = new_path()
    with runtime.db.session() as s:
        s.execute(update(IntakeLink).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert client.get(path + "/").status_code == 410
    assert client.get(path, follow_redirects=False).status_code == 410
    assert client.post(path + "/hashes", json={"items": [one]}).status_code == 410
    assert client.get("/intake/" + "x" * 43).status_code == 403
    assert client.get("/intake/" + "x" * 43 + "/sw.js").status_code == 403
