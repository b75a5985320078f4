"""Finite-difference gradient checks, in float64 only.

A central difference ``(f(x + h) - f(x - h)) / 2h`` has a truncation error of
order ``h**2`` (1e-12 for ``h = 1e-6``) and a rounding error of order
``eps * |f| / h`` (about 1e-10 in float64). In float32, ``eps`` is about 1e-7,
so the rounding error alone is near 0.1: the check would say nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from lessonpkg._validate import as_rng, check_real, check_real_array

_TINY = np.finfo(np.float64).tiny
_FLOAT32_REASON = (
    "float32 rounding (~1e-7 relative) swamps the O(h**2) truncation error of central differences, "
    "so the check would be meaningless"
)


def rel_error(a, b) -> float:
    """Largest elementwise relative error: ``max(|a - b| / max(|a| + |b|, tiny))``.

    ``tiny`` is the smallest positive float64, so two exact zeros agree
    (error 0); a NaN anywhere gives NaN. A central difference is off by about
    ``1e-16 * |L| / h`` in absolute terms, so a gradient entry far smaller than
    the others (say 1e-6 when the loss is O(1)) can fail a 1e-6 tolerance
    although the backward is right: check at random points with O(1) gradients.

    Parameters
    ----------
    a, b : array_like
        Arrays of the same shape (or scalars).

    Returns
    -------
    float
        0.0 for empty arrays.
    """
    a, b = check_real_array(a, "a", finite=False), check_real_array(b, "b", finite=False)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), _TINY)))


def _check_float64(x, name: str, fix: str = "") -> None:
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        what = f"dtype {x.dtype}" if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"{name} must be a float64 numpy array, got {what}")
    if x.dtype != np.float64:
        fix = fix or f"cast with {name}.astype(np.float64)"
        raise TypeError(f"{name} must have dtype float64, got {x.dtype}: {_FLOAT32_REASON}; {fix}")


def numerical_gradient(f: Callable, x: np.ndarray, dout=None, h: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of ``L(x) = sum(f(x) * dout)`` with respect to every entry of ``x``.

    ``dL/dx[i] = (L(x + h e_i) - L(x - h e_i)) / (2h)``. ``x`` is perturbed in
    place, one entry at a time, and restored bit for bit, so ``f`` may ignore
    its argument and read ``x`` through a closure (e.g. a layer's
    ``params["weight"]``).

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a float64 array (any shape) or a scalar.
    x : ndarray, float64
        Perturbed in place. float32 is refused: its rounding swamps the check.
    dout : array_like, optional
        Upstream gradient, the shape of ``f(x)``; ones by default.
    h : float
        Step size.

    Returns
    -------
    ndarray
        ``dx``, float64, the shape of ``x``.
    """
    _check_float64(x, "x")
    h = check_real(h, "h", low=0, low_open=True)
    if not x.flags.writeable:
        raise ValueError("x must be writeable: it is perturbed in place and restored")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite")
    out = _output(f(x))
    if dout is None:
        dout = np.ones_like(out)
    else:
        dout = check_real_array(dout, "dout", finite=False)
        if dout.shape != out.shape:
            raise ValueError(f"dout must have the shape of f(x), {out.shape}, got {dout.shape}")

    def loss() -> float:
        y = _output(f(x))
        if y.shape != out.shape:
            raise ValueError(f"f(x) changed shape from {out.shape} to {y.shape} when x was perturbed")
        return float(np.sum(y * dout))

    dx = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        try:
            x[i] = old + h
            up, x_up = loss(), x[i]
            x[i] = old - h
            down, x_down = loss(), x[i]
        finally:
            x[i] = old
        if x_up == x_down:
            raise ValueError(f"h={h} is too small to change x{list(i)} = {float(old):g}; use a larger h")
        dx[i] = (up - down) / (x_up - x_down)  # the step actually taken, after rounding
    return dx


def _output(y) -> np.ndarray:
    """``f(x)`` as a float64 array; float32 and non-float outputs are refused."""
    if type(y).__module__.startswith("torch"):
        raise TypeError("f(x) (the output being checked) must be a numpy array or a float, got a torch tensor")
    arr = np.asarray(y)
    if arr.dtype == np.float32:
        raise TypeError(f"f(x) (the output being checked) is float32: {_FLOAT32_REASON}; compute in float64")
    if arr.dtype != np.float64:
        raise TypeError(f"f(x) (the output being checked) must be float64 or a float, got dtype {arr.dtype}")
    return arr


