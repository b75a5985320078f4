"""The GRU: one step (``GRUCell``), a whole sequence (``gru_forward``) and the stacked ``GRU`` layer.

One step, with x (N, D), h0 (N, H), weight_ih (3H, D), weight_hh (3H, H), the
gates stacked in torch's order r, z, n::

    gi = x @ weight_ih.T + bias_ih          # (N, 3H), the input's part
    gh = h0 @ weight_hh.T + bias_hh         # (N, 3H)
    r = sigmoid(gi[:, :H] + gh[:, :H])                  # reset gate
    z = sigmoid(gi[:, H:2H] + gh[:, H:2H])              # update gate
    n = tanh(gi[:, 2H:] + r * gh[:, 2H:])               # candidate; r multiplies h0 @ W_hn.T + b_hn
    h1 = (1 - z) * n + z * h0

Because ``b_hn`` sits inside the product with r, it cannot be merged into ``b_in``.

The input's part gi does not depend on the state. So ``gru_step_forward``
takes gi ready-made: ``gru_cell_forward`` computes it for one x, and
``gru_forward`` for all T steps at once, as one matrix product before its
loop over the same ``gru_step_forward``.
"""

from __future__ import annotations

import numpy as np

from lessonpkg.nn.cellbase import RecurrentCellBase
from lessonpkg.nn.functional import dsigmoid, dtanh, sigmoid
from lessonpkg.nn.fused import gru_backward_fused, gru_forward_fused
from lessonpkg.nn.recurrent import OneStateRecurrent
from lessonpkg.nn.sequence import bias_grads, final_state, input_and_weight_grads, input_parts, step_threads, steps


def gru_step_forward(gi, h_prev, weight_hh, bias_hh=None):
    """One step from its input's part ``gi = x_t @ weight_ih.T + bias_ih`` (N, 3H) and h_prev (N, H).

    Returns ``h, cache`` with h (N, H); the cache holds what ``gru_step_backward`` needs.
    """
    H = h_prev.shape[1]
    gh = h_prev @ weight_hh.T  # (N, 3H)
    if bias_hh is not None:
        gh += bias_hh
    r = sigmoid(gi[:, :H] + gh[:, :H])  # reset gate
    z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])  # update gate
    n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])  # candidate; r multiplies h_prev @ W_hn.T + b_hn
    h = (1.0 - z) * n + z * h_prev  # (N, H)
    cache = {"h_prev": h_prev, "r": r, "z": z, "n": n, "gh_n": gh[:, 2 * H:]}
    return h, cache


def gru_step_backward(dh, cache, weight_hh):
    """Backward of one step, from dh = dL/dh (N, H).

    Returns dgi (N, 3H), the gradient of ``gi``; dgh (N, 3H), the gradient of
    ``gh = h_prev @ weight_hh.T + bias_hh``, which differs from dgi in the n
    block because r multiplies gh there; and dh_prev (N, H).
    """
    r, z, n, h_prev = cache["r"], cache["z"], cache["n"], cache["h_prev"]
    dn = dh * (1.0 - z)  # h = (1 - z) * n + z * h_prev
    dz = dh * (h_prev - n)
    dan = dn * dtanh(n)  # gradient of n's pre-activation
    dr = dan * cache["gh_n"]
    dar, daz = dr * dsigmoid(r), dz * dsigmoid(z)
    dgi = np.concatenate([dar, daz, dan], axis=1)  # (N, 3H)
    dgh = np.concatenate([dar, daz, dan * r], axis=1)  # (N, 3H)
    dh_prev = dh * z + dgh @ weight_hh  # (N, H)
    return dgi, dgh, dh_prev


