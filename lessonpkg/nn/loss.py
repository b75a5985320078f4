"""Losses computed from raw scores, each next to its hand-written backward.

Each criterion takes torch's constructor arguments; ``loss, cache = crit.forward(input, target)`` then
``dinput = crit.backward(cache, dloss=None)``. With ``reduction="mean"`` or ``"sum"`` the loss is a scalar and
``dloss`` an optional scalar (default 1.0); with ``"none"`` the loss keeps one value per element and ``dloss``,
the upstream gradient, must have the loss's shape (default ones). Values and gradients are those of
``torch.nn.functional.cross_entropy``, ``mse_loss`` and ``binary_cross_entropy_with_logits``, with the
operations in the same order.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_array, check_int_array, check_real
from lessonpkg.nn.functional import log_softmax, sigmoid
from lessonpkg.nn.module import Cache, CacheOwner

_REDUCTIONS = ("mean", "sum", "none")


def _short(a: np.ndarray | None) -> str:
    return "None" if a is None else f"<array of shape {a.shape}>"


def _check_reduction(reduction) -> str:
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of 'mean', 'sum', 'none', got {reduction!r}")
    return reduction


def _check_weight(weight, name: str) -> np.ndarray | None:
    """A finite, non-negative float array, or None."""
    if weight is None:
        return None
    w = check_array(weight, name)
    if np.any(w < 0):
        raise ValueError(f"{name} must be >= 0 everywhere, got a minimum of {w.min()}")
    return w.copy()


def _check_same(x: np.ndarray, target, name: str = "target") -> np.ndarray:
    """A float target of exactly the input's shape and dtype, as torch's losses require."""
    t = check_array(target, name)
    if t.dtype != x.dtype:
        raise TypeError(f"{name} must have the input's dtype {x.dtype}, got {t.dtype}; use {name}.astype(np.{x.dtype})")
    if t.shape != x.shape:
        raise ValueError(f"{name} must have the input's shape {x.shape}, got {t.shape}")
    return t


def _check_broadcasts(w: np.ndarray | None, x: np.ndarray, name: str) -> np.ndarray | None:
    """``w`` cast to the input's dtype, after checking that it broadcasts to the input's shape unchanged."""
    if w is not None and (w.ndim > x.ndim or any(a not in (1, b) for a, b in zip(w.shape[::-1], x.shape[::-1]))):
        raise ValueError(f"{name} of shape {w.shape} must broadcast to the input's shape {x.shape}")
    return None if w is None else w.astype(x.dtype)


_EMPTY_MEAN = "reduction='mean' of an empty input divides by zero (torch returns nan); use reduction='sum' to get 0"


class _Loss(CacheOwner):
    """Shared reduction and upstream-gradient handling; ``backward`` takes only the cache of its own ``forward``."""

    def __init__(self, reduction: str = "mean") -> None:
        self.reduction = _check_reduction(reduction)

    def _reduce(self, elementwise: np.ndarray, denominator) -> np.ndarray:
        if self.reduction == "none":
            return elementwise
        total = elementwise.sum()
        return total / denominator if self.reduction == "mean" else total

    def _upstream(self, dloss, shape: tuple, dtype: np.dtype) -> np.ndarray:
        """``dloss`` as a checked array of the loss's ``shape``; ones when it is None."""
        if dloss is None:
            return np.ones(shape, dtype=dtype)
        if isinstance(dloss, (int, np.integer)) and not isinstance(dloss, bool):
            dloss = float(dloss)
        g = check_array(dloss, "dloss")
        if g.shape != shape:
            raise ValueError(f"dloss must have the loss's shape {shape} (reduction={self.reduction!r}), got {g.shape}")
        return g.astype(dtype, copy=False)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


