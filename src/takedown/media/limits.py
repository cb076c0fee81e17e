"""Running a decoder as a child process with a wall-clock and a memory limit.

A video whose decoder crashes, hangs or balloons must cost one child process, never the worker:
every decode (ffprobe, ffmpeg, vpdq, fpcalc) runs through :func:`run_limited` or
:func:`popen_limited`. The memory limit is an address-space rlimit set by util-linux's
``prlimit`` (or, without it, by a tiny Python shim) before the decoder starts.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence

from takedown.media.errors import MediaError

DEFAULT_MEMORY_MB = 2048

# Sets the limits then becomes the decoder: the rlimits survive exec.
_SHIM = (
    "import os,resource,sys;"
    "m=int(sys.argv[1])*1048576;"
    "resource.setrlimit(resource.RLIMIT_AS,(m,m));"
    "resource.setrlimit(resource.RLIMIT_CORE,(0,0));"
    "os.execvp(sys.argv[2],sys.argv[2:])"
)


def limited(args: Sequence[str], memory_mb: int = DEFAULT_MEMORY_MB) -> list[str]:
    """``args`` prefixed so the child runs under an address-space limit of ``memory_mb``."""
    if memory_mb <= 0:
        return list(args)
    prlimit = shutil.which("prlimit")
    if prlimit is not None:
        return [prlimit, f"--as={memory_mb * 1048576}", "--core=0", "--", *args]
    return [sys.executable, "-I", "-S", "-c", _SHIM, str(memory_mb), *args]


def run_limited(
    args: Sequence[str], *, timeout: float, memory_mb: int = DEFAULT_MEMORY_MB
) -> subprocess.CompletedProcess[bytes]:
    """Run to completion; ``MediaError`` when it cannot start or outlives ``timeout``."""
    try:
        return subprocess.run(
            limited(args, memory_mb), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"{args[0]} timed out after {timeout:.0f} s") from exc
    except OSError as exc:
        raise MediaError(f"cannot run {args[0]}: {exc}") from exc


def popen_limited(
    args: Sequence[str],
    *,
    timeout: float,
    memory_mb: int = DEFAULT_MEMORY_MB,
    stderr: bool = False,
) -> tuple[subprocess.Popen[bytes], threading.Timer]:
    """Start a streaming child (stdout piped) that is killed after ``timeout`` seconds.

    The caller reads stdout, then cancels the timer and waits. A killed child just closes
    its pipe, so a hung decoder ends the caller's read instead of blocking it forever. With
    ``stderr`` it is piped too; the caller must drain it (from a thread) while reading stdout.
    """
    try:
        process = subprocess.Popen(
            limited(args, memory_mb),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if stderr else subprocess.DEVNULL,
        )
    except OSError as exc:
        raise MediaError(f"cannot run {args[0]}: {exc}") from exc
    timer = threading.Timer(timeout, process.kill)
    timer.daemon = True
    timer.start()
    return process, timer


def crash_reason(result: subprocess.CompletedProcess[bytes], name: str) -> str | None:
    """A sentence for a child killed by a signal (a crash, or the memory limit), else None."""
    if result.returncode >= 0:
        return None
    signal = -result.returncode
    if signal == 9:
        return f"{name} was killed (out of its memory limit or time)"
    return f"{name} crashed (signal {signal})"
