"""Train the action-recognition chapter's recurrent classifiers; save them to book/data/action.npz.

Run from the repository root:

    .venv/bin/python scripts/train_action.py

For each problem of the UEA/UCR archive (``BasicMotions``, ``GunPoint``), each kind of recurrent layer
(``gru``: GRU(D, 32); ``bigru``: bidirectional GRU(D, 32); ``lstm``: LSTM(D, 32)) and each seed 0, 1, 2,
a many-to-one ``SequenceClassifier`` is trained with ``lp.fit``: cross-entropy, Adam, batch 8, gradient
norm clipped at 5, at most 150 epochs, early stopping on the validation loss with patience 50 (the weights
of the best epoch are kept). Each problem and kind is trained at learning rates 0.01 and 0.003; the rate
whose three runs reach the lower mean validation loss is kept. The seed draws the initial weights, the
order of the batches and the validation set: a stratified fifth of the archive's training split, held out
from training.
The inputs are standardised per channel with the mean and standard deviation of the training split.
The test splits are not read.

The file holds the 18 kept models' weights (keys ``"<problem>_<kind>_<seed>/<parameter>"``) and, as extras,
each kept run's validation loss curve (NaN after early stopping), its best epoch and its validation indices,
each problem and kind's chosen rate and the mean validation loss of each rate, and each problem's channel
mean and std.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

import lessonpkg as lp

CONFIG = {"problems": ("BasicMotions", "GunPoint"), "kinds": ("gru", "bigru", "lstm"), "seeds": (0, 1, 2),
          "hidden_size": 32, "lrs": (0.01, 0.003), "batch_size": 8, "epochs": 150, "patience": 50,
          "clip_grad_norm": 5.0, "val_fraction": 0.2}
KINDS = {"gru": (lp.GRU, False), "bigru": (lp.GRU, True), "lstm": (lp.LSTM, False)}
OUTPUT = Path(__file__).resolve().parents[1] / "book" / "data" / "action.npz"


def run_name(problem: str, kind: str, seed: int) -> str:
    """The checkpoint name of one run, e.g. ``"GunPoint_bigru_1"``."""
    return f"{problem}_{kind}_{seed}"


def make_model(kind: str, input_size: int, num_classes: int, hidden_size: int, seed: int) -> lp.SequenceClassifier:
    """An untrained many-to-one classifier: a (bi)GRU or LSTM and a Linear head on its final state(s)."""
    layer, bidirectional = KINDS[kind]
    rnn = layer(input_size, hidden_size, batch_first=True, bidirectional=bidirectional, rng=seed)
    return lp.SequenceClassifier(rnn, lp.Linear(hidden_size * (2 if bidirectional else 1), num_classes, rng=seed + 1))


def load_problem(problem: str, split: str, mean=None, std=None) -> tuple[np.ndarray, ...]:
    """One split as (N, T, C) standardised per channel, its labels (N,), and the mean and std (C,) used.

    ``mean`` and ``std`` default to the split's own, per channel; pass the training split's for the test split.
    """
    data = lp.data.uea.load_uea(problem, split)
    x, _ = data.padded()  # every series of these problems has the same length
    if mean is None:
        mean, std = x.mean(axis=(0, 1)), x.std(axis=(0, 1))  # (C,)
    return (x - mean) / std, data.labels, mean, std


def make_models(config: dict) -> dict:
    """Every run's untrained model, keyed by ``run_name``."""
    models = {}
    for problem in config["problems"]:
        x, y, _, _ = load_problem(problem, "train")
        for kind in config["kinds"]:
            for seed in config["seeds"]:
                models[run_name(problem, kind, seed)] = make_model(kind, x.shape[2], int(y.max()) + 1,
                                                                   config["hidden_size"], seed)
    return models


def train_one(model, x, y, seed: int, config: dict, progress=False) -> tuple[dict, int, np.ndarray]:
    """Train ``model`` in place on a seeded stratified split of (x, y); return the history, best epoch, val indices."""
    train_idx, val_idx, _ = lp.data.stratified_split(y, config["val_fraction"], 0.0, rng=seed)
    stop = lp.train.EarlyStopping(patience=config["patience"])
    history = lp.fit(model, lp.CrossEntropyLoss(), lp.Adam(model.params, lr=config["lr"]), (x[train_idx], y[train_idx]),
                     epochs=config["epochs"], batch_size=config["batch_size"], val=(x[val_idx], y[val_idx]),
                     metrics={"accuracy": lp.train.accuracy}, clip_grad_norm=config["clip_grad_norm"],
                     early_stopping=stop, rng=seed, progress=progress)
    return history, stop.best_epoch, np.sort(val_idx)


def train_all(config: dict, show_progress: bool = True) -> tuple[dict, dict]:
    """Train every run at every learning rate; keep, per problem and kind, the rate of lowest mean validation loss.

    Returns the kept models and the extras to save: per problem the channel mean and std; per problem and
    kind the chosen rate (``"<problem>_<kind>_lr"``) and the mean best validation loss of every rate tried
    (``"<problem>_<kind>_val_loss_by_lr"``); per kept run its validation curve, best epoch and indices.
    """
    models, extras = make_models(config), {}
    for problem in config["problems"]:
        x, y, mean, std = load_problem(problem, "train")
        extras[f"{problem}_mean"], extras[f"{problem}_std"] = mean, std
        for kind in config["kinds"]:
            tried = []  # per learning rate: (mean best validation loss, models, extras)
            for lr in config["lrs"]:
                fresh, runs, losses = make_models({**config, "problems": (problem,), "kinds": (kind,)}), {}, []
                for seed in config["seeds"]:
                    name = run_name(problem, kind, seed)
                    history, best, val_idx = train_one(fresh[name], x, y, seed, {**config, "lr": lr},
                                                       progress=f"{name} lr {lr}" if show_progress else False)
                    curve = np.full(config["epochs"] + 1, np.nan)
                    curve[:len(history["val_loss"])] = history["val_loss"]
                    runs.update({f"{name}_val_loss": curve, f"{name}_best_epoch": np.array(best),
                                 f"{name}_val_idx": val_idx})
                    losses.append(curve[best])
                tried.append((float(np.mean(losses)), fresh, runs))
                if show_progress:
                    print(f"{problem} {kind} lr {lr}: mean best validation loss {np.mean(losses):.4f}")
            choice = int(np.argmin([t[0] for t in tried]))
            models.update(tried[choice][1])
            extras.update(tried[choice][2])
            extras[f"{problem}_{kind}_lr"] = np.array(config["lrs"][choice])
            extras[f"{problem}_{kind}_val_loss_by_lr"] = np.array([t[0] for t in tried])
    return models, extras


def main(path: str | Path = OUTPUT) -> None:
    threadpool_limits(1)
    models, extras = train_all(CONFIG)
    lp.save_checkpoint(path, models, **extras)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
