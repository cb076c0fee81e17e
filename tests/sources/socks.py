"""A real SOCKS5 server (Debian's ``microsocks``) on loopback that alone knows an onion name.

microsocks resolves the names its clients send with the system resolver. It is started in its
own mount namespace (``unshare --mount``) where a private ``/etc/hosts`` maps the ``.onion``
name to the local test site, so the name resolves at the proxy and nowhere else: a client
that resolved it itself (``socks5://`` or a direct connection) would fail. What is not real:
Tor's onion routing; the SOCKS5 exchange, remote DNS and the relay are.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ONION", "socks_unavailable", "socks_with_hosts"]

ONION = "zorblatqx7a3kdvnw.onion"


def socks_unavailable() -> str | None:
    """Why the real SOCKS test cannot run here, or None."""
    if shutil.which("microsocks") is None:
        return "microsocks is not installed (scripts/system-deps.sh)"
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return "a private /etc/hosts for the proxy needs unshare as root"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def socks_with_hosts(hosts: dict[str, str]) -> Iterator[int]:
    """Run microsocks on 127.0.0.1 with ``hosts`` (name -> address) known only to it."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "hosts"
        table.write_text(
            "127.0.0.1 localhost\n" + "".join(f"{ip} {name}\n" for name, ip in hosts.items())
        )
        table.chmod(0o644)
        script = f'mount --bind "{table}" /etc/hosts && exec microsocks -i 127.0.0.1 -p {port}'
        proc = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 5
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        err = proc.stderr.read().decode() if proc.stderr else ""
                        raise RuntimeError(f"microsocks did not start: {err}") from None
                    time.sleep(0.05)
            yield port
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