class GradcheckResult(dict):
    """Max relative error per checked tensor (name -> float), with ``.ok`` and a printable report."""

    def __init__(self, title: str, rtol: float, rows: list[tuple[str, tuple, float]], skipped: list[str]):
        super().__init__((name, err) for name, _, err in rows)
        self.title = title
        self.rtol = rtol
        self.shapes = {name: shape for name, shape, _ in rows}
        self.skipped = list(skipped)

    @property
    def ok(self) -> bool:
        """True when every checked error is <= rtol (a NaN error fails)."""
        return all(err <= self.rtol for err in self.values())

    @property
    def failed(self) -> list[str]:
        return [name for name, err in self.items() if not err <= self.rtol]

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        names = list(self) + self.skipped
        w = max([len("tensor"), *(len(n) for n in names)])
        s = max([len("shape"), *(len(str(v)) for v in self.shapes.values())])
        lines = [f"gradcheck {self.title} (rtol={self.rtol:.0e})", f"  {'tensor':<{w}}  {'shape':<{s}}  max rel error"]
        for name, err in self.items():
            status = "PASS" if err <= self.rtol else "FAIL"
            lines.append(f"  {name:<{w}}  {str(self.shapes[name]):<{s}}  {err:.1e}  {status}")
        lines += [f"  {name:<{w}}  (no gradient returned, not checked)" for name in self.skipped]
        failed = self.failed
        lines.append("all passed" if not failed else f"FAILED: {', '.join(failed)}")
        return "\n".join(lines)


def _leaves(y) -> list[np.ndarray]:
    """The float64 arrays of an output: an array, a scalar, or a tuple of them (e.g. an LSTM cell's (h, c))."""
    return [_output(leaf) for leaf in (y if isinstance(y, tuple) else (y,))]


def _make_dout(out, dout, rng) -> tuple[object, list[np.ndarray]]:
    """``dout`` (standard normal if None) in the output's structure, and as a list of arrays."""
    shapes = [leaf.shape for leaf in _leaves(out)]
    if dout is None:
        gen = as_rng(rng)
        leaves = [gen.standard_normal(shape) for shape in shapes]
    else:
        leaves = [check_real_array(d, "dout", finite=False) for d in (dout if isinstance(dout, tuple) else (dout,))]
        if len(leaves) != len(shapes):
            raise ValueError(f"dout must have the output's structure, {len(shapes)} arrays, got {len(leaves)}")
        for k, (d, shape) in enumerate(zip(leaves, shapes, strict=True)):
            if d.shape != shape:
                raise ValueError(f"dout (array {k}) must have the output's shape {shape}, got {d.shape}")
    return (tuple(leaves) if isinstance(out, tuple) else leaves[0]), leaves


def gradcheck(
    module_or_fn,
    inputs,
    dout=None,
    *,
    h: float = 1e-6,
    rtol: float = 1e-6,
    rng: np.random.Generator | int | None = None,
    verbose: bool = True,
) -> GradcheckResult:
    """Compare a backward pass with central differences, for every input and parameter.

    Three kinds of object are accepted:

    - a module (has ``params``): ``res = m.forward(*inputs)``, output ``res[0]``
      (an array or a tuple of arrays), cache ``res[-1]``;
      ``back = m.backward(dout, cache)``, ``back[i]`` is the gradient of
      ``inputs[i]`` (None if there is none) and ``back[-1]`` the grads dict.
      Every parameter is checked, and every float input with a gradient.
    - a loss (``forward(input, target) -> (loss, cache)``,
      ``backward(cache) -> dinput``, no ``params``): ``inputs = (input, target)``;
      checks ``d sum(loss) / d input``, or, if ``dout`` is given,
      ``backward(cache, dout)`` against ``d sum(loss * dout) / d input``.
    - a pair ``(forward_fn, backward_fn)``: ``out, cache = forward_fn(*inputs)``,
      ``backward_fn(dout, cache)`` returns ``dx`` for ``inputs[0]``, or a tuple with
      one gradient (or None) per input.

    The checked scalar is ``L = sum(out * dout)``; ``dout`` is standard normal
    (from ``rng``) unless given: all-ones can hide a backward that mixes up dout's entries.

    Parameters
    ----------
    module_or_fn : module, loss or (callable, callable)
    inputs : tuple
        Positional arguments of forward; a single array is taken as ``(x,)``.
        Float arrays are perturbed in place and restored exactly.
    dout : array or tuple of arrays, optional
        Upstream gradient with the output's structure.
    h, rtol : float
        Step size and the largest relative error (see ``rel_error``) that passes.
    rng : numpy.random.Generator, int or None
        Draws ``dout``.
    verbose : bool
        Print the report.

    Returns
    -------
    GradcheckResult
        A dict name -> max relative error, with ``.ok`` and a readable repr.
    """
    h = check_real(h, "h", low=0, low_open=True)
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float, np.floating)) or not rtol >= 0:
        raise ValueError(f"rtol must be a number >= 0, got {rtol!r}")
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    title, fwd, params, run_backward = _protocol(module_or_fn)
    for key, p in (params or {}).items():
        _check_float64(p, f"{title}.params[{key!r}]", "build the module with dtype=np.float64")
    for i, x in enumerate(inputs):
        for name, xi, _ in _pairs(f"inputs[{i}]", x, None):
            _check_float64(xi, name)
    res = _forward(fwd, inputs, title)
    if params is None and dout is None:  # a loss: the checked scalar is sum(loss)
        dout_s, dout_leaves = None, [np.ones_like(leaf) for leaf in _leaves(res[0])]
    else:
        dout_s, dout_leaves = _make_dout(res[0], dout, rng)
    input_grads, grads = run_backward(dout_s, res[-1])
    params = params or {}

    def objective(_=None) -> float:
        leaves = _leaves(_forward(fwd, inputs, title)[0])
        return float(sum(np.sum(y * d) for y, d in zip(leaves, dout_leaves, strict=True)))

    rows, skipped = [], []
    for i, x in enumerate(inputs):
        g = input_grads[i] if i < len(input_grads) else None
        for name, xi, gi in _pairs(f"inputs[{i}]", x, g):
            if gi is None:
                skipped.append(name)
                continue
            rows.append((name, xi.shape, _compare(name, gi, numerical_gradient(objective, xi, h=h))))
    for key, p in params.items():
        rows.append((key, p.shape, _compare(f"grads[{key!r}]", grads[key], numerical_gradient(objective, p, h=h))))

    if not rows:
        raise ValueError(
            f"gradcheck found nothing to check in {title}: no parameters and no float input with a gradient"
        )
    result = GradcheckResult(title, float(rtol), rows, skipped)
    if verbose:
        print(result)
    return result


