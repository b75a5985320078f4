"""The GRU: one step (``GRUCell``), a whole sequence (``gru_forward``) and the stacked ``GRU`` layer.

One step, with x (N, D), h0 (N, H), weight_ih (3H, D), weight_hh (3H, H), the
gates stacked in torch's order r, z, n::

    gi = x @ weight_ih.T + bias_ih          # (N, 3H)
    gh = h0 @ weight_hh.T + bias_hh         # (N, 3H)
    r = sigmoid(gi[:, :H] + gh[:, :H])                  # reset gate
    z = sigmoid(gi[:, H:2H] + gh[:, H:2H])              # update gate
    n = tanh(gi[:, 2H:] + r * gh[:, 2H:])               # candidate; r multiplies h0 @ W_hn.T + b_hn
    h1 = (1 - z) * n + z * h0

Because ``b_hn`` sits inside the product with r, it cannot be merged into ``b_in``.
"""

from __future__ import annotations

import numpy as np

from lessonpkg.nn.cellbase import RecurrentCellBase
from lessonpkg.nn.functional import dsigmoid, dtanh, sigmoid
from lessonpkg.nn.recurrent import RecurrentBase
from lessonpkg.nn.sequence import (
    block_grads,
    final_state,
    gate_blocks,
    project_inputs,
    step_threads,
    steps,
    zero_padding,
)

FACTOR_BLOCK = 32768  # backward computes its step-independent factors for about this many numbers at once


