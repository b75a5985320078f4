"""Weight initialisers with torch.nn.init's distributions, drawn from a numpy Generator.

Every initialiser takes either a shape tuple, and returns a new array (float64
unless ``dtype=`` says otherwise), or an existing floating-point array, which
it fills in place and returns, like torch's trailing-underscore functions
(``xavier_uniform_`` and so on). Torch's random stream cannot be reproduced,
so the distributions are the same but the numbers are not.

Fans follow torch's rule for a weight of shape ``(out, in, *kernel)``:
``fan_in = in * prod(kernel)`` and ``fan_out = out * prod(kernel)``.
"""

from __future__ import annotations

import math

import numpy as np

from lessonpkg._validate import REAL_TYPES, as_rng, check_dtype_arg, check_real

ShapeOrArray = int | tuple[int, ...] | np.ndarray
Rng = np.random.Generator | int | None
DType = type | np.dtype | str | None

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
_NONLINEARITIES = (*_LINEAR_FNS, "sigmoid", "tanh", "relu", "leaky_relu", "selu")


def _shape_of(x, name: str = "x") -> tuple[int, ...]:
    """The shape that ``x`` stands for: a tuple of sizes, a single int, or an array's shape."""
    if isinstance(x, np.ndarray):
        return x.shape
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        x = (x,)
    if not isinstance(x, tuple):
        raise TypeError(f"{name} must be a shape tuple of ints or a floating-point numpy array, got {type(x).__name__}")
    if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in x):
        raise TypeError(f"{name} must be a shape tuple of ints, got {x!r}")
    if any(s < 0 for s in x):
        raise ValueError(f"{name} must have sizes >= 0, got {tuple(int(s) for s in x)}")
    return tuple(int(s) for s in x)


def _target(x: ShapeOrArray, dtype: DType) -> np.ndarray:
    """The array to fill: ``x`` itself if it is a float array, else a new array of shape ``x``."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind != "f":
            raise TypeError(f"x must be a shape tuple or a floating-point array, got an array of dtype {x.dtype}")
        if dtype is not None and check_dtype_arg(dtype) != x.dtype:
            raise TypeError(f"dtype={np.dtype(dtype)} was given but x already has dtype {x.dtype}; omit dtype")
        if not x.flags.writeable:
            raise ValueError("x is read-only; pass a writeable array, or a shape to get a new array")
        return x
    shape = _shape_of(x)
    return np.empty(shape, dtype=np.float64 if dtype is None else check_dtype_arg(dtype))


def _fill(out: np.ndarray, values) -> np.ndarray:
    out[...] = values  # in place, cast to out's dtype
    return out


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Recommended gain for a nonlinearity, torch's table.

    linear and conv*: 1; sigmoid: 1; tanh: 5/3; relu: sqrt(2);
    leaky_relu: ``sqrt(2 / (1 + negative_slope**2))`` with ``negative_slope = param``
    (0.01 if None); selu: 3/4.
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, REAL_TYPES) and not isinstance(param, bool) and math.isfinite(param):
            slope = float(param)
        else:
            raise ValueError(f"param (the negative_slope of leaky_relu) must be a finite real number, got {param!r}")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"nonlinearity must be one of {list(_NONLINEARITIES)}, got {nonlinearity!r}")


def fan_in_and_fan_out(shape: tuple[int, ...] | np.ndarray) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in, *kernel)``, torch's rule.

    ``fan_in = in * prod(kernel)``, ``fan_out = out * prod(kernel)``; a Linear
    weight ``(out_features, in_features)`` has ``fan_in = in_features``.
    """
    shape = _shape_of(shape, "shape")
    if len(shape) < 2:
        raise ValueError(f"fan_in and fan_out need a shape with at least 2 dimensions, got {shape}")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _fan(shape: tuple[int, ...], mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(shape)
    return fan_in if mode == "fan_in" else fan_out


def uniform(x: ShapeOrArray, a: float = 0.0, b: float = 1.0, *, rng: Rng = None, dtype: DType = None) -> np.ndarray:
    """Fill with draws from U(a, b).

    Parameters
    ----------
    x : tuple of int or ndarray
        A shape (a new array is returned) or a float array (filled in place).
    a, b : float
        Lower and upper bound, ``a <= b``.
    rng : numpy.random.Generator, int or None
    dtype : numpy dtype, optional
        dtype of a new array (float64 by default).
    """
    a, b = check_real(a, "a"), check_real(b, "b")
    if a > b:
        raise ValueError(f"a must be <= b, got a={a}, b={b}")
    out = _target(x, dtype)
    return _fill(out, as_rng(rng).uniform(a, b, size=out.shape))


def normal(x: ShapeOrArray, mean: float = 0.0, std: float = 1.0, *, rng: Rng = None, dtype: DType = None) -> np.ndarray:
    """Fill with draws from N(mean, std**2); ``torch.nn.Embedding``'s default is N(0, 1)."""
    mean, std = check_real(mean, "mean"), check_real(std, "std")
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}")
    out = _target(x, dtype)
    return _fill(out, as_rng(rng).normal(mean, std, size=out.shape))


