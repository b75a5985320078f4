"""Small helpers shared by the whole-sequence loops of ``rnn.py``, ``lstm.py`` and ``gru.py``.

Each loop runs one layer in one direction over a time-major x (T, N, D),
calling its cell's step function once per time step. With variable lengths
the batch is sorted longest first and ``batch_sizes[t]`` rows are still
running at step t (torch's ``PackedSequence`` layout), so step t reads and
writes only the first ``batch_sizes[t]`` rows; ``final_state`` then picks
each sequence's state after its own last step.

Threads. A step's product ``h_{t-1} @ weight_hh.T`` has N*H*G*H
multiply-adds, and the T steps run one after the other. When that is small
(under ``SMALL_STEP``, about 0.1 ms on one core), waking a second BLAS thread
for each step costs more than it saves, and on a busy machine, where that
thread may wait for a core, many times more: measured on 2 shared cores, up
to 100x. So the loops run inside ``step_threads(...)``, which then keeps
numpy's BLAS on one thread; the big products over all T*N rows, before and
after the loop, still use every thread.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import numpy as np
from threadpoolctl import ThreadpoolController

SMALL_STEP = 1 << 22  # multiply-adds per step below which one BLAS thread beats two
_blas = None  # numpy's BLAS libraries, found on first use (scanning the loaded libraries takes ~2 ms)


def step_threads(multiply_adds: int) -> AbstractContextManager:
    """A context for a time loop: one BLAS thread if a step's product has fewer than ``SMALL_STEP``
    multiply-adds, else no change. The previous thread count comes back on exit."""
    global _blas
    if multiply_adds >= SMALL_STEP:
        return nullcontext()
    if _blas is None:
        _blas = ThreadpoolController().select(user_api="blas")
    return _blas.limit(limits=1)


def steps(T: int, N: int, batch_sizes) -> list[tuple[int, int]]:
    """Return ``[(t, n_t), ...]``: each time step with the number of rows still running."""
    if batch_sizes is None:
        return [(t, N) for t in range(T)]
    return [(t, int(n)) for t, n in enumerate(batch_sizes)]


def final_state(hs: np.ndarray, batch_sizes) -> np.ndarray:
    """Each sequence's state after its last valid step, from ``hs`` (T+1, N, H) where ``hs[t]`` follows step t-1."""
    if batch_sizes is None:
        return hs[-1].copy()
    N = hs.shape[1]
    lengths = (np.asarray(batch_sizes)[:, None] > np.arange(N)[None, :]).sum(axis=0)  # (N,)
    return hs[lengths, np.arange(N)]


def input_parts(x: np.ndarray, weight_ih: np.ndarray, bias_ih) -> np.ndarray:
    """``x_t @ weight_ih.T + bias_ih`` for every step at once, (T, N, G*H): one product, x viewed as (T*N, D)."""
    T, N, D = x.shape
    xw = (x.reshape(T * N, D) @ weight_ih.T).reshape(T, N, -1)
    if bias_ih is not None:
        xw += bias_ih
    return xw


def input_and_weight_grads(dgi: np.ndarray, dgh: np.ndarray, x: np.ndarray, hs: np.ndarray, weight_ih: np.ndarray,
                           has_bias: bool) -> tuple:
    """After a backward loop: dx (T, N, D) and the four weight gradients, one product over all T*N rows each.

    ``dgi`` and ``dgh`` (T, N, G*H) are the gradients of the pre-activations' input part
    ``x_t @ weight_ih.T + bias_ih`` and state part ``h_{t-1} @ weight_hh.T + bias_hh`` (the same array,
    except in the GRU's n block); ``hs`` (T+1, N, H) holds h_0, ..., h_T.
    """
    T, N, D = x.shape
    GH, H = dgi.shape[-1], hs.shape[-1]
    dgi, dgh = dgi.reshape(T * N, GH), dgh.reshape(T * N, GH)  # every step's rows, one after the other
    h_prev = hs[:-1].reshape(T * N, H)  # h_{t-1} for every t, in the same order
    dx = (dgi @ weight_ih).reshape(T, N, D)
    return dx, (dgi.T @ x.reshape(T * N, D), dgh.T @ h_prev, *bias_grads(dgi, dgh, has_bias))


def bias_grads(dgi: np.ndarray, dgh: np.ndarray, has_bias: bool) -> tuple:
    """``(dbias_ih, dbias_hh)``: the sums over rows of dgi and dgh (rows, G*H), or ``(None, None)`` without biases.

    dgi and dgh are the gradients of ``x @ weight_ih.T + bias_ih`` and
    ``h_prev @ weight_hh.T + bias_hh``. In the RNN and the LSTM both are the
    gradient of the pre-activations, passed twice; in the GRU they differ.
    """
    if not has_bias:
        return None, None
    return dgi.sum(axis=0), dgh.sum(axis=0)
