"""Train the melody language models of the music chapter, three seeds per cell; save them to book/data/music_lm.npz.

Run from the repository root, after scripts/make_music_tokens.py (about twenty minutes on 2 cores):

    .venv/bin/python scripts/train_music_lm.py

Each model is Embedding(V, 16) -> a tanh RNN, a GRU or an LSTM (16, 48) -> Linear(48, V) over the tokens of
``lp.data.music.load_chorales("book/data/bach_chorales.npz")``, trained on whole pieces by
``lp.apps.melody.train_music_lm``: Adam (lr 0.01, gradient norm clipped at 5), batches of 16 pieces
of similar length, at most 60 epochs, stopped after 3 epochs without a new lowest validation loss
(the best epoch's weights are kept). Seeds 0, 1 and 2 draw each cell's initial weights and batch order.
The file holds the weights (float64, keys ``"<cell>_seed<s>/<parameter>"``) and the curves in nats
per token, ``"extra/<name>_train_loss"`` and ``"extra/<name>_val_loss"`` (``train_each``'s). The
test pieces are not read.
"""

from __future__ import annotations

from pathlib import Path

import lessonpkg as lp
from lessonpkg.apps import melody
from lessonpkg.data import music
from lessonpkg.train.checkpoint import train_each

ROOT = Path(__file__).resolve().parents[1]
TOKENS = ROOT / "book" / "data" / "bach_chorales.npz"
OUTPUT = ROOT / "book" / "data" / "music_lm.npz"
CELLS = ("RNN", "GRU", "LSTM")
SEEDS = (0, 1, 2)
CONFIG = {"embedding_dim": 16, "hidden_size": 48, "epochs": 60, "batch_size": 16, "lr": 0.01, "max_norm": 5.0,
          "patience": 3}


def model_names(cells=CELLS, seeds=SEEDS) -> list[str]:
    """``["RNN_seed0", ..., "LSTM_seed2"]``: the checkpoint's module names."""
    return [f"{cell}_seed{seed}" for cell in cells for seed in seeds]


def train_all(config: dict, cells=CELLS, seeds=SEEDS, show_progress: bool = True) -> tuple[dict, dict]:
    """Train one model per cell and seed with ``melody.train_music_lm``; return the models and the curves."""
    data = music.load_chorales(TOKENS)

    def train_one(name, progress):
        cell, seed = name.split("_seed")
        return melody.train_music_lm(cell, data.train, data.val, len(data.vocab), rng=int(seed), progress=progress,
                                     **config)

    return train_each(train_one, model_names(cells, seeds), show_progress=show_progress, unit="nats/token")


def main(path: str | Path = OUTPUT, cells=CELLS) -> None:
    models, extras = train_all(CONFIG, cells)
    lp.save_checkpoint(path, models, **extras)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