def zeros(x: ShapeOrArray, *, dtype: DType = None) -> np.ndarray:
    """Fill with 0."""
    return _fill(_target(x, dtype), 0.0)


def constant(x: ShapeOrArray, val: float, *, dtype: DType = None) -> np.ndarray:
    """Fill with ``val``."""
    return _fill(_target(x, dtype), check_real(val, "val"))


def torch_default(x: ShapeOrArray, fan_in: int | None = None, *, rng: Rng = None, dtype: DType = None) -> np.ndarray:
    """torch's default for Linear and the recurrent layers: U(-bound, bound), ``bound = 1 / sqrt(fan_in)``.

    - ``nn.Linear``: weight ``(out_features, in_features)`` gets ``fan_in = in_features``
      (computed from the shape; torch writes it as ``kaiming_uniform_(a=sqrt(5))``,
      the same distribution), and the bias ``(out_features,)`` needs
      ``fan_in=in_features`` passed.
    - ``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` and their cells: every weight and bias
      uses ``fan_in=hidden_size``, whatever its shape.

    Parameters
    ----------
    x : tuple of int or ndarray
        A shape (a new array is returned) or a float array (filled in place).
    fan_in : int, optional
        Defaults to ``fan_in_and_fan_out(shape)[0]``; required for 1-d shapes.
        ``fan_in=0`` gives zeros, as torch does for an empty layer.
    rng : numpy.random.Generator, int or None
    dtype : numpy dtype, optional
    """
    out = _target(x, dtype)
    if fan_in is None:
        if out.ndim < 2:
            raise ValueError(f"fan_in must be given for a shape with fewer than 2 dimensions, got shape {out.shape}")
        fan_in = fan_in_and_fan_out(out.shape)[0]
    elif isinstance(fan_in, bool) or not isinstance(fan_in, (int, np.integer)) or fan_in < 0:
        raise ValueError(f"fan_in must be an int >= 0, got {fan_in!r}")
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return _fill(out, as_rng(rng).uniform(-bound, bound, size=out.shape))


def _glorot(out: np.ndarray, gain, c: float) -> float:
    """``gain * sqrt(c / (fan_in + fan_out))``: the uniform bound for c = 6, the normal std for c = 2."""
    gain = check_real(gain, "gain")
    fan_in, fan_out = fan_in_and_fan_out(out.shape)
    return abs(gain) * math.sqrt(c / (fan_in + fan_out)) if out.size else 0.0


def xavier_uniform(x: ShapeOrArray, gain: float = 1.0, *, rng: Rng = None, dtype: DType = None) -> np.ndarray:
    """Glorot uniform: U(-bound, bound), ``bound = gain * sqrt(6 / (fan_in + fan_out))``."""
    out = _target(x, dtype)
    bound = _glorot(out, gain, 6.0)
    return out if out.size == 0 else _fill(out, as_rng(rng).uniform(-bound, bound, size=out.shape))


