"""Draw the next token from a predicted distribution, optionally sharpened or flattened by a temperature.

With temperature tau, probabilities p become ``p**(1/tau) / sum(p**(1/tau))``,
which is the same as dividing the logits by tau before the softmax:
``softmax(logits / tau)``. tau = 1 leaves p unchanged, tau < 1 sharpens it
towards the most likely token, tau > 1 flattens it towards uniform, and
tau = 0 is taken to mean the limit: always the most likely token (greedy).
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import as_rng, check_array, check_real


def _check_probs(probs) -> np.ndarray:
    p = check_array(probs, "probs")
    if p.ndim not in (1, 2) or p.shape[-1] == 0:
        raise ValueError(f"probs must have shape (V,) or (N, V) with V >= 1, got {p.shape}")
    if np.any(p < 0):
        raise ValueError(f"probs must be >= 0, got a minimum of {p.min()}")
    sums = p.sum(axis=-1)
    if not np.allclose(sums, 1.0, rtol=0, atol=1e-6):
        worst = sums.flat[np.argmax(np.abs(sums - 1.0))]
        raise ValueError(f"probs must sum to 1 along the last axis (within 1e-6), got a sum of {worst}")
    return p


def apply_temperature(probs: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Return ``p**(1/temperature)`` renormalised along the last axis; temperature 0 gives the one-hot argmax.

    Parameters
    ----------
    probs : ndarray (V,) or (N, V)
        Probabilities over V tokens, each row summing to 1.
    temperature : float >= 0

    Returns
    -------
    ndarray like ``probs``
    """
    p = _check_probs(probs)
    tau = check_real(temperature, "temperature", low=0)
    if tau == 0.0:
        return (np.arange(p.shape[-1]) == p.argmax(axis=-1)[..., None]).astype(p.dtype)
    with np.errstate(divide="ignore"):
        logp = np.log(p) / tau  # log 0 = -inf stays -inf: a zero probability stays zero
    logp -= logp.max(axis=-1, keepdims=True)  # the largest entry becomes exp(0) = 1: no overflow
    q = np.exp(logp)
    return q / q.sum(axis=-1, keepdims=True)


def sample_next(probs: np.ndarray, temperature: float = 1.0,
                rng: np.random.Generator | int | None = None) -> int | np.ndarray:
    """Draw one token index from ``probs`` after applying ``temperature``.

    Parameters
    ----------
    probs : ndarray (V,) or (N, V)
        Probabilities of the next token, e.g. ``lp.functional.softmax(logits[:, -1])``.
    temperature : float >= 0
        1 samples from ``probs`` itself; 0 returns the argmax.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    int for probs (V,), or int64 ndarray (N,) for probs (N, V)
    """
    q = apply_temperature(probs, temperature)
    gen = as_rng(rng)
    u = gen.random(q.shape[:-1])  # one uniform number per row
    cdf = np.cumsum(q, axis=-1)
    idx = (cdf <= (u * cdf[..., -1])[..., None]).sum(axis=-1)  # the first index whose cdf exceeds u
    idx = np.minimum(idx, q.shape[-1] - 1)  # (guards against rounding when u is just below 1)
    return int(idx) if q.ndim == 1 else idx.astype(np.int64)
