"""A character language model trained on one long stream with truncated BPTT, and its decoding step.

The stream is cut into N parallel lanes (rows), and each lane is read chunk by
chunk; the recurrent state flows on from one chunk to the next while the
gradient stops at each chunk's start (``TruncatedBPTT``)::

    lanes (N, L) -> chunks (N, chunk_len) -> embed -> rnn (state carried) -> head -> logits (N, chunk_len, V)

The model is a ``RNNLanguageModel`` (``embed``, ``rnn``, ``head``); only the
state handling is new here.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import as_rng, check_int_array, check_optimizer, check_positive_int
from lessonpkg.models.rnnlm import RNNLanguageModel
from lessonpkg.nn.embedding import Embedding
from lessonpkg.nn.functional import log_softmax
from lessonpkg.nn.gru import GRU
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.loss import CrossEntropyLoss
from lessonpkg.nn.lstm import LSTM
from lessonpkg.nn.rnn import RNN
from lessonpkg.nn.utils.clip_grad import clip_grad_norm_
from lessonpkg.optim import Adam
from lessonpkg.train.checkpoint import load_checkpoint
from lessonpkg.train.tbptt import TruncatedBPTT

CELLS = {"RNN": RNN, "GRU": GRU, "LSTM": LSTM}


def _check_stream(stream, name: str) -> np.ndarray:
    s = check_int_array(stream, name, low=0)
    if s.ndim != 1 or s.size < 2:
        raise ValueError(f"{name} must be a 1-d stream of at least 2 token ids, got shape {s.shape}")
    return s


def _check_model(model) -> None:
    if not isinstance(model, RNNLanguageModel):
        raise TypeError(f"model must be a lessonpkg RNNLanguageModel (see make_char_lm), got {type(model).__name__}")


def make_char_lm(cell: str, vocab_size: int, embedding_dim: int, hidden_size: int,
                 rng: np.random.Generator | int | None = None) -> RNNLanguageModel:
    """Build Embedding(V, E) -> ``cell`` ("RNN", "GRU" or "LSTM") with H units, batch_first -> Linear(H, V)."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    for value, name in ((vocab_size, "vocab_size"), (embedding_dim, "embedding_dim"), (hidden_size, "hidden_size")):
        check_positive_int(value, name)
    gen = as_rng(rng)
    return RNNLanguageModel(Embedding(vocab_size, embedding_dim, rng=gen),
                            CELLS[cell](embedding_dim, hidden_size, batch_first=True, rng=gen),
                            Linear(hidden_size, vocab_size, rng=gen))


