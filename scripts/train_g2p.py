"""Train Chapter 10's grapheme-to-phoneme models (plain and attention GRU encoder-decoders); save book/data/g2p.npz.

Run from the repository root:

    .venv/bin/python scripts/train_g2p.py

Data: ``lp.data.cmu.load_cmudict(n_train=30000, n_val=2000, n_test=2000, min_letters=3, max_letters=8, rng=0)``,
CMUdict words of 3 to 8 letters without stress marks. Both models have letter and phoneme embeddings of size
32 and GRUs of 64 units (the attention model adds ``AdditiveAttention(64, 64, 64)``), and are trained with
Adam (lr 0.005, gradient norm clipped at 5) on batches of 64 words of equal length, 12 epochs, seed 0.
About 2 minutes of CPU time (8 minutes of wall time on a busy 2-core machine). The file holds the weights (float64, keys
``"<kind>/<parameter>"``) and the curves in nats per target token: ``"extra/<kind>_train_loss"`` (epochs,), the
training loss after each epoch, and ``"extra/<kind>_val_loss"`` (epochs + 1,), before training and after each
epoch. (The shipped file's training curve was recorded as the mean of each epoch's batch losses, by the loop
that ``lp.fit`` replaced; the weights and the validation curve are what this script computes.) The test
split is not read.
"""

from __future__ import annotations

import time
from pathlib import Path

import lessonpkg as lp
from lessonpkg import g2p
from lessonpkg.data.cmu import load_cmudict
from lessonpkg.train.checkpoint import train_each

DATA = {"n_train": 30000, "n_val": 2000, "n_test": 2000, "min_letters": 3, "max_letters": 8, "rng": 0}
CONFIG = {"embedding_dim": 32, "hidden_size": 64, "attention_size": 64, "epochs": 12, "batch_size": 64,
          "lr": 0.005, "max_norm": 5.0, "rng": 0}


def train_all(config: dict, data: dict = DATA, kinds=g2p.KINDS, show_progress: bool = True) -> tuple[dict, dict]:
    """Train one model per kind with ``lp.g2p.train_g2p``; return the models and their curves."""
    splits = load_cmudict(**data)

    def train_one(kind, progress):
        return g2p.train_g2p(kind, splits.train, splits.val, progress=progress, **config)

    return train_each(train_one, kinds, show_progress=show_progress, unit="nats/token")


OUTPUT = Path(__file__).resolve().parents[1] / "book" / "data" / "g2p.npz"


def main(path: str | Path = OUTPUT) -> None:
    start = time.perf_counter()
    models, extras = train_all(CONFIG)
    lp.save_checkpoint(path, models, **extras)
    print(f"saved {path} after {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
