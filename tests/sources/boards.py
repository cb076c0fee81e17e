"""A local board behind a login form and an age gate, whose sessions can be expired at will.

``/login`` (GET form, POST user/password) sets ``sid`` and sends the browser to ``/gate``;
the gate's button sets ``adult`` and leads to ``/board``. The board, its posts and their images
answer only with a live ``sid`` and ``adult``; otherwise they redirect to ``/login`` (or
``/gate``). :meth:`GatedBoard.expire` forgets every session, as a site does when it times out.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from tests.sites.media import encode, sample_image
from tests.sites.server import Reply, Request, ServerThread

USER = "officer-zorblat"
PASSWORD = "quillnap-7-vortel"  # made up; the test checks it never shows in errors or logs

LOGIN_FORM = b"""<!doctype html><html><body><h1>Members only</h1>
<form method="post" action="/login">
<input id="user" name="user"><input id="password" name="password" type="password">
<button id="submit" type="submit">Sign in</button></form></body></html>"""
GATE = b"""<!doctype html><html><body><p>You must be an adult to enter.</p>
<form method="post" action="/gate"><button id="enter" type="submit">I am over 18</button></form>
</body></html>"""


@dataclass
class GatedBoard:
    posts: list[int] = field(default_factory=list)
    sessions: set[str] = field(default_factory=set)
    logins: int = 0
    failed_logins: int = 0
    password: str = PASSWORD
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ServerThread | None = None

    def __enter__(self) -> GatedBoard:
        self.server = ServerThread(self.route).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.stop()

    @property
    def origin(self) -> str:
        assert self.server is not None
        return self.server.origin

    def url(self, path: str) -> str:
        return self.origin + path

    def publish(self) -> int:
        with self.lock:
            number = len(self.posts) + 1
            self.posts.append(number)
            return number

    def expire(self) -> None:
        with self.lock:
            self.sessions.clear()

    @staticmethod
    def image(number: int) -> bytes:
        return encode(sample_image(number, variant=number), "png")[0]

    def _cookies(self, request: Request) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        jar.load(request.headers.get("cookie", ""))
        return {name: morsel.value for name, morsel in jar.items()}

    def route(self, request: Request) -> Reply | None:
        if request.path == "/login":
            return self._login(request)
        if request.path == "/gate":
            if request.method == "POST":
                return _redirect("/board", "adult=1; Path=/")
            return Reply(body=GATE)
        cookies = self._cookies(request)
        with self.lock:
            live = cookies.get("sid") in self.sessions
        if not live:
            return _redirect("/login")
        if cookies.get("adult") != "1":
            return _redirect("/gate")
        if request.path == "/board":
            items = "".join(f'<li><a href="/post/{n}">post {n}</a></li>' for n in self.posts)
            return Reply(body=f'<html><body><ul class="board">{items}</ul></body></html>'.encode())
        if request.path.startswith("/post/"):
            number = int(request.path.rsplit("/", 1)[1])
            html = (
                f'<html><body><h1>post {number}</h1><img src="/media/{number}.png"></body></html>'
            )
            return Reply(body=html.encode())
        if request.path.startswith("/media/"):
            number = int(request.path.rsplit("/", 1)[1].split(".")[0])
            return Reply(body=self.image(number), content_type="image/png")
        return None

    def _login(self, request: Request) -> Reply:
        if request.method != "POST":
            return Reply(body=LOGIN_FORM)
        form = parse_qs(request.body.decode())
        if form.get("user") == [USER] and form.get("password") == [self.password]:
            token = secrets.token_hex(8)
            with self.lock:
                self.sessions.add(token)
                self.logins += 1
            return _redirect("/gate", f"sid={token}; Path=/; HttpOnly")
        with self.lock:
            self.failed_logins += 1
        return Reply(401, b"<html><body><p>Wrong password</p>" + LOGIN_FORM[15:])


def _redirect(location: str, cookie: str | None = None) -> Reply:
    headers = {"Location": location}
    if cookie:
        headers["Set-Cookie"] = cookie
    return Reply(302, b"", headers=headers)


def steps(board: GatedBoard) -> list[dict[str, str]]:
    return [
        {"goto": board.url("/login")},
        {"fill": "#user", "value": "{secret:user}"},
        {"fill": "#password", "value": "{secret:password}"},
        {"click": "#submit"},
        {"age_gate": "#enter"},
        {"wait_for": ".board"},
    ]