class CrossEntropyLoss(_Loss):
    """Cross-entropy of integer class targets under the softmax of logits, as ``torch.nn.CrossEntropyLoss``.

    With ``logp = log_softmax(input, axis=1)`` (axis 0 for a single ``(C,)`` input), each target position
    ``i`` whose class ``y = target[i]`` is not ``ignore_index`` has the loss::

        loss[i] = (1 - label_smoothing) * (-weight[y] * logp[i, y])
                  + (label_smoothing / C) * (-sum_c weight[c] * logp[i, c])

    and an ignored position has loss 0 and gradient 0. ``weight`` is all ones when None. ``"sum"`` adds the
    ``loss[i]``; ``"mean"`` divides that sum by ``sum_i weight[target[i]]`` over the non-ignored positions,
    which is their count when ``weight`` is None. The gradient is ``dinput = dlogp - softmax * dlogp.sum(axis=1)``.

    When no target counts (every one equals ``ignore_index``, or the batch is empty, or their weights sum
    to 0), the mean is 0/0: torch returns nan there (with a zero gradient); this class raises a ValueError
    instead, because a nan loss hides its cause. ``reduction="sum"`` gives 0 in that case.

    Shapes are torch's: ``input`` (C,) with a scalar ``target``; (N, C) with (N,); (N, C, d1, ..., dk)
    with (N, d1, ..., dk); the loss for ``"none"`` has the target's shape. Recurrent code produces
    logits of shape (N, T, C) and targets (N, T). Pass the classes as axis 1, and turn the gradient back::

        loss, cache = crit.forward(logits.transpose(0, 2, 1), target)   # (N, C, T) with (N, T)
        dlogits = crit.backward(cache).transpose(0, 2, 1)                # (N, T, C)

    or flatten time into the batch: ``crit.forward(logits.reshape(N * T, C), target.reshape(N * T))`` and
    ``dlogits = dinput.reshape(N, T, C)``. Both give the same mean, over all non-ignored (n, t).

    Parameters
    ----------
    weight : ndarray of shape (C,), optional
        Non-negative weight of each class.
    ignore_index : int
        Target value that contributes nothing (e.g. the padding token). Default -100.
    reduction : {"mean", "sum", "none"}
    label_smoothing : float in [0, 1]
        Share of each target's mass spread uniformly over the C classes.
    """

    def __init__(self, weight: np.ndarray | None = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self.weight = _check_weight(weight, "weight")
        if self.weight is not None and self.weight.ndim != 1:
            raise ValueError(f"weight must have shape (C,), one entry per class, got {self.weight.shape}")
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
            raise TypeError(f"ignore_index must be an int, got {type(ignore_index).__name__}")
        self.ignore_index = int(ignore_index)
        self.label_smoothing = check_real(label_smoothing, "label_smoothing", low=0)
        if self.label_smoothing > 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")

    def _check_target(self, target, shape: tuple) -> np.ndarray:
        y = check_int_array(target, "target", hint="class indices (class-probability targets are not supported; "
                            "indices stored as floats need .astype(np.int64))")
        expected = () if len(shape) == 1 else (shape[0], *shape[2:])
        if y.shape != expected:
            spelled = "()" if len(shape) == 1 else "(N, d1, ...)" if len(shape) > 2 else "(N,)"
            hint = ""
            if len(shape) == 3 and y.shape == shape[:2]:
                hint = "; for (N, T, C) logits pass logits.transpose(0, 2, 1) (see CrossEntropyLoss's docstring)"
            raise ValueError(f"target must have shape {spelled} = {expected} for input of shape {shape}, "
                             f"got {y.shape}{hint}")
        y = y.astype(np.int64)
        n_classes = shape[0 if len(shape) == 1 else 1]
        bad = (y != self.ignore_index) & ((y < 0) | (y >= n_classes))
        if np.any(bad):
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            at = f" at position {where}" if where else ""
            raise ValueError(f"target must hold class indices in [0, {n_classes}) (C={n_classes}) or "
                             f"ignore_index={self.ignore_index}, got {y[where]}{at}")
        return y

    def forward(self, input: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, Cache]:
        """Return the loss and the cache that ``backward`` needs.

        Parameters
        ----------
        input : ndarray of shape (C,), (N, C) or (N, C, d1, ..., dk)
            Unnormalised scores (logits).
        target : int ndarray of shape (), (N,) or (N, d1, ..., dk)
            Class indices in [0, C), or ``ignore_index``.

        Returns
        -------
        loss : scalar, or ndarray of the target's shape for ``reduction="none"``
        cache : Cache
        """
        x = check_array(input, "input")
        if x.ndim == 0 or x.shape[0 if x.ndim == 1 else 1] == 0:
            raise ValueError(f"input must have shape (C,), (N, C) or (N, C, d1, ...) with C >= 1, got {x.shape}")
        axis = 0 if x.ndim == 1 else 1
        n_classes = x.shape[axis]
        y = self._check_target(target, x.shape)
        w = None if self.weight is None else self.weight.astype(x.dtype)
        if w is not None and w.shape != (n_classes,):
            raise ValueError(f"weight must have shape (C,) = ({n_classes},) for input {x.shape}, got {w.shape}")
        w_along = None if w is None else w.reshape([-1 if a == axis else 1 for a in range(x.ndim)])

        logp = log_softmax(x, axis=axis)                                      # input's shape
        keep = y != self.ignore_index                                         # target's shape
        safe = np.expand_dims(np.where(keep, y, 0), axis)                     # target's shape, 1 at axis
        picked = np.take_along_axis(logp, safe, axis=axis).squeeze(axis)      # logp[i, y_i]
        w_y = keep.astype(x.dtype) if w is None else np.where(keep, w[safe.squeeze(axis)], 0.0)
        total = w_y.sum()                                                     # the mean's denominator
        if self.reduction == "mean" and not total > 0:
            if y.size == 0:
                why = "the input has no positions"
            elif not keep.any():
                why = f"every target equals ignore_index={self.ignore_index}"
            else:
                why = "the weights of the non-ignored targets sum to 0"
            raise ValueError(f"reduction='mean' divides by the total weight of the targets, but {why} "
                             "(torch returns nan here); use reduction='sum' to get 0")

        loss = self._reduce(-w_y * picked, total)
        eps = self.label_smoothing
        if eps > 0:
            spread = -logp.sum(axis) if w is None else -(logp * w_along).sum(axis)
            loss = (1 - eps) * loss + self._reduce(np.where(keep, spread, 0.0), total) * (eps / n_classes)
        return loss, self.save_for_backward(logp=logp, safe=safe, keep=keep, w_y=w_y, w_along=w_along, total=total,
                                            axis=axis)

    def backward(self, cache: Cache, dloss: np.ndarray | float | None = None) -> np.ndarray:
        """Return ``dinput`` of the input's shape; ``dloss`` has the loss's shape (default 1), see the module."""
        logp, safe, keep, w_y, w_along, total, axis = self.check_cache(cache).values()  # in forward's order
        shape = keep.shape if self.reduction == "none" else ()
        g = np.broadcast_to(self._upstream(dloss, shape, logp.dtype), keep.shape)
        eps = self.label_smoothing
        n_classes = logp.shape[axis]
        g_nll = g * (1 - eps) if eps > 0 else g
        g_spread = g * (eps / n_classes)
        if self.reduction == "mean":
            g_nll, g_spread = g_nll / total, g_spread / total

        dlogp = np.zeros_like(logp)                                           # input's shape
        if eps > 0:
            g_spread = np.expand_dims(np.where(keep, g_spread, 0.0), axis)
            dlogp += -g_spread if w_along is None else -g_spread * w_along
        at_target = np.take_along_axis(dlogp, safe, axis=axis)
        np.put_along_axis(dlogp, safe, at_target + np.expand_dims(w_y * -g_nll, axis), axis=axis)
        return dlogp - np.exp(logp) * dlogp.sum(axis, keepdims=True)

    def extra_repr(self) -> str:
        return (f"weight={_short(self.weight)}, ignore_index={self.ignore_index}, reduction={self.reduction!r}, "
                f"label_smoothing={self.label_smoothing}")


class MSELoss(_Loss):
    """Mean squared error ``(input - target) ** 2``, reduced, as ``torch.nn.MSELoss``.

    The gradient is ``dinput = 2 * (input - target) * dloss``, divided by ``input.size`` for "mean".

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}
    """

    def forward(self, input: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, Cache]:
        """Return ``(loss, cache)`` for ``input`` and ``target`` of the same shape (*) and dtype."""
        x = check_array(input, "input")
        t = _check_same(x, target)
        if self.reduction == "mean" and x.size == 0:
            raise ValueError(_EMPTY_MEAN)
        diff = x - t                                                          # (*)
        return self._reduce(diff * diff, x.size), self.save_for_backward(diff=diff)

    def backward(self, cache: Cache, dloss: np.ndarray | float | None = None) -> np.ndarray:
        """Return ``dinput`` of the input's shape; ``dloss`` has the loss's shape (default 1), see the module."""
        diff = self.check_cache(cache)["diff"]
        g = self._upstream(dloss, diff.shape if self.reduction == "none" else (), diff.dtype)
        norm = 2.0 / diff.size if self.reduction == "mean" else 2.0
        return norm * diff * g


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of targets in [0, 1] under ``sigmoid(input)``, as ``torch.nn.BCEWithLogitsLoss``.

    With ``log_sigmoid(x) = min(x, 0) - log1p(exp(-|x|))``, which never overflows, and
    ``lw = 1 + (pos_weight - 1) * target``::

        loss = weight * ((1 - target) * input - lw * log_sigmoid(input))

    Without weights this equals ``max(x, 0) - x * target + log1p(exp(-|x|))``; it is written in torch's
    arrangement so that the rounding matches torch's too. The gradient is
    ``dinput = weight * (lw * sigmoid(input) - pos_weight * target) * dloss``, divided by ``input.size``
    for "mean".

    Parameters
    ----------
    weight : ndarray, optional
        Non-negative weight of each element, broadcast to the input's shape (e.g. (N, 1)).
    reduction : {"mean", "sum", "none"}
    pos_weight : ndarray, optional
        Non-negative weight of the positive term, broadcast along the last axis (e.g. (C,) for input (N, C)).
    """

    def __init__(self, weight: np.ndarray | None = None, reduction: str = "mean",
                 pos_weight: np.ndarray | None = None) -> None:
        super().__init__(reduction)
        self.weight = _check_weight(weight, "weight")
        self.pos_weight = _check_weight(pos_weight, "pos_weight")

    def forward(self, input: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, Cache]:
        """Return ``(loss, cache)`` for logits ``input`` and probabilities ``target`` of the same shape (*)."""
        x = check_array(input, "input")
        t = _check_same(x, target)
        if t.size and (t.min() < 0 or t.max() > 1):
            bad = t.min() if t.min() < 0 else t.max()
            raise ValueError(f"target must lie in [0, 1], got {bad}")
        w = _check_broadcasts(self.weight, x, "weight")
        pw = _check_broadcasts(self.pos_weight, x, "pos_weight")
        if self.reduction == "mean" and x.size == 0:
            raise ValueError(_EMPTY_MEAN)

        log_sig = np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))          # (*), finite at |x| = 1000
        if pw is not None:
            log_sig = log_sig * ((pw - 1) * t + 1)
        loss = (1 - t) * x - log_sig
        if w is not None:
            loss = loss * w
        return self._reduce(loss, x.size), self.save_for_backward(x=x, t=t, w=w, pw=pw)

    def backward(self, cache: Cache, dloss: np.ndarray | float | None = None) -> np.ndarray:
        """Return ``dinput`` of the input's shape; ``dloss`` has the loss's shape (default 1), see the module."""
        x, t, w, pw = self.check_cache(cache).values()  # in forward's order
        g = self._upstream(dloss, x.shape if self.reduction == "none" else (), x.dtype)
        if pw is None:
            dx = sigmoid(x) - t
        else:
            pt = pw * t
            dx = (pt + 1 - t) * sigmoid(x) - pt
        dx = dx * g
        if w is not None:
            dx = dx * w
        return dx / x.size if self.reduction == "mean" else dx

    def extra_repr(self) -> str:
        return f"weight={_short(self.weight)}, reduction={self.reduction!r}, pos_weight={_short(self.pos_weight)}"
