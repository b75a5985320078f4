"""Sequence metrics: edit distance, error rate (e.g. phoneme error rate) and exact-match accuracy.

The edit (Levenshtein) distance between two sequences is the fewest
insertions, deletions and substitutions that turn one into the other. With
``D[i, j]`` the distance between the first i tokens of a and the first j of b::

    D[i, 0] = i,  D[0, j] = j
    D[i, j] = min(D[i-1, j] + 1,  D[i, j-1] + 1,  D[i-1, j-1] + (a[i-1] != b[j-1]))

The error rate of hypotheses against references is the total distance divided
by the total reference length (the word error rate of speech recognition, the
phoneme error rate of G2P); it can exceed 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _check_seq(x, name: str) -> Sequence:
    if isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise ValueError(f"{name} must be a 1-d sequence, got an array of shape {x.shape}")
        return x.tolist()
    if not isinstance(x, (str, list, tuple)):
        raise TypeError(f"{name} must be a str, list, tuple or 1-d array, got {type(x).__name__}")
    return x


def edit_distance(a, b) -> int:
    """The Levenshtein distance between sequences ``a`` and ``b`` (str, list, tuple or 1-d array)."""
    a, b = _check_seq(a, "a"), _check_seq(b, "b")
    prev = list(range(len(b) + 1))  # D[i-1, :]
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
        prev = cur
    return prev[-1]


def error_rate(hyps: Sequence, refs: Sequence) -> float:
    """``sum_i edit_distance(hyps[i], refs[i]) / sum_i len(refs[i])``, e.g. the phoneme error rate."""
    hyps, refs = list(hyps), list(refs)
    if len(hyps) != len(refs):
        raise ValueError(f"hyps and refs must have the same length, got {len(hyps)} and {len(refs)}")
    total = sum(len(_check_seq(r, f"refs[{i}]")) for i, r in enumerate(refs))
    if total == 0:
        raise ValueError("refs must contain at least one token in total, got only empty references")
    return sum(edit_distance(h, r) for h, r in zip(hyps, refs)) / total


def exact_match(hyps: Sequence, refs: Sequence) -> float:
    """The fraction of hypotheses equal to their reference, token for token (word accuracy in G2P)."""
    hyps, refs = list(hyps), list(refs)
    if len(hyps) != len(refs) or not refs:
        raise ValueError(f"hyps and refs must have the same, non-zero length, got {len(hyps)} and {len(refs)}")
    return sum(tuple(h) == tuple(r) for h, r in zip(hyps, refs)) / len(refs)


def edit_distances_to(query: str, candidates: Sequence[str]) -> np.ndarray:
    """The edit distance from ``query`` to every string of ``candidates`` at once, an int64 array (M,).

    The same recurrence as ``edit_distance``, one row i of D at a time for all M
    candidates together (padded to the longest). Within a row, the insertion
    term makes ``D[i, j]`` depend on ``D[i, j-1]``; with ``c[j]`` the smaller
    of the deletion and substitution terms, ``D[i, j] = min_{k <= j} (c[k] + j - k)``,
    a running minimum (``np.minimum.accumulate``).
    """
    return _distances(_check_query(query, "query"), *_prepare(candidates))


def nearest(queries: Sequence[str], candidates: Sequence[str]) -> np.ndarray:
    """For each query, the index of the candidate at the smallest edit distance (the first one on ties), (Q,)."""
    if isinstance(queries, str):
        raise TypeError("queries must be a sequence of str, got a single str")
    codes, lengths = _prepare(candidates)
    mismatch: dict = {}
    return np.array([int(np.argmin(_distances(_check_query(q, f"queries[{i}]"), codes, lengths, mismatch)))
                     for i, q in enumerate(queries)], dtype=np.int64)


def _check_query(query, name: str) -> str:
    if not isinstance(query, str):
        raise TypeError(f"{name} must be a str, got {type(query).__name__}")
    return query


def _prepare(candidates) -> tuple[np.ndarray, np.ndarray]:
    """The candidates' code points (M, L) as int64, padded with -1 (no character's code), and their lengths (M,).

    The code points are read with ``str.encode("utf-32-le")``, not through a numpy ``str_`` array,
    which would drop trailing NUL characters.
    """
    if isinstance(candidates, str):
        raise TypeError("candidates must be a sequence of str, got a single str")
    candidates = list(candidates)
    if not candidates or not all(isinstance(c, str) for c in candidates):
        raise ValueError("candidates must be a non-empty sequence of str")
    lengths = np.array([len(c) for c in candidates], dtype=np.int64)
    codes = np.full((len(candidates), lengths.max()), -1, dtype=np.int64)
    codes[np.arange(codes.shape[1]) < lengths[:, None]] = np.frombuffer(
        "".join(candidates).encode("utf-32-le"), dtype=np.uint32)  # row-major, like the join
    return codes, lengths


def _distances(query: str, codes: np.ndarray, lengths: np.ndarray, mismatch: dict | None = None) -> np.ndarray:
    """One row of D per letter of ``query``, for all candidates at once; ``mismatch`` caches ``codes != letter``."""
    M, L = codes.shape
    # every entry below lies in [-L, max(len(query), L) + 1]: int16 is enough for words, int64 for long texts
    dtype = np.int16 if max(len(query), L) < 2**15 - 2 else np.int64
    j = np.arange(L + 1, dtype=dtype)
    row = np.broadcast_to(j, (M, L + 1)).copy()  # D[0, j] = j
    c = np.empty_like(row)
    mismatch = {} if mismatch is None else mismatch
    for i, ch in enumerate(query, start=1):
        if ch not in mismatch:
            mismatch[ch] = codes != ord(ch)  # (M, L) bool
        c[:, 0] = i
        np.add(row[:, :-1], mismatch[ch], out=c[:, 1:])  # substitution (or match)
        np.minimum(c[:, 1:], row[:, 1:] + 1, out=c[:, 1:])  # deletion
        c -= j
        np.minimum.accumulate(c, axis=1, out=row)  # insertion: a running minimum along j
        row += j
    return row[np.arange(M), lengths].astype(np.int64)