def _protocol(obj):
    """``(title, forward, params or None for a loss, run_backward)`` for the three accepted kinds of object.

    ``run_backward(dout, cache)`` returns ``(input_grads, grads)``: a tuple with
    one entry (array, None or tuple) per input, and the parameter grads dict.
    Gradients are copied, so later forward calls cannot change them.
    """
    if isinstance(obj, (tuple, list)):
        if len(obj) != 2 or not all(callable(g) for g in obj):
            raise TypeError("module_or_fn as a pair must be (forward_fn, backward_fn), two callables")
        fwd, bwd = obj

        def run(d, cache):
            back = bwd(d, cache)
            return _copy(back if isinstance(back, tuple) else (back,)), {}

        return getattr(fwd, "__name__", "function"), fwd, {}, run
    if not (callable(getattr(obj, "forward", None)) and callable(getattr(obj, "backward", None))):
        raise TypeError(
            "module_or_fn must be a module (forward, backward and params), a loss (forward and backward) "
            f"or a pair (forward_fn, backward_fn), got {type(obj).__name__}"
        )
    title = type(obj).__name__
    if not hasattr(obj, "params"):  # a loss: backward(cache), or backward(cache, dout) when dout is given
        return (
            title,
            obj.forward,
            None,
            lambda d, c: (_copy((obj.backward(c) if d is None else obj.backward(c, d),)), {}),
        )
    params = obj.params
    if not isinstance(params, Mapping):
        raise TypeError(f"{title}.params must be a dict of arrays, got {type(params).__name__}")

    def run(d, cache):
        back = obj.backward(d, cache)
        grads = back[-1] if isinstance(back, tuple) and len(back) >= 2 else None
        if not isinstance(grads, Mapping) or set(grads) != set(params):
            got = sorted(grads) if isinstance(grads, Mapping) else type(back).__name__
            raise ValueError(
                f"{title}.backward must return (dx, ..., grads) with grads keys {sorted(params)}, got {got}"
            )
        return _copy(back[:-1]), {k: np.array(v, dtype=np.float64) for k, v in grads.items()}

    return title, obj.forward, params, run


def _forward(fwd, inputs: tuple, title: str) -> tuple:
    res = fwd(*inputs)
    if not isinstance(res, tuple) or len(res) < 2:
        raise TypeError(f"{title} forward must return a tuple (output, ..., cache), got {type(res).__name__}")
    return res


def _copy(grads: tuple) -> tuple:
    """A copy of a tuple of gradients (arrays, None or nested tuples)."""
    return tuple(
        _copy(g) if isinstance(g, (tuple, list))
        else None if g is None else check_real_array(g, "gradient", finite=False).copy()
        for g in grads
    )


def _pairs(name: str, x, g):
    """``(name, array, gradient or None)`` for every float array in an input (an array or a tuple of them)."""
    if isinstance(x, (tuple, list)):
        parts = g if isinstance(g, (tuple, list)) and len(g) == len(x) else [None] * len(x)
        for j, (xj, gj) in enumerate(zip(x, parts, strict=True)):
            yield from _pairs(f"{name}[{j}]", xj, gj)
    elif isinstance(x, np.ndarray) and x.dtype.kind == "f":
        yield name, x, (None if isinstance(g, (tuple, list)) else g)


def _compare(name: str, analytic, numeric: np.ndarray) -> float:
    analytic = check_real_array(analytic, name, finite=False)
    if analytic.shape != numeric.shape:
        raise ValueError(f"{name} must have shape {numeric.shape}, got {analytic.shape}")
    return rel_error(analytic, numeric)
