"""Measure how gradients travel back through time in a recurrent layer.

The layers' fast ``backward`` carries dL/dh_t backwards internally but only
returns dL/dh_{-1} (``dh0``). To see the gradient at every step, these helpers
run the layer's own cell (``RNNCell``, ``LSTMCell`` or ``GRUCell``, with the
layer's weights) one step at a time and record the carried gradient. The loss
is taken to reach the layer only through its last state::

    L = sum(h_{T-1} * dh_last)        so dL/dh_{T-1} = dh_last, and
    dL/dh_{t-1} = dh0 of step t's backward, for t = T-1, ..., 1

For the vanilla RNN that backward is ``dL/dh_{t-1} = (dL/dh_t * f'(a_t)) @ weight_hh``.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import as_rng, check_array, check_shape
from lessonpkg.nn.gru import GRU, GRUCell
from lessonpkg.nn.lstm import LSTM, LSTMCell, check_pair
from lessonpkg.nn.recurrent import RecurrentBase
from lessonpkg.nn.rnn import RNN, RNNCell


def _cell_of(layer: RecurrentBase):
    """A cell with a copy of the weights of a one-layer, one-direction RNN, LSTM or GRU."""
    if not isinstance(layer, (RNN, LSTM, GRU)):
        raise TypeError(f"layer must be a lessonpkg RNN, LSTM or GRU, got {type(layer).__name__}")
    if layer.num_layers != 1 or layer.bidirectional:
        raise ValueError("layer must have num_layers=1 and bidirectional=False, "
                         f"got num_layers={layer.num_layers}, bidirectional={layer.bidirectional}")
    D, H, dtype = layer.input_size, layer.hidden_size, layer.dtype
    if isinstance(layer, RNN):
        cell = RNNCell(D, H, layer.bias, layer.nonlinearity, rng=0, dtype=dtype)
    else:
        cell = (LSTMCell if isinstance(layer, LSTM) else GRUCell)(D, H, layer.bias, rng=0, dtype=dtype)
    cell.load_state_dict({k: layer.params[k + "_l0"] for k in cell.params})
    return cell


def _initial_state(hx, lstm: bool, N: int, H: int, dtype):
    """The cell's starting state from a layer-style ``hx``: (1, N, H) arrays become (N, H); None stays None."""
    names = ("h0", "c0") if lstm else ("h0",)
    parts = check_pair(hx, "hx") if lstm else (hx,)
    states = []
    for name, s in zip(names, parts):
        if s is not None:
            s = check_array(s, name, dtype=dtype)
            check_shape(s, name, (1, N, H), f"num_layers=1, N={N}, hidden_size={H}")
            s = s[0]
        states.append(s)
    return tuple(states) if lstm else states[0]


def hidden_grads(layer: RecurrentBase, x: np.ndarray, dh_last: np.ndarray | None = None,
                 hx=None) -> np.ndarray:
    """Return dL/dh_t for every step t when the loss reaches the layer only through its last state.

    The loss is ``L = sum(h_{T-1} * dh_last)``; steps count from 0, as in ``out[t] = h_t``.

    Parameters
    ----------
    layer : RNN, LSTM or GRU with num_layers=1 and bidirectional=False
    x : (T, N, D) array ((N, T, D) if ``layer.batch_first``), the layer's dtype
    dh_last : (N, H) array, optional
        dL/dh_{T-1}; ``None`` draws a fixed random direction of unit norm per sequence (seed 0).
    hx : initial state as for ``layer.forward``: (1, N, H), a pair of them for an LSTM, or None (zeros)

    Returns
    -------
    dh : (T, N, H) array, ``dh[t]`` = dL/dh_t (time first, whatever ``batch_first`` says)
    """
    cell = _cell_of(layer)
    x = check_array(x, "x", dtype=layer.dtype)
    D, H = layer.input_size, layer.hidden_size
    layout = "(N, T, D)" if layer.batch_first else "(T, N, D)"
    if x.ndim != 3 or x.shape[2] != D or 0 in x.shape:
        raise ValueError(f"x must have shape {layout} with D=input_size={D} and T, N >= 1, got {x.shape}")
    if layer.batch_first:
        x = x.transpose(1, 0, 2)
    T, N, _ = x.shape
    if dh_last is None:
        g = as_rng(0).standard_normal((N, H))
        dh_last = (g / np.linalg.norm(g, axis=1, keepdims=True)).astype(layer.dtype)  # (N, H) unit rows
    dh_last = check_array(dh_last, "dh_last", dtype=layer.dtype)
    check_shape(dh_last, "dh_last", (N, H), f"N={N} and hidden_size={H}")
    lstm = isinstance(layer, LSTM)
    state = _initial_state(hx, lstm, N, H, layer.dtype)
    caches = []
    for t in range(T):
        state, cache = cell.forward(x[t], state)
        caches.append(cache)
    dh = np.empty((T, N, H), dtype=layer.dtype)
    dh[T - 1] = dh_last
    dstate = (dh_last, None) if lstm else dh_last
    for t in range(T - 1, 0, -1):
        _, dstate, _ = cell.backward(dstate, caches[t])
        dh[t - 1] = dstate[0] if lstm else dstate  # dL/dh_{t-1}
    return dh


def hidden_grad_norms(layer: RecurrentBase, x: np.ndarray, dh_last: np.ndarray | None = None,
                      hx=None) -> np.ndarray:
    """Return ``||dL/dh_t||`` for t = 0, ..., T-1: the norm over the whole (N, H) batch of ``hidden_grads``.

    Parameters are those of ``hidden_grads``. Returns a (T,) array; entry ``T - 1 - k``
    is the gradient norm k steps before the loss.
    """
    dh = hidden_grads(layer, x, dh_last, hx)
    return np.sqrt(np.einsum("tnh,tnh->t", dh, dh))


def spectral_radius(w: np.ndarray) -> float:
    """The largest absolute eigenvalue of a square matrix ``w`` (H, H)."""
    w = check_array(w, "w")
    if w.ndim != 2 or w.shape[0] != w.shape[1] or w.size == 0:
        raise ValueError(f"w must be a non-empty square matrix (H, H), got shape {w.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(w))))


def scale_to_spectral_radius(w: np.ndarray, radius: float) -> np.ndarray:
    """Return ``w * (radius / spectral_radius(w))``, a copy of ``w`` whose spectral radius is ``radius``."""
    if isinstance(radius, bool) or not isinstance(radius, (int, float, np.integer, np.floating)):
        raise TypeError(f"radius must be a real number, got {type(radius).__name__}")
    if not (np.isfinite(radius) and radius >= 0):
        raise ValueError(f"radius must be a finite number >= 0, got {radius}")
    rho = spectral_radius(w)
    if rho == 0:
        raise ValueError("w has spectral radius 0 (it is nilpotent), so it cannot be rescaled to another radius")
    return (w * (radius / rho)).astype(w.dtype)
