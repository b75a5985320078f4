"""Three RNN architectures built from a recurrent layer and a ``Linear`` head: one-to-many, many-to-one, many-to-many.

Each model takes an existing recurrent layer (``RNN``, ``GRU`` or ``LSTM``,
with ``batch_first=True``) and a ``Linear`` head, and only decides which
states the head reads and what the layer reads:

- ``VectorToSequence`` (one-to-many): the same vector z is the input at every
  step, and the head reads every state;
- ``SequenceClassifier`` (many-to-one): the head reads the final state
  ``h_n`` only;
- ``SequenceTagger`` (many-to-many, aligned): the head reads every state.

Their ``params`` hold the children's arrays themselves under the names a torch
module with attributes ``rnn`` and ``head`` would give them
(``"rnn.weight_ih_l0"``, ``"head.weight"``), so an optimizer built on
``model.params`` trains the children. Each follows the layer interface,
``out, cache = model.forward(x)`` and ``dx, grads = model.backward(dout, cache)``,
so ``lp.fit`` can train it.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_array, check_int
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.module import Cache, Module
from lessonpkg.nn.recurrent import RecurrentBase


def check_recurrent(layer, name: str) -> RecurrentBase:
    """Check that ``layer`` is a lessonpkg RNN, GRU or LSTM with ``batch_first=True``."""
    if not isinstance(layer, RecurrentBase):
        raise TypeError(f"{name} must be a lessonpkg RNN, GRU or LSTM, got {type(layer).__name__}")
    if not layer.batch_first:
        raise ValueError(f"{name} must be built with batch_first=True (inputs are (N, T, D)), got batch_first=False")
    return layer


def hidden_part(state):
    """The h of a final state: ``h_n`` itself for RNN and GRU, the first of ``(h_n, c_n)`` for LSTM."""
    return state[0] if isinstance(state, tuple) else state


def state_grad(layer: RecurrentBase, dh: np.ndarray):
    """The state gradient ``layer.backward`` expects: ``dh``, or ``(dh, None)`` for an LSTM."""
    return (dh, None) if len(layer.state_names) == 2 else dh


class _RecurrentWithHead(Module):
    """Shared construction: a recurrent layer ``rnn`` and a ``Linear`` ``head`` reading its states."""

    def __init__(self, rnn: RecurrentBase, head: Linear) -> None:
        rnn = check_recurrent(rnn, "rnn")
        if not isinstance(head, Linear):
            raise TypeError(f"head must be a lessonpkg Linear, got {type(head).__name__}")
        width = rnn.num_directions * rnn.hidden_size
        if head.in_features != width:
            raise ValueError(f"head must have in_features={width} (num_directions * hidden_size of rnn), "
                             f"got {head.in_features}")
        if head.dtype != rnn.dtype:
            raise ValueError(f"rnn and head must share one dtype, got {rnn.dtype} and {head.dtype}")
        super().__init__(rnn.dtype)
        self.rnn = rnn  # registered as a child: its parameters are "rnn.weight_ih_l0", ...
        self.head = head  # "head.weight", "head.bias"

    def _check_x(self, x) -> np.ndarray:
        """Refuse an unbatched (T, D) sequence, which the layer would accept but the head would misread."""
        x = check_array(x, "x", dtype=self.dtype)
        if x.ndim != 3:
            D = self.rnn.input_size
            raise ValueError(f"x must have shape (N, T, {D}) with input_size={D} (batch first), got {x.shape}")
        return x



class SequenceClassifier(_RecurrentWithHead):
    """Many-to-one: classify a sequence from the recurrent layer's final state.

    The head reads the last layer's final state, ``h_n[-1]`` (N, H), or for a
    bidirectional layer both of its directions, ``concat(h_n[-2], h_n[-1])``
    (N, 2H): the forward direction after the last step and the reverse
    direction after the first. ``logits = feature @ head.weight.T + head.bias``.

    Parameters
    ----------
    rnn : RNN, GRU or LSTM with batch_first=True
    head : Linear(num_directions * H, C)
    """

    def forward(self, x: np.ndarray, lengths=None) -> tuple[np.ndarray, Cache]:
        """Return logits (N, C) for x (N, T, D); ``lengths`` (N,) marks padded sequences as in the layer."""
        _, state, rnn_cache = self.rnn.forward(self._check_x(x), None, lengths=lengths)
        h_n = hidden_part(state)  # (L * dirs, N, H)
        dirs = self.rnn.num_directions
        feature = np.concatenate(list(h_n[-dirs:]), axis=1)  # (N, dirs * H): the last layer's final states
        logits, head_cache = self.head.forward(feature)  # (N, C)
        return logits, self.save_for_backward(rnn=rnn_cache, head=head_cache, h_shape=h_n.shape)

    def backward(self, dlogits: np.ndarray, cache: Cache) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Return ``dx`` (N, T, D) and ``grads`` keyed like ``params``; dlogits is (N, C)."""
        rnn_cache, head_cache, h_shape = self.check_cache(cache).values()
        dfeature, head_grads = self.head.backward(dlogits, head_cache)  # (N, dirs * H)
        dirs, H = self.rnn.num_directions, self.rnn.hidden_size
        dh_n = np.zeros(h_shape, dtype=self.dtype)  # only the last layer's final states feed the head
        for d in range(dirs):
            dh_n[h_shape[0] - dirs + d] = dfeature[:, d * H:(d + 1) * H]
        dx, _, rnn_grads = self.rnn.backward(None, rnn_cache, state_grad(self.rnn, dh_n))
        return dx, self.collect_grads(rnn=rnn_grads, head=head_grads)