def gru_cell_forward(x, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """One step (see the module docstring). Returns h1 (N, H), cache."""
    H = h0.shape[1]
    gi = x @ weight_ih.T  # (N, 3H)
    gh = h0 @ weight_hh.T  # (N, 3H)
    if bias_ih is not None:
        gi, gh = gi + bias_ih, gh + bias_hh
    r = sigmoid(gi[:, :H] + gh[:, :H])
    z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
    n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    h1 = (1.0 - z) * n + z * h0  # (N, H)
    cache = {"x": x, "h0": h0, "r": r, "z": z, "n": n, "gh_n": gh[:, 2 * H:],
             "weight_ih": weight_ih, "weight_hh": weight_hh, "bias": bias_ih is not None}
    return h1, cache


def gru_cell_backward(dh1, cache):
    """Backward of one step. Returns dx (N, D), dh0 (N, H) and the four weight gradients."""
    r, z, n, h0 = cache["r"], cache["z"], cache["n"], cache["h0"]
    dn = dh1 * (1.0 - z)  # h1 = (1 - z) * n + z * h0
    dz = dh1 * (h0 - n)
    dan = dn * dtanh(n)  # gradient of n's pre-activation
    dr = dan * cache["gh_n"]
    dar, daz = dr * dsigmoid(r), dz * dsigmoid(z)
    dgi = np.concatenate([dar, daz, dan], axis=1)  # (N, 3H) dL/dgi
    dgh = np.concatenate([dar, daz, dan * r], axis=1)  # (N, 3H) dL/dgh
    dx = dgi @ cache["weight_ih"]  # (N, D)
    dh0 = dh1 * z + dgh @ cache["weight_hh"]  # (N, H)
    grads = [dgi.T @ cache["x"], dgh.T @ h0]
    if cache["bias"]:
        grads += [dgi.sum(axis=0), dgh.sum(axis=0)]
    else:
        grads += [None, None]
    return dx, dh0, tuple(grads)


def gru_forward(x, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, batch_sizes=None):
    """Run ``gru_cell_forward`` for t = 0, ..., T-1 in one fast loop (one layer, one direction).

    Every ``x_t @ weight_ih.T`` is computed before the loop, one product over
    (T*N, D) per gate, with ``bias_hh``'s r and z parts added there too; each
    step adds ``h_{t-1} @ weight_hh.T`` and applies the gates in place. Each
    gate has its own contiguous block, r, z, n (see ``sequence.py``).

    Parameters
    ----------
    x : (T, N, D) array
    h0 : (N, H) array
    weight_ih, weight_hh, bias_ih, bias_hh : (3H, D), (3H, H), (3H,), (3H,); the biases may be None
    batch_sizes : (T,) ints or None
        Rows running at each step, for a batch sorted by decreasing length (see ``sequence.py``).

    Returns
    -------
    out : (T, N, H) array, ``out[t] = h_t`` and 0 past each sequence's length
    h_n : (N, H) array, each sequence's last valid state
    cache : dict
    """
    T, N, D = x.shape
    H = h0.shape[1]
    x = np.ascontiguousarray(x)
    halve = (0, 1)  # the r and z gates
    b_hn, bias = np.zeros(H, dtype=x.dtype), None
    if bias_ih is not None:
        b_hn = bias_hh[2 * H:]
        bias = gate_blocks(np.concatenate([bias_ih[:2 * H] + bias_hh[:2 * H], bias_ih[2 * H:]])[:, None], 3, halve)
    acts = project_inputs(x, gate_blocks(weight_ih, 3, halve), bias)  # (3, T, N, H): r, z, n
    w_hh_t = gate_blocks(weight_hh, 3, halve)  # (3, H, H)
    hs = np.empty((T + 1, N, H), dtype=x.dtype)  # hs[0] = h0, hs[t + 1] = h_t
    hs[0] = h0
    gh_n = np.empty((T, N, H), dtype=x.dtype)  # h_{t-1} @ W_hn.T + b_hn, kept for backward
    rec, tmp = np.empty((3, N, H), dtype=x.dtype), np.empty((N, H), dtype=x.dtype)
    with step_threads(N * H * 3 * H):  # small per-step products: one BLAS thread (see sequence.py)
        for t, n in steps(T, N, batch_sizes):
            a, h_prev = acts[:, t, :n], hs[t, :n]  # (3, n, H), (n, H)
            gh = np.matmul(h_prev, w_hh_t, out=rec[:, :n])  # h_{t-1} @ W_hh.T, gate by gate
            rz = a[:2]
            rz += gh[:2]
            np.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5  # r, z = sigmoid(a) = (1 + tanh(a / 2)) / 2
            r, z, cand = a
            ghn = np.add(gh[2], b_hn, out=gh_n[t, :n])
            cand += np.multiply(r, ghn, out=tmp[:n])
            np.tanh(cand, out=cand)  # n = tanh(x_t @ W_in.T + b_in + r * (h_{t-1} @ W_hn.T + b_hn))
            h = np.subtract(h_prev, cand, out=hs[t + 1, :n])  # h_t = n + z * (h_{t-1} - n)
            h *= z
            h += cand
    for array in (acts, hs[1:], gh_n):
        zero_padding(array, batch_sizes)
    cache = {"x": x, "acts": acts, "hs": hs, "gh_n": gh_n, "weight_ih": weight_ih, "weight_hh": weight_hh,
             "bias": bias_ih is not None, "batch_sizes": batch_sizes}
    return hs[1:], final_state(hs, batch_sizes), cache


def gru_backward(dout, dh_n, cache):
    """Backward of ``gru_forward``: dout (T, N, H) and dh_n (N, H) give dx (T, N, D), dh0 (N, H) and the grads.

    Per step the chain rule reads (``gru_cell_backward``, with the factors
    that do not depend on the incoming gradient computed ahead, a block of
    steps at a time)::

        dh  = dh + dout[t]
        dan = dh * (1 - z) * (1 - n**2)                 # n's pre-activation
        dgh = [dan * gh_n * r(1-r), dh * (h_prev - n) * z(1-z), dan * r]
        dh  = dh * z + dgh @ weight_hh

    and dgi, the gradient of ``x @ weight_ih.T + bias_ih``, equals dgh with
    ``dan`` in the n block. Each weight gradient is one product over all steps.
    """
    x, acts, hs, gh_n, batch_sizes = (cache[k] for k in ("x", "acts", "hs", "gh_n", "batch_sizes"))
    T, N, D = x.shape
    H = hs.shape[2]
    w_hh = cache["weight_hh"].reshape(3, H, H)  # gate k's rows of weight_hh
    dgh = np.empty((3, T, N, H), dtype=x.dtype)  # first factors, then dL/dgh in place
    dan = np.empty((T, N, H), dtype=x.dtype)  # first (1 - z)(1 - n**2), then dL/d(n's pre-activation)
    dh = np.array(dh_n, dtype=x.dtype, copy=True)  # (N, H) dL/dh_t carried backwards in time
    block = max(1, FACTOR_BLOCK // (N * 3 * H))
    rec, tmp = np.empty((3, N, H), dtype=x.dtype), np.empty((N, H), dtype=x.dtype)
    all_steps = steps(T, N, batch_sizes)
    with step_threads(N * H * 3 * H):  # small per-step products: one BLAS thread (see sequence.py)
        for t1 in range(T, 0, -block):
            t0 = max(0, t1 - block)
            (r, z, cand), (f_r, f_z, f_n), f_an = acts[:, t0:t1], dgh[:, t0:t1], dan[t0:t1]
            np.subtract(1.0, z, out=f_z)  # 1 - z
            np.multiply(cand, cand, out=f_an)
            np.subtract(1.0, f_an, out=f_an)
            f_an *= f_z  # dan = dh * (1 - z) * (1 - n**2)
            f_z *= z
            f_z *= np.subtract(hs[t0:t1], cand, out=f_n)  # daz = dh * (h_prev - n) * z(1-z)
            np.subtract(1.0, r, out=f_r)
            f_r *= r
            f_r *= gh_n[t0:t1]  # dar = dan * gh_n * r(1-r)
            for t, n in reversed(all_steps[t0:t1]):
                dh_t = dh[:n]
                dh_t += dout[t, :n]
                g, d_an = dgh[:, t, :n], dan[t, :n]  # (3, n, H), (n, H)
                d_an *= dh_t
                g[0] *= d_an
                g[1] *= dh_t
                np.multiply(d_an, acts[0, t, :n], out=g[2])  # dan * r
                dh_t *= acts[1, t, :n]  # dh * z ...
                dh_t += np.sum(np.matmul(g, w_hh, out=rec[:, :n]), axis=0, out=tmp[:n])  # ... + dgh @ weight_hh
    zero_padding(dgh, batch_sizes)
    zero_padding(dan, batch_sizes)
    dx, grads = block_grads([dgh[0], dgh[1], dan], dgh, x, hs[:-1], cache["weight_ih"], cache["bias"])
    return dx, dh, grads


class GRUCell(RecurrentCellBase):
    """One GRU step (see the module docstring), like torch.nn.GRUCell.

    Parameters
    ----------
    input_size, hidden_size : int
        D and H.
    bias : bool
    rng : numpy Generator, int or None
    dtype : np.float64 (default) or np.float32
    """

    num_gates = 3

    def forward(self, x: np.ndarray, h0: np.ndarray | None = None) -> tuple[np.ndarray, dict]:
        """Return ``h1, cache``: x (N, D) and h0 (N, H) or None (zeros) give h1 (N, H); unbatched (D,) works too."""
        x, (h0,), unbatched = self._check_step_inputs(x, (h0,))
        h1, cache = gru_cell_forward(x, h0, *self.weights())
        cache = self.save_for_backward(**cache, unbatched=unbatched)
        return (h1[0] if unbatched else h1), cache

    def backward(self, dh1: np.ndarray, cache: dict) -> tuple[np.ndarray, np.ndarray, dict]:
        """Return ``dx, dh0, grads`` from dh1 (N, H); grads has the keys of ``params``."""
        (dh1,) = self._check_step_grads((dh1,), cache)
        dx, dh0, grads = gru_cell_backward(dh1, cache)
        if cache["unbatched"]:
            dx, dh0 = dx[0], dh0[0]
        return dx, dh0, self._named_grads(grads)


class GRU(RecurrentBase):
    """A stacked, optionally bidirectional GRU, like torch.nn.GRU (same arguments, in the same order).

    ``out, h_n, cache = gru.forward(x, h0=None, lengths=None)`` with x (T, N, D)
    (or (N, T, D) with ``batch_first``, or unbatched (T, D)), h0 and h_n
    (num_layers * num_directions, N, H), out (T, N, num_directions * H).
    ``dx, dh0, grads = gru.backward(dout, cache, dh_n=None)``. ``dropout`` must be 0.
    """

    num_gates = 3

    def forward(self, x: np.ndarray, h0: np.ndarray | None = None, lengths=None) -> tuple[np.ndarray, np.ndarray, dict]:
        """Run the stack; ``lengths`` (N,) ints act like torch's ``pack_padded_sequence(enforce_sorted=False)``."""
        out, (h_n,), cache = self._forward(x, (h0,), lengths)
        return out, h_n, cache

    def backward(self, dout: np.ndarray | None, cache: dict,
                 dh_n: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
        """Return ``dx, dh0, grads``; ``dout`` (like out) and ``dh_n`` (like h_n) may be None (zeros)."""
        dx, (dh0,), grads = self._backward(dout, cache, (dh_n,))
        return dx, dh0, grads

    def _sequence_forward(self, x, state0, weights, batch_sizes):
        out, h_n, cache = gru_forward(x, state0[0], *weights, batch_sizes=batch_sizes)
        return out, (h_n,), cache

    def _sequence_backward(self, dout, dstate_n, cache):
        dx, dh0, grads = gru_backward(dout, dstate_n[0], cache)
        return dx, (dh0,), grads
