"""A local site with a real report form: a session cookie, a CSRF token on each step, two steps
(contact and URLs, then details and a file), a confirmation page with a report number. It records
every accepted submission; a second form has a CAPTCHA and a third sits behind a login."""

from __future__ import annotations

import html
import secrets
import threading
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Submission:
    email: str
    urls: list[str]
    details: str
    file_name: str
    file_text: str


@dataclass
class ReportSite:
    submissions: list[Submission] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why a POST was refused (bad CSRF, ...)
    posts: int = 0
    sessions: dict[str, dict[str, str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                site.get(self)

            def do_POST(self) -> None:
                site.post(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # --- pages ----------------------------------------------------------------------------

    def _session(self, h: BaseHTTPRequestHandler) -> tuple[str, dict[str, str], bool]:
        cookie = h.headers.get("Cookie", "")
        sid = next((c.split("=", 1)[1] for c in cookie.split("; ") if c.startswith("sid=")), "")
        with self.lock:
            if sid in self.sessions:
                return sid, self.sessions[sid], False
            sid = secrets.token_hex(8)
            self.sessions[sid] = {}
            return sid, self.sessions[sid], True

    def _reply(
        self, h: BaseHTTPRequestHandler, body: str, sid: str, new: bool, status: int = 200
    ) -> None:
        data = body.encode()
        h.send_response(status)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        if new:
            h.send_header("Set-Cookie", f"sid={sid}; Path=/; HttpOnly")
        h.end_headers()
        h.wfile.write(data)

    def _token(self, session: dict[str, str]) -> str:
        session["csrf"] = secrets.token_hex(12)
        return session["csrf"]

    def get(self, h: BaseHTTPRequestHandler) -> None:
        sid, session, new = self._session(h)
        path = urlsplit(h.path).path
        if path == "/report":
            token = self._token(session)
            page = f"""<html><body><h1>Report content</h1>
<form method="post" action="/report/step1">
<input type="hidden" name="csrf" value="{token}">
<label>Your e-mail <input id="email" name="email" type="email" required></label>
<label>URLs <textarea id="urls" name="urls" required></textarea></label>
<button id="next" type="submit">Next</button></form></body></html>"""
        elif path == "/captcha-report":
            page = """<html><body><form method="post" action="/report/step1">
<input id="email" name="email"><textarea id="urls" name="urls"></textarea>
<div class="g-recaptcha" data-sitekey="local-test-key"></div>
<button id="next" type="submit">Next</button></form></body></html>"""
        elif path == "/members/report":
            page = """<html><body><h1>Sign in to report</h1><form method="post" action="/x">
<input name="user"><input name="pw" type="password"><button>Sign in</button></form></body></html>"""
        else:
            self._reply(h, "<html><body>not found</body></html>", sid, new, 404)
            return
        self._reply(h, page, sid, new)

    def post(self, h: BaseHTTPRequestHandler) -> None:
        sid, session, new = self._session(h)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length)
        ctype = h.headers.get("Content-Type", "")
        fields, files = _form(ctype, raw)
        path = urlsplit(h.path).path
        with self.lock:
            self.posts += 1
        if fields.get("csrf") != session.get("csrf") or not session.get("csrf"):
            self.refused.append(f"{path}: bad CSRF token")
            self._reply(h, "<html><body>CSRF check failed</body></html>", sid, new, 403)
            return
        if path == "/report/step1":
            session["email"], session["urls"] = fields.get("email", ""), fields.get("urls", "")
            token = self._token(session)
            page = f"""<html><body><h1 id="step2">Details</h1>
<form method="post" action="/report/step2" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="{token}">
<textarea id="details" name="details"></textarea>
<input id="file" name="file" type="file">
<button id="send" type="submit">Send report</button></form></body></html>"""
            self._reply(h, page, sid, new)
            return
        if path == "/report/step2" and session.get("urls"):
            name, content = files.get("file", ("", b""))
            with self.lock:
                self.submissions.append(
                    Submission(
                        email=session["email"],
                        urls=session["urls"].split(),
                        details=fields.get("details", ""),
                        file_name=name,
                        file_text=content.decode("utf-8", "replace"),
                    )
                )
                number = f"RPT-{len(self.submissions):05d}"
            session.clear()
            page = f"""<html><body><div class="confirmation">Thank you. Your report was
received. Report ID: {html.escape(number)}</div></body></html>"""
            self._reply(h, page, sid, new)
            return
        self.refused.append(f"{path}: out of order")
        self._reply(h, "<html><body>out of order</body></html>", sid, new, 400)


def _form(ctype: str, raw: bytes) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    if ctype.startswith("application/x-www-form-urlencoded"):
        parsed = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[-1] for k, v in parsed.items()}, {}
    if ctype.startswith("multipart/form-data"):
        msg = BytesParser(policy=policy.default).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode() + raw
        )
        fields: dict[str, str] = {}
        files: dict[str, tuple[str, bytes]] = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            filename = part.get_filename()
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            if filename is not None:
                files[name] = (filename, data)
            else:
                fields[name] = data.decode("utf-8", "replace")
        return fields, files
    return {}, {}
