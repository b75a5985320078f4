"""Paired comparison of two classifiers on the same test items: the exact McNemar test.

Only the items on which the two disagree carry evidence. Under the null hypothesis that both are
equally accurate, each of those ``n = only_a + only_b`` items is equally likely to favour either, so
``only_a`` is Binomial(n, 1/2), and the two-sided p-value doubles the smaller tail (McNemar 1947;
the exact binomial form, which Dietterich 1998 recommends for comparing classifiers).
"""

from __future__ import annotations

from math import comb

import numpy as np

from lessonpkg._validate import check_shape


def mcnemar_exact(correct_a, correct_b) -> tuple[int, int, float]:
    """Exact two-sided McNemar test of two classifiers' per-item correctness.

    Parameters
    ----------
    correct_a, correct_b : bool arrays (N,)
        Whether classifier A, and classifier B, got each of the same N test items right.

    Returns
    -------
    only_a : int
        Items A gets right and B gets wrong.
    only_b : int
        Items B gets right and A gets wrong.
    p : float
        Two-sided p-value; 1.0 when the two never disagree.
    """
    arrays = []
    for name, value in (("correct_a", correct_a), ("correct_b", correct_b)):
        arr = np.asarray(value)
        if arr.dtype != np.bool_:
            raise TypeError(f"{name} must be a bool array (N,), one entry per test item, got dtype {arr.dtype}")
        check_shape(arr, name, (None,), hint="one entry per test item")
        arrays.append(arr)
    a, b = arrays
    if a.shape != b.shape:
        raise ValueError(f"correct_a and correct_b must score the same items, got shapes {a.shape} and {b.shape}")
    only_a, only_b = int((a & ~b).sum()), int((~a & b).sum())
    n = only_a + only_b
    if n == 0:
        return only_a, only_b, 1.0
    tail = sum(comb(n, k) for k in range(min(only_a, only_b) + 1))
    return only_a, only_b, min(1.0, 2 * tail / 2**n)
