"""Input checks shared by every public function.

Each check raises a ``TypeError`` or ``ValueError`` whose message names the
argument, what was expected and what was received, so that a learner never
meets a numpy broadcasting traceback or a silent NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a generator, a seed or ``None``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng must be a seed >= 0, got {rng}")
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")


def check_optimizer(optimizer, name: str = "optimizer"):
    """Check that ``optimizer`` has a ``step(grads)`` method, as every lessonpkg optimizer does."""
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"{name} must be an optimizer with a step(grads) method (e.g. lp.Adam(model.params)), "
                        f"got {type(optimizer).__name__}")
    return optimizer


def check_finite_real(value, name: str) -> np.ndarray:
    """Return ``value`` (a real number or an array of them, int or float) as a float64 array, checking it is finite."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating, np.ndarray, list, tuple)):
        raise TypeError(f"{name} must be a real number or an array of them, got {type(value).__name__}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {int(arr.size - np.isfinite(arr).sum())} NaN or inf entries")
    return arr


def check_dtype_arg(dtype) -> np.dtype:
    """Normalise a ``dtype`` constructor argument; only float32 and float64 are allowed."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype must be np.float32 or np.float64, got {dtype!r}") from exc
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be np.float32 or np.float64, got {dt}")
    return dt


def check_callable(value, name: str, expected: str = "a callable") -> Callable:
    """Return ``value`` after checking that it can be called; ``expected`` describes what it should be."""
    if not callable(value):
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__}")
    return value


def check_int(value, name: str) -> int:
    """Return ``value`` as an int after checking that it is an integer (a bool, float or str is refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return int(value)


def check_positive_int(value, name: str, *, allow_zero: bool = False) -> int:
    """Return ``value`` as an int after checking that it is a positive integer."""
    value = check_int(value, name)
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else ">= 1"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return int(value)


def check_nonnegative_float(value, name: str) -> float:
    """Return ``value`` as a float after checking that it is finite and >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return float(value)


def check_array(x, name: str, *, dtype: np.dtype | None = None) -> np.ndarray:
    """Return ``x`` as a floating ndarray, checking its dtype and finiteness.

    Parameters
    ----------
    x : array_like
        The value to check. Lists are converted; torch tensors are not accepted.
    name : str
        The argument's name, used in the error message.
    dtype : numpy dtype, optional
        If given, ``x`` must have exactly this dtype (float32 is never cast up
        silently, because a float64 check would then be meaningless).
    """
    if type(x).__module__.startswith("torch"):
        raise TypeError(f"{name} must be a numpy array, got a torch tensor; use tensor.detach().numpy()")
    arr = np.asarray(x)
    if arr.dtype.kind not in "f":
        expected = dtype if dtype is not None else "a floating dtype"
        raise TypeError(f"{name} must have dtype {expected}, got {arr.dtype}")
    if dtype is not None and arr.dtype != np.dtype(dtype):
        raise TypeError(f"{name} must have dtype {np.dtype(dtype)} (the module's dtype), got {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {int(np.size(arr) - np.isfinite(arr).sum())} NaN or inf entries")
    return arr


def check_shape(arr: np.ndarray, name: str, expected: Sequence[int | None], hint: str = "") -> None:
    """Check ``arr.shape`` against ``expected``, where ``None`` matches any size.

    The message spells the expected shape with ``*`` for free sizes, e.g.
    ``x must have shape (*, 8) with in_features=8, got (5, 7)``.
    """
    ok = arr.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, arr.shape))
    if not ok:
        sizes = ["*" if e is None else str(e) for e in expected]
        spelled = "(" + ", ".join(sizes) + ("," if len(sizes) == 1 else "") + ")"
        extra = f" with {hint}" if hint else ""
        raise ValueError(f"{name} must have shape {spelled}{extra}, got {tuple(arr.shape)}")


def check_int_array(x, name: str, *, low: int | None = None, high: int | None = None) -> np.ndarray:
    """Return ``x`` as an integer ndarray whose entries lie in ``[low, high)``."""
    if type(x).__module__.startswith("torch"):
        raise TypeError(f"{name} must be a numpy array, got a torch tensor; use tensor.detach().numpy()")
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must have an integer dtype, got {arr.dtype}")
    if arr.size and low is not None and arr.min() < low:
        raise ValueError(f"{name} must have entries >= {low}, got a minimum of {arr.min()}")
    if arr.size and high is not None and arr.max() >= high:
        raise ValueError(f"{name} must have entries < {high}, got a maximum of {arr.max()}")
    return arr
