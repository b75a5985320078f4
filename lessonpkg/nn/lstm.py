"""The LSTM: one step (``LSTMCell``), a whole sequence (``lstm_forward``) and the stacked ``LSTM`` layer.

One step, with x (N, D), h0 and c0 (N, H), weight_ih (4H, D), weight_hh (4H, H),
the gates stacked in torch's order i, f, g, o::

    xw = x @ weight_ih.T + bias_ih                   # (N, 4H), the input's part
    gates = xw + h0 @ weight_hh.T + bias_hh          # (N, 4H)
    i, f, g, o = sigmoid(gates[:, :H]), sigmoid(gates[:, H:2H]), tanh(gates[:, 2H:3H]), sigmoid(gates[:, 3H:])
    c1 = f * c0 + i * g
    h1 = o * tanh(c1)

The input's part does not depend on the state. So ``lstm_step_forward``
takes xw ready-made: ``lstm_cell_forward`` computes it for one x, and
``lstm_forward`` for all T steps at once, as one matrix product before its
loop over the same ``lstm_step_forward``.
"""

from __future__ import annotations

import numpy as np

from lessonpkg.nn.cellbase import RecurrentCellBase
from lessonpkg.nn.functional import dsigmoid, dtanh, sigmoid
from lessonpkg.nn.fused import lstm_backward_fused, lstm_forward_fused
from lessonpkg.nn.recurrent import RecurrentBase
from lessonpkg.nn.sequence import bias_grads, final_state, input_and_weight_grads, input_parts, step_threads, steps


def lstm_step_forward(xw, h_prev, c_prev, weight_hh, bias_hh=None):
    """One step from its input's part ``xw = x_t @ weight_ih.T + bias_ih`` (N, 4H) and h_prev, c_prev (N, H).

    Returns ``(h, c), cache`` with h, c (N, H); the cache holds what ``lstm_step_backward`` needs.
    """
    H = h_prev.shape[1]
    gates = xw + h_prev @ weight_hh.T  # (N, 4H)
    if bias_hh is not None:
        gates += bias_hh
    i = sigmoid(gates[:, :H])  # input gate
    f = sigmoid(gates[:, H:2 * H])  # forget gate
    g = np.tanh(gates[:, 2 * H:3 * H])  # candidate cell
    o = sigmoid(gates[:, 3 * H:])  # output gate
    c = f * c_prev + i * g  # (N, H)
    tanh_c = np.tanh(c)
    h = o * tanh_c  # (N, H)
    cache = {"i": i, "f": f, "g": g, "o": o, "c_prev": c_prev, "tanh_c": tanh_c}
    return (h, c), cache


def lstm_step_backward(dh, dc, cache, weight_hh):
    """Backward of one step, from dh = dL/dh (N, H) and dc (N, H), the part of dL/dc that does not pass through h.

    Returns dgates (N, 4H), the gradient of the pre-activations and so of
    both ``xw`` and ``h_prev @ weight_hh.T + bias_hh``; dh_prev and dc_prev (N, H).
    """
    i, f, g, o, tanh_c = cache["i"], cache["f"], cache["g"], cache["o"], cache["tanh_c"]
    do = dh * tanh_c  # h = o * tanh(c)
    dc = dc + dh * o * dtanh(tanh_c)  # c reaches the loss directly and through h
    di, df, dg = dc * g, dc * cache["c_prev"], dc * i  # c = f * c_prev + i * g
    dgates = np.concatenate([di * dsigmoid(i), df * dsigmoid(f), dg * dtanh(g), do * dsigmoid(o)], axis=1)  # (N, 4H)
    return dgates, dgates @ weight_hh, dc * f


