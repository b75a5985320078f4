"""Truncated backpropagation through time: train on a long sequence chunk by chunk.

The hidden state flows on from one chunk to the next, but the gradient stops
at each chunk's start: the gradient with respect to a chunk's initial state
is simply dropped. That is what ``h = h.detach()`` does in a torch training
loop::

    tbptt = lp.TruncatedBPTT(lstm, chunk_len=35)
    for x_chunk, y_chunk in tbptt.chunks(x, y):
        out, cache = tbptt.forward(x_chunk)          # starts from the previous chunk's final state
        ...                                          # head, loss, head backward -> dout
        dx, grads = tbptt.backward(dout, cache)      # gradients end at the chunk's first step
        opt.step(grads)
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from lessonpkg._validate import check_int
from lessonpkg.nn.recurrent import RecurrentBase


class TruncatedBPTT:
    """Run a recurrent layer over consecutive chunks, carrying its state and cutting the gradient between chunks.

    Parameters
    ----------
    layer : RNN, LSTM or GRU
        The layer to run; its ``batch_first`` decides the time axis.
    chunk_len : int
        The number of time steps per chunk (the last chunk may be shorter).
    hx : array or (h, c) pair, optional
        The state before the first chunk; ``None`` means zeros.

    Attributes
    ----------
    hx : the state carried into the next chunk: (num_layers * num_directions, N, H), a pair of them for an LSTM.
    """

    def __init__(self, layer: RecurrentBase, chunk_len: int, hx=None) -> None:
        if not isinstance(layer, RecurrentBase):
            raise TypeError(f"layer must be a lessonpkg RNN, LSTM or GRU, got {type(layer).__name__}")
        self.layer = layer
        self.chunk_len = check_int(chunk_len, "chunk_len", low=1)
        self.hx = hx

    def reset(self, hx=None) -> None:
        """Start again from ``hx`` (``None``: zeros), e.g. at the start of an epoch."""
        self.hx = hx

    def chunks(self, *arrays: np.ndarray) -> Iterator[tuple[np.ndarray, ...]]:
        """Yield tuples of consecutive chunks of ``arrays``, cut along the time axis (1 if batch_first, else 0).

        Every array (e.g. inputs x (T, N, D) and targets y (T, N)) must have the
        same length T along that axis. The chunks are views.
        """
        if not arrays:
            raise ValueError("chunks needs at least one array")
        axis = 1 if self.layer.batch_first else 0
        if np.ndim(arrays[0]) <= axis:
            raise ValueError(f"arrays[0] must have a time axis {axis} (batch_first={self.layer.batch_first}), "
                             f"got shape {np.shape(arrays[0])}")
        T = np.shape(arrays[0])[axis]
        for k, a in enumerate(arrays):
            if np.ndim(a) <= axis or np.shape(a)[axis] != T:
                raise ValueError(
                    f"arrays[{k}] must have length {T} along the time axis {axis}, got shape {np.shape(a)}")
        for start in range(0, T, self.chunk_len):
            index = (slice(None),) * axis + (slice(start, start + self.chunk_len),)
            yield tuple(np.asarray(a)[index] for a in arrays)

    def forward(self, x_chunk: np.ndarray) -> tuple[np.ndarray, dict]:
        """Run the layer on one chunk from the carried state; carry its final state on. Returns ``out, cache``."""
        out, state, cache = self.layer.forward(x_chunk, self.hx)
        self.hx = state  # numpy arrays carry no graph: the next chunk starts from these values
        return out, cache

    def backward(self, dout: np.ndarray | None, cache: dict) -> tuple[np.ndarray, dict]:
        """Backpropagate one chunk; the gradient w.r.t. its initial state is dropped (torch's ``detach``).

        Returns ``dx`` (like the chunk's x) and ``grads`` (keys of ``layer.params``).
        """
        dx, _dstate0, grads = self.layer.backward(dout, cache)  # _dstate0 would reach the previous chunk: cut
        return dx, grads
