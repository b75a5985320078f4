"""Input checks shared by every public function: one helper per kind of check.

Each check raises a ``TypeError`` (wrong kind of value) or a ``ValueError``
(right kind, wrong value) whose message names the argument, what was expected
and what was received, so that a learner never meets a numpy broadcasting
traceback or a silent NaN. Each returns the checked value, so that a function
can check an argument and bind it in one line::

    x = check_array(x, "x", dtype=self.dtype, shape=(..., D), hint=f"in_features={D}")

=====================  ==========================================================
``check_bool``         a bool (numpy's included)
``check_int``          an int, optionally within ``[low, high]``
``check_real``         a finite real number, optionally within bounds
``check_array``        a finite floating array, optionally of a dtype and shape
``check_real_array``   a real (int or float) array as float64
``check_int_array``    an integer array, entries optionally within ``[low, high)``
``check_shape``        the shape of an array already checked
``check_inplace_array`` a writeable floating array, to be updated in place
``check_callable``     something callable
``check_optimizer``    an object with ``step(grads)``
``check_dtype_arg``    a ``dtype=`` argument: float32 or float64
``as_rng``             a Generator, a seed or None, as a Generator
=====================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
REAL_TYPES = (int, float, np.integer, np.floating)


def as_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a generator, a seed or ``None``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    seed = check_int(rng, "rng", expected="a numpy.random.Generator, an int seed or None")
    if seed < 0:
        raise ValueError(f"rng must be a seed >= 0, got {seed}")
    return np.random.default_rng(seed)


def check_bool(value, name: str) -> bool:
    """Return ``value`` as a bool after checking that it is one (``np.bool_`` included; 0 and 1 are not)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return bool(value)


def check_int(value, name: str, *, low: int | None = None, high: int | None = None,
              expected: str = "an int") -> int:
    """Return ``value`` as an int after checking that it is an integer in ``[low, high]`` (a bool is refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__}")
    if _out_of_bounds(value, low, high, low_open=False):
        raise ValueError(f"{name} must be{_spell_bounds(low, high, False)}, got {value}")
    return int(value)


def check_real(value, name: str, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False, allow_inf: bool = False) -> float:
    """Return ``value`` as a float after checking that it is a finite real number in ``[low, high]``.

    ``low_open=True`` excludes ``low`` itself (e.g. a step ``h > 0``), ``high_open=True`` excludes ``high``
    (e.g. Adam's ``beta < 1``); ``allow_inf=True`` lets ``inf`` through (a ``max_norm`` of no limit).
    Ints and numpy scalars are
    accepted; a bool, a str or an array is not.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, REAL_TYPES):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if np.isnan(value) or (np.isinf(value) and not allow_inf) or _out_of_bounds(value, low, high, low_open, high_open):
        kind = "number" if allow_inf else "finite number"
        raise ValueError(f"{name} must be a {kind}{_spell_bounds(low, high, low_open, high_open)}, got {value}")
    return float(value)


def _out_of_bounds(value, low, high, low_open: bool, high_open: bool = False) -> bool:
    return ((low is not None and (value <= low if low_open else value < low))
            or (high is not None and (value >= high if high_open else value > high)))


def _spell_bounds(low, high, low_open: bool, high_open: bool = False) -> str:
    parts = ([f"> {low}" if low_open else f">= {low}"] if low is not None else []) + \
            ([f"< {high}" if high_open else f"<= {high}"] if high is not None else [])
    return (" " + " and ".join(parts)) if parts else ""


def check_real_array(value, name: str, *, finite: bool = True) -> np.ndarray:
    """Return ``value`` (a real number or an array of them, int or float) as a float64 array.

    With ``finite=False`` NaN and inf pass (for comparing results that may hold them).
    """
    if isinstance(value, bool) or not isinstance(value, (*REAL_TYPES, np.ndarray, list, tuple)):
        if not type(value).__module__.startswith("torch"):
            raise TypeError(f"{name} must be a real number or an array of them, got {type(value).__name__}")
    arr = _as_numpy(value, name)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    return check_array(arr, name) if finite else arr


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


def check_optimizer(optimizer, name: str = "optimizer"):
    """Check that ``optimizer`` has a ``step(grads)`` method, as every lessonpkg optimizer does."""
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"{name} must be an optimizer with a step(grads) method (e.g. lp.optim.Adam(model.params)), "
                        f"got {type(optimizer).__name__}")
    return optimizer


