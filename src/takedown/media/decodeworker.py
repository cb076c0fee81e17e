"""The decoder worker: a long-lived child process that hashes one video per request.

One pass over the file (PyAV, in process) gives everything: the stream's size, rate and
duration, the PDQ hash of one frame per ``step`` seconds (the frames vpdq hashes, converted to
RGB the way vpdq converts them, so the hashes are the same), the bars of a letterbox (found on
those frames, see :func:`_Bars`) and the sound's Chromaprint (fed to libchromaprint as it is
decoded). Frames that are not sampled and that no other frame refers to are not decoded at all.

It runs under an address-space rlimit and kills itself (SIGALRM) when a request outlives its
time; the parent (workers.py) has its own timer too and starts a new worker after a crash.
Protocol: one JSON request per line on stdin, one JSON reply per line on stdout.
"""

from __future__ import annotations

import itertools
import json
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import pdqhash
from PIL import Image

from takedown.media.borders import border_box
from takedown.media.chromaprint import SAMPLE_RATE, ChromaprintError, Fingerprinter

MIN_BAR = 0.02  # as letterbox.py: thinner bars are edge noise
BLANK_STD = 4.0
BAR_SIDE = 320
# Frames kept while a letterbox is still possible (hashed once the bars are known); past this,
# frames are hashed whole and a letterboxed video is decoded a second time, cropped.
KEEP_BYTES = 256 * 1048576
# Sound packets waiting for the sound thread at most (each ~20-90 ms of sound).
SOUND_QUEUE = 4096
SOUND_BATCH = 32

Frame = npt.NDArray[np.uint8]


class WorkerError(Exception):
    """A reason to send back instead of hashes."""


def _pdq(pixels: Frame) -> tuple[str, int]:
    bits, quality = pdqhash.compute(np.ascontiguousarray(pixels))
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex(), int(quality)


