"""Train Chapter 12's three speech models on generated spoken digits; save them to book/data/speech.npz.

Run from the repository root:

    .venv/bin/python scripts/train_speech.py

* ``word_gru``: GRU(24, 32) + Linear(32, 10), many-to-one, classifies isolated digits
  (``load_spoken_digits(n_words=(1, 1), rng=0)``), Adam lr 0.01, batch 32, 15 epochs.
* ``ctc``: bidirectional GRU(24, 32) + Linear(64, 20), trained with CTC (blank 0, 19 phonemes) on
  strings of 1 to 3 digits (``load_spoken_digits(n_words=(1, 3), rng=1)``), Adam lr 0.01, gradient
  norm clipped at 5, batch 32, 25 epochs.
* ``frame_mlp``: the baseline, Linear(7 * 24, 64) -> Tanh -> Linear(64, 20) on each frame with 3
  neighbours either side, trained with cross-entropy on the synthesiser's frame labels (0 = silence),
  Adam lr 0.003, batch 256, 10 epochs, on the same strings.

Seed 0 everywhere; ``lp.fit`` trains all three. The file holds the weights (float64, keys
``"<model>/<parameter>"``), the training curves and each task's feature mean and std (``"extra/..."``).
The curves are ``lp.fit``'s history under the file's names (``FILE_KEYS``: accuracy is ``acc`` there);
the shipped file's ``ctc_train_loss`` was recorded, by the loop ``lp.fit`` replaced, as the mean of each
epoch's batch losses. The test splits are not read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

import lessonpkg as lp
from lessonpkg import asr
from lessonpkg.data import speech as sp

CONFIG = {"n_speakers": (24, 6, 10), "n_per_speaker": 20, "hidden_size": 32, "word_epochs": 15, "ctc_epochs": 25,
          "frame_epochs": 10, "context": 3, "frame_hidden": 64, "lr": 0.01, "rng": 0}
N_CLASSES = len(sp.PHONEMES) + 1  # blank (CTC) or silence (frames) is 0
# The curves the file keeps, by the name of lp.fit's history entry, and the name they have in the file.
FILE_KEYS = {"epoch": "epoch", "train_loss": "train_loss", "train_accuracy": "train_acc", "val_loss": "val_loss",
             "val_accuracy": "val_acc", "val_per": "val_per"}
ACC = {"accuracy": lp.train.accuracy}


def make_models(config: dict) -> dict:
    """The three untrained models, seeded."""
    H, D, seed = config["hidden_size"], 24, config["rng"]
    word = lp.SequenceClassifier(lp.GRU(D, H, batch_first=True, rng=seed), lp.Linear(H, 10, rng=seed + 1))
    ctc = lp.SequenceTagger(lp.GRU(D, H, batch_first=True, bidirectional=True, rng=seed),
                            lp.Linear(2 * H, N_CLASSES, rng=seed + 1))
    width = (2 * config["context"] + 1) * D
    frame = lp.Sequential(lp.Linear(width, config["frame_hidden"], rng=seed), lp.Tanh(),
                          lp.Linear(config["frame_hidden"], N_CLASSES, rng=seed + 1))
    return {"word_gru": word, "ctc": ctc, "frame_mlp": frame}


def frame_examples(data: sp.SpokenDigits, split: sp.SpeechSplit, context: int) -> tuple[np.ndarray, np.ndarray]:
    """Stacked, standardised frames (sum T_i, (2c+1) D) and their labels."""
    x = np.concatenate([asr.stack_frames((f - data.mean) / data.std, context) for f in split.features])
    return x, np.concatenate(split.frames)


def train_all(config: dict, show_progress: bool = True) -> tuple[dict, dict]:
    """Generate the data, train the three models; return them and the extras to save."""
    kw = {"n_speakers": config["n_speakers"], "n_per_speaker": config["n_per_speaker"], "splits": ("train", "val")}
    words = sp.load_spoken_digits(n_words=(1, 1), rng=0, **kw)
    strings = sp.load_spoken_digits(n_words=(1, 3), rng=1, **kw)
    models = make_models(config)
    extras = {"word_mean": words.mean, "word_std": words.std, "ctc_mean": strings.mean, "ctc_std": strings.std}

    def save(prefix, history):
        extras.update({f"{prefix}_{FILE_KEYS[k]}": v for k, v in history.items() if k in FILE_KEYS})

    def bar(name):
        return name if show_progress else False

    (x, lengths), (xv, lv) = words.padded(words.train), words.padded(words.val)
    y, yv = np.array([w for (w,) in words.train.words]), np.array([w for (w,) in words.val.words])
    m = models["word_gru"]
    save("word", lp.fit(m, lp.CrossEntropyLoss(), lp.Adam(m.params, lr=config["lr"]), (x, lengths, y),
                        epochs=config["word_epochs"], batch_size=32, rng=config["rng"], val=(xv, lv, yv), metrics=ACC,
                        progress=bar("word GRU")))

    (x, lengths), (xv, lv) = strings.padded(strings.train), strings.padded(strings.val)
    (t, tl), (tv, tlv) = lp.data.pad_sequences(strings.train.phonemes), lp.data.pad_sequences(strings.val.phonemes)
    m = models["ctc"]
    save("ctc", lp.fit(asr.CTCModel(m), lp.CTCLoss(blank=0), lp.Adam(m.params, lr=config["lr"]),
                       asr.CTCBatches(x, lengths, t, tl), epochs=config["ctc_epochs"], batch_size=32, rng=config["rng"],
                       val=asr.CTCBatches(xv, lv, tv, tlv), clip_grad_norm=5.0, metrics={"per": asr.phoneme_errors},
                       progress=bar("CTC biGRU")))

    (xf, yf), (xfv, yfv) = (frame_examples(strings, s, config["context"]) for s in (strings.train, strings.val))
    m = models["frame_mlp"]
    save("frame", lp.fit(m, lp.CrossEntropyLoss(), lp.Adam(m.params, lr=config["lr"] * 0.3), (xf, yf),
                         epochs=config["frame_epochs"], batch_size=256, rng=config["rng"], val=(xfv, yfv), metrics=ACC,
                         progress=bar("frame MLP")))
    return models, extras


OUTPUT = Path(__file__).resolve().parents[1] / "book" / "data" / "speech.npz"


def main(path: str | Path = OUTPUT) -> None:
    threadpool_limits(1)
    models, extras = train_all(CONFIG)
    lp.save_checkpoint(path, models, **extras)
    print(f"word GRU: validation accuracy {extras['word_val_acc'][-1]:.3f}")
    print(f"CTC biGRU: validation phoneme error rate {extras['ctc_val_per'][-1]:.3f}")
    print(f"frame MLP: validation frame accuracy {extras['frame_val_acc'][-1]:.3f}")
    print(f"saved {path}")


if __name__ == "__main__":
    main()
