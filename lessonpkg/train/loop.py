"""The training loop of a feed-forward model: minibatches, forward, loss, backward, optimizer step.

Backpropagation (``model.backward``) only computes gradients; the optimizer's
``step`` is what changes the parameters. ``fit`` makes that split visible and
records the cost of training in three units: epochs (passes over the data),
updates (one gradient evaluation and one step each) and examples (the
per-example gradients summed into those updates).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from lessonpkg._validate import as_rng, check_array, check_positive_int
from lessonpkg.nn.module import Module


def minibatches(n: int, batch_size: int | None, rng: np.random.Generator | int | None = None) -> Iterator[np.ndarray]:
    """Yield the indices of one epoch: a random permutation of ``range(n)`` cut into batches.

    The last batch is smaller when ``batch_size`` does not divide ``n``.
    ``batch_size=None`` (or ``>= n``) gives one batch holding every index in
    order: full-batch gradient descent.

    Parameters
    ----------
    n : int
        Number of examples.
    batch_size : int or None
    rng : numpy.random.Generator, int or None
        Draws the permutation.

    Yields
    ------
    ndarray of int64, shape (B,)
    """
    n = check_positive_int(n, "n")
    if batch_size is None or check_positive_int(batch_size, "batch_size") >= n:
        yield np.arange(n)
        return
    order = as_rng(rng).permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def evaluate_loss(model: Module, loss_fn, x: np.ndarray, y: np.ndarray) -> float:
    """Return ``loss_fn(model(x), y)`` as a float, without computing any gradient."""
    out, _ = model.forward(x)
    loss, _ = loss_fn.forward(out, y)
    return float(loss)


def fit(
    model: Module,
    loss_fn,
    optimizer,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int | None = None,
    rng: np.random.Generator | int | None = None,
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Train ``model`` in place by minibatch gradient descent and return the loss history.

    Each update runs ``out, cache = model.forward(xb)``, ``loss_fn.forward(out, yb)``,
    ``dout = loss_fn.backward(loss_cache)``, ``model.backward(dout, cache)`` and
    ``optimizer.step(grads)``. ``loss_fn`` must average over the batch
    (``reduction="mean"``), so that every update follows an estimate of the
    gradient of the mean training loss.

    Parameters
    ----------
    model : Module
        Maps x (N, D) to the loss's input, e.g. logits (N, C).
    loss_fn : a lessonpkg loss, e.g. ``CrossEntropyLoss()``
    optimizer : a lessonpkg optimizer built on ``model.params``
    x : ndarray of shape (N, D)
    y : ndarray of shape (N,) (class indices) or like the model's output (regression targets)
    epochs : int
        Passes over the data.
    batch_size : int or None
        None means the full batch (gradient descent).
    rng : numpy.random.Generator, int or None
        Shuffles the data at the start of every epoch.
    x_val, y_val : ndarrays, optional
        Held-out data whose loss is recorded too.

    Returns
    -------
    dict of (epochs + 1,) arrays
        ``"epoch"``, ``"updates"`` and ``"examples"`` (the cost so far) and
        ``"train_loss"`` (and ``"val_loss"``): the loss on the whole set,
        measured before training and after every epoch.
    """
    if not isinstance(model, Module):
        raise TypeError(f"model must be a lessonpkg Module, got {type(model).__name__}")
    if getattr(loss_fn, "reduction", None) != "mean":
        raise ValueError(f"loss_fn must average over the batch (reduction='mean'), got {loss_fn!r}")
    if not hasattr(optimizer, "step") or getattr(optimizer, "params", None) is None:
        raise TypeError(f"optimizer must be a lessonpkg optimizer, got {type(optimizer).__name__}")
    foreign = [k for k, p in optimizer.params.items() if all(p is not q for q in model.params.values())]
    if foreign or len(optimizer.params) != len(model.params):
        raise ValueError("optimizer must be built on model.params (e.g. lp.SGD(model.params, lr=0.1))")
    x = check_array(x, "x")
    y = np.asarray(y)
    if x.ndim < 1 or y.ndim < 1 or x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must hold the same number of examples on axis 0, got {x.shape} and {y.shape}")
    if (x_val is None) != (y_val is None):
        raise ValueError("x_val and y_val must be given together")
    epochs = check_positive_int(epochs, "epochs", allow_zero=True)
    gen = as_rng(rng)
    n = x.shape[0]

    history = {"epoch": [0], "updates": [0], "examples": [0], "train_loss": [evaluate_loss(model, loss_fn, x, y)]}
    if x_val is not None:
        history["val_loss"] = [evaluate_loss(model, loss_fn, x_val, y_val)]
    updates = examples = 0
    for epoch in range(1, epochs + 1):
        for idx in minibatches(n, batch_size, gen):
            out, cache = model.forward(x[idx])  # forward pass
            _, loss_cache = loss_fn.forward(out, y[idx])  # mean loss over the batch
            _, grads = model.backward(loss_fn.backward(loss_cache), cache)  # backpropagation: gradients only
            optimizer.step(grads)  # the update: p -= lr * dL/dp for SGD
            updates, examples = updates + 1, examples + idx.size
        history["epoch"].append(epoch)
        history["updates"].append(updates)
        history["examples"].append(examples)
        history["train_loss"].append(evaluate_loss(model, loss_fn, x, y))
        if x_val is not None:
            history["val_loss"].append(evaluate_loss(model, loss_fn, x_val, y_val))
    return {k: np.asarray(v) for k, v in history.items()}
