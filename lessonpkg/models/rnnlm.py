"""A word-level recurrent language model, Embedding -> RNN/LSTM/GRU -> Linear, and its training step.

At every step t the model reads token t and scores every vocabulary entry as
token t + 1::

    e      = embed.weight[tokens]                     # (N, T, E)
    out    = rnn(e, lengths)                          # (N, T, H), 0 past each sequence's length
    logits = out @ head.weight.T + head.bias          # (N, T, V)

Training minimises the mean cross-entropy of the next tokens. ``lm_update``
does one step of it: forward, loss, backward, gradient clipping, optimizer step.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import as_rng, check_int_array, check_positive_int
from lessonpkg.nn.embedding import Embedding
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.loss import CrossEntropyLoss
from lessonpkg.nn.module import Cache, Module
from lessonpkg.nn.recurrent import RecurrentBase
from lessonpkg.nn.utils.clip_grad import clip_grad_norm_
from lessonpkg.train.loop import minibatches


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
        """Return logits (N, T, V) for tokens (N, T); ``lengths`` (N,) as in the recurrent layer."""
        tokens = check_int_array(tokens, "tokens")
        if tokens.ndim != 2:
            raise ValueError(f"tokens must have shape (N, T), a batch of token sequences, got {tokens.shape}")
        e, embed_cache = self.embed.forward(tokens)  # (N, T, E)
        out, _, rnn_cache = self.rnn.forward(e, None, lengths=lengths)  # (N, T, H)
        logits, head_cache = self.head.forward(out)  # (N, T, V)
        return logits, self.save_for_backward(embed=embed_cache, rnn=rnn_cache, head=head_cache)

    def backward(self, dlogits: np.ndarray, cache: Cache) -> tuple[None, dict[str, np.ndarray]]:
        """Return ``None`` (tokens have no gradient) and ``grads`` keyed like ``params``; dlogits is (N, T, V)."""
        embed_cache, rnn_cache, head_cache = self.check_cache(cache).values()
        dout, head_grads = self.head.backward(dlogits, head_cache)  # (N, T, H)
        de, _, rnn_grads = self.rnn.backward(dout, rnn_cache)  # (N, T, E)
        _, embed_grads = self.embed.backward(de, embed_cache)
        return None, self.collect_grads(embed=embed_grads, rnn=rnn_grads, head=head_grads)


def _check_loss(loss_fn) -> CrossEntropyLoss:
    crit = CrossEntropyLoss() if loss_fn is None else loss_fn
    if not isinstance(crit, CrossEntropyLoss) or crit.reduction != "mean":
        raise TypeError(f"loss_fn must be a CrossEntropyLoss with reduction='mean', got {crit!r}")
    return crit


def _masked_targets(targets, tokens: np.ndarray, lengths, ignore_index: int) -> np.ndarray:
    """``targets`` (N, T) with every position at or past a sequence's length set to ``ignore_index``."""
    y = check_int_array(targets, "targets")
    if y.shape != tokens.shape:
        raise ValueError(f"targets must have the shape of tokens {tokens.shape}, one next token per step, "
                         f"got {y.shape}")
    if lengths is None:
        return y
    lengths = np.asarray(lengths)
    if lengths.shape != (y.shape[0],):
        raise ValueError(f"lengths must have shape ({y.shape[0]},), one length per sequence, got {lengths.shape}")
    return np.where(np.arange(y.shape[1])[None, :] < lengths[:, None], y, ignore_index)


