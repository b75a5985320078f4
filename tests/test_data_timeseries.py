"""Tests for lessonpkg.data.timeseries: the sunspot loader, its chronological split, windows and the Scaler."""

import dataclasses

import numpy as np
import pytest

from lessonpkg.data.timeseries import (
    Scaler,
    TimeSeries,
    load_sunspots,
    load_tbill_rate,
    make_random_walk,
    make_windows,
)


@pytest.fixture(scope="module")
def ts() -> TimeSeries:
    pytest.importorskip("statsmodels")  # the data ships inside statsmodels (in the project venv)
    return load_sunspots()


def test_sunspots_shape_years_and_split(ts):
    assert ts.values.shape == (309,) and ts.values.dtype == np.float64
    assert ts.time[0] == 1700 and ts.time[-1] == 2008 and np.all(np.diff(ts.time) == 1)
    assert ts.time[ts.val_start] == 1920 and ts.time[ts.test_start] == 1960
    assert ts.train.size + ts.val.size + ts.test.size == 309
    assert ts.time[:ts.val_start].max() < ts.time[ts.val_start:ts.test_start].min()  # chronological, never shuffled
    assert np.all(ts.values >= 0) and np.all(np.isfinite(ts.values))
    assert ts.values[0] == 5.0 and ts.values[-1] == 2.9


def test_sunspots_documents_source_and_licence(ts):
    import statsmodels.api as sm

    assert "public domain" in sm.datasets.sunspots.COPYRIGHT
    assert "public domain" in ts.licence and "BSD-3" in ts.licence
    assert "ngdc.noaa.gov" in ts.source and "statsmodels" in ts.source


def test_sunspots_is_deterministic_and_custom_split(ts):
    a, b = load_sunspots(1900, 1950), load_sunspots(1900, 1950)
    np.testing.assert_array_equal(a.values, b.values)
    assert a.time[a.val_start] == 1900 and a.time[a.test_start] == 1950


@pytest.mark.parametrize("val, test", [(1700, 1800), (1900, 1900), (1950, 1900), (1900, 2009)])
def test_sunspots_bad_split(ts, val, test):
    with pytest.raises(ValueError, match="val_start_year < test_start_year"):
        load_sunspots(val, test)


@pytest.mark.parametrize("T, L, H, first", [(10, 3, 1, 0), (10, 1, 1, 0), (10, 3, 2, 6), (8, 4, 4, 0), (12, 2, 3, 1)])
def test_make_windows_contents(T, L, H, first):
    s = np.arange(T, dtype=np.float64)
    x, y = make_windows(s, L, H, first_target=first)
    s0 = max(L, first)
    assert x.shape == (T - H + 1 - s0, L) and y.shape == (T - H + 1 - s0, H)
    for i in range(x.shape[0]):
        np.testing.assert_array_equal(x[i], s[s0 + i - L:s0 + i])
        np.testing.assert_array_equal(y[i], s[s0 + i:s0 + i + H])


def test_windows_targets_stay_in_their_part(ts):
    years = dataclasses.replace(ts, values=ts.time.astype(np.float64))  # windows of years show where each value is
    for part, lo, hi in (("train", 1700, 1919), ("val", 1920, 1959), ("test", 1960, 2008)):
        x, y = years.windows(part, 22, 5)
        assert y.min() >= lo and y.max() <= hi
        assert np.all(x[:, -1] + 1 == y[:, 0])  # inputs end right before the first target
    assert years.windows("test", 22, 5)[1][0, 0] == 1960 and years.windows("test", 22, 5)[1][-1, -1] == 2008
    with pytest.raises(ValueError, match="part must be"):
        ts.windows("validation", 3, 1)


def test_make_windows_bad_input():
    with pytest.raises(ValueError, match=r"series must have shape \(T,\)"):
        make_windows(np.zeros((3, 2)), 1, 1)
    with pytest.raises(ValueError, match="too short"):
        make_windows(np.zeros(5), 4, 2)
    with pytest.raises(TypeError, match="input_len must be an int"):
        make_windows(np.zeros(5), 2.0, 1)
    with pytest.raises(ValueError, match="horizon must be >= 1"):
        make_windows(np.zeros(5), 2, 0)
    with pytest.raises(TypeError, match="series must have dtype"):
        make_windows(np.arange(5), 2, 1)


def test_scaler_round_trip_and_statistics(ts):
    sc = Scaler().fit(ts.train)
    assert sc.mean == pytest.approx(ts.train.mean()) and sc.std == pytest.approx(ts.train.std())
    z = sc.transform(ts.train)
    assert abs(z.mean()) < 1e-12 and abs(z.std() - 1) < 1e-12
    np.testing.assert_allclose(sc.inverse_transform(sc.transform(ts.values)), ts.values, rtol=1e-13, atol=1e-12)


