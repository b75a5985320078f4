"""Train the character-level RNN, GRU and LSTM of Chapter 8 on the census names; save them to book/data/char_lm.npz.

Run from the repository root:

    .venv/bin/python scripts/train_char_lm.py

Each model is Embedding(27, 16) -> RNN/GRU/LSTM(16, 64) -> Linear(64, 27), trained with Adam (lr 0.01,
gradient norm clipped at 5) by truncated BPTT: the training stream of ``lp.data.names.load_names(rng=0)``
in 32 lanes, chunks of 32 characters, 10 epochs, seed 0 for every model. The file holds the weights
(float64, keys ``"<cell>/<parameter>"``) and the curves in nats per character: ``"extra/<cell>_train_loss"``
(epochs,), the loss of the training stream after each epoch, and ``"extra/<cell>_val_loss"`` (epochs + 1,),
the validation stream's before training and after each epoch. (The shipped file's training curve was
recorded as the mean of each epoch's chunk losses, by the loop that ``lp.fit`` replaced; the weights and
the validation curve are what this script computes.) The test split is not read.
"""

from __future__ import annotations

from pathlib import Path

import lessonpkg as lp
from lessonpkg import charlm
from lessonpkg.data import names as nm
from lessonpkg.train.checkpoint import train_each

CELLS = ("RNN", "GRU", "LSTM")
CONFIG = {"embedding_dim": 16, "hidden_size": 64, "n_lanes": 32, "chunk_len": 32, "epochs": 10, "lr": 0.01,
          "max_norm": 5.0, "rng": 0}


def train_all(config: dict, cells=CELLS, show_progress: bool = True) -> tuple[dict, dict]:
    """Train one model per cell with ``lp.charlm.train_char_lm``; return the models and the curves."""
    splits = nm.load_names(rng=0)
    train_stream, val_stream = splits.stream("train"), splits.stream("val")

    def train_one(cell, progress):
        return charlm.train_char_lm(cell, train_stream, val_stream, progress=progress, **config)

    return train_each(train_one, cells, show_progress=show_progress, unit="nats/char")


OUTPUT = Path(__file__).resolve().parents[1] / "book" / "data" / "char_lm.npz"


def main(path: str | Path = OUTPUT) -> None:
    models, extras = train_all(CONFIG)
    lp.save_checkpoint(path, models, **extras)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