@dataclass
class _Bars:
    """The thinnest bar seen on each side over the sampled, non-blank frames (as shares)."""

    trims: list[float] = field(default_factory=lambda: [1.0, 1.0, 1.0, 1.0])
    seen: int = 0

    def add(self, pixels: Frame) -> None:
        h, w = pixels.shape[:2]
        k = max(1, -(-max(w, h) // BAR_SIDE))
        small = np.ascontiguousarray(pixels[::k, ::k])
        if float(small.std()) < BLANK_STD:
            return  # a fade or a blank says nothing about bars
        sh, sw = small.shape[:2]
        left, top, right, bottom = border_box(Image.fromarray(small))
        sides = (left / sw, top / sh, (sw - right) / sw, (sh - bottom) / sh)
        self.trims = [min(a, b) for a, b in zip(self.trims, sides, strict=True)]
        self.seen += 1

    @property
    def possible(self) -> bool:
        return self.seen == 0 or max(self.trims) >= MIN_BAR

    def box(self, width: int, height: int) -> tuple[int, int, int, int] | None:
        """(x, y, w, h) of the picture without bars, in pixels of a ``width`` x ``height`` frame."""
        if self.seen == 0 or max(self.trims) < MIN_BAR:
            return None
        left, top, right, bottom = self.trims
        x = _even(left * width, up=True)
        y = _even(top * height, up=True)
        w = _even(width - x - right * width, up=False)
        h = _even(height - y - bottom * height, up=False)
        if w < 16 or h < 16:
            return None
        return x, y, w, h


def _even(value: float, *, up: bool) -> int:
    n = int(np.ceil(value - 1e-6)) if up else int(np.floor(value + 1e-6))
    return n + (n % 2) if up else n - (n % 2)


def _info(container: Any) -> tuple[Any, dict[str, Any]]:
    if not container.streams.video:
        raise WorkerError("no video stream in the file")
    stream = container.streams.video[0]
    width, height = int(stream.codec_context.width or 0), int(stream.codec_context.height or 0)
    if width <= 0 or height <= 0:
        raise WorkerError("video stream has no frame size")
    duration = 0.0
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    if duration <= 0 and container.duration:
        duration = float(container.duration) / 1_000_000
    rate = stream.average_rate
    fps = float(rate) if rate and 0 < float(rate) <= 1000 else 0.0
    frames = int(stream.frames or 0) or None
    info = {"duration": max(duration, 0.0), "width": width, "height": height}
    return stream, {**info, "frames": frames, "fps": fps}


def _plan(pts: list[int], tb: Any, step: float, cap: float) -> set[int]:
    """The pts of the frames to sample (the first at or after each ``step``), from packets."""
    chosen: set[int] = set()
    first = last = None
    num, den = tb.numerator, tb.denominator
    for p in sorted(pts):
        t = float(p) * num / den  # as PyAV's frame.time computes it (a Fraction costs ~20x)
        first = t if first is None else first
        if t - first >= cap:
            break
        if last is None or t - last >= step * 0.999:
            chosen.add(p)
            last = t
    return chosen


def _read_ahead(
    demux: Iterator[Any], stream: Any, step: float, cap: float, other: Callable[[Any], None]
) -> tuple[list[Any], set[int] | None]:
    """Video packets demuxed up to ``cap`` (and a margin), and the plan of frames to decode.

    Demuxing is cheap, and knowing which frames will be sampled lets the decoder skip every
    other frame that no later frame refers to. Without timestamps, or past KEEP_BYTES of
    packets, there is no plan: every frame is decoded. Packets of other streams (the sound)
    go to ``other`` as they come, so the sound is decoded while the picture is read ahead.
    """
    stored: list[Any] = []
    pts: list[int] = []
    size, first = 0, None
    tb = stream.time_base
    plannable = step > 0 and tb is not None
    num, den = (tb.numerator, tb.denominator) if tb is not None else (0, 1)
    for packet in demux:
        if packet.stream is not stream:
            other(packet)
            continue
        stored.append(packet)
        size += packet.size
        if size > KEEP_BYTES:
            return stored, None
        if packet.size == 0:
            continue
        if packet.pts is None:
            plannable = False
            continue
        pts.append(int(packet.pts))
        t = float(packet.pts) * num / den
        first = t if first is None else min(first, t)
        if t - first > cap + 10.0:  # past the cap by more than any frame reordering
            break
    return stored, _plan(pts, tb, step, cap) if plannable and pts else None


_printer: Fingerprinter | None = None


def _fingerprinter(cap: float) -> Fingerprinter:
    """The worker's one Chromaprint context, restarted for each track."""
    global _printer
    if _printer is None:
        _printer = Fingerprinter(cap)
    else:
        _printer.restart(cap)
    return _printer


# fpcalc's resampler settings (chromaprint's ffmpeg reader), and its output: s16 mono 11025 Hz.
_RESAMPLE = (
    f"{SAMPLE_RATE}:filter_size=16:phase_shift=8:linear_interp=1:cutoff=0.8"
    ":out_sample_fmt=s16:out_chlayout=mono"
)


def _resampler(kind: tuple[str, str, int]) -> Any:
    """A filter graph turning sound of ``kind`` (format, layout, rate) into Chromaprint's."""
    graph = av.filter.Graph()
    source = graph.add_abuffer(
        format=kind[0], sample_rate=kind[2], layout=kind[1], time_base=Fraction(1, kind[2])
    )
    resample = graph.add("aresample", _RESAMPLE)
    sink = graph.add("abuffersink")
    source.link_to(resample)
    resample.link_to(sink)
    graph.configure()
    return graph


class _Sound:
    """The sound track resampled as fpcalc does it (s16, mono, 11025 Hz) into Chromaprint.

    Decoded frames are gathered as raw plane bytes and resampled in batches: one resampler
    call per ~64 frames, not per frame.
    """

    def __init__(self, cap: float) -> None:
        self.printer: Fingerprinter | None = _fingerprinter(cap)
        self._graph: Any = None
        self._pts = 0
        self.error: str | None = None
        self._planes: list[list[memoryview]] = []
        self._count = 0
        self._kind: tuple[str, str, int] | None = None
        self._dtype: Any = None
        self._planar = False

    @property
    def wanted(self) -> bool:
        return self.printer is not None and not self.printer.full

    def packet(self, packet: Any) -> None:
        if not self.wanted:
            return
        try:
            for frame in packet.decode():
                kind = (frame.format.name, frame.layout.name, int(frame.sample_rate))
                if kind != self._kind:
                    self._flush(final=self._kind is not None)
                    self._kind, self._graph, self._pts = kind, _resampler(kind), 0
                    self._dtype = frame.to_ndarray().dtype
                    self._planar = bool(frame.format.is_planar)
                    self._planes = [[] for _ in frame.planes]
                width = frame.samples * frame.format.bytes
                if not self._planar:
                    width *= frame.layout.nb_channels
                for chunks, plane in zip(self._planes, frame.planes, strict=True):
                    chunks.append(memoryview(plane)[:width])  # joined at the flush: one copy
                self._count += 1
                if self._count >= 64:
                    self._flush()
        except (av.FFmpegError, ChromaprintError, ValueError) as exc:
            self.error, self.printer = f"sound track unreadable: {_reason(exc)}", None

    def _flush(self, final: bool = False) -> None:
        if self.printer is None:
            return
        if self._graph is None or self._kind is None:
            return
        frames: list[Any] = []
        if self._count:
            planes = [np.frombuffer(b"".join(c), dtype=self._dtype) for c in self._planes]
            data = np.stack(planes) if self._planar else planes[0].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(data, format=self._kind[0], layout=self._kind[1])
            frame.sample_rate = self._kind[2]
            frame.time_base = Fraction(1, self._kind[2])
            frame.pts = self._pts
            self._pts += frame.samples
            frames.append(frame)
        self._planes = [[] for _ in self._planes]
        self._count = 0
        if final:
            frames.append(None)
        for frame in frames:
            self._graph.push(frame)
            while True:
                try:
                    out = self._graph.pull()
                except (av.BlockingIOError, av.EOFError):
                    break
                self.printer.feed(bytes(out.planes[0])[: out.samples * 2])

    def finish(self) -> list[int] | None:
        if self.printer is None:
            return None
        try:
            self._flush(final=True)
            return list(self.printer.finish()) or None
        except (av.FFmpegError, ChromaprintError, ValueError) as exc:
            self.error = f"sound track unreadable: {_reason(exc)}"
            return None


class _SoundThread:
    """A :class:`_Sound` fed from a thread of its own, so the sound decodes beside the picture.

    PyAV's decoders and filters and libchromaprint release the GIL: the sound costs no wall
    time while a second core is free. Packets cross over a queue; the demuxer reads ahead of
    the picture, so a short queue would hold the picture back behind the sound, and its bound
    (SOUND_QUEUE packets, a minute or more of sound) only caps memory. :meth:`finish` ends
    the thread and returns the print; the thread drains its queue whatever happens, so the
    demuxer never waits on it for long.
    """

    def __init__(self, sound: _Sound) -> None:
        self.sound = sound
        self._queue: queue.Queue[list[Any] | None] = queue.Queue(SOUND_QUEUE // SOUND_BATCH)
        self._batch: list[Any] = []
        self._thread = threading.Thread(target=self._run, name="sound", daemon=True)
        self._thread.start()
        self._ended = False

    @property
    def wanted(self) -> bool:
        return self.sound.wanted

    def packet(self, packet: Any) -> None:
        """Hand a packet on (in batches: a queue's locks cost more than a packet's decode)."""
        if self.sound.wanted:
            self._batch.append(packet)
            if len(self._batch) >= SOUND_BATCH:
                self._queue.put(self._batch)
                self._batch = []

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            for packet in batch:
                try:
                    self.sound.packet(packet)
                except Exception as exc:  # recorded on the item; the picture goes on
                    self.sound.error = f"sound track unreadable: {exc!r}"
                    self.sound.printer = None

    def end(self) -> None:
        if not self._ended:
            self._ended = True
            if self._batch:
                self._queue.put(self._batch)
                self._batch = []
            self._queue.put(None)
            self._thread.join()

    def finish(self) -> list[int] | None:
        self.end()
        return self.sound.finish()


def _rgb(frame: Any, size: tuple[int, int] | None) -> Frame:
    if size is None:
        return frame.to_ndarray(format="rgb24", interpolation="AREA")  # type: ignore[no-any-return]
    return frame.to_ndarray(  # type: ignore[no-any-return]
        width=size[0], height=size[1], format="rgb24", interpolation="AREA"
    )


def hash_file(request: dict[str, Any]) -> dict[str, Any]:
    """Frame hashes, stream info and sound print of one file (see the module docstring)."""
    path, cap = str(request["path"]), float(request["cap"])
    max_side = int(request["max_side"])
    try:
        container = av.open(path)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise WorkerError(f"corrupt or unsupported video: {_reason(exc)}") from exc
    with container:
        stream, info = _info(container)
        size = None
        w, h = info["width"], info["height"]
        if max_side > 0 and max(w, h) > max_side:
            scale = max_side / max(w, h)
            size = (max(2, round(w * scale)), max(2, round(h * scale)))
        stream.thread_type = "NONE"
        sound, audio_error = None, None
        if bool(request["audio"]) and container.streams.audio:
            try:
                sound = _SoundThread(_Sound(cap))
            except ChromaprintError as exc:
                audio_error = str(exc)
        try:
            frames = _picture(container, stream, sound, request, size)
            values = sound.finish() if sound is not None else None
        finally:
            if sound is not None:
                sound.end()
        if sound is not None and sound.sound.error:
            audio_error = sound.sound.error
    return {"info": info, "frames": frames, "audio": values, "audio_error": audio_error}


def _picture(
    container: Any,
    stream: Any,
    sound: _SoundThread | None,
    request: dict[str, Any],
    size: tuple[int, int] | None,
) -> list[list[Any]]:
    """The one demux pass of :func:`hash_file`: frames hashed here, sound packets handed on.

    Returns ``[hex, quality, time]`` per sampled frame. The sound thread may still be busy.
    """
    step, cap = float(request["step"]), float(request["cap"])
    max_frames = int(request["max_frames"])
    streams = [stream] + ([container.streams.audio[0]] if sound is not None else [])
    demux = container.demux(*streams)
    other = sound.packet if sound is not None else _ignore
    stored, plan = _read_ahead(demux, stream, step, cap, other) if step > 0 else ([], None)
    bars = _Bars() if bool(request["letterbox"]) else None
    hashed: list[tuple[str, int] | None] = []
    kept: list[Frame] = []
    kept_bytes = 0
    times: list[float] = []
    first = last = None
    ctx = stream.codec_context
    skipping = "DEFAULT"
    done = False
    # Once every planned sample is hashed, no later frame will be: the picture stops there.
    waiting = set(plan) if plan is not None else None
    for packet in itertools.chain(stored, demux):
        if packet.stream is not stream:
            other(packet)
            if done and (sound is None or not sound.wanted):
                break
            continue
        if done:
            if sound is None or not sound.wanted:
                break
            continue
        if plan is not None and packet.pts is not None:
            skip = "DEFAULT" if int(packet.pts) in plan else "NONREF"
            if skip != skipping:
                ctx.skip_frame = skipping = skip
        try:
            frames = packet.decode()
        except av.FFmpegError:
            continue  # a damaged packet: ffmpeg conceals and goes on, so do we
        for frame in frames:
            t = frame.time
            if t is None:
                continue
            first = t if first is None else first
            if t - first >= cap or len(times) >= max_frames:
                done = True
                break
            if step > 0 and last is not None and t - last < step * 0.999:
                continue
            last = t
            pixels = _rgb(frame, size)
            times.append(t - first)
            if waiting is not None:
                waiting.discard(frame.pts)
                done = not waiting
            if bars is not None and bars.possible:
                bars.add(pixels)
            if bars is not None and bars.possible and kept_bytes < KEEP_BYTES:
                kept.append(pixels)
                kept_bytes += pixels.nbytes
                hashed.append(None)
                continue
            if kept:  # no bars after all (or too much to keep): hash what waited
                hashed = _fill(hashed, kept)
                kept, kept_bytes = [], 0
            hashed.append(_pdq(pixels))
    del stored
    w, h = stream.codec_context.width, stream.codec_context.height
    box = bars.box(*(size or (w, h))) if bars is not None else None
    if box is not None and hashed and all(v is None for v in hashed):
        hashed = [_pdq(_crop(p, box)) for p in kept]
    elif box is not None:
        hashed = _cropped_again(request, plan, size, box, len(times))
    elif kept:
        hashed = _fill(hashed, kept)
    return [
        [v[0], v[1], round(max(0.0, t), 3)]
        for v, t in zip(hashed, times, strict=False)
        if v is not None
    ]


def _ignore(packet: Any) -> None:
    """No sound wanted: its packets are not demuxed, this is never called with one."""


def _fill(hashed: list[tuple[str, int] | None], kept: list[Frame]) -> list[tuple[str, int] | None]:
    waiting = iter(kept)
    return [v if v is not None else _pdq(next(waiting)) for v in hashed]


def _crop(pixels: Frame, box: tuple[int, int, int, int]) -> Frame:
    x, y, w, h = box
    return pixels[y : y + h, x : x + w]


def _cropped_again(
    request: dict[str, Any],
    plan: set[int] | None,
    size: tuple[int, int] | None,
    box: tuple[int, int, int, int],
    count: int,
) -> list[tuple[str, int] | None]:
    """A long letterboxed video whose frames were not all kept: decode the samples again."""
    step, cap = float(request["step"]), float(request["cap"])
    out: list[tuple[str, int] | None] = []
    with av.open(str(request["path"])) as container:
        stream = container.streams.video[0]
        stream.thread_type = "NONE"
        first = last = None
        for packet in container.demux(stream):
            if plan is not None and packet.pts is not None:
                stream.codec_context.skip_frame = "DEFAULT" if int(packet.pts) in plan else "NONREF"
            try:
                frames: list[Any] = list(packet.decode())
            except av.FFmpegError:
                continue
            for frame in frames:
                t = frame.time
                if t is None:
                    continue
                first = t if first is None else first
                if t - first >= cap or len(out) >= count:
                    return out
                if step > 0 and last is not None and t - last < step * 0.999:
                    continue
                last = t
                out.append(_pdq(_crop(_rgb(frame, size), box)))
    return out


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[-1] if text else type(exc).__name__


def main() -> int:
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # a request over its time ends the worker
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        signal.setitimer(signal.ITIMER_REAL, max(0.01, float(request.get("timeout", 120))))
        try:
            reply = hash_file(request)
        except WorkerError as exc:
            reply = {"error": str(exc)}
        except (av.FFmpegError, OSError, ValueError) as exc:
            reply = {"error": f"corrupt video: {_reason(exc)}"}
        except MemoryError:
            reply = {"error": "corrupt video: the decoder ran out of its memory limit"}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        out.write(json.dumps(reply) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
