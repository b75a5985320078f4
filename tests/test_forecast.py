"""Tests for lessonpkg.apps.forecast: naive baselines, the AR model, recursive forecasts, errors and early stopping."""

import numpy as np
import pytest

from lessonpkg import forecast as fc


def test_persistence_repeats_last_value():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]])
    np.testing.assert_array_equal(fc.persistence(x, 2), [[3.0, 3.0], [7.0, 7.0]])


@pytest.mark.parametrize("L, season, horizon", [(4, 4, 9), (6, 4, 3), (3, 1, 2), (12, 12, 12), (11, 11, 5)])
def test_seasonal_naive_is_exact_on_a_periodic_series(L, season, horizon):
    s = np.sin(2 * np.pi * np.arange(40) / season) + np.arange(40) % season  # period `season` exactly
    x = s[None, 10:10 + L]
    np.testing.assert_allclose(fc.seasonal_naive(x, horizon, season), s[None, 10 + L:10 + L + horizon], atol=1e-12)


def test_seasonal_naive_indices():
    x = np.arange(6, dtype=np.float64)[None]  # values 0..5 at times 0..5, season 4: times 6..9 copy 2, 3, 4, 5
    np.testing.assert_array_equal(fc.seasonal_naive(x, 6, 4), [[2, 3, 4, 5, 2, 3]])
    with pytest.raises(ValueError, match="season must be >= 1 and <= 6, got 7"):
        fc.seasonal_naive(x, 1, 7)


def test_ar_recovers_known_coefficients():
    rng = np.random.default_rng(0)
    s = np.zeros(3000)
    for t in range(2, s.size):
        s[t] = 0.5 + 1.2 * s[t - 1] - 0.5 * s[t - 2] + 0.01 * rng.standard_normal()
    from lessonpkg.data.timeseries import make_windows

    x, y = make_windows(s, 5, 1)
    ar = fc.ARModel(2).fit(x, y)
    np.testing.assert_allclose(ar.coef, [-0.5, 1.2], atol=5e-3)  # oldest lag first
    assert ar.intercept == pytest.approx(0.5, abs=2e-2)


def test_ar_matches_lstsq_on_noiseless_data_and_forecasts_recursively():
    rng = np.random.default_rng(1)
    coef, b = np.array([0.3, -0.2, 0.8]), 0.1
    x = rng.standard_normal((50, 4))
    y = x[:, -3:] @ coef + b
    ar = fc.ARModel(3).fit(x, y[:, None])
    np.testing.assert_allclose(ar.coef, coef, rtol=1e-10)
    f = ar.forecast(x[:2], 3)
    w = list(x[0])
    for k in range(3):
        w.append(np.dot(w[-3:], coef) + b)
        assert f[0, k] == pytest.approx(w[-1], rel=1e-10)


def test_recursive_forecast_feeds_predictions_back():
    x = np.array([[1.0, 2.0]])
    out = fc.recursive_forecast(lambda w: w.sum(axis=1), x, 4)  # Fibonacci
    np.testing.assert_array_equal(out, [[3.0, 5.0, 8.0, 13.0]])
    np.testing.assert_array_equal(x, [[1.0, 2.0]])  # input untouched


def test_errors():
    y = np.array([[1.0, 2.0], [3.0, 4.0]])
    yhat = np.array([[2.0, 2.0], [3.0, 1.0]])
    assert fc.mae(y, yhat) == pytest.approx(1.0)
    assert fc.rmse(y, yhat) == pytest.approx(np.sqrt(10 / 4))
    np.testing.assert_allclose(fc.mae(y, yhat, axis=0), [0.5, 1.5])
    np.testing.assert_allclose(fc.rmse(y, yhat, axis=0), [np.sqrt(0.5), np.sqrt(4.5)])
    with pytest.raises(ValueError, match="same shape"):
        fc.mae(y, yhat[:1])


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"x must have shape \(N, L\)"):
        fc.persistence(np.zeros(3), 1)
    with pytest.raises(ValueError, match="not fitted"):
        fc.ARModel(2).predict_one(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="at least p=4"):
        fc.ARModel(4).fit(np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="y must have shape"):
        fc.ARModel(2).fit(np.zeros((5, 3)), np.zeros(4))


