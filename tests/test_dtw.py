"""DTW against a plain double loop, its special cases, the archive's published 1-NN error, and bad input."""

import numpy as np
import pytest

from lessonpkg.data.uea import load_uea
from lessonpkg.metrics import dtw_distances, mcnemar_exact


def loop_dtw(a, b, window=None):
    d = np.full((len(a) + 1, len(b) + 1), np.inf)
    d[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            if window is not None and abs(i - j) > window:
                continue
            d[i, j] = ((a[i - 1] - b[j - 1]) ** 2).sum() + min(d[i - 1, j - 1], d[i - 1, j], d[i, j - 1])
    return d[-1, -1]


@pytest.mark.parametrize("window", [None, 0, 1, 3])
@pytest.mark.parametrize("block", [1, 50, 10**6])
def test_matches_the_double_loop_on_padded_series_of_any_lengths(window, block):
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(4, 9, 3)), rng.normal(size=(5, 7, 3))
    la, lb = np.array([9, 3, 5, 1]), np.array([7, 7, 2, 4, 1])
    got = dtw_distances(a, b, la, lb, window=window, block=block)
    want = [[loop_dtw(a[i, :la[i]], b[j, :lb[j]], window) for j in range(5)] for i in range(4)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_window_zero_is_the_squared_euclidean_distance_and_warping_never_costs_more():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 6, 2)), rng.normal(size=(4, 6, 2))
    euclid = ((a[:, None] - b[None]) ** 2).sum(axis=(2, 3))
    np.testing.assert_allclose(dtw_distances(a, b, window=0), euclid, rtol=1e-12)
    assert (dtw_distances(a, b) <= euclid + 1e-12).all()
    np.testing.assert_allclose(np.diag(dtw_distances(a, a)), 0.0, atol=0)


def test_a_shifted_copy_is_close_under_dtw_and_far_under_euclid():
    t = np.linspace(0, 2 * np.pi, 40)
    a, b = np.sin(t)[None, :, None], np.sin(t - 0.6)[None, :, None]
    assert dtw_distances(a, b)[0, 0] < 0.2 * dtw_distances(a, b, window=0)[0, 0]


def test_one_nn_dtw_reproduces_the_archive_error_on_gunpoint():
    # UCR archive (Dau et al. 2019): 1-NN with full-window DTW errs on 0.093 of GunPoint's test series.
    train, test = load_uea("GunPoint", "train"), load_uea("GunPoint", "test")
    (xt, _), (xr, _) = test.padded(), train.padded()
    pred = train.labels[dtw_distances(xt, xr).argmin(axis=1)]
    assert round(float((pred != test.labels).mean()), 3) == 0.093


def test_bad_input_is_named():
    x = np.zeros((2, 5, 3))
    with pytest.raises(ValueError, match="same number of channels"):
        dtw_distances(x, np.zeros((2, 5, 2)))
    with pytest.raises(ValueError, match="a must have shape"):
        dtw_distances(np.zeros((5, 3)), x)
    with pytest.raises(ValueError, match="a_lengths"):
        dtw_distances(x, x, a_lengths=np.array([6, 1]))
    with pytest.raises(TypeError, match="b_lengths"):
        dtw_distances(x, x, b_lengths=np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="window"):
        dtw_distances(x, x, window=-1)
    with pytest.raises(ValueError, match="finite"):
        dtw_distances(np.full((1, 2, 3), np.nan), x)


def test_mcnemar_counts_the_disagreements_and_gives_the_exact_binomial_p():
    a = np.array([True] * 10 + [False] * 2 + [True] * 5)
    b = np.array([False] * 10 + [True] * 2 + [True] * 5)
    only_a, only_b, p = mcnemar_exact(a, b)
    assert (only_a, only_b) == (10, 2)
    assert p == pytest.approx(2 * (1 + 12 + 66) / 2**12)  # 2 * P(Binomial(12, 1/2) <= 2)
    assert mcnemar_exact(a, a) == (0, 0, 1.0)
    assert mcnemar_exact(b, a)[2] == p


def test_mcnemar_refuses_non_bool_and_mismatched_input():
    with pytest.raises(TypeError, match="correct_a must be a bool array"):
        mcnemar_exact(np.array([1, 0]), np.array([True, False]))
    with pytest.raises(ValueError, match="same items"):
        mcnemar_exact(np.array([True]), np.array([True, False]))
    with pytest.raises(ValueError, match="correct_b must have shape"):
        mcnemar_exact(np.array([True]), np.array([[True]]))