class SequenceTagger(_RecurrentWithHead):
    """Many-to-many, aligned: one class per time step, read off the state at that step.

    ``logits[:, :, t] = out[:, t] @ head.weight.T + head.bias``, where ``out``
    (N, T, dirs * H) holds the last layer's states. The logits come back as
    (N, C, T), classes on axis 1, which is the layout ``CrossEntropyLoss``
    (like torch's) expects for targets of shape (N, T).

    Parameters
    ----------
    rnn : RNN, GRU or LSTM with batch_first=True
    head : Linear(num_directions * H, C)
    """

    def forward(self, x: np.ndarray, lengths=None) -> tuple[np.ndarray, Cache]:
        """Return logits (N, C, T) for x (N, T, D); past a sequence's length ``out`` is 0, so logits = bias."""
        out, _, rnn_cache = self.rnn.forward(self._check_x(x), None, lengths=lengths)  # (N, T, dirs * H)
        logits, head_cache = self.head.forward(out)  # (N, T, C)
        return logits.transpose(0, 2, 1), self.save_for_backward(rnn=rnn_cache, head=head_cache)

    def backward(self, dlogits: np.ndarray, cache: Cache) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Return ``dx`` (N, T, D) and ``grads`` keyed like ``params``; dlogits is (N, C, T)."""
        rnn_cache, head_cache = self.check_cache(cache).values()
        dlogits = check_array(dlogits, "dlogits", dtype=self.dtype)
        if dlogits.ndim != 3:
            raise ValueError(f"dlogits must have shape (N, C, T) like the logits, got {dlogits.shape}")
        dout, head_grads = self.head.backward(dlogits.transpose(0, 2, 1), head_cache)  # (N, T, dirs * H)
        dx, _, rnn_grads = self.rnn.backward(dout, rnn_cache)
        return dx, self.collect_grads(rnn=rnn_grads, head=head_grads)


class VectorToSequence(_RecurrentWithHead):
    """One-to-many: turn one vector z into a sequence of ``steps`` outputs.

    z is fed as the input at every step, ``x[:, t] = z``; the recurrent state
    carries the position in the sequence, and the head reads every state:
    ``out_seq[:, t] = h_t @ head.weight.T + head.bias``. Because z is used at
    every step, its gradient is the sum over steps of the input gradients.

    Parameters
    ----------
    rnn : RNN, GRU or LSTM with batch_first=True and input_size = D (the size of z)
    head : Linear(num_directions * H, F), F outputs per step
    steps : int
        T, the length of the generated sequence.
    """

    def __init__(self, rnn: RecurrentBase, head: Linear, steps: int) -> None:
        super().__init__(rnn, head)
        self.steps = check_int(steps, "steps", low=1)

    def forward(self, z: np.ndarray) -> tuple[np.ndarray, Cache]:
        """Return the sequence (N, T, F) generated from z (N, D)."""
        z = check_array(z, "z", dtype=self.dtype)
        D = self.rnn.input_size
        if z.ndim != 2 or z.shape[1] != D:
            raise ValueError(f"z must have shape (N, {D}) with input_size={D}, got {z.shape}")
        x = np.repeat(z[:, None, :], self.steps, axis=1)  # (N, T, D): z at every step
        out, _, rnn_cache = self.rnn.forward(x)  # (N, T, dirs * H)
        y, head_cache = self.head.forward(out)  # (N, T, F)
        return y, self.save_for_backward(rnn=rnn_cache, head=head_cache)

    def backward(self, dy: np.ndarray, cache: Cache) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Return ``dz`` (N, D) and ``grads`` keyed like ``params``; dy is (N, T, F)."""
        rnn_cache, head_cache = self.check_cache(cache).values()
        dout, head_grads = self.head.backward(dy, head_cache)  # (N, T, dirs * H)
        dx, _, rnn_grads = self.rnn.backward(dout, rnn_cache)  # (N, T, D)
        return dx.sum(axis=1), self.collect_grads(rnn=rnn_grads, head=head_grads)

    def extra_repr(self) -> str:
        return f"steps={self.steps}"