def xavier_normal(x: ShapeOrArray, gain: float = 1.0, *, rng: Rng = None, dtype: DType = None) -> np.ndarray:
    """Glorot normal: N(0, std**2), ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    out = _target(x, dtype)
    std = _glorot(out, gain, 2.0)
    return out if out.size == 0 else _fill(out, as_rng(rng).normal(0.0, std, size=out.shape))


def _kaiming_std(out: np.ndarray, a, mode: str, nonlinearity: str) -> float:
    """``gain / sqrt(fan)``, 0 for an empty array (whose ``mode`` and number of dimensions are still checked)."""
    fan = _fan(out.shape, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan) if out.size else 0.0


def kaiming_uniform(x: ShapeOrArray, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", *,
                    rng: Rng = None, dtype: DType = None) -> np.ndarray:
    """He uniform: U(-bound, bound), ``bound = gain * sqrt(3 / fan)``.

    ``gain = calculate_gain(nonlinearity, a)`` (``a`` is leaky_relu's negative
    slope) and ``fan`` is ``fan_in`` or ``fan_out`` according to ``mode``.
    A zero-size array is returned unchanged, as in torch.
    """
    out = _target(x, dtype)
    bound = math.sqrt(3.0) * _kaiming_std(out, a, mode, nonlinearity)
    return out if out.size == 0 else _fill(out, as_rng(rng).uniform(-bound, bound, size=out.shape))


def kaiming_normal(x: ShapeOrArray, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", *,
                   rng: Rng = None, dtype: DType = None) -> np.ndarray:
    """He normal: N(0, std**2), ``std = gain / sqrt(fan)``, with gain and fan as in ``kaiming_uniform``."""
    out = _target(x, dtype)
    std = _kaiming_std(out, a, mode, nonlinearity)
    return out if out.size == 0 else _fill(out, as_rng(rng).normal(0.0, std, size=out.shape))


def orthogonal(x: ShapeOrArray, gain: float = 1, *, rng: Rng = None, dtype: DType = None) -> np.ndarray:
    """A (semi-)orthogonal matrix times ``gain``, drawn uniformly (Haar) like ``torch.nn.init.orthogonal_``.

    The array is viewed as ``W`` of shape ``(rows, cols) = (shape[0], prod(shape[1:]))``.
    A standard normal ``A`` of that shape (transposed if ``rows < cols``) is
    factored as ``A = Q @ R``; the columns of ``Q`` are multiplied by
    ``sign(diag(R))`` so that the factorisation is unique and ``Q`` is uniform.
    Then ``W @ W.T = gain**2 * I`` if ``rows <= cols``, else ``W.T @ W = gain**2 * I``.
    """
    gain = check_real(gain, "gain")
    out = _target(x, dtype)
    if out.ndim < 2:
        raise ValueError(f"orthogonal needs a shape with at least 2 dimensions, got {out.shape}")
    if out.size == 0:
        return out
    rows = out.shape[0]
    cols = out.size // rows
    flat = as_rng(rng).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T  # (cols, rows): QR of a tall matrix
    q, r = np.linalg.qr(flat)  # q: orthonormal columns
    q *= np.where(np.diag(r) < 0, -1.0, 1.0)  # torch uses sign(); a zero diagonal has probability 0
    if rows < cols:
        q = q.T
    return _fill(out, gain * q.reshape(out.shape))


def identity(x: ShapeOrArray, gain: float = 1.0, *, dtype: DType = None) -> np.ndarray:
    """``gain * I``: the IRNN recurrent weight (Le et al., 2015); like ``torch.nn.init.eye_`` for gain 1.

    A non-square ``(rows, cols)`` gets ``W[i, i] = gain`` for ``i < min(rows, cols)``
    and zeros elsewhere.
    """
    gain = check_real(gain, "gain")
    out = _target(x, dtype)
    if out.ndim != 2:
        raise ValueError(f"identity needs a 2-dimensional shape, got {out.shape}")
    return _fill(out, gain * np.eye(*out.shape))
