"""Small helpers shared by the fast whole-sequence loops of ``rnn.py``, ``lstm.py`` and ``gru.py``.

The loops run one layer in one direction over a time-major x (T, N, D). With
variable lengths the batch is sorted longest first and ``batch_sizes[t]``
rows are still running at step t (torch's ``PackedSequence`` layout), so a
step only touches the first ``batch_sizes[t]`` rows; finished rows keep
their last state.

Gate slots (GRU). The GRU loop keeps each gate in its own contiguous block,
``acts[s]`` of shape (T, N, H) for slot s, instead of torch's side-by-side
(N, 3H) layout: numpy runs an elementwise operation on one contiguous block
several times faster than on a strided column slice, and nearly every GRU
operation involves a single gate. (The LSTM loop keeps torch's layout: its
gates are mostly handled all four at once.) In both, the rows that feed a
sigmoid have their weights halved (exact in floating point), so that one
``tanh`` call serves every gate: ``sigmoid(a) = (1 + tanh(a / 2)) / 2``.

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


def zero_padding(a: np.ndarray, batch_sizes) -> None:
    """Set ``a[..., t, n_t:, :] = 0`` in a (..., T, N, F) array, for the rows that have finished by step t."""
    if batch_sizes is not None:
        for t, n in enumerate(batch_sizes):
            a[..., t, n:, :] = 0.0


def bias_grads(dgi: np.ndarray, dgh: np.ndarray, has_bias: bool) -> tuple:
    """``(dbias_ih, dbias_hh)``: the sums over rows of dgi and dgh (rows, G*H), or ``(None, None)`` without biases.

    dgi and dgh are the gradients of ``x @ weight_ih.T + bias_ih`` and
    ``h_prev @ weight_hh.T + bias_hh``. In the RNN and the LSTM both are the
    gradient of the pre-activations, passed twice; in the GRU they differ.
    """
    if not has_bias:
        return None, None
    return dgi.sum(axis=0), dgh.sum(axis=0)


def gate_blocks(weight: np.ndarray, num_gates: int, halve=()) -> np.ndarray:
    """Torch's stacked weight (G*H, K) as one transposed block per gate, (G, K, H); gates in ``halve`` times 1/2."""
    H = weight.shape[0] // num_gates
    blocks = weight.reshape(num_gates, H, -1).transpose(0, 2, 1)  # (G, K, H)
    scale = np.array([0.5 if k in halve else 1.0 for k in range(num_gates)], dtype=weight.dtype)[:, None, None]
    return np.ascontiguousarray(blocks * scale)


def project_inputs(x: np.ndarray, w_ih_blocks: np.ndarray, bias_blocks) -> np.ndarray:
    """``acts[k] = x @ w_ih_blocks[k] + bias_blocks[k]`` for each gate k, all time steps at once: (G, T, N, H)."""
    T, N, D = x.shape
    G, _, H = w_ih_blocks.shape
    acts = np.empty((G, T, N, H), dtype=x.dtype)
    x2 = x.reshape(T * N, D)
    for k in range(G):
        np.matmul(x2, w_ih_blocks[k], out=acts[k].reshape(T * N, H))  # one (T*N, D) @ (D, H) product per gate
        if bias_blocks is not None:
            acts[k] += bias_blocks[k]
    return acts


def block_grads(dg_ih, dg_hh, x, h_prev, weight_ih, has_bias: bool):
    """dx and the weight gradients, in torch's layout, from per-gate blocks of gradients.

    ``dg_ih[k]`` and ``dg_hh[k]`` (T, N, H) are the gradients of gate k's
    ``x @ W_ih.T + b_ih`` and ``h_prev @ W_hh.T + b_hh`` parts. Each weight
    gradient is one product over all T*N rows, e.g.
    ``dweight_hh[k] = dg_hh[k].T @ h_prev``.

    Returns dx (T, N, D) and ``(dweight_ih, dweight_hh, dbias_ih, dbias_hh)``.
    """
    T, N, D = x.shape
    G, H = len(dg_ih), h_prev.shape[-1]
    x2, hp = x.reshape(T * N, D), h_prev.reshape(T * N, H)
    w_ih = weight_ih.reshape(G, H, D)
    dw_ih, dw_hh = np.empty((G, H, D), dtype=x.dtype), np.empty((G, H, H), dtype=x.dtype)
    db_ih, db_hh = np.empty((G, H), dtype=x.dtype), np.empty((G, H), dtype=x.dtype)
    dx = np.zeros((T * N, D), dtype=x.dtype)
    for k in range(G):
        a, b = dg_ih[k].reshape(T * N, H), dg_hh[k].reshape(T * N, H)
        dw_ih[k] = a.T @ x2
        dw_hh[k] = b.T @ hp
        dx += a @ w_ih[k]
        db_ih[k], db_hh[k] = a.sum(axis=0), b.sum(axis=0)
    biases = (db_ih.reshape(G * H), db_hh.reshape(G * H)) if has_bias else (None, None)
    return dx.reshape(T, N, D), (dw_ih.reshape(G * H, D), dw_hh.reshape(G * H, H), *biases)
