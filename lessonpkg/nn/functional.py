"""Stateless activations, written to stay finite for any finite input.

Every function takes and returns numpy arrays of the same dtype. The
derivatives are written in terms of the function's output, which is what a
backward pass has at hand in its cache.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function ``1 / (1 + exp(-x))``, without overflow at large ``|x|``.

    With ``e = exp(-|x|)``, which never overflows, it returns ``1 / (1 + e)``
    for ``x >= 0`` and the equal form ``e / (1 + e)`` for ``x < 0``.
    """
    x = np.asarray(x)
    e = np.exp(-np.abs(x))  # exp(-x) where x >= 0, exp(x) where x < 0: at most 1
    out = np.where(x >= 0, 1.0, e)
    out /= 1.0 + e
    return out


def dsigmoid(y: np.ndarray) -> np.ndarray:
    """Derivative of the sigmoid, from its output ``y``: ``y * (1 - y)``."""
    return y * (1.0 - y)


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent (numpy's ``tanh`` is already stable)."""
    return np.tanh(x)


def dtanh(y: np.ndarray) -> np.ndarray:
    """Derivative of tanh, from its output ``y``: ``1 - y**2``."""
    return 1.0 - y * y


def relu(x: np.ndarray) -> np.ndarray:
    """Rectified linear unit ``max(x, 0)``."""
    return np.maximum(x, 0.0).astype(np.asarray(x).dtype, copy=False)


def drelu(y: np.ndarray) -> np.ndarray:
    """Derivative of ReLU, from its output ``y``: 1 where ``y > 0``, else 0 (torch's convention at 0)."""
    return (y > 0).astype(y.dtype)


def logsumexp(x: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """``log(sum(exp(x), axis))``, shifted by the maximum so that ``exp`` never overflows."""
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """``x - logsumexp(x)`` along ``axis``, computed as torch does: ``(x - max) - log(sum(exp(x - max)))``.

    Subtracting the maximum first keeps every term small: ``x - logsumexp(x)`` would round
    ``max + log(sum)`` at the scale of ``max`` and lose ``log 2`` for tied logits of 1e300
    (and ~1e-4 of precision for float32 logits near 1e3).
    """
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """``exp(x) / sum(exp(x))`` along ``axis``, computed as ``exp(log_softmax(x))``."""
    return np.exp(log_softmax(x, axis=axis))