def gru_cell_forward(x, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """One step (see the module docstring). Returns h1 (N, H), cache."""
    gi = x @ weight_ih.T  # (N, 3H)
    if bias_ih is not None:
        gi += bias_ih
    h1, cache = gru_step_forward(gi, h0, weight_hh, bias_hh)
    cache.update(x=x, weight_ih=weight_ih, weight_hh=weight_hh, bias=bias_ih is not None)
    return h1, cache


def gru_cell_backward(dh1, cache):
    """Backward of one step. Returns dx (N, D), dh0 (N, H) and the four weight gradients."""
    dgi, dgh, dh0 = gru_step_backward(dh1, cache, cache["weight_hh"])  # (N, 3H), (N, 3H), (N, H)
    dx = dgi @ cache["weight_ih"]  # (N, D)
    grads = (dgi.T @ cache["x"], dgh.T @ cache["h_prev"], *bias_grads(dgi, dgh, cache["bias"]))
    return dx, dh0, grads


def gru_forward(x, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, batch_sizes=None):
    """Run ``gru_step_forward`` for t = 0, ..., T-1 (one layer, one direction).

    The input's parts of all steps are one product before the loop,
    ``gi = x @ weight_ih.T + bias_ih`` with x viewed as (T*N, D); the states
    go into one array allocated before the loop, and each step's cache into a list.

    Arguments and results as in ``rnn_forward``; the weights have 3H rows, the gates r, z, n stacked.
    """
    T, N, D = x.shape
    H = h0.shape[1]
    x = np.ascontiguousarray(x)
    gi = input_parts(x, weight_ih, bias_ih)  # (T, N, 3H): x_t @ weight_ih.T + bias_ih for every t, one product
    hs = np.zeros((T + 1, N, H), dtype=x.dtype)  # hs[0] = h0, hs[t + 1] = h_t; 0 past a sequence's end
    hs[0] = h0
    step_caches = []
    with step_threads(N * H * 3 * H):  # small per-step products: one BLAS thread (see sequence.py)
        for t, n in steps(T, N, batch_sizes):  # the first n rows are still running
            hs[t + 1, :n], step_cache = gru_step_forward(gi[t, :n], hs[t, :n], weight_hh, bias_hh)
            step_caches.append(step_cache)
    cache = {"x": x, "hs": hs, "steps": step_caches, "weight_ih": weight_ih, "weight_hh": weight_hh,
             "bias": bias_ih is not None, "batch_sizes": batch_sizes}
    return hs[1:], final_state(hs, batch_sizes), cache


def gru_backward(dout, dh_n, cache):
    """Backward of ``gru_forward``: dout (T, N, H) and dh_n (N, H) give dx (T, N, D), dh0 (N, H) and the grads.

    The loop runs ``gru_step_backward`` for t = T-1, ..., 0 and keeps each
    step's dgi and dgh. The input gradient and the weight gradients are then
    one product over all steps each, e.g. ``dweight_hh = dgh.T @ h_prev``
    with both viewed as (T*N, .).
    """
    x, hs, batch_sizes = cache["x"], cache["hs"], cache["batch_sizes"]
    T, N, D = x.shape
    H = hs.shape[2]
    dgi = np.zeros((T, N, 3 * H), dtype=x.dtype)  # dL/dgi_t; stays 0 past a sequence's end
    dgh = np.zeros((T, N, 3 * H), dtype=x.dtype)  # dL/dgh_t, likewise
    dh = np.array(dh_n, dtype=x.dtype, copy=True)  # (N, H) dL/dh_t from the steps after t, carried back in time
    with step_threads(N * H * 3 * H):  # small per-step products: one BLAS thread (see sequence.py)
        for t, n in reversed(steps(T, N, batch_sizes)):
            dh_t = dh[:n] + dout[t, :n]  # dL/dh_t: through h_{t+1} and through out[t]
            dgi[t, :n], dgh[t, :n], dh[:n] = gru_step_backward(dh_t, cache["steps"][t], cache["weight_hh"])
    dx, grads = input_and_weight_grads(dgi, dgh, x, hs, cache["weight_ih"], cache["bias"])
    return dx, dh, grads


class GRUCell(RecurrentCellBase):
    """One GRU step (see the module docstring), like torch.nn.GRUCell(input_size=D, hidden_size=H, bias=True).

    ``rng`` (a numpy Generator, a seed or None) draws the weights; ``dtype`` is np.float64 (default) or np.float32.
    """

    num_gates = 3

    def forward(self, x: np.ndarray, h0: np.ndarray | None = None) -> tuple[np.ndarray, dict]:
        """Return ``h1, cache``: x (N, D) and h0 (N, H) or None (zeros) give h1 (N, H); unbatched (D,) works too."""
        return self._one_state_forward(gru_cell_forward, x, h0)

    def backward(self, dh1: np.ndarray, cache: dict) -> tuple[np.ndarray, np.ndarray, dict]:
        """Return ``dx, dh0, grads`` from dh1 (N, H); grads has the keys of ``params``."""
        return self._one_state_backward(gru_cell_backward, dh1, cache)


class GRU(OneStateRecurrent):
    """A stacked, optionally bidirectional GRU, like torch.nn.GRU (same arguments, in the same order).

    ``out, h_n, cache = gru.forward(x, h0=None, lengths=None)`` with x (T, N, D)
    (or (N, T, D) with ``batch_first``, or unbatched (T, D)), h0 and h_n
    (num_layers * num_directions, N, H), out (T, N, num_directions * H).
    ``dx, dh0, grads = gru.backward(dout, cache, dh_n=None)``. ``dropout`` must be 0.
    """

    num_gates = 3
    fast_path = True  # run gru_forward_fused (nn/fused.py); False runs the loop shown above, gru_forward

    def _sequence_forward(self, x, state0, weights, batch_sizes):
        run = gru_forward_fused if self.fast_path else gru_forward
        out, h_n, cache = run(x, state0[0], *weights, batch_sizes=batch_sizes)
        return out, (h_n,), cache

    def _sequence_backward(self, dout, dstate_n, cache):
        dx, dh0, grads = (gru_backward_fused if cache.get("fused") else gru_backward)(dout, dstate_n[0], cache)
        return dx, (dh0,), grads
