"""The Elman RNN: one step (``RNNCell``), a whole sequence (``rnn_forward``) and the stacked ``RNN`` layer.

One step, with x (N, D), h0 (N, H), weight_ih (H, D) and weight_hh (H, H)::

    xw = x @ weight_ih.T + bias_ih                # (N, H), the input's part
    a  = xw + h0 @ weight_hh.T + bias_hh          # (N, H)
    h1 = tanh(a)        # or relu(a) with nonlinearity="relu"

The input's part does not depend on the state. So ``rnn_step_forward`` takes
xw ready-made: ``rnn_cell_forward`` computes it for one x, and
``rnn_forward`` for all T steps at once, as one matrix product before its
loop over the same ``rnn_step_forward``.
"""

from __future__ import annotations

import numpy as np

from lessonpkg.nn.cellbase import RecurrentCellBase
from lessonpkg.nn.recurrent import OneStateRecurrent
from lessonpkg.nn.sequence import bias_grads, final_state, input_parts, step_threads, steps


def check_nonlinearity(nonlinearity) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return nonlinearity


def rnn_step_forward(xw, h_prev, weight_hh, bias_hh=None, nonlinearity="tanh"):
    """One step from its input's part ``xw = x_t @ weight_ih.T + bias_ih`` (N, H) and h_prev (N, H).

    Returns ``h = tanh(xw + h_prev @ weight_hh.T + bias_hh)`` (N, H), or relu.
    The step's backward needs only h, so h is also its cache.
    """
    a = xw + h_prev @ weight_hh.T  # (N, H)
    if bias_hh is not None:
        a += bias_hh
    return np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0)  # (N, H)


def rnn_step_backward(dh, h, weight_hh, nonlinearity="tanh"):
    """Backward of one step, from dh = dL/dh (N, H) and the step's output h (N, H).

    Returns da (N, H), the gradient of the pre-activation ``a`` and so of both
    ``xw`` and ``h_prev @ weight_hh.T + bias_hh``, and dh_prev = da @ weight_hh (N, H).
    """
    if nonlinearity == "tanh":
        da = dh * (1.0 - h * h)  # (N, H)   tanh'(a) = 1 - h**2
    else:
        da = dh * (h > 0)  # (N, H)   relu'(a) = 1 where h > 0
    return da, da @ weight_hh


def rnn_cell_forward(x, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, nonlinearity="tanh"):
    """One step: ``h1 = tanh(x @ weight_ih.T + bias_ih + h0 @ weight_hh.T + bias_hh)``. Returns h1 (N, H), cache."""
    xw = x @ weight_ih.T  # (N, H)
    if bias_ih is not None:
        xw += bias_ih
    h1 = rnn_step_forward(xw, h0, weight_hh, bias_hh, nonlinearity)  # (N, H)
    cache = {"x": x, "h0": h0, "h1": h1, "weight_ih": weight_ih, "weight_hh": weight_hh,
             "bias": bias_ih is not None, "nonlinearity": nonlinearity}
    return h1, cache


def rnn_cell_backward(dh1, cache):
    """Backward of one step. Returns dx (N, D), dh0 (N, H), (dweight_ih, dweight_hh, dbias_ih, dbias_hh)."""
    da, dh0 = rnn_step_backward(dh1, cache["h1"], cache["weight_hh"], cache["nonlinearity"])  # (N, H) each
    dx = da @ cache["weight_ih"]  # (N, D)
    return dx, dh0, (da.T @ cache["x"], da.T @ cache["h0"], *bias_grads(da, da, cache["bias"]))


def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, nonlinearity="tanh", batch_sizes=None):
    """Run ``rnn_step_forward`` for t = 0, ..., T-1 (one layer, one direction).

    The input's parts of all steps are one product before the loop,
    ``xw = x @ weight_ih.T + bias_ih`` with x viewed as (T*N, D); the states
    go into one array allocated before the loop.

    Parameters
    ----------
    x : (T, N, D) array
    h0 : (N, H) array
    weight_ih, weight_hh, bias_ih, bias_hh : (H, D), (H, H), (H,), (H,) arrays; the biases may be None
    nonlinearity : "tanh" or "relu"
    batch_sizes : (T,) ints or None
        Rows running at each step, for a batch sorted by decreasing length (see ``sequence.py``).

    Returns
    -------
    out : (T, N, H) array, ``out[t] = h_t`` and 0 past each sequence's length
    h_n : (N, H) array, each sequence's last valid state
    cache : dict
    """
    T, N, D = x.shape
    H = weight_hh.shape[1]
    x = np.ascontiguousarray(x)
    xw = input_parts(x, weight_ih, bias_ih)  # (T, N, H): x_t @ weight_ih.T + bias_ih for every t, one product
    hs = np.zeros((T + 1, N, H), dtype=x.dtype)  # hs[0] = h0, hs[t + 1] = h_t; 0 past a sequence's end
    hs[0] = h0
    with step_threads(N * H * H):  # small per-step products: one BLAS thread (see sequence.py)
        for t, n in steps(T, N, batch_sizes):  # the first n rows are still running
            hs[t + 1, :n] = rnn_step_forward(xw[t, :n], hs[t, :n], weight_hh, bias_hh, nonlinearity)
    cache = {"x": x, "hs": hs, "weight_ih": weight_ih, "weight_hh": weight_hh, "bias": bias_ih is not None,
             "nonlinearity": nonlinearity, "batch_sizes": batch_sizes}
    return hs[1:], final_state(hs, batch_sizes), cache


