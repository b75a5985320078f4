"""Sequence data cut into chunks, and the recurrent model that reads them with its state carried: truncated BPTT.

``Chunks`` serves minibatches of whole sequences, each cut into consecutive chunks of
``chunk_len`` steps; ``ChunkedRNN`` (an optional ``Embedding``, a recurrent layer and a ``Linear``
head at every step) starts each sequence from a zero state and carries its final state on to the
sequence's next chunk. Its backward stops at the chunk's first step, as ``h = h.detach()`` does in a
torch loop, so ``fit`` takes one update per chunk with the gradient truncated to that chunk::

    data = lp.train.Chunks(x, y, chunk_len=35)                          # x (T, N, D), y (T, N)
    lp.fit(lp.train.ChunkedRNN(rnn, head), lp.CrossEntropyLoss(), opt, data, epochs=5, batch_size=32)

With ``chunk_len=None`` every sequence is one chunk: full backpropagation through time, and
``lengths`` may mark padded sequences. ``lp.TruncatedBPTT`` shows the same mechanics on a bare layer.
``fit`` and ``evaluate`` measure the data in the same chunks, the state carried, so every step is
scored from everything before it (a bidirectional layer, though, then sees one chunk at a time).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from lessonpkg._validate import check_bool, check_int, check_int_array
from lessonpkg.nn.embedding import Embedding
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.module import Module
from lessonpkg.nn.recurrent import RecurrentBase
from lessonpkg.train.data import batch_indices


class Chunks:
    """Sequences, served as minibatches of whole sequences cut into consecutive chunks along time.

    ``batches(batch_size, rng)`` picks ``batch_size`` sequences (shuffled by ``rng``, in order when it
    is None) and yields their chunks in order, each as ``((x_chunk, lengths, start), (y_chunk,))``:
    ``start`` is the chunk's first step, 0 for the first chunk of a minibatch, and ``lengths`` is None
    unless the sequences are padded (then there is one chunk per sequence).

    Parameters
    ----------
    x : (T, N, ...) array ((N, T, ...) if ``batch_first``): features (T, N, D) or tokens (T, N)
    y : (T, N) int array ((N, T) if ``batch_first``): a target at every step, or ``ignore_index``
    lengths : (N,) int array, optional
        The real length of every padded sequence; only with ``chunk_len=None``.
    chunk_len : int or None
        Steps per chunk (the last one may be shorter); None: every sequence is one chunk.
    batch_first : bool
        The layout of ``x`` and ``y``, as the recurrent layer's ``batch_first``.
    """

    def __init__(self, x, y, *, lengths=None, chunk_len: int | None = None, batch_first: bool = False) -> None:
        self.batch_first = check_bool(batch_first, "batch_first")
        self.x, self.y = np.asarray(x), check_int_array(y, "y")
        t_axis, n_axis = (1, 0) if self.batch_first else (0, 1)
        layout = "(N, T)" if self.batch_first else "(T, N)"
        if self.y.ndim != 2:
            raise ValueError(f"y must have shape {layout}, one target per step (batch_first={self.batch_first}), "
                             f"got {self.y.shape}")
        if self.x.ndim < 2 or self.x.shape[:2] != self.y.shape:
            raise ValueError(f"x must have the steps and sequences of y, {self.y.shape}, on its first two axes "
                             f"(batch_first={self.batch_first}), got {self.x.shape}")
        self.chunk_len = None if chunk_len is None else check_int(chunk_len, "chunk_len", low=1)
        self.lengths = None
        if lengths is not None:
            if self.chunk_len is not None:
                raise ValueError("lengths (padded sequences) cannot be cut into chunks: give chunk_len=None")
            self.lengths = check_int_array(lengths, "lengths", low=1, high=self.y.shape[t_axis] + 1)
            if self.lengths.shape != (self.y.shape[n_axis],):
                raise ValueError(f"lengths must have shape ({self.y.shape[n_axis]},), one per sequence, "
                                 f"got {self.lengths.shape}")
        self.t_axis, self.n_axis = t_axis, n_axis

    def batches(self, batch_size: int | None, rng: np.random.Generator | None) -> Iterator[tuple[tuple, tuple]]:
        """Yield ``((x_chunk, lengths, start), (y_chunk,))``, chunk after chunk of each minibatch of sequences."""
        N, T = self.y.shape[self.n_axis], self.y.shape[self.t_axis]
        k = T if self.chunk_len is None else self.chunk_len
        whole = rng is None and (batch_size is None or check_int(batch_size, "batch_size", low=1) >= N)
        for idx in [None] if whole else batch_indices(N, batch_size, rng):
            x = self.x if idx is None else self.x.take(idx, self.n_axis)  # (T, B, ...) or (B, T, ...)
            y = self.y if idx is None else self.y.take(idx, self.n_axis)
            lengths = self.lengths if self.lengths is None or idx is None else self.lengths[idx]
            for start in range(0, T, k):
                cut = (slice(None),) * self.t_axis + (slice(start, start + k),)
                yield (x[cut], lengths, start), (y[cut],)


class ChunkedRNN(Module):
    """Scores at every step from an optional ``Embedding``, a recurrent layer and a ``Linear`` head, chunk by chunk.

    ``forward(x, lengths, start)`` runs the layer from a zero state when ``start == 0`` and from the
    state the previous chunk left otherwise; ``backward`` drops the gradient of that initial state.
    The scores have the classes on axis 1, as ``CrossEntropyLoss`` reads them::

        out = rnn(embed(x), state)             # (T, N, H), or (N, T, H) if batch_first
        scores = head(out) moved to (T, C, N)  # or (N, C, T) if batch_first

    ``params`` holds the children's arrays themselves, named ``"embed.weight"``, ``"rnn.weight_ih_l0"``,
    ..., ``"head.bias"``, as in ``RNNLanguageModel``.

    Parameters
    ----------
    rnn : RNN, LSTM or GRU
    head : Linear(num_directions * H, C)
    embed : Embedding(V, D) with D = rnn.input_size, optional
        For token inputs; without it ``x`` holds features (T, N, D).

    Attributes
    ----------
    state : the state carried to the next chunk (as the layer returns ``h_n``), or None
    position : int, the step the next chunk of the current sequences starts at
    """

    def __init__(self, rnn: RecurrentBase, head: Linear, embed: Embedding | None = None) -> None:
        if not isinstance(rnn, RecurrentBase):
            raise TypeError(f"rnn must be a lessonpkg RNN, LSTM or GRU, got {type(rnn).__name__}")
        if not isinstance(head, Linear):
            raise TypeError(f"head must be a lessonpkg Linear, got {type(head).__name__}")
        if head.in_features != rnn.num_directions * rnn.hidden_size:
            raise ValueError(f"head must have in_features={rnn.num_directions * rnn.hidden_size} "
                             f"(num_directions * hidden_size of rnn), got {head.in_features}")
        if embed is not None and not isinstance(embed, Embedding):
            raise TypeError(f"embed must be a lessonpkg Embedding or None, got {type(embed).__name__}")
        if embed is not None and embed.embedding_dim != rnn.input_size:
            raise ValueError(f"embed must have embedding_dim={rnn.input_size} (rnn's input_size), "
                             f"got {embed.embedding_dim}")
        super().__init__(rnn.dtype)
        self.embed, self.rnn, self.head = embed, rnn, head  # registered (embed only if given), in this order
        self.state, self.position = None, 0

    def forward(self, x: np.ndarray, lengths=None, start: int = 0) -> tuple[np.ndarray, tuple]:
        """Return the scores of the chunk x, classes on axis 1, reading on from the carried state if ``start > 0``."""
        start = self._check_start(start, x)
        e, embed_cache = (x, None) if self.embed is None else self.embed.forward(x)  # (T, N, D) or (N, T, D)
        out, self.state, rnn_cache = self.rnn.forward(e, self.state if start else None, lengths=lengths)
        self.position = start + out.shape[1 if self.rnn.batch_first else 0]
        scores, head_cache = self.head.forward(out)  # (..., C)
        return scores.transpose(0, 2, 1), self.save_for_backward(embed=embed_cache, rnn=rnn_cache, head=head_cache)

    def _check_start(self, start, x) -> int:
        """``start`` must be 0 (new sequences) or the step after the previous chunk; ``x`` must be a batch."""
        start = check_int(start, "start", low=0)
        if start not in (0, self.position):
            raise ValueError(f"start must be 0 (new sequences) or {self.position} (the step after the previous "
                             f"chunk): chunks must come in order, got {start}")
        if np.ndim(x) != (3 if self.embed is None else 2):
            layout = "(N, T)" if self.rnn.batch_first else "(T, N)"
            raise ValueError(f"x must be a batch: features {layout[:-1]}, D) or, with embed, tokens {layout}, "
                             f"got shape {np.shape(x)}")
        return start

    def backward(self, dscores: np.ndarray, cache: tuple) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """Return ``dx`` (None for token inputs) and ``grads`` keyed like ``params``; the initial state gets none."""
        embed_cache, rnn_cache, head_cache = self.check_cache(cache).values()
        dout, head_grads = self.head.backward(dscores.transpose(0, 2, 1), head_cache)  # (..., H)
        dx, _dstate0, rnn_grads = self.rnn.backward(dout, rnn_cache)  # _dstate0 would reach the previous chunk: cut
        if self.embed is None:
            return dx, self.collect_grads(rnn=rnn_grads, head=head_grads)
        _, embed_grads = self.embed.backward(dx, embed_cache)
        return None, self.collect_grads(embed=embed_grads, rnn=rnn_grads, head=head_grads)
