"""Long-lived decoder workers: child processes under an address-space limit, reused per file.

Starting ffmpeg, ffprobe or fpcalc costs ~50 ms of CPU each (dynamic linking of every codec
library) before any decoding, which on short clips cost more than the decoding. A worker
(decodeworker.py) pays its start once and then hashes file after file. Each request still has
its time limit (the worker's own SIGALRM and a timer here) and the worker its memory limit: a
file that crashes, hangs or balloons kills that worker only; the caller gets a
:class:`MediaError` and the next file gets a fresh worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import Any

from takedown.media.errors import MediaError
from takedown.media.limits import limited

# A worker is retired after this many files, so nothing a decoder leaks piles up for long.
MAX_JOBS = 200
START_TIMEOUT = 60.0
IDLE_PER_LIMIT = 4


def available() -> bool:
    """Whether PyAV (the workers' decoder) is installed."""
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    pid_of_parent: int
    jobs: int = 0

    def alive(self) -> bool:
        return self.process.poll() is None and self.pid_of_parent == os.getpid()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


_lock = threading.Lock()
_idle: dict[int, list[_Worker]] = {}


def _spawn(memory_mb: int) -> _Worker:
    args = [sys.executable, "-I", "-m", "takedown.media.decodeworker"]
    try:
        process = subprocess.Popen(
            limited(args, memory_mb),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError as exc:
        raise MediaError(f"cannot start the video decoder: {exc}") from exc
    worker = _Worker(process, os.getpid())
    line = _read_line(worker, START_TIMEOUT)
    if line is None or line.strip() != b"ready":
        worker.stop()
        raise MediaError(
            "the video decoder could not start (out of its memory limit, or PyAV missing)"
        )
    return worker


def _read_line(worker: _Worker, timeout: float) -> bytes | None:
    """One reply line, or None when the worker died or was killed at ``timeout``."""
    timer = threading.Timer(timeout, worker.process.kill)
    timer.daemon = True
    timer.start()
    try:
        assert worker.process.stdout is not None
        line = worker.process.stdout.readline()
    finally:
        timer.cancel()
    return line or None


def _take(memory_mb: int) -> _Worker:
    with _lock:
        pool = _idle.setdefault(memory_mb, [])
        while pool:
            worker = pool.pop()
            if worker.alive():
                return worker
            if worker.pid_of_parent == os.getpid():
                worker.stop()
    return _spawn(memory_mb)


def _give_back(worker: _Worker, memory_mb: int) -> None:
    with _lock:
        pool = _idle.setdefault(memory_mb, [])
        if worker.jobs < MAX_JOBS and len(pool) < IDLE_PER_LIMIT and worker.alive():
            pool.append(worker)
            return
    worker.stop()


def run(request: dict[str, Any], *, timeout: float, memory_mb: int) -> dict[str, Any]:
    """Send one request to a worker; its reply, or :class:`MediaError` (crash, time, error).

    A reused worker that dies without a word may have died before the request (killed while
    idle): the request is tried once more on a fresh worker before it counts as a crash.
    """
    worker = _take(memory_mb)
    if worker.jobs == 0:
        return _ask(worker, request, timeout, memory_mb)
    try:
        return _ask(worker, request, timeout, memory_mb)
    except _DiedError:
        return _ask(_spawn(memory_mb), request, timeout, memory_mb)


class _DiedError(MediaError):
    """The worker ended without a reply (not at its time limit)."""


def _ask(
    worker: _Worker, request: dict[str, Any], timeout: float, memory_mb: int
) -> dict[str, Any]:
    payload = json.dumps({**request, "timeout": timeout}).encode() + b"\n"
    try:
        assert worker.process.stdin is not None
        worker.process.stdin.write(payload)
        worker.process.stdin.flush()
    except OSError as exc:
        worker.stop()
        raise _DiedError(f"corrupt video: the decoder stopped ({exc})") from exc
    timer_fired = threading.Event()

    def kill() -> None:
        timer_fired.set()
        worker.process.kill()

    timer = threading.Timer(timeout + 1.0, kill)
    timer.daemon = True
    timer.start()
    try:
        assert worker.process.stdout is not None
        line = worker.process.stdout.readline()
    finally:
        timer.cancel()
    if not line:
        code = worker.process.wait()
        worker.stop()
        if timer_fired.is_set() or code == -14:  # our timer, or the worker's own SIGALRM
            raise MediaError(f"video decoding timed out after {timeout:.0f} s")
        if code == -9:
            raise _DiedError("corrupt video: the decoder was killed (memory limit)")
        raise _DiedError(f"corrupt video: the decoder crashed (exit {code})")
    worker.jobs += 1
    _give_back(worker, memory_mb)
    try:
        reply: dict[str, Any] = json.loads(line)
    except ValueError as exc:
        raise MediaError("corrupt video: unreadable decoder reply") from exc
    if "error" in reply:
        raise MediaError(str(reply["error"]))
    return reply


def shutdown() -> None:
    """Stop every idle worker (tests, and a clean exit)."""
    with _lock:
        workers = [w for pool in _idle.values() for w in pool]
        _idle.clear()
    for worker in workers:
        if worker.pid_of_parent == os.getpid():
            worker.stop()
