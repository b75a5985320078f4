"""Forecasting baselines, recursive multi-step forecasts and error measures.

Every forecaster here maps windows ``x`` (N, L) of past values to forecasts
(N, horizon) of the next ``horizon`` values, so they can all be scored on the
same windows:

- ``persistence``: every future value equals the last observed one;
- ``seasonal_naive``: every future value equals the value one season earlier;
- ``ARModel``: a linear autoregression of order p fitted by least squares,
  run recursively (each forecast is fed back as the newest input).

``squared_error_difference`` compares two forecasters on the same forecast origins, pairwise.

A recurrent forecaster is trained by ``lp.fit`` with ``early_stopping=lp.train.EarlyStopping(...)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lessonpkg._validate import check_array, check_int


def _check_windows(x, name: str = "x") -> np.ndarray:
    x = check_array(x, name)
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape (N, L), one window of L past values per row, got {x.shape}")
    return x


def persistence(x: np.ndarray, horizon: int) -> np.ndarray:
    """Forecast every step as the last observed value: ``yhat[:, k] = x[:, -1]``.

    Parameters
    ----------
    x : ndarray of shape (N, L)
    horizon : int

    Returns
    -------
    ndarray of shape (N, horizon)
    """
    x = _check_windows(x)
    horizon = check_int(horizon, "horizon", low=1)
    return np.repeat(x[:, -1:], horizon, axis=1)


def seasonal_naive(x: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """Forecast each step as the value one season before it: ``yhat[:, k] = x[:, L - season + k % season]``.

    Step k (0-based) is the time ``L + k``; the same phase in the last observed
    season sits at ``L - season + k % season``.

    Parameters
    ----------
    x : ndarray of shape (N, L), with L >= season
    horizon : int
    season : int
        The period, in steps (e.g. 11 years for sunspots, 12 months for monthly data).

    Returns
    -------
    ndarray of shape (N, horizon)
    """
    x, horizon = _check_windows(x), check_int(horizon, "horizon", low=1)
    season = check_int(season, "season", low=1, high=x.shape[1])  # at least one season of past values
    L = x.shape[1]
    return x[:, L - season + np.arange(horizon) % season]


def recursive_forecast(step: Callable[[np.ndarray], np.ndarray], x: np.ndarray, horizon: int) -> np.ndarray:
    """Forecast ``horizon`` steps with a one-step forecaster by feeding each forecast back as the newest input.

    ``yhat[:, k] = step(window_k)``, where ``window_0 = x`` and ``window_{k+1}``
    drops the oldest value of ``window_k`` and appends ``yhat[:, k]``.

    Parameters
    ----------
    step : callable mapping windows (N, L) to one-step forecasts (N,)
    x : ndarray of shape (N, L)
    horizon : int

    Returns
    -------
    ndarray of shape (N, horizon)
    """
    window = _check_windows(x).copy()
    horizon = check_int(horizon, "horizon", low=1)
    out = np.empty((window.shape[0], horizon), dtype=window.dtype)
    for k in range(horizon):
        out[:, k] = np.asarray(step(window)).reshape(window.shape[0])
        window = np.concatenate([window[:, 1:], out[:, k:k + 1]], axis=1)
    return out


class ARModel:
    """Linear autoregression of order p: ``yhat = x[:, -p:] @ coef + intercept``, fitted by least squares.

    Parameters
    ----------
    p : int
        The number of past values the model reads.
    """

    def __init__(self, p: int) -> None:
        self.p = check_int(p, "p", low=1)
        self.coef: np.ndarray | None = None  # (p,), oldest lag first
        self.intercept: float | None = None

    def fit(self, x: np.ndarray, y: np.ndarray) -> ARModel:
        """Minimise ``sum_i (x[i, -p:] @ coef + intercept - y[i]) ** 2`` with ``numpy.linalg.lstsq``.

        Parameters
        ----------
        x : ndarray of shape (N, L), L >= p
            Training windows.
        y : ndarray of shape (N,) or (N, K)
            The next value of each window (only column 0 is used if 2-D).
        """
        x = self._lags(x)
        y = check_array(y, "y")
        target = y[:, 0] if y.ndim == 2 else y
        if target.ndim != 1 or target.shape[0] != x.shape[0]:
            raise ValueError(f"y must have shape (N,) or (N, K) with N={x.shape[0]}, got {y.shape}")
        design = np.concatenate([x, np.ones((x.shape[0], 1), dtype=x.dtype)], axis=1)  # (N, p + 1)
        solution, *_ = np.linalg.lstsq(design, target, rcond=None)
        self.coef, self.intercept = solution[:-1], float(solution[-1])
        return self

    def _lags(self, x: np.ndarray) -> np.ndarray:
        x = _check_windows(x)
        if x.shape[1] < self.p:
            raise ValueError(f"x must hold at least p={self.p} past values per window, got shape {x.shape}")
        return x[:, -self.p:]

    def predict_one(self, x: np.ndarray) -> np.ndarray:
        """Return the one-step forecast (N,) for windows x (N, L)."""
        if self.coef is None:
            raise ValueError("this ARModel is not fitted yet; call fit(x, y) first")
        return self._lags(x) @ self.coef + self.intercept

    def forecast(self, x: np.ndarray, horizon: int) -> np.ndarray:
        """Return recursive forecasts (N, horizon) for windows x (N, L)."""
        return recursive_forecast(self.predict_one, x, horizon)

    def __repr__(self) -> str:
        return f"ARModel(p={self.p})"


def mae(y: np.ndarray, yhat: np.ndarray, axis: int | None = None) -> np.ndarray:
    """Mean absolute error ``mean(|yhat - y|)``, over all entries or along ``axis``."""
    y, yhat = _same(y, yhat, axis)
    return np.abs(yhat - y).mean(axis=axis)


def rmse(y: np.ndarray, yhat: np.ndarray, axis: int | None = None) -> np.ndarray:
    """Root mean squared error ``sqrt(mean((yhat - y) ** 2))``, over all entries or along ``axis``."""
    y, yhat = _same(y, yhat, axis)
    return np.sqrt(((yhat - y) ** 2).mean(axis=axis))


def squared_error_difference(y: np.ndarray, yhat_a: np.ndarray, yhat_b: np.ndarray,
                             horizon: int = 1) -> tuple[float, float]:
    """Mean per-origin difference of squared errors, A minus B, and its standard error (Diebold-Mariano style).

    ``d_i = (yhat_a[i] - y[i]) ** 2 - (yhat_b[i] - y[i]) ** 2`` for N consecutive forecast origins,
    each forecast ``horizon`` steps ahead; a negative mean favours A. Forecasts ``h`` steps ahead
    from consecutive origins share ``h - 1`` future steps, so the ``d_i`` are correlated up to lag
    ``h - 1``; the squared standard error is the Bartlett-weighted (Newey-West) long-run variance

    ``se**2 = (c_0 + 2 * sum_{k=1}^{h-1} (1 - k / h) * c_k) / N``,  ``c_k = sum_i (d_i - dbar)(d_{i+k} - dbar) / N``,

    which for ``h = 1`` is the usual ``std(d) / sqrt(N)`` (with ``ddof=0``).

    Parameters
    ----------
    y, yhat_a, yhat_b : ndarray of shape (N,)
        The targets and the two forecasts of them, origins in time order, N > horizon.
    horizon : int
        How many steps ahead the forecasts are.

    Returns
    -------
    mean : float
        ``mean(d)``.
    se : float
        Its standard error.
    """
    horizon = check_int(horizon, "horizon", low=1)
    y, yhat_a, yhat_b = (check_array(v, name) for v, name in ((y, "y"), (yhat_a, "yhat_a"), (yhat_b, "yhat_b")))
    if y.ndim != 1 or yhat_a.shape != y.shape or yhat_b.shape != y.shape:
        raise ValueError(f"y, yhat_a and yhat_b must have the same shape (N,), one forecast per origin, "
                         f"got {y.shape}, {yhat_a.shape} and {yhat_b.shape}")
    if y.size <= horizon:
        raise ValueError(f"need more origins than horizon={horizon} to estimate the standard error, got N={y.size}")
    d = (yhat_a - y) ** 2 - (yhat_b - y) ** 2  # (N,)
    dc = d - d.mean()
    long_run = dc @ dc / d.size + 2 * sum((1 - k / horizon) * (dc[k:] @ dc[:-k]) / d.size for k in range(1, horizon))
    return float(d.mean()), float(np.sqrt(long_run / d.size))


def _same(y, yhat, axis=None) -> tuple[np.ndarray, np.ndarray]:
    y, yhat = check_array(y, "y"), check_array(yhat, "yhat")
    if y.shape != yhat.shape:
        raise ValueError(f"y and yhat must have the same shape, got {y.shape} and {yhat.shape}")
    if y.size == 0:
        raise ValueError(f"y and yhat must hold at least one value, got shape {y.shape}")
    if axis is not None:
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"axis must be an int or None, got {type(axis).__name__}")
        if not -y.ndim <= axis < y.ndim:
            raise ValueError(f"axis must lie in [-{y.ndim}, {y.ndim}) for y of shape {y.shape}, got {axis}")
    return y, yhat
