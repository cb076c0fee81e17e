"""Benign synthetic videos with sound for the video benchmark, and the edits applied to them.

A video is 20 s at 320x180, 15 fps: four 5 s scenes, each a slowly panned background (a
scikit-image sample photograph, or seeded smooth colour noise) with seeded coloured shapes
moving over it. Its sound is a seeded melody (a random note every quarter second) over a
seeded chirp and soft noise. Nothing is downloaded; everything is made from a seed.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import skimage.data

W, H, FPS = 320, 180, 15
SCENE_SECONDS = 5.0
SCENES = 4
SECONDS = SCENE_SECONDS * SCENES
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
AAC = ["-c:a", "aac", "-b:a", "96k"]

# Sample photographs, split so that references and distractors never share one.
PHOTOS_REF = ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "camera", "coins")
PHOTOS_DIS = ("immunohistochemistry", "retina", "grass", "gravel", "brick", "cell", "clock")

# Edits of a reference that keep the picture recognisable, then those that keep only the sound.
EDITS = (
    "re-encode",
    "resize",
    "letterbox",
    "frame rate 24",
    "frame rate 24 + drops",
    "trim 60%",
    "trim 40%",
    "compilation (whole)",
    "excerpt 75%",
    "excerpt 50%",
    "excerpt 25%",
)
AUDIO_EDITS = ("mirrored", "cropped 30%", "colour graded")
ALL_EDITS = EDITS + AUDIO_EDITS


def _ffmpeg(args: Sequence[str], stdin: bytes | None = None) -> None:
    """Run ffmpeg; the output (the last argument) appears only once complete (cache-safe)."""
    head = ["ffmpeg", "-nostdin" if stdin is None else "-hide_banner", "-y", "-loglevel", "error"]
    out = Path(args[-1])
    part = out.with_name(f".part-{out.name}")
    subprocess.run([*head, *args[:-1], str(part)], input=stdin, check=True, timeout=600)
    part.replace(out)


def _photo(name: str) -> np.ndarray:
    image = np.asarray(getattr(skimage.data, name)())
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[..., :3].astype(np.uint8))


def _noise_field(rng: np.random.Generator) -> np.ndarray:
    small = rng.integers(0, 256, (rng.integers(4, 9), rng.integers(6, 12), 3), dtype=np.uint8)
    return cv2.resize(small, (2 * W, 2 * H), interpolation=cv2.INTER_CUBIC)


def _scene(background: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    bg = cv2.resize(background, (int(W * 1.6), int(H * 1.6)), interpolation=cv2.INTER_AREA)
    frames = int(SCENE_SECONDS * FPS)
    dx, dy = bg.shape[1] - W, bg.shape[0] - H
    direction = rng.choice([-1, 1], 2)
    shapes = []
    for _ in range(int(rng.integers(3, 7))):
        shapes.append(
            (
                int(rng.integers(0, 2)),  # circle or rectangle
                rng.uniform(0, W, 2),  # position
                rng.uniform(-40, 40, 2) / FPS,  # velocity, px per frame
                int(rng.integers(8, 30)),  # size
                tuple(int(c) for c in rng.integers(0, 256, 3)),
            )
        )
    out = []
    for f in range(frames):
        t = f / max(1, frames - 1)
        x = int(dx * (t if direction[0] > 0 else 1 - t))
        y = int(dy * (t if direction[1] > 0 else 1 - t) * 0.5)
        frame = np.ascontiguousarray(bg[y : y + H, x : x + W])
        for kind, pos, vel, size, colour in shapes:
            px, py = (pos + vel * f) % (W, H)
            if kind == 0:
                cv2.circle(frame, (int(px), int(py)), size, colour, -1)
            else:
                cv2.rectangle(
                    frame, (int(px), int(py)), (int(px) + size, int(py) + size // 2), colour, -1
                )
        out.append(frame)
    return out


def melody(seed: int) -> str:
    """ffmpeg aevalsrc: seeded random notes every 0.25 s, a seeded chirp, soft noise."""
    note = f"floor(24*mod(sin(floor(t*4)*12.9898+{seed}*78.233)*43758.5453,1))"
    tone = f"0.35*sin(2*PI*t*196*pow(2,{note}/12))"
    base, period = 150 + (seed % 7) * 40, 1.5 + (seed % 5) * 0.3
    chirp = f"0.12*sin(2*PI*({base}+{base}*mod(t,{period:.2f})/{period:.2f})*t)"
    return f"{tone}+{chirp}+0.04*(random({seed % 1000})-0.5)"


def make_video(out: Path, seed: int, photo: str | None) -> Path:
    """One 20 s video with sound, from ``seed`` (and a sample photograph for its first scene)."""
    if out.exists():
        return out
    rng = np.random.default_rng(seed)
    frames: list[np.ndarray] = []
    for k in range(SCENES):
        background = _photo(photo) if (k == 0 and photo) else _noise_field(rng)
        if rng.integers(0, 2):
            background = background[:, ::-1]
        frames += _scene(background, rng)
    raw = np.stack(frames).astype(np.uint8).tobytes()
    _ffmpeg(
        [
            *("-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}", "-r", str(FPS)),
            *("-i", "-", "-f", "lavfi", "-i", f"aevalsrc='{melody(seed)}':s=22050:d={SECONDS}"),
            *("-map", "0:v", "-map", "1:a", *X264, "-crf", "20", *AAC, "-t", str(SECONDS)),
            str(out),
        ],
        stdin=raw,
    )
    return out


@dataclass(frozen=True)
class Truth:
    """Where the reference sits in an edited video (seconds), for segment checks."""

    query_start: float
    reference_start: float
    seconds: float


def _join(out: Path, parts: Sequence[tuple[Path, float, float]]) -> None:
    inputs: list[str] = []
    for path, start, length in parts:
        inputs += ["-ss", str(start), "-t", str(length), "-i", str(path)]
    chains = "".join(
        f"[{k}:v]scale={W}:{H},setsar=1,fps={FPS}[v{k}];[{k}:a]aresample=22050[a{k}];"
        for k in range(len(parts))
    )
    chains += "".join(f"[v{k}][a{k}]" for k in range(len(parts)))
    chains += f"concat=n={len(parts)}:v=1:a=1[v][a]"
    maps = ["-map", "[v]", "-map", "[a]"]
    _ffmpeg([*inputs, "-filter_complex", chains, *maps, *X264, "-crf", "26", *AAC, str(out)])


def edit(name: str, src: Path, out: Path, others: Sequence[Path]) -> Truth:
    """Write the edited video; return where the source sits in it."""
    whole = Truth(0.0, 0.0, SECONDS)
    simple = {
        "re-encode": ["-crf", "35"],
        "resize": ["-vf", "scale=160:90", "-crf", "28"],
        "letterbox": ["-vf", f"pad={W}:{W * 3 // 4}:0:{(W * 3 // 4 - H) // 2}:black"],
        "frame rate 24": ["-vf", "fps=24"],
        "frame rate 24 + drops": [
            *("-vf", "fps=24,select='not(eq(mod(n\\,9)\\,4))'", "-fps_mode", "vfr")
        ],
        "mirrored": ["-vf", "hflip"],
        "cropped 30%": ["-vf", f"crop=iw*0.7:ih*0.7,scale={W}:{H}"],
        "colour graded": ["-vf", "eq=saturation=1.9:gamma=1.4:contrast=1.2,hue=h=50"],
    }
    trims = {"trim 60%": (3.0, 12.0), "trim 40%": (6.0, 8.0)}
    excerpts = {"excerpt 75%": (2.0, 15.0), "excerpt 50%": (6.0, 10.0), "excerpt 25%": (9.0, 5.0)}
    if name in simple:
        if not out.exists():
            _ffmpeg(["-i", str(src), *X264, *simple[name], *AAC, str(out)])
        return whole
    if name in trims:
        start, length = trims[name]
        if not out.exists():
            _ffmpeg(["-ss", str(start), "-t", str(length), "-i", str(src), *X264, *AAC, str(out)])
        return Truth(0.0, start, length)
    if name == "compilation (whole)":
        if not out.exists():
            _join(out, [(others[0], 2, 6), (src, 0, SECONDS), (others[1], 4, 6), (others[2], 8, 6)])
        return Truth(6.0, 0.0, SECONDS)
    if name in excerpts:
        start, length = excerpts[name]
        if not out.exists():
            parts = [(others[0], 3, 7), (src, start, length), (others[1], 5, 8), (others[2], 1, 6)]
            _join(out, parts)
        return Truth(7.0, start, length)
    raise ValueError(f"unknown edit {name!r}")


def ffmpeg_lavfi(out: Path, video: str, audio: str, seconds: float) -> None:
    """A clip from ffmpeg's generated sources (a test pattern and a tone), H.264 + AAC."""
    _ffmpeg(
        [
            *("-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio, "-t", str(seconds)),
            *X264,
            *AAC,
            str(out),
        ]
    )


def duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())