def test_scaler_never_sees_validation_or_test_values(ts):
    """Changing every validation and test value leaves the scaler fitted on the training part unchanged."""
    altered = ts.values.copy()
    altered[ts.val_start:] = 1e6
    other = dataclasses.replace(ts, values=altered)
    a, b = Scaler().fit(ts.train), Scaler().fit(other.train)
    assert (a.mean, a.std) == (b.mean, b.std)
    leaky = Scaler().fit(ts.values)  # fitted on the whole series: it does see the future
    assert leaky.mean != a.mean


def test_scaler_bad_input():
    with pytest.raises(ValueError, match="not fitted"):
        Scaler().transform(np.zeros(3))
    with pytest.raises(ValueError, match="constant"):
        Scaler().fit(np.ones(4))
    with pytest.raises(ValueError, match=r"train must have shape \(T,\)"):
        Scaler().fit(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="must be finite"):
        Scaler().fit(np.array([1.0, np.nan, 2.0]))


@pytest.fixture(scope="module")
def tbill() -> TimeSeries:
    pytest.importorskip("statsmodels")
    return load_tbill_rate()


def test_tbill_rate_shape_quarters_and_split(tbill):
    assert tbill.values.shape == (203,) and tbill.values.dtype == np.float64
    assert tbill.time[0] == 1959.0 and tbill.time[-1] == 2009.5 and np.allclose(np.diff(tbill.time), 0.25)
    assert tbill.time[tbill.val_start] == 1990.0 and tbill.time[tbill.test_start] == 2000.0
    assert (tbill.train.size, tbill.val.size, tbill.test.size) == (124, 40, 39)
    assert tbill.values[0] == 2.82 and tbill.values[-1] == 0.12  # percent per year, 1959Q1 and 2009Q3
    assert np.all(tbill.values > 0) and np.all(np.isfinite(tbill.values))
    b = load_tbill_rate(1980, 2005)
    assert b.time[b.val_start] == 1980.0 and b.time[b.test_start] == 2005.0


def test_tbill_rate_documents_source_and_licence(tbill):
    import statsmodels.api as sm

    assert "public domain" in sm.datasets.macrodata.COPYRIGHT and "FRED" in sm.datasets.macrodata.SOURCE
    assert "public domain" in tbill.licence and "BSD-3" in tbill.licence
    assert "FRED" in tbill.source and "macrodata" in tbill.source and "tbilrate" in tbill.source


@pytest.mark.parametrize("val, test", [(1959, 1990), (1990, 1990), (2000, 1990), (1990, 2010)])
def test_tbill_rate_bad_split(tbill, val, test):
    with pytest.raises(ValueError, match="val_start_year < test_start_year"):
        load_tbill_rate(val, test)
    with pytest.raises(TypeError, match="val_start_year must be an int"):
        load_tbill_rate(1990.0, 2000)


def test_random_walk_steps_split_and_seed():
    w = make_random_walk(300, 180, 240, step_std=2.0, rng=3)
    assert w.values.shape == (300,) and w.values.dtype == np.float64 and w.values[0] == 0.0
    steps = np.random.default_rng(3).normal(0.0, 2.0, size=299)
    np.testing.assert_allclose(np.diff(w.values), steps, rtol=0, atol=1e-12)  # y_t - y_{t-1} = e_t
    assert (w.val_start, w.test_start, w.train.size, w.test.size) == (180, 240, 180, 60)
    np.testing.assert_array_equal(w.time, np.arange(300))
    assert "simulated" in w.name and "simulated" in w.source and "no licence" in w.licence
    np.testing.assert_array_equal(make_random_walk(rng=0).values, make_random_walk(rng=0).values)
    assert not np.array_equal(make_random_walk(rng=0).values, make_random_walk(rng=1).values)


def test_random_walk_increments_are_independent_with_the_given_spread():
    d = np.diff(make_random_walk(20001, 10000, 15000, step_std=0.5, rng=0).values)
    assert abs(d.std() - 0.5) < 0.01 and abs(d.mean()) < 0.01
    assert abs(np.corrcoef(d[:-1], d[1:])[0, 1]) < 0.03  # no linear predictability of the next step


def test_random_walk_bad_input():
    with pytest.raises(ValueError, match="need 0 < val_start < test_start < length=10"):
        make_random_walk(10, 5, 10)
    with pytest.raises(ValueError, match="need 0 < val_start < test_start"):
        make_random_walk(10, 6, 5)
    with pytest.raises(ValueError, match="step_std must be"):
        make_random_walk(step_std=0.0)
    with pytest.raises(TypeError, match="length must be an int"):
        make_random_walk(length=300.0)
    with pytest.raises(ValueError, match="val_start must be >= 1"):
        make_random_walk(val_start=0)
    with pytest.raises(ValueError, match="rng must be a seed >= 0"):
        make_random_walk(rng=-1)
