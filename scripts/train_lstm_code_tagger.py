"""Train the LSTM of chapter 6 that tags code-like text, and save it to book/data/lstm_code_tagger.npz.

The model reads generated lines of code-like text one character at a time
(``lp.data.make_code_text``) and tags every character with the bracket depth
after it, or as lying inside a string: a one-layer ``lp.LSTM`` with H units and
a ``lp.Linear`` head, trained with Adam by full backpropagation through time
(``lp.fit`` through ``lp.train.ChunkedRNN``, on ``lp.train.Chunks`` of whole
sequences). The forget-gate bias starts at 1 (``bias_ih`` block [H:2H] set to
1, ``bias_hh`` block set to 0). Everything is seeded.

Run it from the repository root (about five minutes on two cores)::

    .venv/bin/python scripts/train_lstm_code_tagger.py

The chapter (book/part2/lstm.ipynb) loads the file with ``lp.load_checkpoint``
and re-evaluates the model on freshly generated lines and on a real line of
Python, so the numbers it reports are computed there, not read from the file.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import lessonpkg as lp

OUT = Path(__file__).resolve().parent.parent / "book" / "data" / "lstm_code_tagger.npz"
CONFIG = {"hidden_size": 16, "max_depth": 4, "length": 64, "n_train": 2048, "n_val": 256, "epochs": 40,
          "batch_size": 32, "lr": 1e-2, "forget_bias": 1.0, "seed": 0}


def build(vocab_size: int, hidden_size: int, num_classes: int, forget_bias: float, seed: int):
    """The untrained model: ``lp.LSTM(V, H)`` with its forget-gate bias set, and ``lp.Linear(H, C)``."""
    rng = np.random.default_rng(seed)
    lstm = lp.LSTM(vocab_size, hidden_size, rng=rng)
    head = lp.Linear(hidden_size, num_classes, rng=rng)
    H = hidden_size
    lstm.params["bias_ih_l0"][H:2 * H] = forget_bias  # torch adds bias_ih and bias_hh: only their sum matters
    lstm.params["bias_hh_l0"][H:2 * H] = 0.0
    return lstm, head


def train(hidden_size: int, max_depth: int, length: int, n_train: int, n_val: int, epochs: int, batch_size: int,
          lr: float, forget_bias: float, seed: int, verbose: bool = False):
    """Train the tagger; return ``(lstm, head, history)``: ``lp.fit``'s losses and accuracies, (epochs + 1,) each."""
    train_set = lp.data.make_code_text(n_train, length, rng=seed, max_depth=max_depth)
    val_set = lp.data.make_code_text(n_val, length, rng=seed + 1, max_depth=max_depth)
    lstm, head = build(train_set.x.shape[2], hidden_size, max_depth + 2, forget_bias, seed)
    model = lp.train.ChunkedRNN(lstm, head)  # the lstm and head themselves, read as one model
    opt = lp.Adam(model.params, lr=lr)
    keys = ("train_loss", "train_accuracy", "val_loss", "val_accuracy")
    history = None
    for epoch in range(epochs):  # one epoch per call, each shuffled by its own seed, and progress printed
        h = lp.fit(model, lp.CrossEntropyLoss(), opt, lp.train.Chunks(train_set.x, train_set.y), epochs=1,
                   batch_size=batch_size, rng=seed + 1000 + epoch, val=lp.train.Chunks(val_set.x, val_set.y),
                   metrics={"accuracy": lp.train.accuracy})
        history = {k: list(h[k]) for k in keys} if history is None else {k: history[k] + [h[k][-1]] for k in keys}
        if verbose:
            print(f"epoch {epoch + 1:3d}  val loss {h['val_loss'][-1]:.4f}  val accuracy {h['val_accuracy'][-1]:.4f}",
                  flush=True)
    return lstm, head, {k: np.asarray(v) for k, v in history.items()}


def main() -> None:
    start = time.perf_counter()
    lstm, head, history = train(**CONFIG, verbose=True)
    config = {k: np.asarray(v) for k, v in CONFIG.items()}
    lp.save_checkpoint(OUT, {"lstm": lstm, "head": head}, **history, **{f"config_{k}": v for k, v in config.items()})
    print(f"saved {OUT} ({OUT.stat().st_size / 1024:.0f} KiB) after {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