@pytest.mark.parametrize("fn", [fc.mae, fc.rmse])
def test_errors_check_axis_and_empty_input(fn):
    y = np.zeros((3, 4))
    with pytest.raises(TypeError, match="axis must be an int or None, got float"):
        fn(y, y, axis=0.5)
    with pytest.raises(ValueError, match=r"axis must lie in \[-2, 2\) for y of shape \(3, 4\), got 2"):
        fn(y, y, axis=2)
    with pytest.raises(ValueError, match="y and yhat must hold at least one value"):
        fn(np.zeros(0), np.zeros(0))
    assert fn(y, y + 1, axis=-1).shape == (3,)


def test_squared_error_difference_one_step_is_mean_and_plain_standard_error():
    rng = np.random.default_rng(0)
    y, a, b = rng.standard_normal((3, 50))
    d = (a - y) ** 2 - (b - y) ** 2
    mean, se = fc.squared_error_difference(y, a, b)
    assert mean == pytest.approx(d.mean(), rel=1e-14)
    assert se == pytest.approx(d.std() / np.sqrt(d.size), rel=1e-14)
    assert fc.squared_error_difference(y, b, a) == pytest.approx((-mean, se), rel=1e-14)  # antisymmetric
    assert fc.squared_error_difference(y, a, a) == (0.0, 0.0)


def test_squared_error_difference_bartlett_long_run_variance_by_hand():
    y = np.zeros(4)
    b = np.zeros(4)
    a = np.sqrt([1.0, 2.0, 4.0, 1.0])  # d = 1, 2, 4, 1: mean 2, centred -1, 0, 2, -1
    c0, c1, c2 = (1 + 0 + 4 + 1) / 4, (0 + 0 - 2) / 4, (-2 + 0) / 4
    mean, se = fc.squared_error_difference(y, a, b, horizon=3)
    assert mean == pytest.approx(2.0, rel=1e-14)
    assert se == pytest.approx(np.sqrt((c0 + 2 * (2 / 3) * c1 + 2 * (1 / 3) * c2) / 4), rel=1e-14)
    assert fc.squared_error_difference(y, a, b, horizon=2)[1] == pytest.approx(np.sqrt((c0 + c1) / 4), rel=1e-14)


def test_squared_error_difference_overlap_widens_the_band():
    """Forecasts h steps ahead of a random walk from consecutive origins share h - 1 steps: the d_i correlate."""
    rng = np.random.default_rng(1)
    walk = np.cumsum(rng.standard_normal(2000))
    h = 4
    y, last = walk[h:], walk[:-h]
    a, b = last, last + 0.5  # b deviates from the last value by a constant: d has mean -0.25
    mean, se = fc.squared_error_difference(y, a, b, horizon=h)
    mean1, se1 = fc.squared_error_difference(y, a, b, horizon=1)
    assert mean == mean1 and se > 1.5 * se1
    assert abs(mean + 0.25) < 3 * se


def test_squared_error_difference_bad_input():
    z = np.zeros(5)
    with pytest.raises(ValueError, match=r"same shape \(N,\).*got \(5,\), \(4,\) and \(5,\)"):
        fc.squared_error_difference(z, z[:4], z)
    with pytest.raises(ValueError, match="same shape"):
        fc.squared_error_difference(np.zeros((5, 2)), np.zeros((5, 2)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="more origins than horizon=5"):
        fc.squared_error_difference(z, z, z, horizon=5)
    with pytest.raises(ValueError, match="horizon must be >= 1"):
        fc.squared_error_difference(z, z, z, horizon=0)
    with pytest.raises(TypeError, match="horizon must be an int"):
        fc.squared_error_difference(z, z, z, horizon=1.0)
    with pytest.raises(ValueError, match="yhat_b must be finite"):
        fc.squared_error_difference(z, z, np.full(5, np.nan))
