"""Best-path (greedy) decoding of a CTC model's per-frame log-probabilities."""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_array, check_int
from lessonpkg.nn.ctc import _int_vector


def ctc_greedy_decode(log_probs: np.ndarray, input_lengths: np.ndarray | None = None,
                      blank: int = 0) -> list[np.ndarray]:
    """Best-path decoding: the most probable class at every frame, repeats merged, blanks dropped.

    Parameters
    ----------
    log_probs : ndarray (T, N, C)
    input_lengths : int ndarray (N,) or None
        Frames used by each sequence; None means all T.
    blank : int

    Returns
    -------
    list of N int64 arrays, the decoded label sequences.
    """
    lp, il, blank = _check_args(log_probs, input_lengths, blank)
    best = lp.argmax(axis=2)  # (T, N)
    out = []
    for n in range(len(il)):
        path = best[:il[n], n]
        keep = np.concatenate([[True], path[1:] != path[:-1]]) & (path != blank)
        out.append(path[keep].astype(np.int64))
    return out


def _check_args(log_probs, input_lengths, blank) -> tuple[np.ndarray, np.ndarray, int]:
    """log_probs (T, N, C), the frames used per sequence (N,) (all T when None) and the blank index."""
    lp = check_array(log_probs, "log_probs", shape=("T", "N", "C"))
    T, N, C = lp.shape
    blank = check_int(blank, "blank", low=0, high=C - 1)
    il = np.full(N, T) if input_lengths is None else _int_vector(input_lengths, "input_lengths", N)
    if N and (il.min() < 1 or il.max() > T):
        raise ValueError(f"input_lengths must lie between 1 and T={T}, got {il[(il < 1) | (il > T)][0]}")
    return lp, il, blank
