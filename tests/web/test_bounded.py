"""Bounded resources against a real `takedown web` process: decompression bombs posted to /match
at once leave its memory nearly where it was; over-limit bodies are refused early."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from tests.support.procs import start, terminate, wait_http
from tests.support.services import free_port


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _bomb() -> bytes:
    # 8000 x 7900 grey pixels (63 MP, under the 64 MP pixel cap) compress to a few hundred KB.
    out = io.BytesIO()
    Image.new("L", (8000, 7900), 0).save(out, "PNG", optimize=False, compress_level=9)
    return out.getvalue()


def _small_png() -> bytes:
    out = io.BytesIO()
    Image.effect_mandelbrot((256, 256), (-2, -1.5, 1, 1.5), 60).convert("RGB").save(out, "PNG")
    return out.getvalue()


@pytest.mark.slow
def test_four_decompression_bombs_at_once_leave_memory_bounded(tmp_path: Path) -> None:
    _bombs_against_a_real_server(tmp_path, {})


def _bombs_against_a_real_server(tmp_path: Path, extra_env: dict[str, str]) -> None:
    home = tmp_path / "home"
    rt = Runtime(Settings(home=home))
    with rt.db.session() as s:
        token = create_token(s, "viewer", "rss")[1]
    rt.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"TAKEDOWN_HOME": str(home), **extra_env}
    proc = start(["web", "--port", str(port)], env, tmp_path / "web.log")
    try:
        wait_http(f"{base}/healthz", 60)
        h = {"Authorization": f"Bearer {token}"}
        # Warm up: imports, the matcher, one real hash.
        warm = httpx.post(
            f"{base}/api/v1/match", files={"file": ("a.png", _small_png())}, headers=h, timeout=60
        )
        assert warm.status_code == 200, warm.text
        baseline = _rss_bytes(proc.pid)
        bomb = _bomb()
        assert len(bomb) < 1_000_000
        peak = [baseline]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _rss_bytes(proc.pid))
                time.sleep(0.02)

        codes: list[int] = []

        def post() -> None:
            reply = httpx.post(
                f"{base}/api/v1/match", files={"file": ("b.png", bomb)}, headers=h, timeout=120
            )
            codes.append(reply.status_code)

        sampler = threading.Thread(target=sample)
        sampler.start()
        posters = [threading.Thread(target=post) for _ in range(4)]
        for t in posters:
            t.start()
        for t in posters:
            t.join(180)
        time.sleep(0.3)
        done.set()
        sampler.join()
        assert len(codes) == 4 and set(codes) <= {422, 503}, codes
        growth = peak[0] - baseline
        print(
            f"RSS baseline {baseline / 2**20:.0f} MiB, peak {peak[0] / 2**20:.0f} MiB, growth {growth / 2**20:.0f} MiB"
        )
        assert growth < 300 * 2**20, f"RSS grew by {growth / 2**20:.0f} MiB"
    finally:
        terminate(proc)


def test_an_uploaded_video_is_hashed_without_touching_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from takedown.media.video import hash_video, memory_file
    from tests.media.conftest import make_clip

    data = make_clip(tmp_path / "clip.mp4", 3).read_bytes()

    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    # Keep whatever the hashing writes to temporary directories, to look at it afterwards.
    monkeypatch.setattr(tempfile.TemporaryDirectory, "_rmtree", classmethod(lambda *a, **k: None))
    with memory_file(data) as path:
        assert str(path).startswith("/proc/") and path.read_bytes() == data
    hashes = hash_video(data)
    assert len(hashes.frames) >= 2
    written = [f for f in spool.rglob("*") if f.is_file()]
    assert not [f for f in written if f.read_bytes() == data], written


def test_a_body_over_the_match_limit_is_refused_by_its_declared_length(
    client: object, tokens: dict[str, str]
) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    limit = client.app.state.settings.max_match_bytes  # type: ignore[attr-defined]
    reply = client.post(
        "/api/v1/match",
        files={"file": ("x.png", b"\x89PNG" + b"0" * (limit + 10))},
        headers={"Authorization": f"Bearer {tokens['viewer']}"},
    )
    assert reply.status_code == 413 and str(limit) in reply.json()["detail"]
    small_limit = client.app.state.settings.max_body_bytes  # type: ignore[attr-defined]
    reply = client.post(
        "/api/v1/cases",
        content=b"{" + b" " * small_limit + b"}",
        headers={"Authorization": f"Bearer {tokens['admin']}", "content-type": "application/json"},
    )
    assert reply.status_code == 413
