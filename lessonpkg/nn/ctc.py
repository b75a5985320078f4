"""Connectionist temporal classification (CTC): a loss for unaligned label sequences.

CTC (Graves et al., 2006) scores a label sequence ``l`` (length L) against T
frames of per-frame log-probabilities ``log_probs`` (T, N, C) without saying
which frame carries which label. A *path* picks one of the C classes at every
frame; collapsing a path (merge repeated classes, then drop the blank) maps it
to a label sequence, and the loss is ``-log`` of the total probability of all
paths that collapse to ``l``.

The sum over paths is a recursion over the *extended* sequence
``l' = (blank, l_1, blank, l_2, ..., l_L, blank)`` of length S = 2L + 1. With
``y[t, c] = exp(log_probs[t, n, c])``, the forward variable ``alpha[t, s]`` is
the probability of the paths over frames 0..t that end in ``l'_s`` having
produced ``l'_1..l'_s``::

    alpha[0, 0] = y[0, blank],   alpha[0, 1] = y[0, l_1]
    alpha[t, s] = y[t, l'_s] * (alpha[t-1, s] + alpha[t-1, s-1] + skip * alpha[t-1, s-2])

where ``skip = 1`` unless ``l'_s`` is the blank or equals ``l'_{s-2}`` (a blank
is needed between two equal labels). The backward variable ``beta[t, s]``
runs the same recursion from the last frame; ``p(l | x) = alpha[T-1, S-1] +
alpha[T-1, S-2]`` and, for every t, ``sum_s alpha[t, s] beta[t, s] / y[t, l'_s]
= p(l | x)``. All of it is computed in log space.

``CTCLoss`` returns the values and the gradient of ``torch.nn.CTCLoss``, in the
input's dtype, including torch's conventions (see the class docstring).
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_array, check_bool, check_int, check_int_array
from lessonpkg.nn.module import Cache, CacheOwner

_REDUCTIONS = ("mean", "sum", "none")
NEG_INF = -np.inf


def _lse3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """log(exp(a) + exp(b) + exp(c)) elementwise, exact for -inf entries."""
    return np.logaddexp(np.logaddexp(a, b), c)


def _shift(a: np.ndarray, k: int) -> np.ndarray:
    """``a`` (N, S) moved k places along S (right for k > 0, left for k < 0), filled with -inf."""
    out = np.full_like(a, NEG_INF)
    if k > 0:
        out[:, k:] = a[:, :-k]
    else:
        out[:, :k] = a[:, -k:]
    return out


def _int_vector(x, name: str, n: int) -> np.ndarray:
    arr = check_int_array(x, name)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one entry per sequence in the batch, got {arr.shape}")
    return arr.astype(np.int64)


def _padded_targets(targets, target_lengths: np.ndarray, N: int) -> np.ndarray:
    """Targets as an (N, max L) int array, from torch's padded (N, S) or concatenated 1-D form."""
    tg = check_int_array(targets, "targets", hint="class indices")
    L = int(target_lengths.max()) if N else 0
    if tg.ndim == 2:
        if tg.shape[0] != N or tg.shape[1] < L:
            raise ValueError(f"targets must have shape (N, S) = ({N}, S) with S >= max(target_lengths) = {L}, "
                             f"got {tg.shape}")
        return tg[:, :L].astype(np.int64)
    if tg.ndim == 1:
        if tg.shape[0] != target_lengths.sum():
            raise ValueError(f"1-D targets must hold sum(target_lengths) = {target_lengths.sum()} labels, "
                             f"got {tg.shape[0]}")
        out = np.zeros((N, L), dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(target_lengths)[:-1]])
        for n in range(N):
            out[n, :target_lengths[n]] = tg[starts[n]:starts[n] + target_lengths[n]]
        return out
    raise ValueError(f"targets must have shape (N, S) or (sum(target_lengths),), got {tg.shape}")


def min_frames(targets: np.ndarray, length: int) -> int:
    """The fewest frames a path for ``targets[:length]`` needs: L plus one blank between each equal neighbour pair."""
    t = check_int_array(targets, "targets")
    if t.ndim != 1:
        raise ValueError(f"targets must have shape (S,), one label sequence, got {t.shape}")
    length = check_int(length, "length", low=0)
    if length > t.shape[0]:
        raise ValueError(f"length must be <= len(targets) = {t.shape[0]}, got {length}")
    t = t[:length]
    return int(length + np.sum(t[1:] == t[:-1]))


