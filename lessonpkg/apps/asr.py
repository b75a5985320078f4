"""Phoneme recognition with CTC: log-probabilities from a tagger, a training loop, decoding and error rates.

The model is a ``SequenceTagger`` (usually over a bidirectional GRU) whose
head has C = P + 1 outputs, class 0 being the CTC blank. For a padded batch x
(N, T, D) with ``lengths`` (N,)::

    logits = model.forward(x, lengths)              # (N, C, T)
    log_probs = log_softmax(logits over C)          # moved to (T, N, C), CTC's layout
    loss = CTCLoss(blank=0)(log_probs, targets, lengths, target_lengths)

and the gradient flows back the same way. Recognition is best-path decoding
(``ctc_greedy_decode``); quality is the phoneme error rate, the edit distance
between recognised and true phoneme strings divided by the true length.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lessonpkg._validate import as_rng, check_array, check_int_array, check_optimizer, check_positive_int
from lessonpkg.decode.ctc import ctc_greedy_decode
from lessonpkg.metrics.sequence import error_rate
from lessonpkg.models.heads import SequenceTagger
from lessonpkg.nn.ctc import CTCLoss
from lessonpkg.nn.functional import log_softmax
from lessonpkg.train.loop import minibatches


def ctc_log_probs(model: SequenceTagger, x: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Return ``log_probs`` (T, N, C), the log-softmax of the tagger's logits, and the model cache."""
    if not isinstance(model, SequenceTagger):
        raise TypeError(f"model must be a lessonpkg SequenceTagger, got {type(model).__name__}")
    logits, cache = model.forward(x, lengths=lengths)  # (N, C, T)
    return log_softmax(logits.transpose(2, 0, 1), axis=2), cache  # (T, N, C)


def ctc_step(model: SequenceTagger, x, lengths, targets, target_lengths, crit: CTCLoss) -> tuple[float, dict]:
    """One forward and backward pass: the loss and the parameter gradients."""
    if not isinstance(crit, CTCLoss):
        raise TypeError(f"crit must be a lessonpkg CTCLoss, got {type(crit).__name__}")
    log_probs, cache = ctc_log_probs(model, x, lengths)
    loss, ctc_cache = crit.forward(log_probs, targets, lengths, target_lengths)
    g = crit.backward(ctc_cache)  # (T, N, C), torch's convention: rows sum to 0
    dz = g - np.exp(log_probs) * g.sum(axis=2, keepdims=True)  # back through log_softmax (g passes unchanged)
    _, grads = model.backward(dz.transpose(1, 2, 0), cache)  # (N, C, T)
    return float(loss), grads


def recognise(model: SequenceTagger, x: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """Best-path phoneme ids (blank 0 removed) for every sequence of the batch."""
    log_probs, _ = ctc_log_probs(model, x, lengths)
    return ctc_greedy_decode(log_probs, lengths, blank=0)


def collapse_frames(frame_ids: np.ndarray, silence: int = 0) -> np.ndarray:
    """Turn per-frame labels (T,) into a label sequence: merge runs of one label, drop ``silence``."""
    f = check_int_array(frame_ids, "frame_ids")
    if f.ndim != 1 or f.size == 0:
        raise ValueError(f"frame_ids must have shape (T,) with T >= 1, one label per frame, got {f.shape}")
    keep = np.concatenate([[True], f[1:] != f[:-1]]) & (f != silence)
    return f[keep].astype(np.int64)


def train_ctc(model: SequenceTagger, optimizer, x: np.ndarray, lengths: np.ndarray, targets: np.ndarray,
              target_lengths: np.ndarray, *, epochs: int, batch_size: int = 32,
              rng: np.random.Generator | int | None = None, val: tuple | None = None,
              clip: float | None = 5.0, progress: Callable | None = None) -> dict[str, np.ndarray]:
    """Train ``model`` in place with CTC on shuffled minibatches; return the per-epoch history.

    Parameters
    ----------
    model : SequenceTagger with C outputs, blank = 0
    optimizer : a lessonpkg optimizer built on ``model.params``
    x : (N, T, D) padded features; lengths : (N,)
    targets : (N, S) padded label ids in 1..C-1; target_lengths : (N,)
    epochs, batch_size : int
    rng : shuffles the examples every epoch
    val : (x, lengths, targets, target_lengths) or None
        Scored (mean CTC loss and phoneme error rate) before training and after every epoch.
    clip : float or None
        Clip the global gradient norm to this value.
    progress : callable or None, wraps the epochs (e.g. tqdm)

    Returns
    -------
    dict of (epochs + 1,) arrays: "epoch", "train_loss" (mean over the epoch's batches; at epoch 0 the
    loss of the untrained model) and, with ``val``, "val_loss" and "val_per".
    """
    from lessonpkg.nn.utils.clip_grad import clip_grad_norm_

    epochs = check_positive_int(epochs, "epochs", allow_zero=True)
    check_optimizer(optimizer)
    x, lengths, targets, target_lengths = (np.asarray(a) for a in (x, lengths, targets, target_lengths))
    gen = as_rng(rng)
    crit = CTCLoss(blank=0, reduction="mean", zero_infinity=False)
    history: dict[str, list] = {"epoch": [], "train_loss": []}
    if val is not None:
        history.update(val_loss=[], val_per=[])

    def score_val() -> None:
        xv, lv, tv, tlv = val
        lp, _ = ctc_log_probs(model, xv, lv)
        history["val_loss"].append(float(crit.forward(lp, tv, lv, tlv)[0]))
        hyps = ctc_greedy_decode(lp, lv)
        history["val_per"].append(error_rate(hyps, [t[:n] for t, n in zip(tv, tlv)]))

    history["epoch"].append(0)
    lp0, _ = ctc_log_probs(model, x, lengths)
    history["train_loss"].append(float(crit.forward(lp0, targets, lengths, target_lengths)[0]))
    if val is not None:
        score_val()
    epoch_iter = range(1, epochs + 1)
    for epoch in (progress(epoch_iter) if progress is not None else epoch_iter):
        losses = []
        for idx in minibatches(x.shape[0], batch_size, gen):
            T = int(lengths[idx].max())
            S = max(int(target_lengths[idx].max()), 1)
            loss, grads = ctc_step(model, x[idx, :T], lengths[idx], targets[idx, :S], target_lengths[idx], crit)
            if clip is not None:
                clip_grad_norm_(grads, clip)
            optimizer.step(grads)
            losses.append(loss)
        history["epoch"].append(epoch)
        history["train_loss"].append(float(np.mean(losses)))
        if val is not None:
            score_val()
    return {k: np.asarray(v) for k, v in history.items()}


def stack_frames(x: np.ndarray, context: int) -> np.ndarray:
    """Each frame of x (T, D) with its ``context`` neighbours on either side: (T, (2 context + 1) D), edges repeated."""
    x = check_array(x, "x")
    context = check_positive_int(context, "context", allow_zero=True)
    if x.ndim != 2 or 0 in x.shape:
        raise ValueError(f"x must have shape (T, D) with T, D >= 1, got {x.shape}")
    padded = np.pad(x, ((context, context), (0, 0)), mode="edge")
    return np.concatenate([padded[i:i + len(x)] for i in range(2 * context + 1)], axis=1)
