"""Tests of lessonpkg.data.synthetic: the generated delayed-recall task."""

import numpy as np
import pytest

import lessonpkg as lp
from lessonpkg.data.synthetic import delayed_recall


@pytest.mark.parametrize("n, length, delay, vocab_size", [(1, 2, 1, 2), (5, 10, 3, 4), (3, 7, 6, 9), (8, 20, 1, 2)])
def test_shapes_dtypes_and_targets(n, length, delay, vocab_size):
    x, y = delayed_recall(n, length, delay, vocab_size, rng=0)
    assert x.shape == (length, n, vocab_size) and x.dtype == np.float64
    assert y.shape == (length, n) and y.dtype == np.int64
    np.testing.assert_array_equal(x.sum(axis=-1), 1.0)  # one-hot
    assert set(np.unique(x)) <= {0.0, 1.0}
    tokens = x.argmax(axis=-1)  # (T, N)
    np.testing.assert_array_equal(y[:delay], -100)
    np.testing.assert_array_equal(y[delay:], tokens[:-delay])


def test_custom_ignore_index():
    _, y = delayed_recall(4, 6, 2, 3, ignore_index=7, rng=1)
    np.testing.assert_array_equal(y[:2], 7)
    assert np.all((y[2:] >= 0) & (y[2:] < 3))


def test_deterministic_for_a_seed_and_accepts_a_generator():
    a = delayed_recall(6, 12, 4, rng=3)
    b = delayed_recall(6, 12, 4, rng=3)
    c = delayed_recall(6, 12, 4, rng=np.random.default_rng(3))
    d = delayed_recall(6, 12, 4, rng=4)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    for u, v in zip(a, c):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], d[0])


def test_tokens_are_roughly_uniform():
    x, _ = delayed_recall(400, 50, 3, 4, rng=0)
    freq = x.reshape(-1, 4).mean(axis=0)
    np.testing.assert_allclose(freq, 0.25, atol=0.01)


def test_exported_from_lessonpkg_data():
    assert lp.data.delayed_recall is delayed_recall


@pytest.mark.parametrize("kwargs, error, match", [
    ({"length": 4, "delay": 4}, ValueError, "length must be greater than delay=4"),
    ({"delay": 0}, ValueError, "delay must be >= 1"),
    ({"vocab_size": 1}, ValueError, "vocab_size must be >= 2"),
    ({"n": 0}, ValueError, "n must be >= 1"),
    ({"n": 2.0}, TypeError, "n must be an int"),
    ({"ignore_index": 2}, ValueError, r"ignore_index must lie outside range\(4\)"),
    ({"ignore_index": 1.5}, TypeError, "ignore_index must be an int"),
    ({"rng": "seed"}, TypeError, "rng must be"),
])
def test_bad_arguments(kwargs, error, match):
    args = {"n": 3, "length": 8, "delay": 2, "vocab_size": 4} | kwargs
    with pytest.raises(error, match=match):
        delayed_recall(**args)


# -- adding_problem --------------------------------------------------------------------------------
from lessonpkg.data.synthetic import adding_problem  # noqa: E402


@pytest.mark.parametrize("n, T", [(1, 2), (1, 3), (5, 10), (7, 51)])
def test_adding_problem_shapes_markers_and_targets(n, T):
    x, y = adding_problem(n, T, rng=0)
    assert x.shape == (T, n, 2) and x.dtype == np.float64
    assert y.shape == (n, 1) and y.dtype == np.float64
    values, markers = x[..., 0], x[..., 1]  # (T, N)
    assert np.all((values >= 0) & (values < 1))
    np.testing.assert_array_equal(markers.sum(axis=0), 2.0)
    assert set(np.unique(markers)) <= {0.0, 1.0}
    assert np.all(markers[: T // 2].sum(axis=0) == 1) and np.all(markers[T // 2:].sum(axis=0) == 1)
    np.testing.assert_allclose(y[:, 0], (values * markers).sum(axis=0), rtol=1e-15)


def test_adding_problem_batch_first_is_the_transpose_and_is_seeded():
    a, ya = adding_problem(4, 8, rng=2)
    b, yb = adding_problem(4, 8, rng=np.random.default_rng(2), batch_first=True)
    np.testing.assert_array_equal(b, a.transpose(1, 0, 2))
    np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(adding_problem(4, 8, rng=3)[0], a)


def test_adding_problem_mean_baseline_is_one_sixth():
    _, y = adding_problem(200_000, 4, rng=0)
    assert np.mean(y) == pytest.approx(1.0, abs=0.005)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(1 / 6, abs=0.002)


def test_adding_problem_exported_from_lessonpkg_data():
    assert lp.data.adding_problem is adding_problem


@pytest.mark.parametrize("kwargs, error, match", [
    ({"T": 1}, ValueError, "T must be >= 2"),
    ({"T": 0}, ValueError, "T must be >= 1"),
    ({"n": 0}, ValueError, "n must be >= 1"),
    ({"n": 2.0}, TypeError, "n must be an int"),
    ({"batch_first": 1}, TypeError, "batch_first must be a bool"),
    ({"rng": "seed"}, TypeError, "rng must be"),
])
def test_adding_problem_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        adding_problem(**({"n": 3, "T": 6} | kwargs))


def test_adding_problem_delay_appends_blank_steps():
    x, y = adding_problem(5, 6, rng=3, delay=4, batch_first=True)
    x0, y0 = adding_problem(5, 6, rng=3, batch_first=True)
    assert x.shape == (5, 10, 2)
    np.testing.assert_array_equal(x[:, :6], x0)
    np.testing.assert_array_equal(x[:, 6:], 0.0)
    np.testing.assert_array_equal(y, y0)
    with pytest.raises(ValueError, match="delay must be >= 0"):
        adding_problem(5, 6, delay=-1)