class CTCLoss(CacheOwner):
    """CTC loss of label sequences under per-frame log-probabilities, as ``torch.nn.CTCLoss``.

    ``loss[n] = -log p(targets[n] | log_probs[:input_lengths[n], n])``, the sum over all paths of
    ``input_lengths[n]`` frames that collapse to the target (module docstring). ``"sum"`` adds the
    ``loss[n]``; ``"mean"`` divides each by its target length (at least 1) and averages over the batch,
    as torch does. Frames ``t >= input_lengths[n]`` are ignored and get a zero gradient.

    The gradient follows torch's convention: with ``gamma[t, c] = sum_{s: l'_s = c} alpha[t, s]
    beta[t, s] / (y[t, c] p)``, the occupation probability of class c at frame t,
    ``dlog_probs[t, n, c] = exp(log_probs[t, n, c]) - gamma[t, c]`` (times the upstream gradient).
    That is the gradient with respect to the *logits* z when ``log_probs = log_softmax(z)``; torch
    returns it for ``log_probs`` itself, assuming they come from a log-softmax, so always feed the
    loss log-softmax outputs. Passed back through ``log_softmax`` it is unchanged, because each of its
    rows sums to 0.

    A target that ``input_lengths[n]`` frames cannot produce (fewer than L plus its adjacent repeats)
    has probability 0 and loss inf. ``zero_infinity=True`` sets such losses and their gradients to 0;
    otherwise ``forward`` returns inf like torch, and ``backward`` raises a ValueError where torch
    would return nan.

    Parameters
    ----------
    blank : int
        The class index of the blank. Default 0.
    reduction : {"mean", "sum", "none"}
    zero_infinity : bool
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        self.blank = check_int(blank, "blank", low=0)
        if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
            raise ValueError(f"reduction must be one of 'mean', 'sum', 'none', got {reduction!r}")
        self.reduction, self.zero_infinity = reduction, check_bool(zero_infinity, "zero_infinity")

    def __repr__(self) -> str:
        return f"CTCLoss(blank={self.blank}, reduction={self.reduction!r}, zero_infinity={self.zero_infinity})"

    def _check(self, log_probs, targets, input_lengths, target_lengths):
        lp = check_array(log_probs, "log_probs")
        if lp.ndim != 3:
            raise ValueError(f"log_probs must have shape (T, N, C), got {lp.shape}; for batch-first model "
                             "outputs (N, T, C) pass log_probs.transpose(1, 0, 2)")
        T, N, C = lp.shape
        if min(T, N, C) < 1:
            raise ValueError(f"log_probs must have T, N and C >= 1, got {lp.shape}")
        if self.blank >= C:
            raise ValueError(f"blank must be a class index < C={C}, got {self.blank}")
        il = _int_vector(input_lengths, "input_lengths", N)
        tl = _int_vector(target_lengths, "target_lengths", N)
        if il.min() < 1 or il.max() > T:
            raise ValueError(f"input_lengths must lie between 1 and T={T}, got {il[(il < 1) | (il > T)][0]}")
        if tl.min() < 0:
            raise ValueError(f"target_lengths must be >= 0, got {tl.min()}")
        tg = _padded_targets(targets, tl, N)
        valid = np.arange(tg.shape[1])[None, :] < tl[:, None]  # (N, L)
        bad = valid & ((tg < 0) | (tg >= C) | (tg == self.blank))
        if np.any(bad):
            n, i = np.argwhere(bad)[0]
            raise ValueError(f"targets must hold class indices in [0, {C}) other than blank={self.blank}, "
                             f"got {tg[n, i]} in sequence {n} at position {i}")
        return lp, np.where(valid, tg, self.blank), il, tl  # the padding is never read: any value is allowed

    def forward(self, log_probs: np.ndarray, targets: np.ndarray, input_lengths: np.ndarray,
                target_lengths: np.ndarray) -> tuple[np.ndarray, Cache]:
        """Return the loss and the cache that ``backward`` needs.

        Parameters
        ----------
        log_probs : ndarray (T, N, C)
            Per-frame log-probabilities, normally ``log_softmax`` of the logits over C.
        targets : int ndarray (N, S), padded, or (sum(target_lengths),), concatenated
            Label sequences, with classes in [0, C) other than the blank. Only the first
            ``target_lengths[n]`` labels of row n are read; the padding after them may hold anything.
        input_lengths : int ndarray (N,)
            Frames 1..T used by each sequence.
        target_lengths : int ndarray (N,)
            Length L_n of each target.

        Returns
        -------
        loss : scalar, or (N,) for ``reduction="none"``, in the dtype of ``log_probs``
        cache : Cache
        """
        lp, tg, il, tl = self._check(log_probs, targets, input_lengths, target_lengths)
        T, N, C = lp.shape
        S = 2 * tg.shape[1] + 1
        ext = np.full((N, S), self.blank, dtype=np.int64)  # l' (N, S): blanks at even positions
        ext[:, 1::2] = tg
        ext_len = 2 * tl + 1  # (N,)
        in_ext = np.arange(S)[None, :] < ext_len[:, None]  # (N, S)
        skip = np.zeros((N, S), dtype=bool)  # may alpha[t, s] come from alpha[t-1, s-2]?
        skip[:, 2:] = (ext[:, 2:] != self.blank) & (ext[:, 2:] != ext[:, :-2])
        rows = np.arange(N)[:, None]
        emit = lp[:, rows, ext]  # (T, N, S): log y[t, l'_s]
        emit = np.where(in_ext[None], emit, NEG_INF)

        alpha = np.full((T, N, S), NEG_INF, dtype=lp.dtype)
        alpha[0, :, :2] = emit[0, :, :2]
        for t in range(1, T):
            prev = alpha[t - 1]
            from1, from2 = _shift(prev, 1), np.where(skip, _shift(prev, 2), NEG_INF)
            alpha[t] = np.where(t < il[:, None], emit[t] + _lse3(prev, from1, from2), NEG_INF)

        beta = np.full_like(alpha, NEG_INF)
        last = np.arange(S)[None, :] >= (ext_len - 2)[:, None]  # the two end states, s = S_n - 1 and S_n - 2
        skip_next = np.zeros_like(skip)  # may beta[t, s] come from beta[t+1, s+2]?
        skip_next[:, :-2] = skip[:, 2:]
        for t in range(T - 1, -1, -1):
            if t < T - 1:
                nxt = beta[t + 1]
                to1, to2 = _shift(nxt, -1), np.where(skip_next, _shift(nxt, -2), NEG_INF)
                inner = emit[t] + _lse3(nxt, to1, to2)
            else:
                inner = np.full_like(alpha[t], NEG_INF)
            start = np.where(last & in_ext, emit[t], NEG_INF)
            beta[t] = np.where((t == il - 1)[:, None], start, np.where((t < il - 1)[:, None], inner, NEG_INF))

        end = alpha[il - 1, np.arange(N)]  # (N, S)
        a_last = end[np.arange(N), ext_len - 1]
        a_prev = np.where(tl > 0, end[np.arange(N), np.maximum(ext_len - 2, 0)], NEG_INF)
        nll = -np.logaddexp(a_last, a_prev)  # (N,)
        infinite = np.isinf(nll)
        losses = np.where(infinite & self.zero_infinity, 0.0, nll)
        if self.reduction == "none":
            loss = losses
        elif self.reduction == "sum":
            loss = losses.sum()
        else:
            loss = np.mean(losses / np.maximum(tl, 1).astype(lp.dtype))
        return loss, self.save_for_backward(lp=lp, ext=ext, il=il, tl=tl, alpha=alpha, beta=beta, nll=nll,
                                            infinite=infinite)

    def backward(self, cache: Cache, dloss=None) -> np.ndarray:
        """Return ``dlog_probs`` (T, N, C), in the dtype of ``log_probs``, in torch's convention (class docstring).

        ``dloss`` is the upstream gradient: a scalar for ``"mean"`` and ``"sum"`` (default 1.0), an (N,)
        array for ``"none"`` (default ones).
        """
        lp, ext, il, tl, alpha, beta, nll, infinite = self.check_cache(cache).values()  # in forward's order
        T, N, C = lp.shape
        if np.any(infinite) and not self.zero_infinity:
            n = int(np.argmax(infinite))
            raise ValueError(f"the loss of sequence {n} is infinite: its target needs more frames than "
                             f"input_lengths[{n}]={il[n]} (L plus one per adjacent repeated label); "
                             "use CTCLoss(zero_infinity=True) to give such sequences loss and gradient 0")
        shape = (N,) if self.reduction == "none" else ()
        if dloss is None:
            g = np.ones(shape)
        else:
            g = check_array(np.asarray(dloss, dtype=np.float64) if isinstance(dloss, int) else dloss, "dloss")
            if g.shape != shape:
                raise ValueError(f"dloss must have the loss's shape {shape} (reduction={self.reduction!r}), "
                                 f"got {g.shape}")
        scale = np.broadcast_to(g, (N,)).astype(lp.dtype)  # d total / d loss[n]
        if self.reduction == "mean":
            scale = scale / np.maximum(tl, 1).astype(lp.dtype) / N
        scale = np.where(infinite, 0.0, scale)

        ab = alpha + beta  # (T, N, S): log alpha beta, holding y[t, l'_s] twice
        lcab = np.full_like(lp, NEG_INF)  # log sum over s with l'_s = c of alpha beta
        for s in range(ext.shape[1]):
            idx = (slice(None), np.arange(N), ext[:, s])
            lcab[idx] = np.logaddexp(lcab[idx], ab[:, :, s])
        nll = np.where(infinite, 0.0, nll)
        gamma = np.exp(lcab + nll[None, :, None] - lp)  # (T, N, C): occupation probabilities
        grad = np.exp(lp) - gamma
        active = np.arange(T)[:, None] < il[None, :]  # (T, N)
        return np.where(active[:, :, None], grad * scale[None, :, None], 0.0)