def _as_numpy(x, name: str) -> np.ndarray:
    """``np.asarray(x)``, refusing a torch tensor (duck-typed: torch is never imported here)."""
    if type(x).__module__.startswith("torch"):
        raise TypeError(f"{name} must be a numpy array, got a torch tensor; use tensor.detach().numpy()")
    return np.asarray(x)


def check_array(x, name: str, *, dtype: np.dtype | None = None, shape: Sequence | None = None,
                hint: str = "") -> np.ndarray:
    """Return ``x`` as a floating ndarray, checking its dtype, its finiteness and, if given, its shape.

    Parameters
    ----------
    x : array_like
        The value to check. Lists are converted; torch tensors are not accepted.
    name : str
        The argument's name, used in the error message.
    dtype : numpy dtype, optional
        If given, ``x`` must have exactly this dtype (float32 is never cast up
        silently, because a float64 check would then be meaningless).
    shape, hint : optional
        The expected shape, as in ``check_shape``: ``None`` for a free size, a leading
        ``...`` for any number of leading axes; ``hint`` says where the sizes come from.
    """
    arr = _as_numpy(x, name)
    if arr.dtype.kind not in "f":
        expected = dtype if dtype is not None else "a floating dtype"
        raise TypeError(f"{name} must have dtype {expected}, got {arr.dtype}")
    if dtype is not None and arr.dtype != np.dtype(dtype):
        raise TypeError(f"{name} must have dtype {np.dtype(dtype)} (the module's dtype), got {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {int(np.size(arr) - np.isfinite(arr).sum())} NaN or inf entries")
    if shape is not None:
        check_shape(arr, name, shape, hint)
    return arr


def check_shape(arr: np.ndarray, name: str, expected: Sequence, hint: str = "") -> None:
    """Check ``arr.shape`` against ``expected``: an int must match, ``None`` or a letter (``"N"``) matches any
    size, and a leading ``...`` matches any number of leading axes.

    The message spells the expected shape with the letters and ``*`` for free sizes, e.g.
    ``x must have shape (*, 8) with in_features=8, got (5, 7)``.
    """
    expected = tuple(expected)
    leading = bool(expected) and expected[0] is Ellipsis
    tail = expected[1:] if leading else expected
    ndim_ok = (arr.ndim >= len(tail) and arr.ndim > 0) if leading else arr.ndim == len(tail)
    sizes = arr.shape[arr.ndim - len(tail):] if tail else ()
    ok = ndim_ok and all(not isinstance(e, (int, np.integer)) or e == s for e, s in zip(tail, sizes))
    if not ok:
        spelled = (["*"] if leading else []) + ["*" if e is None else str(e) for e in tail]
        spelled = "(" + ", ".join(spelled) + ("," if len(spelled) == 1 else "") + ")"
        extra = f" with {hint}" if hint else ""
        raise ValueError(f"{name} must have shape {spelled}{extra}, got {tuple(arr.shape)}")


def check_inplace_array(a, name: str, *, what: str = "updated in place") -> np.ndarray:
    """Return ``a`` after checking that it is a writeable floating numpy array, as an in-place update needs."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{name} must be a numpy array ({what}), got {type(a).__name__}")
    if a.dtype.kind != "f":
        raise TypeError(f"{name} must have a floating dtype, got {a.dtype}")
    if not a.flags.writeable:
        raise ValueError(f"{name} must be writeable, got a read-only array")
    return a


def check_int_array(x, name: str, *, low: int | None = None, high: int | None = None, hint: str = "") -> np.ndarray:
    """Return ``x`` as an integer ndarray whose entries lie in ``[low, high)``; ``hint`` says what they stand for."""
    arr = _as_numpy(x, name)
    if arr.dtype.kind not in "iu":
        what = f" of {hint}" if hint else ""
        raise TypeError(f"{name} must have an integer dtype{what}, got {arr.dtype}")
    if arr.size and low is not None and arr.min() < low:
        raise ValueError(f"{name} must have entries >= {low}, got a minimum of {arr.min()}")
    if arr.size and high is not None and arr.max() >= high:
        raise ValueError(f"{name} must have entries < {high}, got a maximum of {arr.max()}")
    return arr
