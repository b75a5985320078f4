"""Tests of lessonpkg.decode.sampling: temperature and drawing the next token."""

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error

import lessonpkg as lp
from lessonpkg.decode.sampling import apply_temperature, sample_next

P = np.array([0.5, 0.3, 0.15, 0.05])


def test_temperature_one_is_the_identity():
    np.testing.assert_allclose(apply_temperature(P, 1.0), P, rtol=1e-14)


@pytest.mark.parametrize("tau", [0.25, 0.5, 2.0, 5.0])
def test_temperature_equals_softmax_of_scaled_logits_like_torch(tau):
    logits = np.array([[1.3, -0.2, 0.7, 2.1, -3.0], [0.0, 0.0, 1.0, -1.0, 4.0]])
    p = lp.functional.softmax(logits)
    expected = torch.softmax(torch.tensor(logits / tau, dtype=torch.float64), dim=-1).numpy()
    np.testing.assert_allclose(apply_temperature(p, tau), expected, rtol=1e-12, atol=1e-15)
    record("apply_temperature", ["probabilities (torch.softmax of logits / tau)"], p.shape,
           rel_error(apply_temperature(p, tau), expected))


def test_low_temperature_sharpens_and_high_flattens():
    entropy = [-(q * np.log(q)).sum() for q in (apply_temperature(P, t) for t in (0.5, 1.0, 2.0, 100.0))]
    assert entropy[0] < entropy[1] < entropy[2] < entropy[3] < np.log(4)
    np.testing.assert_allclose(apply_temperature(P, 1e6), 0.25, atol=1e-5)
    np.testing.assert_array_equal(apply_temperature(P, 0.0), [1.0, 0.0, 0.0, 0.0])


def test_zero_probabilities_stay_zero_and_tiny_temperatures_do_not_overflow():
    p = np.array([0.0, 0.6, 0.4, 0.0])
    for tau in (1e-3, 0.7, 3.0):
        q = apply_temperature(p, tau)
        assert q[0] == 0.0 and q[3] == 0.0 and np.isfinite(q).all() and q.sum() == pytest.approx(1.0)
    assert all(sample_next(p, 1.0, rng=s) in (1, 2) for s in range(200))


def test_sample_frequencies_match_the_distribution():
    rng = np.random.default_rng(0)
    draws = np.array([sample_next(P, 1.0, rng) for _ in range(20000)])
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 20000, P, atol=0.01)
    batch = sample_next(np.tile(P, (20000, 1)), 2.0, rng=1)
    assert batch.shape == (20000,) and batch.dtype == np.int64
    np.testing.assert_allclose(np.bincount(batch, minlength=4) / 20000, apply_temperature(P, 2.0), atol=0.01)


def test_greedy_and_determinism():
    assert sample_next(P, 0.0, rng=5) == 0
    np.testing.assert_array_equal(sample_next(np.array([P, P[::-1]]), 0.0), [0, 3])
    assert [sample_next(P, 1.0, rng=s) for s in range(30)] == [sample_next(P, 1.0, rng=s) for s in range(30)]
    assert isinstance(sample_next(P, 1.0, rng=0), int)


def test_exported():
    assert lp.sample_next is sample_next and lp.apply_temperature is apply_temperature


@pytest.mark.parametrize("probs, tau, error, match", [
    (np.array([0.5, 0.6]), 1.0, ValueError, "probs must sum to 1"),
    (np.array([1.5, -0.5]), 1.0, ValueError, "probs must be >= 0"),
    (np.ones((2, 2, 2)) / 2, 1.0, ValueError, r"probs must have shape \(V,\) or \(N, V\)"),
    (np.array([1, 0]), 1.0, TypeError, "probs must have dtype"),
    (np.array([np.nan, 1.0]), 1.0, ValueError, "probs must be finite"),
    (P, -1.0, ValueError, "temperature must be a finite number >= 0"),
    (P, "hot", TypeError, "temperature must be a real number"),
])
def test_bad_arguments(probs, tau, error, match):
    with pytest.raises(error, match=match):
        sample_next(probs, tau, rng=0)
