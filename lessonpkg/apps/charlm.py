"""A character language model trained on one long stream with truncated BPTT, and its decoding step.

The stream is cut into N parallel lanes (rows), and each lane is read chunk by
chunk; the recurrent state flows on from one chunk to the next while the
gradient stops at each chunk's start::

    lanes (N, L) -> chunks (N, chunk_len) -> embed -> rnn (state carried) -> head -> scores (N, V, chunk_len)

The model is a ``RNNLanguageModel`` (``embed``, ``rnn``, ``head``). ``lp.fit`` trains it through
``chunked(model)``, a ``lp.train.ChunkedRNN`` on the same arrays, on the chunks of ``stream_chunks``;
``lp.evaluate`` on the whole stream in one lane gives its exact loss.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import as_rng, check_int, check_int_array
from lessonpkg.models.rnnlm import RNNLanguageModel
from lessonpkg.nn.embedding import Embedding
from lessonpkg.nn.functional import log_softmax
from lessonpkg.nn.gru import GRU
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.loss import CrossEntropyLoss
from lessonpkg.nn.lstm import LSTM
from lessonpkg.nn.rnn import RNN
from lessonpkg.optim import Adam
from lessonpkg.train.checkpoint import load_checkpoint, load_curves
from lessonpkg.train.chunks import ChunkedRNN, Chunks
from lessonpkg.train.loop import fit

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
        check_int(value, name, low=1)
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
    n_lanes = check_int(n_lanes, "n_lanes", low=1)
    L = (s.size - 1) // n_lanes
    if s.ndim != 1 or L < 1:
        raise ValueError(f"stream must be 1-d with at least n_lanes + 1 = {n_lanes + 1} tokens, got shape {s.shape}")
    x = s[: n_lanes * L].reshape(n_lanes, L)  # (N, L)
    y = s[1: n_lanes * L + 1].reshape(n_lanes, L)  # (N, L): the token after each x
    return x, y


def chunked(model: RNNLanguageModel) -> ChunkedRNN:
    """The model as ``lp.fit`` and ``lp.evaluate`` read it: a ``ChunkedRNN`` on the same arrays, state carried."""
    _check_model(model)
    return ChunkedRNN(model.rnn, model.head, embed=model.embed)


def stream_chunks(stream, n_lanes: int = 1, chunk_len: int = 256) -> Chunks:
    """``stream`` (T,) as ``to_lanes(stream, n_lanes)`` served in chunks of ``chunk_len`` characters.

    With one lane every character is predicted from everything before it (the chunks
    only bound the memory used): ``lp.evaluate(chunked(model), lp.CrossEntropyLoss(),
    stream_chunks(stream))["loss"]`` is the exact mean loss of the stream, in nats per character.
    """
    x, y = to_lanes(_check_stream(stream, "stream"), n_lanes)
    return Chunks(x, y, chunk_len=check_int(chunk_len, "chunk_len", low=1), batch_first=True)


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
                  progress: bool | str = False) -> tuple[RNNLanguageModel, dict[str, np.ndarray]]:
    """Build a character model (``make_char_lm``), train it by truncated BPTT with Adam; return it and its history.

    The training stream is cut into ``n_lanes`` lanes read in chunks of ``chunk_len``, one update per
    chunk, the gradient norm clipped to ``max_norm``; the history's losses are in nats per character,
    ``"val_loss"`` being the exact loss of ``val_stream`` (``stream_chunks``).
    """
    train_stream, val_stream = _check_stream(train_stream, "train_stream"), _check_stream(val_stream, "val_stream")
    vocab_size = int(max(np.max(train_stream), np.max(val_stream))) + 1
    model = make_char_lm(cell, vocab_size, embedding_dim, hidden_size, rng=rng)
    history = fit(chunked(model), CrossEntropyLoss(), Adam(model.params, lr=lr),
                  stream_chunks(train_stream, n_lanes, chunk_len), epochs=check_int(epochs, "epochs", low=1),
                  val=stream_chunks(val_stream), clip_grad_norm=max_norm, progress=progress)
    return model, history


def load_char_lms(path, embedding_dim: int = 16, hidden_size: int = 64,
                  vocab_size: int = 27) -> tuple[dict[str, RNNLanguageModel], dict[str, dict[str, np.ndarray]]]:
    """Load the models saved by ``scripts/train_char_lm.py``: ``{cell: model}`` and ``{cell: curves}``.

    The curves are ``{"train_loss": (epochs,), "val_loss": (epochs + 1,)}`` in nats per character.
    """
    models = {cell: make_char_lm(cell, vocab_size, embedding_dim, hidden_size, rng=0) for cell in CELLS}
    return models, load_curves(load_checkpoint(path, models), CELLS)
