"""PDQ computed straight from a luma plane, without filtering every pixel.

PDQ (Meta's reference algorithm) blurs the full-resolution luma with two passes of a box filter
along rows and columns (Jarosz), samples 64 x 64 points of the result, takes the 16 x 16 lowest
non-constant DCT coefficients and thresholds them at their median. Everything before the
threshold is linear, and only 64 rows and 64 columns of the blurred image are ever read, so
the 64 x 64 samples are ``R @ luma @ C.T`` with ``R`` (64 x rows) and ``C`` (64 x columns)
the filter weights of the sampled lines; each row of ``R`` or ``C`` has about ``rows / 32``
non-zero weights. The result is the reference algorithm's (to float rounding: a bit whose
coefficient sits on the median may differ) at a fraction of the cost: the full filter touches
every pixel four times in floating point, this reads each pixel about once.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["pdq_from_luma"]

F32 = npt.NDArray[np.float32]

_PASSES = 2
_WINDOW_DIVISOR = 128


def _window(n: int) -> int:
    return (n + _WINDOW_DIVISOR - 1) // _WINDOW_DIVISOR


@functools.lru_cache(maxsize=64)
def _sampled_filter(n: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], F32]:
    """The filter weights of the 64 sampled lines of a side of ``n`` pixels.

    Returns per sampled line the first input index, the support length, and the weights padded
    to a common length (``starts``, ``lengths``, ``weights`` of shape (64, L)).
    """
    window = _window(n)
    samples = [math.floor((i + 0.5) * n / 64) for i in range(64)]
    # Only a band around each sample matters: the two passes reach at most 2 * window away.
    reach = 2 * window + 2
    starts = np.empty(64, dtype=np.int64)
    lengths = np.empty(64, dtype=np.int64)
    rows: list[npt.NDArray[np.float64]] = []
    for i, s in enumerate(samples):
        lo, hi = max(0, s - reach), min(n, s + reach + 1)
        # The filter restricted to [lo, hi) is exact for the sample: each pass reads inputs
        # within ``window`` of its output, so two passes stay within the band.
        local = _band_box(n, window, lo, hi)
        twice = local[s - lo] @ local  # row s of (box o box)
        nz = np.flatnonzero(twice)
        starts[i], lengths[i] = lo + nz[0], nz[-1] - nz[0] + 1
        rows.append(twice[nz[0] : nz[-1] + 1])
    width = int(lengths.max())
    weights = np.zeros((64, width), dtype=np.float32)
    for i, r in enumerate(rows):
        weights[i, : len(r)] = r
    return starts, lengths, weights


def _band_box(n: int, window: int, lo: int, hi: int) -> npt.NDArray[np.float64]:
    """Rows and columns ``lo..hi-1`` of one pass of the reference's 1-D box filter, as a matrix.

    Output ``o`` is the mean of inputs ``max(0, o - left) .. min(n - 1, o + right)`` with
    ``right = (window + 2) // 2 - 1`` and ``left = window - right - 1``: the reference's four
    phases, shrinking windows at both ends included.
    """
    right = (window + 2) // 2 - 1
    left = window - right - 1
    o = np.arange(lo, hi)
    a = np.maximum(0, o - left)
    b = np.minimum(n, o + right + 1)
    k = o[None, :]
    inside = (k >= a[:, None]) & (k < b[:, None])
    out: npt.NDArray[np.float64] = inside / (b - a)[:, None]
    return out


@functools.lru_cache(maxsize=1)
def _dct() -> npt.NDArray[np.float64]:
    scale = math.sqrt(2.0 / 64.0)
    i = np.arange(1, 17, dtype=np.float64)[:, None]
    j = np.arange(64, dtype=np.float64)[None, :]
    out: npt.NDArray[np.float64] = scale * np.cos((math.pi / 2 / 64.0) * i * (2 * j + 1))
    return out


def _quality(block: npt.NDArray[np.float64]) -> int:
    """The reference's gradient-based quality (0-100) of the 64 x 64 samples."""
    dy = np.trunc((block[:-1, :] - block[1:, :]) * 100 / 255)
    dx = np.trunc((block[:, :-1] - block[:, 1:]) * 100 / 255)
    total = int(np.abs(dy).sum() + np.abs(dx).sum())
    return min(100, total // 90)


def _sample_rows_py(
    luma: npt.NDArray[Any],
    starts: npt.NDArray[np.int64],
    lengths: npt.NDArray[np.int64],
    weights: F32,
    out: F32,
) -> None:
    """``out[i] = weights[i] @ luma[starts[i] : starts[i] + lengths[i]]`` for the 64 rows."""
    cols = luma.shape[1]
    for i in range(64):
        acc = out[i]
        acc[:] = 0.0
        for k in range(lengths[i]):
            w = weights[i, k]
            row = luma[starts[i] + k]
            for c in range(cols):
                acc[c] += w * row[c]


# Compiled once per input dtype (uint8, float32); releases the GIL.
_sample_rows: Any = numba.njit(cache=True, nogil=True)(_sample_rows_py)


def _sample_cols_dct_py(
    rows: F32,
    starts: npt.NDArray[np.int64],
    lengths: npt.NDArray[np.int64],
    weights: F32,
    dct: npt.NDArray[np.float64],
    block: npt.NDArray[np.float64],
    coeffs: npt.NDArray[np.float64],
) -> None:
    """The 64 x 64 samples from the sampled rows, then their 16 x 16 DCT coefficients.

    Plain loops rather than BLAS: the products are tiny, and BLAS threads would spin on the
    other cores.
    """
    for i in range(64):
        for j in range(64):
            acc = 0.0
            for k in range(lengths[j]):
                acc += weights[j, k] * rows[i, starts[j] + k]
            block[i, j] = acc
    tmp = np.zeros((16, 64))
    for a in range(16):
        for k in range(64):
            w = dct[a, k]
            for j in range(64):
                tmp[a, j] += w * block[k, j]
    for a in range(16):
        for b in range(16):
            acc = 0.0
            for k in range(64):
                acc += tmp[a, k] * dct[b, k]
            coeffs[a, b] = acc


_sample_cols_dct: Any = numba.njit(cache=True, nogil=True)(_sample_cols_dct_py)


def pdq_from_luma(luma: npt.NDArray[np.uint8] | F32) -> tuple[npt.NDArray[np.uint8], int]:
    """PDQ bits (256, in ``pdqhash.compute``'s order) and quality of a luma plane (rows, cols).

    ``luma`` holds ``0.299 R + 0.587 G + 0.114 B`` (uint8 or float32).
    """
    rows, cols = luma.shape
    if rows < 1 or cols < 1:
        raise ValueError("empty luma plane")
    r_starts, r_lengths, r_weights = _sampled_filter(rows)
    c_starts, c_lengths, c_weights = _sampled_filter(cols)
    # First product, exploiting the band: each sampled row is a short weighted sum of rows.
    sampled_rows = np.empty((64, cols), dtype=np.float32)
    _sample_rows(np.ascontiguousarray(luma), r_starts, r_lengths, r_weights, sampled_rows)
    block = np.empty((64, 64))
    coeffs = np.empty((16, 16))
    _sample_cols_dct(sampled_rows, c_starts, c_lengths, c_weights, _dct(), block, coeffs)
    quality = _quality(block)
    flat = coeffs.ravel()
    median = np.partition(flat, 127)[127]
    # The reference sets bit i * 16 + j; pdqhash.compute lists the 256 bits last first.
    bits = (flat[::-1] > median).astype(np.uint8)
    return bits, quality
