"""Measure a model on a data set: the mean loss over every counted target, and metrics, without gradients.

A batch's loss is a mean (``reduction="mean"``) over some number of terms: the targets that are not
``ignore_index`` for ``CrossEntropyLoss``, the sequences for ``CTCLoss``, the entries for the other
losses. The loss over the whole data set weights every batch by that number, so it does not depend on
how the data is cut into batches. A metric returns a pair ``(total, count)`` for a batch, e.g. the
number of correct predictions and the number of predictions; ``evaluate`` reports ``sum(total) /
sum(count)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from lessonpkg.nn.ctc import CTCLoss
from lessonpkg.nn.loss import CrossEntropyLoss
from lessonpkg.nn.module import Module
from lessonpkg.train.data import as_batches

Metric = Callable[..., tuple[float, float]]


def count_terms(loss_fn, targets: tuple) -> float:
    """The number of terms ``loss_fn``'s mean averages over for ``targets``, a batch's target tuple.

    ``CrossEntropyLoss``: the targets that are not ``ignore_index`` (their total class weight if it has
    ``weight``); ``CTCLoss``: the N sequences; any other loss: the entries of the target.
    """
    target = np.asarray(targets[0])
    if isinstance(loss_fn, CTCLoss):
        return float(target.shape[0])
    if isinstance(loss_fn, CrossEntropyLoss):
        keep = target != loss_fn.ignore_index
        if loss_fn.weight is None:
            return float(np.sum(keep))
        return float(np.sum(loss_fn.weight[np.where(keep, target, 0)] * keep))
    return float(target.size)


def accuracy(scores: np.ndarray, target: np.ndarray) -> tuple[int, int]:
    """The number of correct predictions and of counted targets: ``scores.argmax(axis=1) == target``.

    Parameters
    ----------
    scores : (N, C), or (N, C, T) and similar: classes on axis 1, as ``CrossEntropyLoss`` reads them
    target : int array of the shape of ``scores`` without axis 1; entries equal to -100
        (``CrossEntropyLoss``'s default ``ignore_index``) are not counted.

    Returns
    -------
    correct, counted : int, int
    """
    target = np.asarray(target)
    counted = target != -100
    correct = (np.asarray(scores).argmax(axis=1) == target) & counted
    return int(correct.sum()), int(counted.sum())


def check_model_and_loss(model, loss_fn) -> None:
    """``model`` must be a lessonpkg Module and ``loss_fn`` a lessonpkg loss with ``reduction="mean"``."""
    if not isinstance(model, Module):
        raise TypeError(f"model must be a lessonpkg Module, got {type(model).__name__}")
    if not callable(getattr(loss_fn, "forward", None)) or not callable(getattr(loss_fn, "backward", None)):
        raise TypeError(f"loss_fn must be a lessonpkg loss such as CrossEntropyLoss(), got {type(loss_fn).__name__}")
    if getattr(loss_fn, "reduction", None) != "mean":
        raise ValueError(f"loss_fn must average over the batch (reduction='mean'), got {loss_fn!r}")


def check_metrics(metrics) -> dict[str, Metric]:
    """``metrics`` as a dict of name -> callable; None gives no metrics."""
    if metrics is None:
        return {}
    if not isinstance(metrics, Mapping) or not all(isinstance(k, str) and callable(f) for k, f in metrics.items()):
        raise TypeError("metrics must be a dict of name -> function(out, *targets) returning (total, count), "
                        f"e.g. {{'accuracy': lp.train.accuracy}}, got {type(metrics).__name__}")
    if "loss" in metrics:
        raise ValueError("metrics must not be named 'loss': that name is the loss's")
    return dict(metrics)


def evaluate(model: Module, loss_fn, data, *, batch_size: int | None = None,
             metrics: Mapping[str, Metric] | None = None) -> dict[str, float]:
    """Return the mean loss of ``model`` on ``data`` and its metrics, computing no gradient.

    ``data`` is read in order, ``data.batches(batch_size, None)``; each batch runs
    ``out, _ = model.forward(*inputs)`` and ``loss_fn.forward(out, *targets)``. The
    loss is the mean over all counted terms (``count_terms``): with losses ``l_b`` over
    ``n_b`` terms, ``sum(l_b * n_b) / sum(n_b)``, or ``l_0`` itself when there is a
    single batch. A batch with nothing to count (only ``ignore_index`` targets) is skipped.

    Parameters
    ----------
    model : Module
    loss_fn : a lessonpkg loss with ``reduction="mean"``, e.g. ``CrossEntropyLoss()``
    data : tuple ``(*inputs, target)`` of arrays with N on axis 0, or an object with ``batches``
        (see ``lessonpkg.train.data``)
    batch_size : int or None
        None reads the data as one batch (or as the data object cuts it).
    metrics : dict of name -> function(out, *targets) -> (total, count), optional
        E.g. ``{"accuracy": lp.train.accuracy}``.

    Returns
    -------
    dict of float
        ``"loss"`` and one entry per metric name.
    """
    check_model_and_loss(model, loss_fn)
    metrics = check_metrics(metrics)
    losses, counts = [], []
    totals = {name: [0.0, 0.0] for name in metrics}
    for inputs, targets in as_batches(data, "data").batches(batch_size, None):
        out, _ = model.forward(*inputs)
        n = count_terms(loss_fn, targets)
        if n == 0:
            continue  # nothing to score in this batch (e.g. a chunk of padding)
        loss, _ = loss_fn.forward(out, *targets)
        losses.append(float(loss))
        counts.append(n)
        for name, metric in metrics.items():
            total, count = metric(out, *targets)
            totals[name][0] += total
            totals[name][1] += count
    if not losses:
        raise ValueError("data must hold at least one target to score, got only ignored targets")
    mean = losses[0] if len(losses) == 1 else sum(loss * n for loss, n in zip(losses, counts)) / sum(counts)
    empty = [name for name, (_, count) in totals.items() if count == 0]
    if empty:
        raise ValueError(f"metrics {empty} counted nothing on this data (a count of 0), so they have no value")
    return {"loss": mean, **{name: total / count for name, (total, count) in totals.items()}}
