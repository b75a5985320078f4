"""Train and evaluate a classifier of padded, variable-length sequences: loss, accuracy and the history of both.

The model is anything with ``logits, cache = model.forward(x, lengths=lengths)``
and ``model.backward(dlogits, cache)``, such as ``SequenceClassifier``; with
``lengths=None`` a plain feed-forward model (a ``Linear`` on bag-of-words
counts) trains through the same loop, so every model of a comparison sees the
same batches, optimizer steps and measurements.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lessonpkg._validate import as_rng, check_dtype_arg, check_int_array, check_optimizer, check_positive_int
from lessonpkg.nn.loss import CrossEntropyLoss
from lessonpkg.nn.module import Module
from lessonpkg.train.loop import minibatches


def one_hot_ids(ids: np.ndarray, num_classes: int, dtype=np.float64) -> np.ndarray:
    """Turn token indices (N, T) into one-hot rows (N, T, V); index 0 (``<pad>``) becomes a row of zeros."""
    ids = check_int_array(ids, "ids", low=0, high=check_positive_int(num_classes, "num_classes"))
    table = np.eye(num_classes, dtype=check_dtype_arg(dtype))
    table[0] = 0.0
    return table[ids]


def _logits(model: Module, x: np.ndarray, lengths) -> tuple[np.ndarray, tuple]:
    if not isinstance(model, Module):
        raise TypeError(f"model must be a lessonpkg Module, got {type(model).__name__}")
    return model.forward(x) if lengths is None else model.forward(x, lengths=lengths)


def _check(model, x, y, lengths) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    if not isinstance(model, Module):
        raise TypeError(f"model must be a lessonpkg Module, got {type(model).__name__}")
    x = np.asarray(x)
    y = check_int_array(y, "y", low=0)
    if y.ndim != 1 or x.ndim < 2 or x.shape[0] != y.shape[0]:
        raise ValueError(f"x (N, ...) and y (N,) must hold the same number of examples, got {x.shape} and {y.shape}")
    if lengths is not None:
        lengths = check_int_array(lengths, "lengths", low=1)
        if lengths.shape != y.shape:
            raise ValueError(f"lengths must have shape {y.shape} like y, got {lengths.shape}")
    return x, y, lengths


def classifier_scores(model: Module, x: np.ndarray, y: np.ndarray, lengths=None) -> tuple[float, float]:
    """Return the mean cross-entropy and the accuracy of ``model`` on (x, y), without computing gradients.

    Parameters
    ----------
    model : Module mapping x (and lengths) to logits (N, C)
    x : (N, T, D) padded sequences, or (N, D) features when ``lengths`` is None
    y : int array (N,) of classes
    lengths : int array (N,) or None

    Returns
    -------
    loss, accuracy : float, float
    """
    x, y, lengths = _check(model, x, y, lengths)
    logits, _ = _logits(model, x, lengths)
    loss, _ = CrossEntropyLoss().forward(logits, y)
    return float(loss), float(np.mean(logits.argmax(axis=1) == y))


def predict_classes(model: Module, x: np.ndarray, lengths=None) -> np.ndarray:
    """The class of largest logit for every example: int64 (N,)."""
    logits, _ = _logits(model, np.asarray(x), None if lengths is None else np.asarray(lengths))
    return logits.argmax(axis=1)


def train_classifier(model: Module, optimizer, x: np.ndarray, y: np.ndarray, lengths=None, *, epochs: int,
                     batch_size: int | None = None, rng: np.random.Generator | int | None = None,
                     val: tuple | None = None, progress: Callable | None = None) -> dict[str, np.ndarray]:
    """Train ``model`` in place on shuffled minibatches with cross-entropy; return the loss and accuracy history.

    Each update runs ``logits = model.forward(xb, lengths=lb)``, the mean
    cross-entropy against ``yb``, ``model.backward`` and ``optimizer.step``.

    Parameters
    ----------
    model : Module mapping x (and lengths) to logits (N, C)
    optimizer : a lessonpkg optimizer built on ``model.params``
    x, y, lengths : as in ``classifier_scores``
    epochs : int
    batch_size : int or None
        None means the full batch.
    rng : numpy.random.Generator, int or None
        Shuffles the examples at every epoch.
    val : (x_val, y_val, lengths_val) or None
        Held-out data, scored before training and after every epoch.
    progress : callable or None
        Wraps the iterable of epochs, e.g. ``tqdm.tqdm``, to show a progress bar.

    Returns
    -------
    dict of (epochs + 1,) arrays
        ``"epoch"``, ``"train_loss"`` and ``"train_acc"`` (on the whole training set, before training and after
        every epoch), and ``"val_loss"``, ``"val_acc"`` when ``val`` is given.
    """
    x, y, lengths = _check(model, x, y, lengths)
    epochs = check_positive_int(epochs, "epochs", allow_zero=True)
    check_optimizer(optimizer)
    if val is not None and (not isinstance(val, tuple) or len(val) != 3):
        raise TypeError("val must be a tuple (x_val, y_val, lengths_val) of held-out data")
    gen = as_rng(rng)
    crit = CrossEntropyLoss()
    keys = ["epoch", "train_loss", "train_acc"] + (["val_loss", "val_acc"] if val is not None else [])
    history: dict[str, list] = {k: [] for k in keys}

    def record(epoch: int) -> None:
        history["epoch"].append(epoch)
        for name, data in [("train", (x, y, lengths))] + ([("val", val)] if val is not None else []):
            loss, acc = classifier_scores(model, *data)
            history[f"{name}_loss"].append(loss)
            history[f"{name}_acc"].append(acc)

    record(0)
    epoch_iter = range(1, epochs + 1)
    for epoch in (progress(epoch_iter) if progress is not None else epoch_iter):
        for idx in minibatches(x.shape[0], batch_size, gen):
            logits, cache = _logits(model, x[idx], None if lengths is None else lengths[idx])  # (B, C)
            _, loss_cache = crit.forward(logits, y[idx])
            _, grads = model.backward(crit.backward(loss_cache), cache)
            optimizer.step(grads)
        record(epoch)
    return {k: np.asarray(v) for k, v in history.items()}
