"""Test helpers shared by the module tests: the torch twin check, finite differences and purity.

``assert_matches_torch(module, x)`` is the check every layer test uses: it builds
the torch twin with ``lp.to_torch``, runs forward and backward in both in float64
and compares the output, the input gradient and every parameter gradient.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from equality_log import record

import lessonpkg as lp


def rel_error(actual, expected) -> float:
    """Normwise relative error ``max|actual - expected| / max|expected|`` (0 when both are all zero)."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    diff = np.max(np.abs(actual - expected), initial=0.0)
    scale = np.max(np.abs(expected), initial=0.0)
    return 0.0 if diff == 0 else float(diff / scale) if scale > 0 else float("inf")


def _compare(name: str, actual, expected, rtol: float) -> float:
    assert actual.shape == expected.shape, f"{name}: shape {actual.shape} != torch's {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=1e-12, err_msg=name)
    return rel_error(actual, expected)


def assert_matches_torch(module: lp.Module, x, *, rtol: float = 1e-10, rng=0) -> float:
    """Assert that ``module`` and ``lp.to_torch(module)`` agree on out, dx and every parameter gradient.

    A random ``dout`` (drawn from ``rng``) is fed to both backward passes.
    Integer ``x`` (for ``Embedding``) has no gradient: ``dx`` must then be None.
    Returns the worst normwise relative error over all compared arrays.
    """
    x = np.asarray(x)
    torch_module = lp.to_torch(module)
    out, cache = module.forward(x)
    dout = np.random.default_rng(rng).standard_normal(out.shape)
    dx, grads = module.backward(dout, cache)

    is_float = x.dtype.kind == "f"
    xt = torch.tensor(x, dtype=torch.float64 if is_float else torch.long, requires_grad=is_float)
    out_t = torch_module(xt)
    out_t.backward(torch.from_numpy(dout))
    torch_params = dict(torch_module.named_parameters())
    assert list(grads) == list(module.params) == list(torch_params)

    worst = _compare("out", out, out_t.detach().numpy(), rtol)
    if is_float:
        worst = max(worst, _compare("dx", dx, xt.grad.numpy(), rtol))
    else:
        assert dx is None
    for name, p in torch_params.items():
        worst = max(worst, _compare(f"d{name}", grads[name], p.grad.numpy(), rtol))
    compared = ["out", *(["dx"] if is_float else []), *(f"d{name}" for name in torch_params)]
    record(type(module).__name__, compared, x.shape, worst)
    return worst


def numerical_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences ``(f(x + h e_i) - f(x - h e_i)) / 2h`` of a scalar ``f()`` that reads ``x``.

    ``x`` is perturbed in place one entry at a time and restored.
    """
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def assert_matches_finite_differences(module: lp.Module, x, *, rtol: float = 1e-6, rng=0) -> float:
    """Assert that backward's dx and parameter gradients equal central differences (no torch involved).

    The scalar checked is ``sum(forward(x) * dout)`` for a random ``dout``.
    Returns the worst normwise relative error.
    """
    x = np.array(x)  # a copy, perturbed below
    out, cache = module.forward(x)
    dout = np.random.default_rng(rng).standard_normal(out.shape)
    dx, grads = module.backward(dout, cache)

    def f() -> float:
        return float(np.sum(module.forward(x)[0] * dout))

    worst = 0.0
    if x.dtype.kind == "f":
        worst = rel_error(dx, numerical_gradient(f, x))
    for name, p in module.params.items():
        worst = max(worst, rel_error(grads[name], numerical_gradient(f, p)))
    assert worst < rtol, f"finite-difference relative error {worst:.2e} >= {rtol}"
    return worst


def assert_backward_is_pure(module: lp.Module, x) -> None:
    """Assert that backward changes neither the module's params, nor x, dout or the cache."""
    out, cache = module.forward(x)
    dout = np.random.default_rng(1).standard_normal(out.shape)
    before = (copy.deepcopy(module.params), np.copy(x), dout.copy(), copy.deepcopy(cache))
    arrays = {k: id(v) for k, v in module.params.items()}
    module.backward(dout, cache)
    after = (module.params, x, dout, cache)
    for old, new in zip(before, after):
        np.testing.assert_equal(new, old)
    assert {k: id(v) for k, v in module.params.items()} == arrays