def to_lanes(stream, n_lanes: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``stream`` (T,) into inputs and next-token targets of shape (n_lanes, L), L = (T - 1) // n_lanes.

    Lane i holds one contiguous stretch of the stream, so a state carried along a
    lane always continues the text it has read. The last few tokens are dropped.
    """
    s = check_int_array(stream, "stream")
    n_lanes = check_positive_int(n_lanes, "n_lanes")
    L = (s.size - 1) // n_lanes
    if s.ndim != 1 or L < 1:
        raise ValueError(f"stream must be 1-d with at least n_lanes + 1 = {n_lanes + 1} tokens, got shape {s.shape}")
    x = s[: n_lanes * L].reshape(n_lanes, L)  # (N, L)
    y = s[1: n_lanes * L + 1].reshape(n_lanes, L)  # (N, L): the token after each x
    return x, y


def _chunk_forward(model: RNNLanguageModel, tbptt: TruncatedBPTT, x: np.ndarray):
    e, embed_cache = model.embed.forward(x)  # (N, t, E)
    out, rnn_cache = tbptt.forward(e)  # (N, t, H), from the carried state
    logits, head_cache = model.head.forward(out)  # (N, t, V)
    return logits, (embed_cache, rnn_cache, head_cache)


def tbptt_epoch(model: RNNLanguageModel, optimizer, x: np.ndarray, y: np.ndarray, chunk_len: int, *,
                max_norm: float | None = None, progress=None) -> np.ndarray:
    """One pass over lanes ``x``, ``y`` (N, L) chunk by chunk, one update per chunk; return the chunks' losses.

    The state starts at zero and is carried across chunks; each update follows
    the gradient of the chunk's mean cross-entropy, truncated at the chunk start.
    ``progress``, if given, is called once per chunk (e.g. a tqdm bar's ``update``).
    """
    _check_model(model)
    check_optimizer(optimizer)
    tbptt = TruncatedBPTT(model.rnn, chunk_len)
    crit = CrossEntropyLoss()
    V = model.head.out_features
    losses = []
    for xc, yc in tbptt.chunks(x, y):
        logits, (embed_cache, rnn_cache, head_cache) = _chunk_forward(model, tbptt, xc)
        loss, loss_cache = crit.forward(logits.reshape(-1, V), yc.reshape(-1))
        dout, head_grads = model.head.backward(crit.backward(loss_cache).reshape(logits.shape), head_cache)
        de, rnn_grads = tbptt.backward(dout, rnn_cache)  # the gradient stops at the chunk's first step
        _, embed_grads = model.embed.backward(de, embed_cache)
        grads = {**{f"embed.{k}": g for k, g in embed_grads.items()},
                 **{f"rnn.{k}": g for k, g in rnn_grads.items()}, **{f"head.{k}": g for k, g in head_grads.items()}}
        clip_grad_norm_(grads, np.inf if max_norm is None else max_norm)
        optimizer.step(grads)
        losses.append(float(loss))
        if progress is not None:
            progress(1)
    return np.asarray(losses)


def stream_nll(model: RNNLanguageModel, stream, chunk_len: int = 256) -> float:
    """Mean negative log-likelihood in nats of ``stream[1:]``, reading the whole stream with the state carried.

    Every token is predicted from everything before it (the chunks only bound
    the memory used), so this is the exact loss of the stream under the model.
    """
    _check_model(model)
    x, y = to_lanes(stream, 1)  # (1, T - 1)
    tbptt = TruncatedBPTT(model.rnn, check_positive_int(chunk_len, "chunk_len"))
    total = 0.0
    for xc, yc in tbptt.chunks(x, y):
        logits, _ = _chunk_forward(model, tbptt, xc)  # (1, t, V)
        logp = log_softmax(logits[0])  # (t, V)
        total -= logp[np.arange(yc.shape[1]), yc[0]].sum()
    return float(total / y.size)


def step_fn(model: RNNLanguageModel):
    """Return ``step(token, state) -> (log_probs (V,), new_state)`` for ``lp.decoding``; state None means zeros."""
    def step(token: int, state):
        e, _ = model.embed.forward(np.array([[int(token)]]))  # (1, 1, E)
        out, new_state, _ = model.rnn.forward(e, state)  # (1, 1, H)
        logits, _ = model.head.forward(out[:, -1])  # (1, V)
        return log_softmax(logits[0]), new_state
    return step


def read_prefix(model: RNNLanguageModel, tokens) -> tuple[object, int]:
    """Read all but the last of ``tokens`` from a zero state; return (state, last token) for ``lp.decoding``."""
    _check_model(model)
    arr = np.asarray(tokens)
    if arr.size and (arr.ndim != 1 or arr.dtype.kind not in "iu"):
        raise TypeError(f"tokens must be a 1-d sequence of int token ids, got dtype {arr.dtype} and shape {arr.shape}")
    toks = [int(t) for t in tokens]
    if not toks:
        raise ValueError("tokens must hold at least one token (e.g. the separator)")
    step, state = step_fn(model), None
    for t in toks[:-1]:
        _, state = step(t, state)
    return state, toks[-1]


def train_char_lm(cell: str, train_stream, val_stream, *, embedding_dim: int = 16, hidden_size: int = 64,
                  n_lanes: int = 32, chunk_len: int = 32, epochs: int = 10, lr: float = 0.01,
                  max_norm: float | None = 5.0, rng: np.random.Generator | int | None = 0,
                  progress=None) -> tuple[RNNLanguageModel, dict[str, np.ndarray]]:
    """Build a character model (``make_char_lm``) and train it with Adam and ``tbptt_epoch``; return it and its curves.

    Returns
    -------
    model : RNNLanguageModel
    history : dict of arrays
        ``"train_loss"`` (epochs,): the mean chunk loss of each epoch; ``"val_loss"`` (epochs + 1,):
        ``stream_nll`` of ``val_stream`` before training and after each epoch.
    """
    train_stream, val_stream = _check_stream(train_stream, "train_stream"), _check_stream(val_stream, "val_stream")
    vocab_size = int(max(np.max(train_stream), np.max(val_stream))) + 1
    model = make_char_lm(cell, vocab_size, embedding_dim, hidden_size, rng=rng)
    optimizer = Adam(model.params, lr=lr)
    x, y = to_lanes(train_stream, n_lanes)  # (N, L)
    train_loss, val_loss = [], [stream_nll(model, val_stream)]
    for _ in range(check_positive_int(epochs, "epochs")):
        train_loss.append(tbptt_epoch(model, optimizer, x, y, chunk_len, max_norm=max_norm, progress=progress).mean())
        val_loss.append(stream_nll(model, val_stream))
    return model, {"train_loss": np.asarray(train_loss), "val_loss": np.asarray(val_loss)}


def load_char_lms(path, embedding_dim: int = 16, hidden_size: int = 64,
                  vocab_size: int = 27) -> tuple[dict[str, RNNLanguageModel], dict[str, dict[str, np.ndarray]]]:
    """Load the models saved by ``scripts/train_char_lm.py``: ``{cell: model}`` and ``{cell: curves}``.

    The curves are ``{"train_loss": (epochs,), "val_loss": (epochs + 1,)}`` in nats per character.
    """
    models = {cell: make_char_lm(cell, vocab_size, embedding_dim, hidden_size, rng=0) for cell in CELLS}
    extras = load_checkpoint(path, models)
    history = {cell: {k: extras[f"{cell}_{k}"] for k in ("train_loss", "val_loss")} for cell in CELLS}
    return models, history
