"""Temporal alignment on hand-made pairs: offsets, gaps, rates, noise."""

from __future__ import annotations

import numpy as np

from takedown.matching.align import AlignPolicy, Segment, align, passing


def test_one_diagonal_becomes_one_segment() -> None:
    # Query seconds 12..19 show reference seconds 4..11: offset -8.
    pairs = [(float(q), float(q - 8), 10.0) for q in range(12, 20)]
    (seg,) = align(pairs, signal="vpdq", step=1.0)
    assert (seg.query_start, seg.query_end) == (12.0, 20.0)
    assert (seg.reference_start, seg.reference_end) == (4.0, 12.0)
    assert seg.samples == 8 and seg.seconds == 8.0 and seg.signal == "vpdq"


def test_dropped_frames_inside_a_run_are_tolerated_but_long_gaps_split() -> None:
    kept = [0, 1, 3, 4, 6, 7, 8]  # seconds 2 and 5 lost (dropped or re-encoded away)
    later = [20, 21, 22, 23]  # the same offset again after a 12 s gap
    pairs = [(float(q), float(q + 30), 5.0) for q in kept + later]
    segments = align(pairs, signal="vpdq", step=1.0)
    assert [(s.query_start, s.query_end) for s in segments] == [(0.0, 9.0), (20.0, 24.0)]


def test_scattered_coincidences_make_no_segment_that_passes() -> None:
    rng = np.random.default_rng(3)
    # Thirty chance frame matches between unrelated videos: random times on both sides.
    pairs = np.column_stack([rng.uniform(0, 60, 30), rng.uniform(0, 60, 30), np.full(30, 29.0)])
    segments = align(pairs, signal="vpdq", step=1.0)
    assert passing(segments, 60.0, 60.0) == []


def test_true_run_wins_over_a_static_scene_and_noise() -> None:
    pairs = [(float(q), float(q + 5), 8.0) for q in range(10, 18)]
    # A static stretch: query second 30 resembles every reference second 0..9.
    pairs += [(30.0, float(r), 25.0) for r in range(10)]
    best = align(pairs, signal="vpdq", step=1.0)[0]
    assert (best.query_start, best.reference_start) == (10.0, 15.0)


def test_speed_change_found_when_its_rate_is_tried() -> None:
    # The query plays 1.25x fast: reference time = 1.25 * query time + 2.
    pairs = [(float(q), 1.25 * q + 2, 6.0) for q in range(0, 30)]
    plain = align(pairs, signal="vpdq", step=1.0)
    assert max(s.samples for s in plain) < 20  # the offset drifts out of the tolerance
    (seg,) = align(pairs, signal="vpdq", step=1.0, policy=AlignPolicy(rates=(1.0, 1.25)))
    assert seg.samples == 30 and seg.reference_start == 2.0


def test_passing_needs_length_or_share_of_the_shorter_side() -> None:
    policy = AlignPolicy(min_seconds=4.0, min_samples=4, min_share=0.6)
    short = Segment("vpdq", 0.0, 3.0, 0.0, 3.0, 3, 10.0)
    assert passing([short], 60.0, 60.0, policy) == []  # 3 s of a minute: not enough
    assert passing([short], 4.0, 60.0, policy) == [short]  # 3 s of a 4 s query: 75%
    long = Segment("audio", 10.0, 16.0, 0.0, 6.0, 48, 3.0)
    assert passing([long], 60.0, 60.0, policy) == [long]
    assert Segment.from_dict(long.to_dict()) == long
