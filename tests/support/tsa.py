"""A real RFC 3161 time-stamping authority on loopback: OpenSSL's `ts -reply` behind HTTP."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_CONFIG = """[ tsa ]
default_tsa = tsa1
[ tsa1 ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _make_authority(folder: Path) -> None:
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", str(folder / "tsa.key"), "-out", str(folder / "tsa.crt"), "-days", "2",
            "-subj", "/CN=takedown test TSA",
            "-addext", "extendedKeyUsage=critical,timeStamping",
            "-addext", "basicConstraints=critical,CA:FALSE",
            "-addext", "keyUsage=critical,digitalSignature",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (folder / "serial").write_text("01\n")
    (folder / "tsa.cnf").write_text(_CONFIG.format(dir=folder))


@contextmanager
def openssl_tsa() -> Iterator[tuple[str, Path]]:
    """Yield (URL, the TSA certificate) of a time-stamping authority answering real tokens."""
    with tempfile.TemporaryDirectory(prefix="tsa-") as tmp:
        folder = Path(tmp)
        _make_authority(folder)
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    (folder / "q.tsq").write_bytes(query)
                    done = subprocess.run(
                        ["openssl", "ts", "-reply", "-config", str(folder / "tsa.cnf"),
                         "-queryfile", str(folder / "q.tsq"), "-out", str(folder / "r.tsr")],
                        capture_output=True,
                    )  # fmt: skip
                    answer = (folder / "r.tsr").read_bytes() if done.returncode == 0 else b""
                self.send_response(200 if answer else 500)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/tsa", folder / "tsa.crt"
        finally:
            server.shutdown()
            server.server_close()
