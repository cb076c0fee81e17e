"""The capture browser is isolated: no channel bypasses the guard proxy, Chromium runs unprivileged.

A hostile page tries WebRTC (STUN and TURN to a loopback UDP port), a fetch and a WebSocket to a
non-proxied loopback port, prefetch, preconnect and DNS-prefetch links and a service worker. Raw
UDP and TCP listeners on loopback record every packet and connection: they must see nothing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from takedown.fetch.browser import Browser, BrowserConfig
from takedown.fetch.guard import UrlGuard
from takedown.fetch.sandbox import ensure_user, unprivileged_executable
from tests.evidence.site import Loop
from tests.sites.server import Reply, Request, ServerThread

pytestmark = pytest.mark.slow

LEAK_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="dns-prefetch" href="//leak-probe.invalid">
<link rel="preconnect" href="http://127.0.0.1:{tcp}">
<link rel="prefetch" href="http://127.0.0.1:{tcp}/prefetch">
<link rel="prerender" href="http://127.0.0.1:{tcp}/prerender">
</head><body><p>probe</p><div id="out"></div><script>
const out = [];
const note = (s) => {{ out.push(s); document.getElementById('out').textContent = out.join(';'); }};
try {{
  const pc = new RTCPeerConnection({{iceServers: [
    {{urls: 'stun:127.0.0.1:{udp}'}},
    {{urls: 'turn:127.0.0.1:{udp}?transport=udp', username: 'u', credential: 'c'}}]}});
  pc.createDataChannel('probe');
  pc.onicecandidate = (e) => note('candidate:' + (e.candidate ? e.candidate.candidate : 'end'));
  pc.createOffer().then((o) => pc.setLocalDescription(o)).catch((e) => note('offer:' + e));
}} catch (e) {{ note('rtc-blocked:' + e.name); }}
fetch('https://127.0.0.1:{udp}/quic', {{mode: 'no-cors'}}).catch(() => note('quic-fetch-failed'));
fetch('http://127.0.0.1:{tcp}/direct', {{mode: 'no-cors'}}).catch(() => note('fetch-failed'));
try {{ const ws = new WebSocket('ws://127.0.0.1:{tcp}/ws'); ws.onerror = () => note('ws-failed'); }}
catch (e) {{ note('ws-blocked'); }}
if (navigator.serviceWorker) {{
  navigator.serviceWorker.register('/sw.js').catch(() => note('sw-failed'));
}}
const img = new Image(); img.src = 'http://leak-probe-two.invalid/x.png';
</script></body></html>"""


class Listeners:
    """A UDP socket and a TCP server on loopback that record whatever reaches them."""

    def __init__(self) -> None:
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.settimeout(0.2)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.tcp.settimeout(0.2)
        self.seen: list[str] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._udp_loop, daemon=True),
            threading.Thread(target=self._tcp_loop, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def udp_port(self) -> int:
        return int(self.udp.getsockname()[1])

    @property
    def tcp_port(self) -> int:
        return int(self.tcp.getsockname()[1])

    def _udp_loop(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.udp.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            self.seen.append(f"udp {len(data)} bytes from {peer}")

    def _tcp_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = self.tcp.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.seen.append(f"tcp connection from {peer}")
            conn.close()

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(2)
        self.udp.close()
        self.tcp.close()


@pytest.fixture
def listeners() -> Iterator[Listeners]:
    running = Listeners()
    yield running
    running.close()


@pytest.fixture(scope="module")
def loop() -> Iterator[Loop]:
    running = Loop()
    yield running
    running.close()


def test_hostile_page_sends_nothing_past_the_guard_proxy(loop: Loop, listeners: Listeners) -> None:
    page = LEAK_PAGE.format(udp=listeners.udp_port, tcp=listeners.tcp_port).encode()

    def route(request: Request) -> Reply | None:
        if request.path == "/leak.html":
            return Reply(200, page)
        if request.path == "/sw.js":
            return Reply(200, b"self.onfetch = () => {};", "text/javascript")
        return None

    with ServerThread(route) as site:
        browser = Browser(BrowserConfig(), guard=UrlGuard(allow=[site.origin]))
        try:
            capture = loop.run(browser.capture(site.url("/leak.html")))
            time.sleep(3)  # ICE gathering and STUN retries run on after the load
        finally:
            loop.run(browser.aclose())
    assert "probe" in capture.html
    assert listeners.seen == []
    blocked = {b.url for b in capture.blocked}
    assert f"http://127.0.0.1:{listeners.tcp_port}/direct" in blocked


def _chromium_uids() -> set[int]:
    uids: set[int] = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if b"chromium" in cmdline and b"--remote-debugging-pipe" in cmdline:
            uid_line = next(line for line in text.splitlines() if line.startswith("Uid:"))
            uids.add(int(uid_line.split()[1]))
    return uids


def test_chromium_runs_as_the_capture_user(loop: Loop, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("the privilege drop applies when the worker runs as root")
    user = ensure_user()
    with ServerThread(lambda request: Reply(200, b"<p>hi</p>")) as site:
        browser = Browser(BrowserConfig(), guard=UrlGuard(allow=[site.origin]))
        try:
            before = _chromium_uids()
            loop.run(browser.render(site.url("/"), timeout=10))
            during = _chromium_uids()
        finally:
            loop.run(browser.aclose())
    assert user.uid in during and 0 not in during - before


def test_the_launcher_cannot_read_a_private_file_of_the_home(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("the privilege drop applies when the worker runs as root")
    secret = tmp_path / "vault.key"
    secret.write_text("secret")
    secret.chmod(0o600)
    # The launcher Chromium gets, with cat in its place: what it can read, Chromium can.
    cat, cat_dir = unprivileged_executable("/bin/cat")
    id_, id_dir = unprivileged_executable("/usr/bin/id")
    try:
        done = subprocess.run([cat, str(secret)], capture_output=True, text=True, timeout=30)
        whoami = subprocess.run([id_, "-u"], capture_output=True, text=True, timeout=30)
    finally:
        shutil.rmtree(cat_dir)
        shutil.rmtree(id_dir)
    assert done.returncode != 0 and "Permission denied" in done.stderr
    assert "secret" not in done.stdout
    assert int(whoami.stdout) == ensure_user().uid != 0
