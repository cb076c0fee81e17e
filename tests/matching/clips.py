"""Benign synthetic videos with sound for the alignment tests: panned scikit-image samples and
a seeded melody of tones over soft noise. Each clip is made by one ffmpeg run."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import skimage.data
from PIL import Image

SIZE = (192, 144)
FPS = 15


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=120)


def still(folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    if not path.exists():
        Image.fromarray(getattr(skimage.data, name)()).convert("RGB").save(path)
    return path


def melody(seed: int) -> str:
    """An aevalsrc expression: a pseudo-random note every 0.25 s (from ``seed``), plus noise."""
    note = f"floor(24*mod(sin(floor(t*4)*12.9898+{seed}*78.233)*43758.5453,1))"
    tone = f"0.4*sin(2*PI*t*220*pow(2,{note}/12))"
    return f"{tone}+0.05*(random({seed})-0.5)"


def slideshow(out: Path, stills: Sequence[Path], seconds_each: float, seed: int | None = 1) -> Path:
    """The stills one after another, each slowly zoomed or panned; a melody when ``seed``."""
    w, h = SIZE
    frames = round(seconds_each * FPS)
    inputs: list[str] = []
    chains = []
    for k, path in enumerate(stills):
        inputs += ["-i", str(path)]
        motion = (
            "z='min(zoom+0.004,1.4)':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
            if k % 2 == 0
            else f"z=1.3:x='(iw-iw/zoom)*on/{frames}':y='ih/2-(ih/zoom/2)'"
        )
        chains.append(
            f"[{k}:v]scale={2 * w}:{2 * h}:force_original_aspect_ratio=increase,"
            f"crop={2 * w}:{2 * h},zoompan={motion}:d={frames}:s={w}x{h}:fps={FPS},setsar=1[v{k}]"
        )
    concat = "".join(f"[v{k}]" for k in range(len(stills))) + f"concat=n={len(stills)}:v=1[out]"
    total = seconds_each * len(stills)
    audio: list[str] = []
    if seed is not None:
        audio = ["-f", "lavfi", "-i", f"aevalsrc='{melody(seed)}':s=22050:d={total}"]
    maps = ["-map", "[out]"] + (["-map", f"{len(stills)}:a", "-c:a", "aac"] if audio else [])
    _ffmpeg(
        *inputs,
        *audio,
        *("-filter_complex", ";".join([*chains, concat]), *maps),
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-t", str(total)),
        str(out),
    )
    return out


def cut(out: Path, parts: Sequence[tuple[Path, float, float]], vf: str = "") -> Path:
    """``(file, start, seconds)`` pieces joined, sound included, re-encoded (``vf`` after)."""
    inputs: list[str] = []
    for path, start, length in parts:
        inputs += ["-ss", str(start), "-t", str(length), "-i", str(path)]
    chains = "".join(
        f"[{k}:v]scale={SIZE[0]}:{SIZE[1]},setsar=1,fps={FPS}[v{k}];" for k in range(len(parts))
    )
    chains += "".join(f"[{k}:a]aresample=22050[a{k}];" for k in range(len(parts)))
    joined = "".join(f"[v{k}][a{k}]" for k in range(len(parts)))
    chains += f"{joined}concat=n={len(parts)}:v=1:a=1[cv][ca]"
    if vf:
        chains += f";[cv]{vf}[ov]"
    _ffmpeg(
        *inputs,
        *("-filter_complex", chains, "-map", "[ov]" if vf else "[cv]", "-map", "[ca]"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"),
        str(out),
    )
    return out