def lstm_cell_forward(x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """One step (see the module docstring). Returns ``(h1, c1), cache`` with h1, c1 (N, H)."""
    xw = x @ weight_ih.T  # (N, 4H)
    if bias_ih is not None:
        xw += bias_ih
    (h1, c1), cache = lstm_step_forward(xw, h0, c0, weight_hh, bias_hh)
    cache.update(x=x, h0=h0, weight_ih=weight_ih, weight_hh=weight_hh, bias=bias_ih is not None)
    return (h1, c1), cache


def lstm_cell_backward(dh1, dc1, cache):
    """Backward of one step. Returns dx (N, D), (dh0, dc0) (N, H) each, and the four weight gradients."""
    dgates, dh0, dc0 = lstm_step_backward(dh1, dc1, cache, cache["weight_hh"])  # (N, 4H), (N, H), (N, H)
    dx = dgates @ cache["weight_ih"]  # (N, D)
    grads = (dgates.T @ cache["x"], dgates.T @ cache["h0"], *bias_grads(dgates, dgates, cache["bias"]))
    return dx, (dh0, dc0), grads


def lstm_forward(x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, batch_sizes=None):
    """Run ``lstm_step_forward`` for t = 0, ..., T-1 (one layer, one direction).

    The input's parts of all steps are one product before the loop,
    ``xw = x @ weight_ih.T + bias_ih`` with x viewed as (T*N, D); the states
    go into arrays allocated before the loop, and each step's cache into a list.

    Arguments and results as in ``rnn_forward``, with the initial cell state ``c0`` (N, H) beside ``h0``
    and the final pair ``(h_n, c_n)``; the weights have 4H rows, the gates i, f, g, o stacked.
    """
    T, N, D = x.shape
    H = h0.shape[1]
    x = np.ascontiguousarray(x)
    xw = input_parts(x, weight_ih, bias_ih)  # (T, N, 4H): x_t @ weight_ih.T + bias_ih for every t, one product
    hs = np.zeros((T + 1, N, H), dtype=x.dtype)  # hs[0] = h0, hs[t + 1] = h_t; 0 past a sequence's end
    cs = np.zeros((T + 1, N, H), dtype=x.dtype)  # cs[0] = c0, cs[t + 1] = c_t
    hs[0], cs[0] = h0, c0
    step_caches = []
    with step_threads(N * H * 4 * H):  # small per-step products: one BLAS thread (see sequence.py)
        for t, n in steps(T, N, batch_sizes):  # the first n rows are still running
            (h, c), step_cache = lstm_step_forward(xw[t, :n], hs[t, :n], cs[t, :n], weight_hh, bias_hh)
            hs[t + 1, :n], cs[t + 1, :n] = h, c
            step_caches.append(step_cache)
    cache = {"x": x, "hs": hs, "steps": step_caches, "weight_ih": weight_ih, "weight_hh": weight_hh,
             "bias": bias_ih is not None, "batch_sizes": batch_sizes}
    return hs[1:], (final_state(hs, batch_sizes), final_state(cs, batch_sizes)), cache


def lstm_backward(dout, dh_n, dc_n, cache):
    """Backward of ``lstm_forward``: dout (T, N, H), dh_n and dc_n (N, H) give dx, (dh0, dc0) and the grads.

    The loop runs ``lstm_step_backward`` for t = T-1, ..., 0 and keeps each
    step's dgates. The input gradient and the weight gradients are then one
    product over all steps each, e.g. ``dweight_hh = dgates.T @ h_prev`` with
    both viewed as (T*N, .).
    """
    x, hs, batch_sizes = cache["x"], cache["hs"], cache["batch_sizes"]
    T, N, D = x.shape
    H = hs.shape[2]
    dgates = np.zeros((T, N, 4 * H), dtype=x.dtype)  # dL/dgates_t; stays 0 past a sequence's end
    dh = np.array(dh_n, dtype=x.dtype, copy=True)  # (N, H) dL/dh_t from the steps after t, carried back in time
    dc = np.array(dc_n, dtype=x.dtype, copy=True)  # (N, H) dL/dc_t through step t+1, carried back in time
    with step_threads(N * H * 4 * H):  # small per-step products: one BLAS thread (see sequence.py)
        for t, n in reversed(steps(T, N, batch_sizes)):
            dh_t = dh[:n] + dout[t, :n]  # dL/dh_t: through step t+1 and through out[t]
            dgates[t, :n], dh[:n], dc[:n] = lstm_step_backward(dh_t, dc[:n], cache["steps"][t], cache["weight_hh"])
    dx, grads = input_and_weight_grads(dgates, dgates, x, hs, cache["weight_ih"], cache["bias"])
    return dx, (dh, dc), grads


def check_pair(hx, name: str) -> tuple:
    """Split an LSTM state pair ``(h, c)``; ``None`` stands for two Nones."""
    if hx is None:
        return None, None
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError(f"{name} must be a pair (h, c) of arrays or None, got {type(hx).__name__}")
    return tuple(hx)


class LSTMCell(RecurrentCellBase):
    """One LSTM step (see the module docstring), like torch.nn.LSTMCell(input_size=D, hidden_size=H, bias=True).

    ``rng`` (a numpy Generator, a seed or None) draws the weights; ``dtype`` is np.float64 (default) or np.float32.
    """

    num_gates = 4
    state_names = ("h", "c")

    def forward(self, x: np.ndarray, hx: tuple | None = None) -> tuple[tuple[np.ndarray, np.ndarray], dict]:
        """Return ``(h1, c1), cache``: x (N, D) and hx = (h0, c0), each (N, H), or None (zeros); or unbatched."""
        x, (h0, c0), unbatched = self._check_step_inputs(x, check_pair(hx, "hx"))
        (h1, c1), cache = lstm_cell_forward(x, h0, c0, *self.weights())
        cache = self.save_for_backward(**cache, unbatched=unbatched)
        return ((h1[0], c1[0]) if unbatched else (h1, c1)), cache

    def backward(self, dhx: tuple, cache: dict) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], dict]:
        """Return ``dx, (dh0, dc0), grads`` from dhx = (dh1, dc1); either entry may be None (zeros)."""
        dh1, dc1 = self._check_step_grads(check_pair(dhx, "dhx"), cache)
        dx, (dh0, dc0), grads = lstm_cell_backward(dh1, dc1, cache)
        if cache["unbatched"]:
            dx, dh0, dc0 = dx[0], dh0[0], dc0[0]
        return dx, (dh0, dc0), self._named_grads(grads)


