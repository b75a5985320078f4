"""Gradient clipping, in place, as ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``.

Both take the ``grads`` dict returned by ``backward`` (or a list of arrays)
and change its arrays in place, before they are handed to ``opt.step(grads)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from lessonpkg._validate import check_bool, check_inplace_array, check_real


def _grad_arrays(grads) -> list[tuple[str, np.ndarray]]:
    """Return ``(label, array)`` pairs from a dict or list of arrays, checking each can be clipped in place."""
    if isinstance(grads, np.ndarray):
        pairs = [("grads", grads)]
    elif isinstance(grads, Mapping):
        pairs = [(f"grads[{k!r}]", g) for k, g in grads.items()]
    elif isinstance(grads, Sequence) and not isinstance(grads, str):
        pairs = [(f"grads[{i}]", g) for i, g in enumerate(grads)]
    else:
        raise TypeError(f"grads must be a dict or list of numpy arrays, got {type(grads).__name__}")
    for label, g in pairs:
        check_inplace_array(g, label, what="it is clipped in place")
        bad = g.size - int(np.isfinite(g).sum())
        if bad:
            raise ValueError(f"{label} must be finite, got {bad} NaN or inf entries")
    return pairs


def _vector_norm(x: np.ndarray, p: float) -> float:
    """Return the p-norm of ``x`` seen as one vector: ``max(abs(x))`` or ``sum(abs(x)**p)**(1/p)``."""
    a = np.abs(x)
    if p == np.inf:
        return float(np.max(a, initial=0.0))  # 0 for an empty array (torch raises there)
    with np.errstate(over="ignore"):  # an overflow gives inf, which clip_grad_norm_ handles
        if p == 1:
            return float(np.sum(a))
        if p == 2:
            return float(np.sqrt(np.sum(a * a)))
        return float(np.sum(a**p) ** (1 / p))


def clip_grad_norm_(
    grads: Mapping[str, np.ndarray] | Sequence[np.ndarray],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Rescale all gradients together so that their total norm is at most about ``max_norm``.

    One total norm is taken over every gradient, as if all were concatenated
    into one vector, and every array is scaled in place by the same factor::

        total_norm = norm([norm(g, norm_type) for g in grads], norm_type)
        scale = min(max_norm / (total_norm + 1e-6), 1.0)
        g *= scale                                  # for every g in grads

    Parameters
    ----------
    grads : dict of str -> ndarray, or list of ndarray
        The gradients, e.g. the ``grads`` from ``backward``; any shapes, modified in place.
    max_norm : float
        The largest total norm allowed, >= 0.
    norm_type : float
        ``p`` of the p-norm, any ``p > 0``, or ``float("inf")`` for the largest absolute entry
        (an empty array counts as 0; torch raises for the inf-norm of an empty tensor).
    error_if_nonfinite : bool
        Raise a ValueError if the total norm overflows to inf (otherwise every gradient becomes 0,
        as in torch). Gradients holding NaN or inf are always refused.

    Returns
    -------
    float
        The total norm before clipping.
    """
    pairs = _grad_arrays(grads)
    max_norm = check_real(max_norm, "max_norm", low=0, allow_inf=True)
    p = check_real(norm_type, "norm_type", low=0, low_open=True, allow_inf=True)
    error_if_nonfinite = check_bool(error_if_nonfinite, "error_if_nonfinite")
    if not pairs:
        return 0.0
    total_norm = _vector_norm(np.array([_vector_norm(g, p) for _, g in pairs]), p)
    if error_if_nonfinite and not np.isfinite(total_norm):
        raise ValueError(
            f"the total {norm_type}-norm of grads is {total_norm} (it overflowed), so it cannot be clipped; "
            "set error_if_nonfinite=False to scale the gradients by it anyway"
        )
    scale = min(float(max_norm) / (total_norm + 1e-6), 1.0)
    if scale < 1.0:
        for _, g in pairs:
            g *= scale
    return total_norm


def clip_grad_value_(grads: Mapping[str, np.ndarray] | Sequence[np.ndarray], clip_value: float) -> None:
    """Clip every gradient entry in place to ``[-clip_value, clip_value]``.

    ``g[...] = clip(g, -clip_value, clip_value)`` for every ``g`` in ``grads``.

    Parameters
    ----------
    grads : dict of str -> ndarray, or list of ndarray
        The gradients, as in ``clip_grad_norm_``.
    clip_value : float
        The largest absolute value allowed, >= 0.
    """
    pairs = _grad_arrays(grads)
    clip_value = check_real(clip_value, "clip_value", low=0, allow_inf=True)
    for _, g in pairs:
        np.clip(g, -clip_value, clip_value, out=g)
