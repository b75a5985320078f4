"""Tests of lessonpkg.data.seqtasks: the generated sine, bracket-depth and digit-transduction tasks."""

import numpy as np
import pytest

import lessonpkg as lp
from lessonpkg.data.seqtasks import CLOSE, OPEN, make_bracket_depth, make_digit_transduction, make_sine_curves


def test_sine_curves_values_shapes_and_ranges():
    z, y = make_sine_curves(50, 7, rng=0, amplitude=(0.5, 1.0), frequency=(0.2, 0.6))
    assert z.shape == (50, 2) and y.shape == (50, 7, 1) and z.dtype == y.dtype == np.float64
    a, w = z[:, 0], z[:, 1]
    assert (0.5 <= a).all() and (a <= 1.0).all() and (0.2 <= w).all() and (w <= 0.6).all()
    np.testing.assert_allclose(y[:, :, 0], a[:, None] * np.sin(w[:, None] * np.arange(1, 8)), rtol=1e-15)
    assert lp.data.make_sine_curves is make_sine_curves


def test_sine_curves_are_seeded():
    np.testing.assert_array_equal(make_sine_curves(5, 3, rng=1)[1], make_sine_curves(5, 3, rng=1)[1])
    assert not np.array_equal(make_sine_curves(5, 3, rng=1)[0], make_sine_curves(5, 3, rng=2)[0])


@pytest.mark.parametrize("steps, max_depth", [(1, 1), (16, 4), (40, 2)])
def test_bracket_depth_is_the_running_count_and_stays_in_range(steps, max_depth):
    b = make_bracket_depth(200, steps, rng=steps, max_depth=max_depth)
    assert b.tokens.shape == b.depth.shape == (200, steps) and b.x.shape == (200, steps, 1)
    assert b.tokens.dtype == b.depth.dtype == np.int64 and b.x.dtype == np.float64
    np.testing.assert_array_equal(b.depth, np.cumsum(np.where(b.tokens == OPEN, 1, -1), axis=1))
    np.testing.assert_array_equal(b.x[:, :, 0], np.where(b.tokens == OPEN, 1.0, -1.0))
    assert b.depth.min() >= 0 and b.depth.max() <= max_depth
    before = np.concatenate([np.zeros((200, 1), dtype=np.int64), b.depth[:, :-1]], axis=1)
    assert (b.tokens[before == 0] == OPEN).all() and (b.tokens[before == max_depth] == CLOSE).all()
    assert b.to_text(0)[0] == "(" and len(b.to_text(0)) == steps


def test_bracket_depth_free_moves_are_fair_coins_and_seeded():
    b = make_bracket_depth(2000, 16, rng=0)
    before = np.concatenate([np.zeros((2000, 1), dtype=np.int64), b.depth[:, :-1]], axis=1)
    free = (before > 0) & (before < b.max_depth)
    assert abs((b.tokens[free] == OPEN).mean() - 0.5) < 0.02
    np.testing.assert_array_equal(make_bracket_depth(9, 5, rng=3).tokens, make_bracket_depth(9, 5, rng=3).tokens)


@pytest.mark.parametrize("task", ["reverse", "sort"])
def test_digit_transduction_targets_and_disjoint_splits(task):
    d = make_digit_transduction(300, 100, length=4, num_digits=6, rng=0, task=task)
    assert d.src_train.shape == d.tgt_train.shape == (300, 4) and d.src_test.shape == (100, 4)
    for s, t in ((d.src_train, d.tgt_train), (d.src_test, d.tgt_test)):
        assert s.dtype == t.dtype == np.int64 and s.min() >= 0 and s.max() < 6
        np.testing.assert_array_equal(t, s[:, ::-1] if task == "reverse" else np.sort(s, axis=1))
    strings = {tuple(r) for r in np.concatenate([d.src_train, d.src_test]).tolist()}
    assert len(strings) == 400  # all distinct, so no test string was seen in training
    assert d.bos == d.num_digits == 6


def test_digit_transduction_covers_every_string_when_asked_for_all():
    d = make_digit_transduction(5, 3, length=3, num_digits=2, rng=0)
    assert {tuple(r) for r in np.concatenate([d.src_train, d.src_test]).tolist()} == {
        (a, b, c) for a in range(2) for b in range(2) for c in range(2)}


@pytest.mark.parametrize("call, exc, match", [
    (lambda: make_sine_curves(0), ValueError, "n must be >= 1"),
    (lambda: make_sine_curves(3, amplitude=(1.0, 0.5)), ValueError, "amplitude must be a finite range"),
    (lambda: make_sine_curves(3, frequency=(0.1, np.inf)), ValueError, "frequency must be a finite range"),
    (lambda: make_bracket_depth(3, 0), ValueError, "steps must be >= 1"),
    (lambda: make_bracket_depth(3, 4, max_depth=0), ValueError, "max_depth must be >= 1"),
    (lambda: make_bracket_depth(3, 4.0), TypeError, "steps must be an int"),
    (lambda: make_digit_transduction(5, 4, length=3, num_digits=2), ValueError, "at most num_digits \\*\\* length"),
    (lambda: make_digit_transduction(5, 4, task="copy"), ValueError, "task must be 'reverse' or 'sort'"),
    (lambda: make_digit_transduction(5, 4, rng="x"), TypeError, "rng must be a numpy.random.Generator"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
