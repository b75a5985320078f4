"""A word-level recurrent language model, Embedding -> RNN/LSTM/GRU -> Linear.

At every step t the model reads token t and scores every vocabulary entry as
token t + 1::

    e      = embed.weight[tokens]                     # (N, T, E)
    out    = rnn(e, lengths)                          # (N, T, H), 0 past each sequence's length
    logits = out @ head.weight.T + head.bias          # (N, T, V), returned as (N, V, T)

The logits come back with the vocabulary on axis 1, (N, V, T), the layout ``CrossEntropyLoss`` (like
torch's) reads with targets (N, T), as ``SequenceTagger`` and ``Seq2Seq`` return theirs. Training
minimises the mean cross-entropy of the next tokens with ``lp.fit(model, crit, optimizer,
(tokens, lengths, targets), ...)``.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_array, check_int_array
from lessonpkg.nn.embedding import Embedding
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.module import Cache, Module
from lessonpkg.nn.recurrent import RecurrentBase


class RNNLanguageModel(Module):
    """Next-token scores from an ``Embedding``, a one-directional recurrent layer and a ``Linear`` head.

    ``params`` holds the children's arrays themselves under the names a torch
    module with attributes ``embed``, ``rnn`` and ``head`` would give them:
    ``"embed.weight"``, ``"rnn.weight_ih_l0"``, ..., ``"head.weight"``, ``"head.bias"``.

    Parameters
    ----------
    embed : Embedding(V, E)
    rnn : RNN, LSTM or GRU with input_size E, batch_first=True, bidirectional=False
    head : Linear(H, V)
    """

    def __init__(self, embed: Embedding, rnn: RecurrentBase, head: Linear) -> None:
        if not isinstance(embed, Embedding):
            raise TypeError(f"embed must be a lessonpkg Embedding, got {type(embed).__name__}")
        if not isinstance(rnn, RecurrentBase):
            raise TypeError(f"rnn must be a lessonpkg RNN, LSTM or GRU, got {type(rnn).__name__}")
        if not isinstance(head, Linear):
            raise TypeError(f"head must be a lessonpkg Linear, got {type(head).__name__}")
        if not rnn.batch_first:
            raise ValueError("rnn must be built with batch_first=True (tokens are (N, T)), got batch_first=False")
        if rnn.bidirectional:
            raise ValueError("rnn must have bidirectional=False: a reverse direction would read the tokens "
                             "the model has to predict")
        if rnn.input_size != embed.embedding_dim:
            raise ValueError(f"rnn must have input_size={embed.embedding_dim} (embed's embedding_dim), "
                             f"got {rnn.input_size}")
        if head.in_features != rnn.hidden_size:
            raise ValueError(f"head must have in_features={rnn.hidden_size} (rnn's hidden_size), "
                             f"got {head.in_features}")
        if len({embed.dtype, rnn.dtype, head.dtype}) > 1:
            raise ValueError(f"embed, rnn and head must share one dtype, got {embed.dtype}, {rnn.dtype}, {head.dtype}")
        super().__init__(rnn.dtype)
        self.embed, self.rnn, self.head = embed, rnn, head  # registered: "embed.weight", "rnn.weight_ih_l0", ...

    def forward(self, tokens: np.ndarray, lengths=None) -> tuple[np.ndarray, Cache]:
        """Return logits (N, V, T) for tokens (N, T); ``lengths`` (N,) as in the recurrent layer."""
        tokens = check_int_array(tokens, "tokens")
        if tokens.ndim != 2:
            raise ValueError(f"tokens must have shape (N, T), a batch of token sequences, got {tokens.shape}")
        e, embed_cache = self.embed.forward(tokens)  # (N, T, E)
        out, _, rnn_cache = self.rnn.forward(e, None, lengths=lengths)  # (N, T, H)
        logits, head_cache = self.head.forward(out)  # (N, T, V)
        return logits.transpose(0, 2, 1), self.save_for_backward(embed=embed_cache, rnn=rnn_cache, head=head_cache)

    def backward(self, dlogits: np.ndarray, cache: Cache) -> tuple[None, dict[str, np.ndarray]]:
        """Return ``None`` (tokens have no gradient) and ``grads`` keyed like ``params``; dlogits is (N, V, T)."""
        embed_cache, rnn_cache, head_cache = self.check_cache(cache).values()
        dlogits = check_array(dlogits, "dlogits", dtype=self.dtype, shape=("N", "V", "T"))
        dout, head_grads = self.head.backward(dlogits.transpose(0, 2, 1), head_cache)  # (N, T, H)
        de, _, rnn_grads = self.rnn.backward(dout, rnn_cache)  # (N, T, E)
        _, embed_grads = self.embed.backward(de, embed_cache)
        return None, self.collect_grads(embed=embed_grads, rnn=rnn_grads, head=head_grads)
