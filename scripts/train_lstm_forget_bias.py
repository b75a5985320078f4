"""Train LSTMs with forget-gate biases 0, 1 and 3 on a long-range recall task; save them to book/data/.

The task (``lp.data.delayed_recall`` with ``delay = T - 1``): read T random
tokens out of V = 4 and, at the last step only, name the first one. Guessing
scores 1/4. The model is a one-layer ``lp.LSTM(4, 16)`` with a
``lp.Linear(16, 4)`` head, trained with Adam (lr 0.01, batches of 32, 512
training sequences, 20 epochs) by full backpropagation through time
(``lp.fit`` through ``lp.train.ChunkedRNN``). Only the forget-gate bias differs between runs: the
``bias_ih`` block [H:2H] is set to b_f and the ``bias_hh`` block to 0, so the
gate starts near ``sigmoid(b_f)``. Each (T, b_f) pair is trained from five
seeds; a seed gives the same initial weights and data for every b_f.

Run it from the repository root (a few minutes on two cores)::

    .venv/bin/python scripts/train_lstm_forget_bias.py

It writes book/data/lstm_forget_bias.npz: the final weights of every run
(modules named ``T{T}_bias{b_f}_seed{seed}_lstm`` and ``..._head``) and the
validation accuracy after every epoch (extra array ``val_accuracy``, shape
(lengths, biases, seeds, epochs + 1)). The chapter re-evaluates every model on
freshly generated sequences.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import lessonpkg as lp

OUT = Path(__file__).resolve().parent.parent / "book" / "data" / "lstm_forget_bias.npz"
LENGTHS, BIASES, SEEDS = (10, 20, 40), (0, 1, 3), (0, 1, 2, 3, 4)
VOCAB, HIDDEN, N_TRAIN, N_VAL, EPOCHS, BATCH, LR = 4, 16, 512, 256, 20, 32, 1e-2


def run_name(length: int, bias: int, seed: int) -> str:
    """The prefix under which one run's modules are stored, e.g. ``"T20_bias1_seed0"``."""
    return f"T{length}_bias{bias}_seed{seed}"


def build(forget_bias: float, seed: int, vocab: int = VOCAB, hidden: int = HIDDEN):
    """A fresh ``lp.LSTM(vocab, hidden)`` whose forget gate's bias sum is ``forget_bias``, and its head."""
    rng = np.random.default_rng(seed)
    lstm, head = lp.LSTM(vocab, hidden, rng=rng), lp.Linear(hidden, vocab, rng=rng)
    lstm.params["bias_ih_l0"][hidden:2 * hidden] = forget_bias
    lstm.params["bias_hh_l0"][hidden:2 * hidden] = 0.0
    return lstm, head


def train_one(length: int, forget_bias: float, seed: int, n_train: int = N_TRAIN, n_val: int = N_VAL,
              epochs: int = EPOCHS, hidden: int = HIDDEN):
    """Train one model on the recall task; return ``(lstm, head, val_accuracy)``, the last of shape (epochs + 1,)."""
    x, y = lp.data.delayed_recall(n_train, length, length - 1, VOCAB, rng=seed)
    x_val, y_val = lp.data.delayed_recall(n_val, length, length - 1, VOCAB, rng=10_000 + seed)
    lstm, head = build(forget_bias, seed, hidden=hidden)
    model = lp.train.ChunkedRNN(lstm, head)  # the lstm and head themselves, read as one model
    history = lp.fit(model, lp.CrossEntropyLoss(), lp.Adam(model.params, lr=LR), lp.train.Chunks(x, y),
                     epochs=epochs, batch_size=BATCH, rng=seed, val=lp.train.Chunks(x_val, y_val),
                     metrics={"accuracy": lp.train.accuracy})
    return lstm, head, history["val_accuracy"]


def main() -> None:
    start = time.perf_counter()
    modules, curves = {}, np.zeros((len(LENGTHS), len(BIASES), len(SEEDS), EPOCHS + 1))
    for a, length in enumerate(LENGTHS):
        for b, bias in enumerate(BIASES):
            for s, seed in enumerate(SEEDS):
                lstm, head, curves[a, b, s] = train_one(length, float(bias), seed)
                modules[run_name(length, bias, seed) + "_lstm"] = lstm
                modules[run_name(length, bias, seed) + "_head"] = head
                print(f"T={length:3d}  b_f={bias}  seed={seed}  final val accuracy {curves[a, b, s, -1]:.3f}  "
                      f"({time.perf_counter() - start:.0f} s)", flush=True)
    lp.save_checkpoint(OUT, modules, val_accuracy=curves, lengths=np.array(LENGTHS), biases=np.array(BIASES),
                       seeds=np.array(SEEDS))
    print(f"saved {OUT} ({OUT.stat().st_size / 1024:.0f} KiB) after {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
