"""Time series split by time, sliding windows over them, and a scaler fitted on the training part only.

``load_sunspots`` returns the yearly sunspot numbers 1700-2008 (309 values) as
distributed with statsmodels (``statsmodels.datasets.sunspots``). Its docstring
names the source, "http://www.ngdc.noaa.gov/stp/solar/solarda3.html" (the US
National Geophysical Data Center), and its copyright note says "This data is
public domain."; statsmodels itself is BSD-3 licensed. Nothing is downloaded:
the file ships inside the statsmodels wheel.

``load_tbill_rate`` returns the quarterly 3-month US Treasury bill rate
1959Q1-2009Q3 (203 values, percent per year), column ``tbilrate`` of
``statsmodels.datasets.macrodata``, whose SOURCE is FRED (Federal Reserve Bank
of St. Louis) and whose COPYRIGHT note says "This is public domain.".

``make_random_walk`` generates a Gaussian random walk: simulated, not collected,
so it has no source or licence beyond this package.

The split is chronological and never shuffled across time: the training part
is the oldest, the test part the most recent. A window predicting values in
one part may read inputs from the part before it (a forecaster always knows the
past), but its targets never leave that part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lessonpkg._validate import as_rng, check_array, check_int, check_real


@dataclass(frozen=True)
class TimeSeries:
    """A univariate series with its time stamps and a chronological split.

    ``values[:val_start]`` is the training part, ``values[val_start:test_start]``
    the validation part and ``values[test_start:]`` the test part.
    """

    time: np.ndarray
    values: np.ndarray
    val_start: int
    test_start: int
    name: str
    source: str
    licence: str

    @property
    def train(self) -> np.ndarray:
        """The training part (oldest values), shape (T_train,)."""
        return self.values[:self.val_start]

    @property
    def val(self) -> np.ndarray:
        """The validation part, shape (T_val,)."""
        return self.values[self.val_start:self.test_start]

    @property
    def test(self) -> np.ndarray:
        """The test part (most recent values), shape (T_test,)."""
        return self.values[self.test_start:]

    def windows(self, part: str, input_len: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the windows ``(x, y)`` whose targets all lie in ``part`` ("train", "val" or "test")."""
        bounds = {"train": (0, self.val_start), "val": (self.val_start, self.test_start),
                  "test": (self.test_start, self.values.size)}
        if part not in bounds:
            raise ValueError(f"part must be 'train', 'val' or 'test', got {part!r}")
        start, stop = bounds[part]
        return make_windows(self.values[:stop], input_len, horizon, first_target=start)


def _split_by_year(time: np.ndarray, values: np.ndarray, val_start_year: int, test_start_year: int,
                   **about: str) -> TimeSeries:
    """A TimeSeries whose validation and test parts start at the first time stamp of the given years."""
    for name, year in (("val_start_year", val_start_year), ("test_start_year", test_start_year)):
        check_int(year, name, low=1)
    first, last = int(time[0]), int(time[-1])
    if not first < val_start_year < test_start_year <= last:
        raise ValueError(f"need {first} < val_start_year < test_start_year <= {last}, "
                         f"got val_start_year={val_start_year}, test_start_year={test_start_year}")
    return TimeSeries(time=time, values=values, val_start=int(np.searchsorted(time, val_start_year)),
                      test_start=int(np.searchsorted(time, test_start_year)), **about)


def load_sunspots(val_start_year: int = 1920, test_start_year: int = 1960) -> TimeSeries:
    """Load the yearly sunspot numbers 1700-2008, split by year (defaults: train to 1919, val 1920-59, test 1960-).

    Parameters
    ----------
    val_start_year, test_start_year : int
        First year of the validation and of the test part; 1700 < val_start_year < test_start_year <= 2008.

    Returns
    -------
    TimeSeries
        ``time`` holds the years (309,), ``values`` the sunspot numbers (309,), float64.
    """
    import statsmodels.api as sm

    df = sm.datasets.sunspots.load_pandas().data
    years = df["YEAR"].to_numpy(dtype=np.int64)
    return _split_by_year(
        years, df["SUNACTIVITY"].to_numpy(dtype=np.float64), val_start_year, test_start_year,
        name="yearly sunspot numbers",
        source="statsmodels.datasets.sunspots; its SOURCE: http://www.ngdc.noaa.gov/stp/solar/solarda3.html (NGDC)",
        licence="data: 'This data is public domain.' (statsmodels COPYRIGHT note); statsmodels: BSD-3-Clause",
    )


def load_tbill_rate(val_start_year: int = 1990, test_start_year: int = 2000) -> TimeSeries:
    """Load the quarterly 3-month Treasury bill rate 1959Q1-2009Q3, split by year (train to 1989, val 1990-99).

    Parameters
    ----------
    val_start_year, test_start_year : int
        First year of the validation and of the test part (each starts in its first quarter);
        1959 < val_start_year < test_start_year <= 2009.

    Returns
    -------
    TimeSeries
        ``time`` holds ``year + (quarter - 1) / 4`` (203,), ``values`` the rate in percent (203,), float64.
    """
    import statsmodels.api as sm

    df = sm.datasets.macrodata.load_pandas().data
    time = df["year"].to_numpy(dtype=np.float64) + (df["quarter"].to_numpy(dtype=np.float64) - 1) / 4
    return _split_by_year(
        time, df["tbilrate"].to_numpy(dtype=np.float64), val_start_year, test_start_year,
        name="quarterly 3-month US Treasury bill rate (percent)",
        source="statsmodels.datasets.macrodata, column tbilrate; its SOURCE: FRED, Federal Reserve Bank of St. Louis",
        licence="data: 'This is public domain.' (statsmodels COPYRIGHT note); statsmodels: BSD-3-Clause",
    )