class LSTM(RecurrentBase):
    """A stacked, optionally bidirectional LSTM, like torch.nn.LSTM (same arguments, in the same order).

    ``out, (h_n, c_n), cache = lstm.forward(x, hx=None, lengths=None)`` with x
    (T, N, D) (or (N, T, D) with ``batch_first``, or unbatched (T, D)),
    hx = (h0, c0) and (h_n, c_n) each (num_layers * num_directions, N, H), out
    (T, N, num_directions * H). ``dx, (dh0, dc0), grads = lstm.backward(dout,
    cache, dhx=None)``. ``dropout`` must be 0 and ``proj_size`` is not offered.
    """

    num_gates = 4
    fast_path = True  # run lstm_forward_fused (nn/fused.py); False runs the loop shown above, lstm_forward
    state_names = ("h", "c")

    def forward(self, x: np.ndarray, hx: tuple | None = None, lengths=None) -> tuple[np.ndarray, tuple, dict]:
        """Run the stack; ``lengths`` (N,) ints act like torch's ``pack_padded_sequence(enforce_sorted=False)``."""
        out, (h_n, c_n), cache = self._forward(x, check_pair(hx, "hx"), lengths)
        return out, (h_n, c_n), cache

    def backward(self, dout: np.ndarray | None, cache: dict,
                 dhx: tuple | None = None) -> tuple[np.ndarray, tuple, dict]:
        """Return ``dx, (dh0, dc0), grads``; ``dout`` and either entry of ``dhx = (dh_n, dc_n)`` may be None."""
        dx, (dh0, dc0), grads = self._backward(dout, cache, check_pair(dhx, "dhx"))
        return dx, (dh0, dc0), grads

    def _sequence_forward(self, x, state0, weights, batch_sizes):
        run = lstm_forward_fused if self.fast_path else lstm_forward
        return run(x, *state0, *weights, batch_sizes=batch_sizes)

    def _sequence_backward(self, dout, dstate_n, cache):
        return (lstm_backward_fused if cache.get("fused") else lstm_backward)(dout, *dstate_n, cache)
