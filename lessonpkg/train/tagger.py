"""Train a per-step classifier, a recurrent layer plus a Linear head, with full or truncated BPTT.

The model reads a sequence and predicts one class at every step::

    out, h_n, _ = rnn.forward(x)        # (T, N, H)
    logits, _ = head.forward(out)       # (T, N, C), scored by cross-entropy against y (T, N)

``tagger_update`` trains it on one batch of sequences. With ``chunk_len=None``
the whole sequence is one chunk: full backpropagation through time. With
``chunk_len=k`` the batch is cut into chunks of k steps; the state flows from
chunk to chunk, the gradient stops at every chunk's start, and the optimizer
steps once per chunk (``lp.TruncatedBPTT``). Everything else is the same, so the
two can be compared with nothing but the truncation changed.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import as_rng, check_array, check_positive_int
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.loss import CrossEntropyLoss
from lessonpkg.nn.recurrent import RecurrentBase
from lessonpkg.train.loop import minibatches
from lessonpkg.train.tbptt import TruncatedBPTT


def tagger_params(rnn: RecurrentBase, head: Linear) -> dict[str, np.ndarray]:
    """Every parameter of the model, keyed ``"rnn.<name>"`` and ``"head.<name>"`` (the arrays themselves, not copies).

    Build the optimizer on this dict, e.g. ``lp.Adam(lp.tagger_params(rnn, head), lr=1e-2)``, or on a
    part of it to train only that part.
    """
    _check_model(rnn, head)
    return {**{f"rnn.{k}": v for k, v in rnn.params.items()}, **{f"head.{k}": v for k, v in head.params.items()}}


def tagger_update(rnn: RecurrentBase, head: Linear, optimizer, x: np.ndarray, y: np.ndarray,
                  chunk_len: int | None = None, loss_fn: CrossEntropyLoss | None = None) -> list[float]:
    """Train on one batch of sequences, chunk by chunk, from a zero state; return each chunk's loss.

    Parameters
    ----------
    rnn, head : RNN, LSTM or GRU, and Linear(num_directions * H, C)
    optimizer : a lessonpkg optimizer on ``tagger_params(rnn, head)`` or on some of its entries
    x : (T, N, D) array ((N, T, D) if ``rnn.batch_first``)
    y : (T, N) int array ((N, T) if ``rnn.batch_first``) of classes, or ``loss_fn.ignore_index``
    chunk_len : int or None
        k, the steps per chunk; None means T (full BPTT, one update).
    loss_fn : CrossEntropyLoss with reduction="mean", default ``CrossEntropyLoss()``

    Returns
    -------
    list of float, the mean loss of every chunk that had a target (chunks without one are skipped)
    """
    crit = _check_loss(loss_fn)
    x, y = _check_data(rnn, head, x, y, "x", "y")
    grads_for = _optimizer_keys(rnn, head, optimizer)
    T = x.shape[1 if rnn.batch_first else 0]
    tbptt = TruncatedBPTT(rnn, T if chunk_len is None else check_positive_int(chunk_len, "chunk_len"))
    losses = []
    for x_chunk, y_chunk in tbptt.chunks(x, y):
        out, cache = tbptt.forward(x_chunk)  # (k, N, H), from the state the previous chunk left
        logits, head_cache = head.forward(out)  # (k, N, C)
        if np.all(y_chunk == crit.ignore_index):
            continue  # nothing to learn from this chunk; its final state still flows on
        C = logits.shape[-1]
        loss, loss_cache = crit.forward(logits.reshape(-1, C), y_chunk.reshape(-1))
        dlogits = crit.backward(loss_cache).reshape(logits.shape)  # (k, N, C)
        dout, head_grads = head.backward(dlogits, head_cache)  # (k, N, H)
        _dx, rnn_grads = tbptt.backward(dout, cache)  # stops at the chunk's first step
        grads = {**{f"rnn.{k}": g for k, g in rnn_grads.items()}, **{f"head.{k}": g for k, g in head_grads.items()}}
        optimizer.step({k: grads[k] for k in grads_for})  # one update per chunk
        losses.append(float(loss))
    return losses


def tagger_evaluate(rnn: RecurrentBase, head: Linear, x: np.ndarray, y: np.ndarray,
                    loss_fn: CrossEntropyLoss | None = None) -> tuple[float, float]:
    """Return ``(loss, accuracy)`` over the counted targets, running each whole sequence from a zero state."""
    crit = _check_loss(loss_fn)
    x, y = _check_data(rnn, head, x, y, "x", "y")
    out, _, _ = rnn.forward(x)
    logits, _ = head.forward(out)  # (T, N, C)
    C = logits.shape[-1]
    loss, _ = crit.forward(logits.reshape(-1, C), y.reshape(-1))
    counted = y != crit.ignore_index
    accuracy = np.mean(logits.argmax(axis=-1)[counted] == y[counted])
    return float(loss), float(accuracy)


def train_tagger(rnn: RecurrentBase, head: Linear, optimizer, x: np.ndarray, y: np.ndarray, *, epochs: int,
                 chunk_len: int | None = None, batch_size: int | None = None,
                 rng: np.random.Generator | int | None = None, x_val: np.ndarray | None = None,
                 y_val: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Train with ``tagger_update`` on shuffled minibatches of sequences; return the history.

    Parameters
    ----------
    rnn, head, optimizer, x, y, chunk_len : as in ``tagger_update``
    epochs : int
        Passes over the N training sequences.
    batch_size : int or None
        Sequences per batch; None means all of them.
    rng : numpy.random.Generator, int or None
        Shuffles the sequences at every epoch.
    x_val, y_val : arrays like x and y, optional
        Held-out sequences, scored after every epoch.

    Returns
    -------
    dict of (epochs + 1,) arrays
        ``"epoch"``, ``"updates"`` (optimizer steps so far), ``"train_loss"`` and ``"train_accuracy"``
        (and ``"val_loss"``, ``"val_accuracy"``), measured before training and after every epoch
        with ``tagger_evaluate``.
    """
    x, y = _check_data(rnn, head, x, y, "x", "y")
    if (x_val is None) != (y_val is None):
        raise ValueError("x_val and y_val must be given together")
    if x_val is not None:
        x_val, y_val = _check_data(rnn, head, x_val, y_val, "x_val", "y_val")
    _optimizer_keys(rnn, head, optimizer)
    epochs = check_positive_int(epochs, "epochs", allow_zero=True)
    axis = 0 if rnn.batch_first else 1
    gen = as_rng(rng)
    history: dict[str, list] = {"epoch": [], "updates": [], "train_loss": [], "train_accuracy": []}
    if x_val is not None:
        history.update(val_loss=[], val_accuracy=[])
    updates = 0
    for epoch in range(epochs + 1):
        if epoch > 0:
            for idx in minibatches(x.shape[axis], batch_size, gen):
                updates += len(tagger_update(rnn, head, optimizer, x.take(idx, axis), y.take(idx, axis), chunk_len))
        history["epoch"].append(epoch)
        history["updates"].append(updates)
        for split, (xs, ys) in {"train": (x, y), "val": (x_val, y_val)}.items():
            if xs is not None:
                loss, accuracy = tagger_evaluate(rnn, head, xs, ys)
                history[f"{split}_loss"].append(loss)
                history[f"{split}_accuracy"].append(accuracy)
    return {k: np.asarray(v) for k, v in history.items()}