def lm_loss(model: RNNLanguageModel, tokens: np.ndarray, targets: np.ndarray, lengths=None,
            loss_fn: CrossEntropyLoss | None = None) -> float:
    """Mean cross-entropy of ``targets`` (N, T) under the model's scores; positions past ``lengths`` do not count."""
    crit = _check_loss(loss_fn)
    logits, _ = model.forward(tokens, lengths)  # (N, T, V)
    y = _masked_targets(targets, np.asarray(tokens), lengths, crit.ignore_index)
    loss, _ = crit.forward(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    return float(loss)


def lm_update(model: RNNLanguageModel, optimizer, tokens: np.ndarray, targets: np.ndarray, lengths=None, *,
              max_norm: float | None = None, loss_fn: CrossEntropyLoss | None = None) -> tuple[float, float]:
    """One training step on a batch; return the batch's mean loss and the gradient norm before clipping.

    Parameters
    ----------
    model : RNNLanguageModel
    optimizer : a lessonpkg optimizer built on ``model.params``
    tokens, targets : int arrays (N, T)
        ``targets[:, t]`` is the token that follows ``tokens[:, t]``.
    lengths : (N,) ints or None
        Steps past a sequence's length are padding: the layer skips them and their targets do not count.
    max_norm : float or None
        Clip the gradients' total norm to this value (``clip_grad_norm_``) before the step.
    loss_fn : CrossEntropyLoss with reduction="mean", default ``CrossEntropyLoss()``
    """
    crit = _check_loss(loss_fn)
    logits, cache = model.forward(tokens, lengths)  # (N, T, V)
    V = logits.shape[-1]
    y = _masked_targets(targets, np.asarray(tokens), lengths, crit.ignore_index)  # (N, T)
    loss, loss_cache = crit.forward(logits.reshape(-1, V), y.reshape(-1))  # mean over the counted steps
    dlogits = crit.backward(loss_cache).reshape(logits.shape)  # (N, T, V)
    _, grads = model.backward(dlogits, cache)
    norm = clip_grad_norm_(grads, max_norm) if max_norm is not None else clip_grad_norm_(grads, np.inf)
    optimizer.step(grads)
    return float(loss), float(norm)


def train_lm(model: RNNLanguageModel, optimizer, tokens: np.ndarray, targets: np.ndarray, lengths=None, *,
             epochs: int, batch_size: int | None = None, max_norm: float | None = None,
             rng: np.random.Generator | int | None = None, val: tuple | None = None,
             loss_fn: CrossEntropyLoss | None = None) -> dict[str, np.ndarray]:
    """Train with ``lm_update`` on shuffled minibatches of sequences; return the history.

    Parameters
    ----------
    model, optimizer, tokens, targets, lengths, max_norm, loss_fn : as in ``lm_update``
    epochs : int
        Passes over the N training sequences.
    batch_size : int or None
        Sequences per update; None means all of them.
    rng : numpy.random.Generator, int or None
        Shuffles the sequences at every epoch.
    val : (tokens, targets, lengths) or None
        Held-out sequences, scored after every epoch.

    Returns
    -------
    dict of (epochs + 1,) arrays
        ``"epoch"`` and ``"updates"`` (so far); ``"train_loss"``: at epoch 0 the loss on every training
        sequence (``lm_loss``), after that the mean of the epoch's minibatch losses (each measured just
        before its update, so it lags the parameters a little); ``"val_loss"``: ``lm_loss`` on ``val``
        before training and after every epoch; ``"grad_norm"``: the largest gradient norm (before
        clipping) seen in each epoch (NaN at epoch 0).
    """
    tokens = check_int_array(tokens, "tokens")
    if tokens.ndim != 2:
        raise ValueError(f"tokens must have shape (N, T), a batch of token sequences, got {tokens.shape}")
    targets = np.asarray(targets)
    epochs = check_positive_int(epochs, "epochs", allow_zero=True)
    if val is not None and (not isinstance(val, tuple) or len(val) != 3):
        raise TypeError("val must be a tuple (tokens, targets, lengths) of held-out sequences")
    gen = as_rng(rng)
    lengths_arr = None if lengths is None else np.asarray(lengths)
    history: dict[str, list] = {"epoch": [], "updates": [], "train_loss": [], "grad_norm": []}
    if val is not None:
        history["val_loss"] = []
    updates, worst = 0, np.nan
    for epoch in range(epochs + 1):
        if epoch == 0:
            train_loss = lm_loss(model, tokens, targets, lengths, loss_fn)
        else:
            worst, losses = 0.0, []
            for idx in minibatches(tokens.shape[0], batch_size, gen):
                batch_lengths = None if lengths_arr is None else lengths_arr[idx]
                loss, norm = lm_update(model, optimizer, tokens[idx], targets[idx], batch_lengths,
                                       max_norm=max_norm, loss_fn=loss_fn)
                losses.append(loss)
                worst, updates = max(worst, norm), updates + 1
            train_loss = float(np.mean(losses))
        history["epoch"].append(epoch)
        history["updates"].append(updates)
        history["grad_norm"].append(worst)
        history["train_loss"].append(train_loss)
        if val is not None:
            history["val_loss"].append(lm_loss(model, *val, loss_fn=loss_fn))
    return {k: np.asarray(v) for k, v in history.items()}
