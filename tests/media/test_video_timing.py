"""Frame times are presentation times: a copy with dropped frames keeps its samples in place."""

from __future__ import annotations

import subprocess
from pathlib import Path

from takedown.matching.hashers.pdq import codes_of, hamming_matrix
from takedown.media.video import VideoLimits, hash_video_file


def test_dropped_frames_do_not_shift_the_samples(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi"),
            *("-i", "testsrc2=size=160x120:rate=24", "-t", "12"),
            *("-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", str(clip)),
        ],
        check=True,
    )
    dropped = tmp_path / "dropped.mp4"  # every ninth frame gone, variable frame rate
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(clip)),
            *("-vf", "select='not(eq(mod(n\\,9)\\,4))'", "-fps_mode", "vfr"),
            *("-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", str(dropped)),
        ],
        check=True,
    )
    limits = VideoLimits(audio=False, letterbox=False)
    original = hash_video_file(clip, limits).frames
    copy = hash_video_file(dropped, limits).frames
    assert [f.timestamp for f in copy][:10] == [float(t) for t in range(10)]
    bits = hamming_matrix(codes_of([f.hex for f in copy]), codes_of([f.hex for f in original]))
    # Sample k of the copy is sample k of the original: counting frames would drift ~12%.
    assert len(copy) == len(original) == 12
    assert all(bits[k, k] <= 10 for k in range(12))