# -- checks ------------------------------------------------------------------------------------------
def _check_model(rnn, head) -> None:
    if not isinstance(rnn, RecurrentBase):
        raise TypeError(f"rnn must be a lessonpkg RNN, LSTM or GRU, got {type(rnn).__name__}")
    if not isinstance(head, Linear):
        raise TypeError(f"head must be a lessonpkg Linear, got {type(head).__name__}")
    features = rnn.num_directions * rnn.hidden_size
    if head.in_features != features:
        raise ValueError(f"head must have in_features={features} (num_directions * hidden_size of rnn), "
                         f"got {head.in_features}")


def _check_loss(loss_fn) -> CrossEntropyLoss:
    crit = CrossEntropyLoss() if loss_fn is None else loss_fn
    if not isinstance(crit, CrossEntropyLoss) or crit.reduction != "mean":
        raise TypeError(f"loss_fn must be a CrossEntropyLoss with reduction='mean', got {crit!r}")
    return crit


def _check_data(rnn, head, x, y, xname: str, yname: str) -> tuple[np.ndarray, np.ndarray]:
    _check_model(rnn, head)
    x = check_array(x, xname, dtype=rnn.dtype)
    if x.ndim != 3:
        layout = "(N, T, D)" if rnn.batch_first else "(T, N, D)"
        raise ValueError(f"{xname} must have shape {layout}, a batch of sequences, got {x.shape}")
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(f"{yname} must hold integer classes, got dtype {y.dtype}")
    if y.shape != x.shape[:2]:
        raise ValueError(f"{yname} must have shape {x.shape[:2]}, one class per step of {xname}, got {y.shape}")
    return x, y


def _optimizer_keys(rnn, head, optimizer) -> list[str]:
    """The keys of ``tagger_params`` the optimizer updates; it must hold those very arrays."""
    params = getattr(optimizer, "params", None)
    if not hasattr(optimizer, "step") or not isinstance(params, dict):
        raise TypeError(f"optimizer must be a lessonpkg optimizer, got {type(optimizer).__name__}")
    model = tagger_params(rnn, head)
    foreign = [k for k, p in params.items() if k not in model or model[k] is not p]
    if foreign or not params:
        raise ValueError(f"optimizer must be built on tagger_params(rnn, head) or part of it; keys not found there "
                         f"(or other arrays): {foreign}")
    return list(params)
