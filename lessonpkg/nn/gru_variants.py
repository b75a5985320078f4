"""Cho et al.'s original GRU step, to compare with torch's (``gru.py``) on the same parameters.

Both read torch's parameters, gates stacked r, z, n. They differ only in
where the reset gate r acts on the candidate n. Cho et al. (2014) reset the
previous state *before* the recurrent product::

    n = tanh(x @ W_in.T + b_in + (r * h0) @ W_hn.T + b_hn)     # Cho et al.
    n = tanh(x @ W_in.T + b_in + r * (h0 @ W_hn.T + b_hn))     # torch (and cuDNN)

Cho et al. write their equations without biases. With torch's two biases,
``b_hn`` lands outside the reset product in Cho's form, where it acts exactly
like ``b_in``. The gates and the update are the same in both::

    r = sigmoid(x @ W_ir.T + b_ir + h0 @ W_hr.T + b_hr)
    z = sigmoid(x @ W_iz.T + b_iz + h0 @ W_hz.T + b_hz)
    h1 = (1 - z) * n + z * h0        # z = 1 keeps the old state, in both
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_array, check_shape
from lessonpkg.nn.functional import sigmoid


def _check_step(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) -> tuple:
    """Validate one GRU step's arrays (torch's layout) and return them as arrays."""
    x = check_array(x, "x")
    if x.ndim != 2:
        raise ValueError(f"x must have shape (N, D), got {x.shape}")
    N, D = x.shape
    weight_hh = check_array(weight_hh, "weight_hh", dtype=x.dtype)
    if weight_hh.ndim != 2 or weight_hh.shape[0] != 3 * weight_hh.shape[1]:
        raise ValueError(f"weight_hh must have shape (3H, H), the gates r, z, n stacked, got {weight_hh.shape}")
    H = weight_hh.shape[1]
    weight_ih = check_array(weight_ih, "weight_ih", dtype=x.dtype)
    check_shape(weight_ih, "weight_ih", (3 * H, D), f"H={H} (from weight_hh) and D={D} (from x)")
    h0 = check_array(h0, "h0", dtype=x.dtype)
    check_shape(h0, "h0", (N, H), f"N={N} (from x) and H={H} (from weight_hh)")
    if (bias_ih is None) != (bias_hh is None):
        raise ValueError("bias_ih and bias_hh must be given together (or both None, for bias=False)")
    if bias_ih is not None:
        bias_ih = check_array(bias_ih, "bias_ih", dtype=x.dtype)
        bias_hh = check_array(bias_hh, "bias_hh", dtype=x.dtype)
        check_shape(bias_ih, "bias_ih", (3 * H,), f"H={H}")
        check_shape(bias_hh, "bias_hh", (3 * H,), f"H={H}")
    return x, h0, weight_ih, weight_hh, bias_ih, bias_hh


def gru_cell_cho2014(x: np.ndarray, h0: np.ndarray, weight_ih: np.ndarray, weight_hh: np.ndarray,
                     bias_ih: np.ndarray | None = None, bias_hh: np.ndarray | None = None) -> np.ndarray:
    """One GRU step in Cho et al.'s form, with the reset gate applied to h0 before ``@ W_hn.T``.

    ``n = tanh(x @ W_in.T + b_in + (r * h0) @ W_hn.T + b_hn)``; r, z and
    ``h1 = (1 - z) * n + z * h0`` are torch's (see the module docstring).

    Parameters
    ----------
    x : (N, D) array
    h0 : (N, H) array
    weight_ih, weight_hh : (3H, D) and (3H, H) arrays, torch's ``GRUCell`` parameters (gates r, z, n)
    bias_ih, bias_hh : (3H,) arrays, or both None

    Returns
    -------
    h1 : (N, H) array
    """
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh = _check_step(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    H = h0.shape[1]
    gi = x @ weight_ih.T  # (N, 3H)
    if bias_ih is not None:
        gi = gi + bias_ih
    b_hh = np.zeros(3 * H, dtype=x.dtype) if bias_hh is None else bias_hh
    r = sigmoid(gi[:, :H] + h0 @ weight_hh[:H].T + b_hh[:H])  # reset gate, as torch's
    z = sigmoid(gi[:, H:2 * H] + h0 @ weight_hh[H:2 * H].T + b_hh[H:2 * H])  # update gate, as torch's
    n = np.tanh(gi[:, 2 * H:] + (r * h0) @ weight_hh[2 * H:].T + b_hh[2 * H:])  # r acts on h0 itself
    return (1.0 - z) * n + z * h0  # (N, H)
