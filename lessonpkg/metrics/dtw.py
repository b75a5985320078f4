"""Dynamic time warping: the distance of the 1-nearest-neighbour baseline for time series classification.

DTW aligns two series ``a`` (T_a, C) and ``b`` (T_b, C) by a monotone path through the grid of step
pairs and sums the local costs along the cheapest path (Sakoe and Chiba 1978)::

    cost[i, j] = sum_c (a[i, c] - b[j, c]) ** 2          (all C channels together: "dependent" DTW)
    D[i, j]    = cost[i, j] + min(D[i-1, j-1], D[i-1, j], D[i, j-1]),   D[-1, -1] = 0
    dtw(a, b)  = D[T_a - 1, T_b - 1]

The distance is the squared cost, as the UCR archive's 1-NN results use it (the square root changes no
neighbour). A Sakoe-Chiba band of ``window`` steps keeps ``|i - j| <= window``; ``window=0`` on equal
lengths is the squared Euclidean distance.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_array, check_int, check_int_array, check_shape


def _lengths(lengths, n: int, t: int, name: str) -> np.ndarray:
    if lengths is None:
        return np.full(n, t, dtype=np.int64)
    arr = check_int_array(lengths, name, low=1, high=t + 1, hint="lengths, 1 to the padded length")
    check_shape(arr, name, (n,), hint="one length per series")
    return arr.astype(np.int64)


def dtw_distances(a, b, a_lengths=None, b_lengths=None, *, window: int | None = None,
                  block: int = 2_000_000) -> np.ndarray:
    """DTW distance of every series in ``a`` to every series in ``b``.

    Parameters
    ----------
    a : ndarray (N_a, T_a, C)
        Padded series; row n is valid for its first ``a_lengths[n]`` steps.
    b : ndarray (N_b, T_b, C)
    a_lengths, b_lengths : int arrays (N_a,) and (N_b,), optional
        The true lengths (default: every series is full length), as ``pad_sequences`` returns them.
    window : int >= 0, optional
        Sakoe-Chiba band: only step pairs with ``|i - j| <= window``. A pair whose lengths differ by
        more than ``window`` has no path and gets ``inf``. None (default) allows every path.
    block : int
        How many grid cells to hold at once; it bounds the memory, not the result.

    Returns
    -------
    ndarray (N_a, N_b), float64
        ``D[T_a - 1, T_b - 1]`` of each pair, the summed squared cost along the cheapest path.
    """
    a = check_array(a, "a", shape=("N_a", "T_a", "C"))
    b = check_array(b, "b", shape=("N_b", "T_b", "C"))
    if a.shape[2] != b.shape[2]:
        raise ValueError(f"a and b must have the same number of channels C, got {a.shape[2]} and {b.shape[2]}")
    (na, ta, _), (nb, tb, _) = a.shape, b.shape
    la = _lengths(a_lengths, na, ta, "a_lengths")
    lb = _lengths(b_lengths, nb, tb, "b_lengths")
    if window is not None:
        window = check_int(window, "window", low=0)
    block = check_int(block, "block", low=1)
    a, b = a.astype(np.float64), b.astype(np.float64)
    out = np.empty((na, nb))
    rows = max(1, block // max(1, nb * ta * tb))
    band = None
    if window is not None:
        ii, jj = np.meshgrid(np.arange(ta), np.arange(tb), indexing="ij")
        band = np.abs(ii - jj) > window  # (T_a, T_b): cells outside the band
    for start in range(0, na, rows):
        stop = min(na, start + rows)
        diff = a[start:stop, None, :, None, :] - b[None, :, None, :, :]  # (n, N_b, T_a, T_b, C)
        cost = np.einsum("nmijc,nmijc->nmij", diff, diff)
        if band is not None:
            cost[..., band] = np.inf
        acc = np.full((stop - start, nb, ta + 1, tb + 1), np.inf)
        acc[:, :, 0, 0] = 0.0
        for k in range(2, ta + tb + 1):  # one anti-diagonal i + j = k at a time (1-based grid)
            i = np.arange(max(1, k - tb), min(ta, k - 1) + 1)
            j = k - i
            best = np.minimum(np.minimum(acc[:, :, i - 1, j - 1], acc[:, :, i - 1, j]), acc[:, :, i, j - 1])
            acc[:, :, i, j] = cost[:, :, i - 1, j - 1] + best
        n_idx, m_idx = np.arange(stop - start)[:, None], np.arange(nb)[None, :]
        out[start:stop] = acc[n_idx, m_idx, la[start:stop, None], lb[None, :]]
    return out