def rnn_backward(dout, dh_n, cache):
    """Backward of ``rnn_forward``: dout (T, N, H) and dh_n (N, H) give dx (T, N, D), dh0 (N, H) and the grads.

    The loop runs ``rnn_step_backward`` for t = T-1, ..., 0 and keeps each
    step's da. The input gradient and the weight gradients are then one
    product over all steps each, e.g. ``dweight_hh = da.T @ h_prev`` with da
    and h_prev viewed as (T*N, H).
    """
    x, hs, batch_sizes = cache["x"], cache["hs"], cache["batch_sizes"]
    T, N, D = x.shape
    H = hs.shape[2]
    da = np.zeros((T, N, H), dtype=x.dtype)  # dL/da_t; stays 0 past a sequence's end
    dh = np.array(dh_n, dtype=x.dtype, copy=True)  # (N, H) dL/dh_t from the steps after t, carried back in time
    with step_threads(N * H * H):  # small per-step products: one BLAS thread (see sequence.py)
        for t, n in reversed(steps(T, N, batch_sizes)):
            dh_t = dh[:n] + dout[t, :n]  # dL/dh_t: through h_{t+1} and through out[t]
            da[t, :n], dh[:n] = rnn_step_backward(dh_t, hs[t + 1, :n], cache["weight_hh"], cache["nonlinearity"])
    da = da.reshape(T * N, H)  # every step's rows, one after the other
    h_prev = hs[:-1].reshape(T * N, H)  # h_{t-1} for every t, in the same order
    dx = (da @ cache["weight_ih"]).reshape(T, N, D)
    grads = (da.T @ x.reshape(T * N, D), da.T @ h_prev, *bias_grads(da, da, cache["bias"]))
    return dx, dh, grads


class RNNCell(RecurrentCellBase):
    """One Elman RNN step, ``h1 = tanh(x @ weight_ih.T + bias_ih + h0 @ weight_hh.T + bias_hh)``, like torch.nn.RNNCell.

    Parameters
    ----------
    input_size, hidden_size : int
        D and H.
    bias : bool
    nonlinearity : "tanh" or "relu"
    rng : numpy Generator, int or None
    dtype : np.float64 (default) or np.float32
    """

    num_gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh", *,
                 rng=None, dtype=np.float64) -> None:
        self.nonlinearity = check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, bias, rng=rng, dtype=dtype)

    def forward(self, x: np.ndarray, h0: np.ndarray | None = None) -> tuple[np.ndarray, dict]:
        """Return ``h1, cache``: x (N, D) and h0 (N, H) or None (zeros) give h1 (N, H); unbatched (D,) works too."""
        return self._one_state_forward(rnn_cell_forward, x, h0, nonlinearity=self.nonlinearity)

    def backward(self, dh1: np.ndarray, cache: dict) -> tuple[np.ndarray, np.ndarray, dict]:
        """Return ``dx, dh0, grads`` from dh1 (N, H); grads has the keys of ``params``."""
        return self._one_state_backward(rnn_cell_backward, dh1, cache)

    def torch_kwargs(self) -> dict:
        return {**super().torch_kwargs(), "nonlinearity": self.nonlinearity}

    @classmethod
    def kwargs_from_torch(cls, torch_module) -> dict:
        return {**super().kwargs_from_torch(torch_module), "nonlinearity": torch_module.nonlinearity}


class RNN(OneStateRecurrent):
    """A stacked, optionally bidirectional Elman RNN, like torch.nn.RNN (same arguments, in the same order).

    ``out, h_n, cache = rnn.forward(x, h0=None, lengths=None)`` with x (T, N, D)
    (or (N, T, D) with ``batch_first``, or unbatched (T, D)), h0 and h_n
    (num_layers * num_directions, N, H), out (T, N, num_directions * H).
    ``dx, dh0, grads = rnn.backward(dout, cache, dh_n=None)``.
    ``dropout`` must be 0.
    """

    num_gates = 1

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, *,
                 rng=None, dtype=np.float64) -> None:
        self.nonlinearity = check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         rng=rng, dtype=dtype)

    def _sequence_forward(self, x, state0, weights, batch_sizes):
        out, h_n, cache = rnn_forward(x, state0[0], *weights, nonlinearity=self.nonlinearity, batch_sizes=batch_sizes)
        return out, (h_n,), cache

    def _sequence_backward(self, dout, dstate_n, cache):
        dx, dh0, grads = rnn_backward(dout, dstate_n[0], cache)
        return dx, (dh0,), grads

    def torch_kwargs(self) -> dict:
        return {**super().torch_kwargs(), "nonlinearity": self.nonlinearity}

    @classmethod
    def kwargs_from_torch(cls, torch_module) -> dict:
        return {**super().kwargs_from_torch(torch_module), "nonlinearity": torch_module.nonlinearity}
