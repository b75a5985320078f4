"""Train Chapter 12's speaker identifier on the real JapaneseVowels data; save book/data/speaker_id.npz.

Run from the repository root:

    .venv/bin/python scripts/train_speaker_id.py

Data: ``lp.data.uea.load_uea("JapaneseVowels", "train")``, 270 utterances of /ae/ by 9 speakers, each frame
12 LPC cepstral coefficients (Kudo, Toyama and Shimbo 1999; shipped in sktime 1.2.0). The test split is not
read. ``lp.data.stratified_split`` holds out 6 utterances of every speaker (seed 0) as the validation part;
the other 216 are the fit part, whose frames give the mean and standard deviation of every coefficient.

Model: a bidirectional GRU(12, 32) reads the standardised frames of each utterance up to its length
(``lengths=``, as torch's ``pack_padded_sequence``), and ``Linear(64, 9)`` reads both directions' final
states (``lp.models.SequenceClassifier``). Adam (lr 0.01), batches of 16, gradient norm clipped at 5.

For each seed in ``CONFIG["seeds"]``, two runs of ``lp.fit``:

1. selection: train on the fit part for up to 100 epochs, early stopping on the validation loss
   (patience 10); the epoch of the lowest validation loss is the selected number of epochs;
2. the shipped model: the same seed's initial weights, trained on all 270 training utterances for the
   selected number of epochs.

The file holds each seed's final weights (keys ``"seed<k>/<parameter>"``, float64) and the extras:
``fit_idx``, ``val_idx``, ``mean``, ``std`` (12,), and per seed ``seed<k>_val_loss``, ``seed<k>_val_acc`` (the
selection run's validation curves, epoch 0 first), ``seed<k>_epochs`` (the selected number of epochs) and
``seed<k>_train_loss`` (the final run's training loss, epoch 0 first). About 10 s of CPU time (40 s of
wall time on a busy 2-core machine); two runs give identical files.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

import lessonpkg as lp
from lessonpkg.data.uea import SeriesSet, load_uea

CONFIG = {"hidden_size": 32, "bidirectional": True, "lr": 0.01, "batch_size": 16, "max_epochs": 100,
          "patience": 10, "clip_grad_norm": 5.0, "val_fraction": 0.2, "split_rng": 0, "seeds": (0, 1, 2, 3, 4)}
N_COEFFS, N_SPEAKERS = 12, 9
OUTPUT = Path(__file__).resolve().parents[1] / "book" / "data" / "speaker_id.npz"


def split_train(train: SeriesSet, config: dict) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the fit part and the validation part of the training split, stratified by speaker."""
    fit_idx, val_idx, _ = lp.data.stratified_split(train.labels, config["val_fraction"], 0.0, rng=config["split_rng"])
    return np.sort(fit_idx), np.sort(val_idx)


def frame_stats(data: SeriesSet, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation (12,) of every coefficient over all frames of the utterances ``idx``."""
    frames = np.concatenate([data.series[i] for i in idx])  # (sum T_i, 12)
    return frames.mean(axis=0), frames.std(axis=0)


def features(data: SeriesSet, mean: np.ndarray, std: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standardised frames, zero-padded at the end, (N, T_max, 12), and the lengths (N,)."""
    return lp.data.pad_sequences([(s - mean) / std for s in data.series], dtype=np.float64)


def make_model(config: dict, seed: int) -> lp.SequenceClassifier:
    """The untrained GRU classifier of one seed."""
    dirs = 2 if config["bidirectional"] else 1
    rnn = lp.GRU(N_COEFFS, config["hidden_size"], batch_first=True, bidirectional=config["bidirectional"], rng=seed)
    return lp.SequenceClassifier(rnn, lp.Linear(dirs * config["hidden_size"], N_SPEAKERS, rng=seed + 1))


def train_one(config: dict, seed: int, x, lengths, y, fit_idx, val_idx, progress=False):
    """Select the number of epochs on the validation part, then train on everything for that many.

    Returns the final model, the selection run's history, the selected number of epochs and the final run's
    history.
    """
    def run(model, rows, epochs, **kw):
        return lp.fit(model, lp.CrossEntropyLoss(), lp.Adam(model.params, lr=config["lr"]),
                      (x[rows], lengths[rows], y[rows]), epochs=epochs, batch_size=config["batch_size"], rng=seed,
                      clip_grad_norm=config["clip_grad_norm"], progress=progress, **kw)

    stopper = lp.train.EarlyStopping(patience=config["patience"])
    selection = run(make_model(config, seed), fit_idx, config["max_epochs"], early_stopping=stopper,
                    val=(x[val_idx], lengths[val_idx], y[val_idx]), metrics={"accuracy": lp.train.accuracy})
    model = make_model(config, seed)  # the same initial weights
    final = run(model, np.arange(len(y)), stopper.best_epoch)
    return model, selection, stopper.best_epoch, final


def train_all(config: dict, show_progress: bool = True) -> tuple[dict, dict]:
    """Train one model per seed; return the models and the extras to save."""
    train = load_uea("JapaneseVowels", "train")
    fit_idx, val_idx = split_train(train, config)
    mean, std = frame_stats(train, fit_idx)
    x, lengths = features(train, mean, std)
    models, extras = {}, {"fit_idx": fit_idx, "val_idx": val_idx, "mean": mean, "std": std}
    for seed in config["seeds"]:
        model, selection, epochs, final = train_one(config, seed, x, lengths, train.labels, fit_idx, val_idx,
                                                    progress=f"seed {seed}" if show_progress else False)
        models[f"seed{seed}"] = model
        extras.update({f"seed{seed}_val_loss": selection["val_loss"], f"seed{seed}_val_acc": selection["val_accuracy"],
                       f"seed{seed}_epochs": np.array(epochs), f"seed{seed}_train_loss": final["train_loss"]})
        if show_progress:
            print(f"seed {seed}: {epochs} epochs selected, validation accuracy {selection['val_accuracy'][epochs]:.3f}")
    return models, extras


def main(path: str | Path = OUTPUT) -> None:
    threadpool_limits(1)
    start = time.perf_counter()
    models, extras = train_all(CONFIG)
    lp.save_checkpoint(path, models, **extras)
    print(f"saved {path} after {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
