"""The LSTM: one step (``LSTMCell``), a whole sequence (``lstm_forward``) and the stacked ``LSTM`` layer.

One step, with x (N, D), h0 and c0 (N, H), weight_ih (4H, D), weight_hh (4H, H),
the gates stacked in torch's order i, f, g, o::

    gates = x @ weight_ih.T + bias_ih + h0 @ weight_hh.T + bias_hh   # (N, 4H)
    i, f, g, o = sigmoid(gates[:, :H]), sigmoid(gates[:, H:2H]), tanh(gates[:, 2H:3H]), sigmoid(gates[:, 3H:])
    c1 = f * c0 + i * g
    h1 = o * tanh(c1)
"""

from __future__ import annotations

import numpy as np

from lessonpkg.nn.cellbase import RecurrentCellBase
from lessonpkg.nn.functional import dsigmoid, dtanh, sigmoid
from lessonpkg.nn.recurrent import RecurrentBase
from lessonpkg.nn.sequence import bias_grads, final_state, step_threads, steps, zero_padding

FACTOR_BLOCK = 32768  # backward computes its step-independent factors for about this many numbers at once


def lstm_cell_forward(x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """One step (see the module docstring). Returns ``(h1, c1), cache`` with h1, c1 (N, H)."""
    H = h0.shape[1]
    gates = x @ weight_ih.T + h0 @ weight_hh.T  # (N, 4H)
    if bias_ih is not None:
        gates = gates + bias_ih + bias_hh
    i = sigmoid(gates[:, :H])  # input gate
    f = sigmoid(gates[:, H:2 * H])  # forget gate
    g = np.tanh(gates[:, 2 * H:3 * H])  # candidate cell
    o = sigmoid(gates[:, 3 * H:])  # output gate
    c1 = f * c0 + i * g  # (N, H)
    h1 = o * np.tanh(c1)  # (N, H)
    cache = {"x": x, "h0": h0, "c0": c0, "i": i, "f": f, "g": g, "o": o, "c1": c1,
             "weight_ih": weight_ih, "weight_hh": weight_hh, "bias": bias_ih is not None}
    return (h1, c1), cache


def lstm_cell_backward(dh1, dc1, cache):
    """Backward of one step. Returns dx (N, D), (dh0, dc0) (N, H) each, and the four weight gradients."""
    i, f, g, o, c0 = cache["i"], cache["f"], cache["g"], cache["o"], cache["c0"]
    tc = np.tanh(cache["c1"])
    do = dh1 * tc  # h1 = o * tanh(c1)
    dc = dc1 + dh1 * o * dtanh(tc)  # c1 reaches the loss directly and through h1
    di, df, dg, dc0 = dc * g, dc * c0, dc * i, dc * f  # c1 = f * c0 + i * g
    dgates = np.concatenate([di * dsigmoid(i), df * dsigmoid(f), dg * dtanh(g), do * dsigmoid(o)], axis=1)  # (N, 4H)
    dx = dgates @ cache["weight_ih"]  # (N, D)
    dh0 = dgates @ cache["weight_hh"]  # (N, H)
    grads = (dgates.T @ cache["x"], dgates.T @ cache["h0"], *bias_grads(dgates, dgates, cache["bias"]))
    return dx, (dh0, dc0), grads


def lstm_forward(x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, batch_sizes=None):
    """Run ``lstm_cell_forward`` for t = 0, ..., T-1 in one fast loop (one layer, one direction).

    The same equations, arranged for speed: every ``x_t @ weight_ih.T`` is one
    product over (T*N, D) before the loop; each step adds
    ``h_{t-1} @ weight_hh.T`` and applies the gates in place, in preallocated
    arrays. The rows of the i, f and o gates are halved in the weights (exact
    in floating point), so that one ``tanh`` over all 4H columns serves every
    gate: ``sigmoid(a) = (1 + tanh(a / 2)) / 2``.

    Parameters
    ----------
    x : (T, N, D) array
    h0, c0 : (N, H) arrays
    weight_ih, weight_hh, bias_ih, bias_hh : (4H, D), (4H, H), (4H,), (4H,); the biases may be None
    batch_sizes : (T,) ints or None
        Rows running at each step, for a batch sorted by decreasing length (see ``sequence.py``).

    Returns
    -------
    out : (T, N, H) array, ``out[t] = h_t`` and 0 past each sequence's length
    (h_n, c_n) : (N, H) arrays, each sequence's last valid state
    cache : dict
    """
    T, N, D = x.shape
    H = h0.shape[1]
    x = np.ascontiguousarray(x)
    half = np.full(4 * H, 0.5, dtype=x.dtype)  # 1/2 in the i, f, o columns, 1 in the g columns
    half[2 * H:3 * H] = 1.0
    acts = (x.reshape(T * N, D) @ (weight_ih.T * half)).reshape(T, N, 4 * H)  # pre-activations, then gates
    if bias_ih is not None:
        acts += (bias_ih + bias_hh) * half
    w_hh_t = np.ascontiguousarray(weight_hh.T * half)  # (H, 4H)
    scale, shift = np.tile(half, (N, 1)), np.tile(1.0 - half, (N, 1))  # (N, 4H): 1/2 and 1/2 for i, f, o; 1 and 0 for g
    hs = np.empty((T + 1, N, H), dtype=x.dtype)  # hs[0] = h0, hs[t + 1] = h_t
    cs = np.empty((T + 1, N, H), dtype=x.dtype)  # cs[0] = c0, cs[t + 1] = c_t
    hs[0], cs[0] = h0, c0
    tanh_c = np.empty((T, N, H), dtype=x.dtype)  # tanh(c_t), kept for backward
    rec, ig = np.empty((N, 4 * H), dtype=x.dtype), np.empty((N, H), dtype=x.dtype)
    with step_threads(N * H * 4 * H):  # small per-step products: one BLAS thread (see sequence.py)
        for t, n in steps(T, N, batch_sizes):
            a = acts[t, :n]  # (n, 4H) = x_t @ W_ih.T + biases, i, f, o halved
            a += np.matmul(hs[t, :n], w_hh_t, out=rec[:n])  # + h_{t-1} @ W_hh.T
            np.tanh(a, out=a)  # tanh(a / 2) in the i, f, o columns, g = tanh(a) in the g columns
            a *= scale[:n]
            a += shift[:n]  # i, f, o = sigmoid(a) = (1 + tanh(a / 2)) / 2
            i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            c = np.multiply(f, cs[t, :n], out=cs[t + 1, :n])  # c_t = f * c_{t-1} ...
            c += np.multiply(i, g, out=ig[:n])  # ... + i * g
            np.multiply(o, np.tanh(c, out=tanh_c[t, :n]), out=hs[t + 1, :n])  # h_t = o * tanh(c_t)
    for array in (acts, hs[1:], cs[1:], tanh_c):
        zero_padding(array, batch_sizes)
    cache = {"x": x, "acts": acts, "hs": hs, "cs": cs, "tanh_c": tanh_c, "weight_ih": weight_ih,
             "weight_hh": weight_hh, "bias": bias_ih is not None, "batch_sizes": batch_sizes}
    return hs[1:], (final_state(hs, batch_sizes), final_state(cs, batch_sizes)), cache


def lstm_backward(dout, dh_n, dc_n, cache):
    """Backward of ``lstm_forward``: dout (T, N, H), dh_n and dc_n (N, H) give dx, (dh0, dc0) and the grads.

    Per step the chain rule reads (``lstm_cell_backward``, with the factors
    that do not depend on the incoming gradient computed ahead, a block of
    steps at a time)::

        dh     = dh + dout[t]
        dc     = dc + dh * o * (1 - tanh(c_t)**2)
        dgates = [dc * g * i(1-i), dc * c_{t-1} * f(1-f), dc * i * (1-g**2), dh * tanh(c_t) * o(1-o)]
        dc     = dc * f
        dh     = dgates @ weight_hh

    and each weight gradient is one product over all steps, e.g.
    ``dweight_hh = dgates.T @ h_prev`` with both viewed as (T*N, .).
    """
    x, acts, hs, cs, tanh_c, batch_sizes = (cache[k] for k in ("x", "acts", "hs", "cs", "tanh_c", "batch_sizes"))
    T, N, D = x.shape
    H = hs.shape[2]
    w_hh = cache["weight_hh"]
    dgates = np.empty((T, N, 4 * H), dtype=x.dtype)  # first the factors below, then dL/dgates in place
    dh = np.array(dh_n, dtype=x.dtype, copy=True)  # (N, H) dL/dh_t carried backwards in time
    dc = np.array(dc_n, dtype=x.dtype, copy=True)  # (N, H) dL/dc_t carried backwards in time
    block = max(1, FACTOR_BLOCK // (N * 4 * H))  # steps whose factors are computed together
    dc_factor = np.empty((block, N, H), dtype=x.dtype)
    tmp = np.empty((N, H), dtype=x.dtype)
    all_steps = steps(T, N, batch_sizes)
    with step_threads(N * H * 4 * H):  # small per-step products: one BLAS thread (see sequence.py)
        for t1 in range(T, 0, -block):
            t0 = max(0, t1 - block)
            a, fac, tc = acts[t0:t1], dgates[t0:t1], tanh_c[t0:t1]
            i, g, o = a[..., :H], a[..., 2 * H:3 * H], a[..., 3 * H:]
            np.subtract(1.0, a, out=fac)
            fac *= a  # s * (1 - s), the sigmoid derivative (used in the i, f and o columns)
            fac[..., :H] *= g  # dgates_i = dc * g * i(1-i)
            fac[..., H:2 * H] *= cs[t0:t1]  # dgates_f = dc * c_{t-1} * f(1-f)
            fac[..., 3 * H:] *= tc  # dgates_o = dh * tanh(c_t) * o(1-o)
            fac_g = np.multiply(g, g, out=fac[..., 2 * H:3 * H])
            np.subtract(1.0, fac_g, out=fac_g)
            fac_g *= i  # dgates_g = dc * i * (1 - g**2)
            dcf = np.multiply(tc, tc, out=dc_factor[: t1 - t0])
            np.subtract(1.0, dcf, out=dcf)
            dcf *= o  # dc += dh * o * (1 - tanh(c_t)**2)
            for t, n in reversed(all_steps[t0:t1]):
                dh_t, dc_t = dh[:n], dc[:n]
                dh_t += dout[t, :n]
                dc_t += np.multiply(dh_t, dcf[t - t0, :n], out=tmp[:n])
                d = dgates[t, :n]  # (n, 4H)
                d.reshape(n, 4, H)[:, :3] *= dc_t[:, None, :]  # the i, f, g columns
                d[:, 3 * H:] *= dh_t  # the o columns
                dc_t *= acts[t, :n, H:2 * H]  # dL/dc_{t-1} = dc * f
                np.matmul(d, w_hh, out=dh_t)  # dL/dh_{t-1} = dgates @ weight_hh
    zero_padding(dgates, batch_sizes)
    dgates = dgates.reshape(T * N, 4 * H)
    dx = (dgates @ cache["weight_ih"]).reshape(T, N, D)
    h_prev = hs[:-1].reshape(T * N, H)
    grads = (dgates.T @ x.reshape(T * N, D), dgates.T @ h_prev, *bias_grads(dgates, dgates, cache["bias"]))
    return dx, (dh, dc), grads


def check_pair(hx, name: str) -> tuple:
    """Split an LSTM state pair ``(h, c)``; ``None`` stands for two Nones."""
    if hx is None:
        return None, None
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError(f"{name} must be a pair (h, c) of arrays or None, got {type(hx).__name__}")
    return tuple(hx)


class LSTMCell(RecurrentCellBase):
    """One LSTM step (see the module docstring), like torch.nn.LSTMCell.

    Parameters
    ----------
    input_size, hidden_size : int
        D and H.
    bias : bool
    rng : numpy Generator, int or None
    dtype : np.float64 (default) or np.float32
    """

    num_gates = 4
    state_names = ("h", "c")

    def forward(self, x: np.ndarray, hx: tuple | None = None) -> tuple[tuple[np.ndarray, np.ndarray], dict]:
        """Return ``(h1, c1), cache``: x (N, D) and hx = (h0, c0), each (N, H), or None (zeros); or unbatched."""
        x, (h0, c0), unbatched = self._check_step_inputs(x, check_pair(hx, "hx"))
        (h1, c1), cache = lstm_cell_forward(x, h0, c0, *self.weights())
        cache.update(cell="LSTMCell", unbatched=unbatched)
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
        return lstm_forward(x, *state0, *weights, batch_sizes=batch_sizes)

    def _sequence_backward(self, dout, dstate_n, cache):
        return lstm_backward(dout, *dstate_n, cache)
