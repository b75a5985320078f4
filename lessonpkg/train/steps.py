"""Train a model that predicts a class at every step, on padded targets: taggers and caption decoders alike.

The model is called as ``logits, cache = model.forward(*inputs)`` with
logits (N, C, T), and is scored by the mean cross-entropy over the targets
(N, T) that are not ``ignore_index`` (the padding). ``inputs`` is a tuple of
arrays cut into the same minibatches along axis 0, e.g. ``(x, lengths)`` for
``lp.SequenceTagger`` or ``(images, tgt_in)`` for ``lp.ImageCaptioner``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lessonpkg._validate import as_rng, check_int_array, check_optimizer, check_positive_int
from lessonpkg.nn.loss import CrossEntropyLoss
from lessonpkg.nn.module import Module
from lessonpkg.train.loop import minibatches


def _check(model, inputs, target) -> tuple[tuple, np.ndarray]:
    if not isinstance(model, Module):
        raise TypeError(f"model must be a lessonpkg Module, got {type(model).__name__}")
    if not isinstance(inputs, tuple) or not inputs:
        raise TypeError("inputs must be a non-empty tuple of arrays, e.g. (x, lengths)")
    target = check_int_array(target, "target")
    if target.ndim != 2:
        raise ValueError(f"target must have shape (N, T), got {target.shape}")
    inputs = tuple(np.asarray(a) for a in inputs)
    for i, a in enumerate(inputs):
        if a.ndim == 0 or a.shape[0] != target.shape[0]:
            raise ValueError(f"inputs[{i}] must hold N={target.shape[0]} examples on axis 0 like target, got {a.shape}")
    return inputs, target


def step_loss(model: Module, inputs: tuple, target: np.ndarray, ignore_index: int = -100,
              batch_size: int = 512) -> float:
    """The mean cross-entropy over every counted target step, computed in batches, without gradients."""
    inputs, target = _check(model, inputs, target)
    batch_size = check_positive_int(batch_size, "batch_size")
    total, count = 0.0, 0
    crit = CrossEntropyLoss(ignore_index=ignore_index, reduction="sum")
    for start in range(0, target.shape[0], batch_size):
        part = slice(start, start + batch_size)
        logits, _ = model.forward(*(a[part] for a in inputs))  # (B, C, T)
        total += float(crit.forward(logits, target[part])[0])
        count += int(np.sum(target[part] != ignore_index))
    return total / count


def fit_steps(model: Module, optimizer, inputs: tuple, target: np.ndarray, *, epochs: int,
              batch_size: int | None = None, rng: np.random.Generator | int | None = None,
              val: tuple | None = None, ignore_index: int = -100,
              progress: Callable | None = None) -> dict[str, np.ndarray]:
    """Train ``model`` in place with minibatch steps of the mean per-step cross-entropy; return the loss history.

    Parameters
    ----------
    model : Module with ``forward(*inputs) -> (logits (N, C, T), cache)`` and ``backward(dlogits, cache)``
    optimizer : a lessonpkg optimizer built on ``model.params``
    inputs : tuple of arrays, each with N on axis 0
    target : int array (N, T) of classes, ``ignore_index`` where there is nothing to predict
    epochs : int
    batch_size : int or None
        None means the full batch.
    rng : numpy.random.Generator, int or None
        Shuffles the examples at every epoch.
    val : (inputs_val, target_val) or None
        Held-out data, scored before training and after every epoch.
    ignore_index : int
    progress : callable or None
        Wraps the iterable of epochs, e.g. ``tqdm.tqdm``.

    Returns
    -------
    dict of (epochs + 1,) arrays: ``"epoch"``, ``"train_loss"`` (and ``"val_loss"``)
    """
    inputs, target = _check(model, inputs, target)
    epochs = check_positive_int(epochs, "epochs", allow_zero=True)
    check_optimizer(optimizer)
    if val is not None:
        if not isinstance(val, tuple) or len(val) != 2:
            raise TypeError("val must be a tuple (inputs_val, target_val)")
        val = _check(model, *val)
    gen = as_rng(rng)
    crit = CrossEntropyLoss(ignore_index=ignore_index)
    history: dict[str, list] = {"epoch": [], "train_loss": []}
    if val is not None:
        history["val_loss"] = []

    def record(epoch: int) -> None:
        history["epoch"].append(epoch)
        history["train_loss"].append(step_loss(model, inputs, target, ignore_index))
        if val is not None:
            history["val_loss"].append(step_loss(model, *val, ignore_index))

    record(0)
    epoch_iter = range(1, epochs + 1)
    for epoch in (progress(epoch_iter) if progress is not None else epoch_iter):
        for idx in minibatches(target.shape[0], batch_size, gen):
            logits, cache = model.forward(*(a[idx] for a in inputs))  # (B, C, T)
            _, loss_cache = crit.forward(logits, target[idx])
            _, grads = model.backward(crit.backward(loss_cache), cache)
            optimizer.step(grads)
        record(epoch)
    return {k: np.asarray(v) for k, v in history.items()}