def make_random_walk(length: int = 300, val_start: int = 180, test_start: int = 240, step_std: float = 1.0,
                     rng: np.random.Generator | int | None = 0) -> TimeSeries:
    """Simulate a Gaussian random walk ``y_0 = 0, y_t = y_{t-1} + e_t`` with ``e_t ~ N(0, step_std**2)`` i.i.d.

    Parameters
    ----------
    length : int
        T, the number of values (time steps 0, ..., T - 1).
    val_start, test_start : int
        First index of the validation and of the test part; 0 < val_start < test_start < length.
    step_std : float
        The standard deviation of each step, > 0.
    rng : numpy.random.Generator, int or None
        Draws the steps.

    Returns
    -------
    TimeSeries
        ``time`` holds the steps 0, ..., T - 1 (T,), ``values`` the walk (T,), float64.
    """
    length = check_int(length, "length", low=3)
    val_start = check_int(val_start, "val_start", low=1)
    test_start = check_int(test_start, "test_start", low=1)
    if not val_start < test_start < length:
        raise ValueError(f"need 0 < val_start < test_start < length={length}, "
                         f"got val_start={val_start}, test_start={test_start}")
    step_std = check_real(step_std, "step_std", low=0.0, low_open=True)
    steps = as_rng(rng).normal(0.0, step_std, size=length - 1)  # (T - 1,)
    return TimeSeries(
        time=np.arange(length), values=np.concatenate([[0.0], np.cumsum(steps)]),
        val_start=val_start, test_start=test_start,
        name=f"simulated Gaussian random walk (step std {step_std:g})",
        source="simulated by lessonpkg.data.make_random_walk (numpy Generator); not collected data",
        licence="generated, not collected: no third-party data, no licence to follow",
    )


def make_windows(series: np.ndarray, input_len: int, horizon: int,
                 first_target: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into sliding windows: ``input_len`` past values in, the next ``horizon`` values out.

    Window i starts its targets at ``s = s0 + i``:
    ``x[i] = series[s - input_len:s]`` and ``y[i] = series[s:s + horizon]``,
    with ``s0 = max(input_len, first_target)`` and the last window ending at the
    end of the series.

    Parameters
    ----------
    series : ndarray of shape (T,)
    input_len : int
        L, the number of past values each window reads.
    horizon : int
        The number of future values each window predicts.
    first_target : int
        No target comes before this index (inputs may).

    Returns
    -------
    x : ndarray of shape (N, L)
    y : ndarray of shape (N, horizon)
    """
    series, first_target = check_array(series, "series", shape=("T",)), check_int(first_target, "first_target", low=0)
    input_len, horizon = check_int(input_len, "input_len", low=1), check_int(horizon, "horizon", low=1)
    starts = np.arange(max(input_len, first_target), series.size - horizon + 1)
    if starts.size == 0:
        raise ValueError(f"series of length {series.size} is too short for input_len={input_len}, "
                         f"horizon={horizon} and first_target={first_target}: no window fits")
    x = series[starts[:, None] + np.arange(-input_len, 0)]  # (N, L)
    y = series[starts[:, None] + np.arange(horizon)]  # (N, horizon)
    return x, y


class Scaler:
    """Standardise with the mean and standard deviation of the data given to ``fit`` (the training part only).

    ``transform(v) = (v - mean) / std`` and ``inverse_transform(z) = z * std + mean``.
    """

    def __init__(self) -> None:
        self.mean: float | None = None
        self.std: float | None = None

    def fit(self, train: np.ndarray) -> Scaler:
        """Learn ``mean`` and ``std`` from ``train`` (T,) and return self."""
        train = check_array(train, "train")
        if train.ndim != 1 or train.size < 2:
            raise ValueError(f"train must have shape (T,) with T >= 2, got {train.shape}")
        std = float(train.std())
        if std == 0.0:
            raise ValueError("train must not be constant: its standard deviation is 0")
        self.mean, self.std = float(train.mean()), std
        return self

    def _fitted(self) -> None:
        if self.mean is None:
            raise ValueError("this Scaler is not fitted yet; call fit(train) first")

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Return ``(values - mean) / std``, any shape."""
        self._fitted()
        return (check_array(values, "values") - self.mean) / self.std

    def inverse_transform(self, scaled: np.ndarray) -> np.ndarray:
        """Return ``scaled * std + mean``, any shape: back to the original units."""
        self._fitted()
        return check_array(scaled, "scaled") * self.std + self.mean

    def __repr__(self) -> str:
        return f"Scaler(mean={self.mean!r}, std={self.std!r})"
