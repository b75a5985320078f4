"""The training loop of every model in the book: batches, forward, loss, backward, clipping, optimizer step.

Backpropagation (``model.backward``) only computes gradients; the optimizer's
``step`` is what changes the parameters. ``fit`` makes that split visible, and
measures the model after every epoch with ``evaluate``, on the training data and
on the validation data, so that the two curves of the history are comparable.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
from tqdm import tqdm

from lessonpkg._validate import as_rng, check_int, check_optimizer, check_real
from lessonpkg.nn.module import Module
from lessonpkg.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from lessonpkg.train.data import as_batches
from lessonpkg.train.evaluate import Metric, check_metrics, check_model_and_loss, count_terms, evaluate


def fit(
    model: Module,
    loss_fn,
    optimizer,
    train,
    *,
    epochs: int,
    batch_size: int | None = None,
    val=None,
    metrics: Mapping[str, Metric] | None = None,
    clip_grad_norm: float | None = None,
    clip_grad_value: float | None = None,
    early_stopping=None,
    progress: bool | str = False,
    rng: np.random.Generator | int | None = None,
) -> dict[str, np.ndarray]:
    """Train ``model`` in place by minibatch gradient descent and return its history.

    Each update runs ``out, cache = model.forward(*inputs)``, ``loss_fn.forward(out, *targets)``,
    ``model.backward``, ``clip_grad_norm_`` and ``optimizer.step``. ``loss_fn`` must average over
    the batch (``reduction="mean"``), so that every update follows an estimate of the gradient of
    the mean training loss. A batch with nothing to score (only ``ignore_index`` targets) is
    run forward, so that a carried state moves on, but takes no update.

    Parameters
    ----------
    model : Module
        ``forward(*inputs) -> (out, cache)`` and ``backward(dout, cache) -> (dinputs, grads)``.
    loss_fn : a lessonpkg loss with ``reduction="mean"``, e.g. ``CrossEntropyLoss()``
    optimizer : a lessonpkg optimizer built on ``model.params``, or on part of it (the rest is frozen)
    train : tuple ``(*inputs, target)`` of arrays with the N examples on axis 0, e.g. ``(x, y)`` or
        ``(x, lengths, y)``; or an object whose ``batches(batch_size, rng)`` yields ``(inputs, targets)``
        tuples, such as ``lp.train.Chunks`` (see ``lessonpkg.train.data``)
    epochs : int
        Passes over the training data.
    batch_size : int or None
        Examples per update; None means the full batch (gradient descent).
    val : held-out data like ``train``, optional
        Measured before training and after every epoch.
    metrics : dict of name -> function(out, *targets) -> (total, count), optional
        Measured like the loss, e.g. ``{"accuracy": lp.train.accuracy}``.
    clip_grad_norm : float, optional
        Rescale the gradients whose total norm exceeds it (``clip_grad_norm_``).
    clip_grad_value : float, optional
        Clip every gradient entry to [-clip_grad_value, clip_grad_value] (``clip_grad_value_``).
    early_stopping : EarlyStopping, optional
        Given each epoch's validation loss; training stops when it says so, and the parameters of
        the best epoch are restored at the end (the history keeps the last epoch's numbers).
    progress : bool or str
        Show a tqdm progress bar over the epochs; a string is its description.
    rng : numpy.random.Generator, int or None
        Shuffles the training data at every epoch.

    Returns
    -------
    dict of (E + 1,) arrays, one entry before training and one after each of the E epochs run
        ``"epoch"``; ``"updates"`` (optimizer steps so far); ``"train_loss"`` and ``"val_loss"``
        (``evaluate`` on ``train`` and ``val``), and ``"train_<name>"``, ``"val_<name>"`` for every
        metric; ``"grad_norm"``: the largest gradient norm of the epoch's updates, before clipping
        (NaN at epoch 0). If a number overflows (inf or NaN) during an update, training stops
        before that update, with a warning, and ``"diverged_at"`` holds the number of updates taken.
    """
    train, val, metrics, epochs, max_norm, gen = _check_args(model, loss_fn, optimizer, train, val, metrics, epochs,
        clip_grad_norm, clip_grad_value, early_stopping, progress, rng)

    history: dict[str, list] = {"epoch": [], "updates": []}

    def record(epoch: int, updates: int, grad_norm: float) -> None:
        history["epoch"].append(epoch)
        history["updates"].append(updates)
        for split, data in (("train", train), ("val", val)):
            if data is not None:
                for name, value in evaluate(model, loss_fn, data, metrics=metrics).items():
                    history.setdefault(f"{split}_{name}", []).append(value)
        history.setdefault("grad_norm", []).append(grad_norm)

    record(0, 0, np.nan)
    updates = 0
    bar = tqdm(range(1, epochs + 1), desc=progress or None, disable=not progress)
    for epoch in bar:
        norms = []
        try:
            for inputs, targets in train.batches(batch_size, gen):
                with np.errstate(over="raise", invalid="raise"):  # an overflow raises FloatingPointError
                    out, cache = model.forward(*inputs)  # forward pass
                    if count_terms(loss_fn, targets) == 0:
                        continue  # nothing to score in this batch
                    _, loss_cache = loss_fn.forward(out, *targets)  # the mean loss over the batch
                    _, grads = model.backward(loss_fn.backward(loss_cache), cache)  # backpropagation: gradients only
                    grads = {k: g for k, g in grads.items() if k in optimizer.params}  # of the trained parameters
                    norm = clip_grad_norm_(grads, max_norm)  # the norm before clipping; rescaled in place if larger
                    if not np.isfinite(norm):
                        raise FloatingPointError("the gradient norm overflowed")
                if clip_grad_value is not None:
                    clip_grad_value_(grads, clip_grad_value)
                optimizer.step(grads)  # the update: p -= lr * grad for SGD
                updates += 1
                norms.append(norm)
        except FloatingPointError:
            warnings.warn(f"training stopped in epoch {epoch} after {updates} updates: a number overflowed",
                          RuntimeWarning, stacklevel=2)
            history["diverged_at"] = updates
            break
        record(epoch, updates, max(norms, default=np.nan))
        bar.set_postfix({k: f"{v[-1]:.4g}" for k, v in history.items() if k in ("train_loss", "val_loss")})
        if early_stopping is not None and early_stopping.step(history["val_loss"][-1], model.params):
            break
    if early_stopping is not None and early_stopping.best_params is not None:
        early_stopping.restore(model.params)
    return {k: np.asarray(v) for k, v in history.items()}


def _check_args(model, loss_fn, optimizer, train, val, metrics, epochs, clip_grad_norm, clip_grad_value,
                early_stopping, progress, rng) -> tuple:
    """Check ``fit``'s arguments; return the train and val batches, the metrics, epochs, the clipping norm and
    the random generator."""
    check_model_and_loss(model, loss_fn)
    _check_optimizer_on(optimizer, model)
    train = as_batches(train, "train")
    val = None if val is None else as_batches(val, "val")
    epochs = check_int(epochs, "epochs", low=0)
    max_norm = np.inf if clip_grad_norm is None else check_real(clip_grad_norm, "clip_grad_norm", low=0)
    if clip_grad_value is not None:
        check_real(clip_grad_value, "clip_grad_value", low=0)
    if early_stopping is not None and (val is None or not callable(getattr(early_stopping, "step", None))):
        raise ValueError("early_stopping must be an EarlyStopping, and needs val= to measure the validation loss")
    if not isinstance(progress, (bool, str)):
        raise TypeError(f"progress must be True, False or a description string, got {type(progress).__name__}")
    return train, val, check_metrics(metrics), epochs, max_norm, as_rng(rng)


def _check_optimizer_on(optimizer, model: Module) -> None:
    """The optimizer must hold arrays of ``model.params`` under the same names (all of them, or some)."""
    check_optimizer(optimizer)
    params = getattr(optimizer, "params", None)
    if not isinstance(params, Mapping) or not params:
        raise TypeError(f"optimizer must be a lessonpkg optimizer, got {type(optimizer).__name__}")
    foreign = [k for k, p in params.items() if model.params.get(k) is not p]
    if foreign:
        raise ValueError(f"optimizer must be built on model.params or part of it (e.g. lp.Adam(model.params)); "
                         f"these entries are not model.params' arrays: {foreign}")
