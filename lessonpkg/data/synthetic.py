"""Generated sequence tasks with a known answer, for experiments on what a recurrent network can learn.

Source
------
Every array here is generated from a seeded ``numpy.random.Generator``; no data is read or
downloaded, so there is no licence to follow. The same arguments and seed always give the same
arrays.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import as_rng, check_int


def delayed_recall(
    n: int,
    length: int,
    delay: int,
    vocab_size: int = 4,
    *,
    ignore_index: int = -100,
    rng: np.random.Generator | int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sequences of random tokens whose target at step t is the token read at step t - delay.

    Tokens are drawn uniformly from ``range(vocab_size)``, independently at every
    step. The first ``delay`` steps have no earlier token to recall, so their
    target is ``ignore_index``: a loss built with the same ``ignore_index``
    (``lp.CrossEntropyLoss`` uses -100 by default) skips them. Guessing gives
    an accuracy of ``1 / vocab_size``; getting every counted target right
    requires remembering the last ``delay`` tokens.

    Parameters
    ----------
    n : int
        N, the number of sequences.
    length : int
        T, the number of steps per sequence; must exceed ``delay``.
    delay : int
        d >= 1, how many steps back the target lies.
    vocab_size : int
        V >= 2, the number of distinct tokens.
    ignore_index : int
        The target of the first ``delay`` steps; must not be a token in ``range(vocab_size)``.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    x : ndarray of shape (T, N, V), float64
        The tokens, one-hot, time first (the layout ``lp.RNN`` reads by default).
    y : ndarray of shape (T, N), int64
        ``y[t] = token[t - delay]`` for ``t >= delay`` and ``ignore_index`` before.
    """
    n = check_int(n, "n", low=1)
    length = check_int(length, "length", low=1)
    delay = check_int(delay, "delay", low=1)
    vocab_size = check_int(vocab_size, "vocab_size", low=1)
    if vocab_size < 2:
        raise ValueError(f"vocab_size must be >= 2, got {vocab_size}")
    if length <= delay:
        raise ValueError(f"length must be greater than delay={delay}, so that some step has a target, got {length}")
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
        raise TypeError(f"ignore_index must be an int, got {type(ignore_index).__name__}")
    if 0 <= ignore_index < vocab_size:
        raise ValueError(f"ignore_index must lie outside range({vocab_size}) (it would be a real token), "
                         f"got {ignore_index}")
    tokens = as_rng(rng).integers(0, vocab_size, size=(length, n))  # (T, N)
    x = np.eye(vocab_size, dtype=np.float64)[tokens]  # (T, N, V) one-hot
    y = np.full((length, n), ignore_index, dtype=np.int64)  # (T, N)
    y[delay:] = tokens[:-delay]
    return x, y


def adding_problem(
    n: int,
    T: int,
    rng: np.random.Generator | int | None = None,
    *,
    delay: int = 0,
    batch_first: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem: read T (value, marker) pairs and output the sum of the two marked values.

    Each sequence has T steps with two features: a value drawn uniformly from
    [0, 1] and a marker that is 1 at exactly two steps and 0 elsewhere. One
    marked step is drawn uniformly from the first half, ``range(T // 2)``, the
    other from the second half, ``range(T // 2, T)``, so the first marked value
    lies at least ``T - T // 2`` steps before the end. The target is the sum of
    the two marked values. Always predicting its mean, 1, gives a mean squared
    error of Var(u1 + u2) = 2/12 = 1/6 (about 0.167): a model must do better
    than that to have learned anything.

    With ``delay=d``, d blank steps (value 0, marker 0) follow the T steps, so
    the answer is due at least d steps after the last marker.

    The task comes from Hochreiter and Schmidhuber (1997, "Long short-term
    memory"), whose version differs in details (the value range, where the
    markers may fall, and a rescaled target).

    Parameters
    ----------
    n : int
        N, the number of sequences.
    T : int
        The number of steps per sequence, >= 2.
    rng : numpy.random.Generator, int or None
    delay : int
        d >= 0 blank steps appended after the T steps.
    batch_first : bool
        Return x as (N, T + d, 2) instead of (T + d, N, 2).

    Returns
    -------
    x : ndarray of shape (T + d, N, 2) (or (N, T + d, 2) with ``batch_first``), float64
        ``x[..., 0]`` the values, ``x[..., 1]`` the markers.
    y : ndarray of shape (N, 1), float64
        The sum of the two marked values.
    """
    n = check_int(n, "n", low=1)
    T = check_int(T, "T", low=1)
    if T < 2:
        raise ValueError(f"T must be >= 2, so that the two markers fall on different steps, got {T}")
    delay = check_int(delay, "delay", low=0)
    if not isinstance(batch_first, (bool, np.bool_)):
        raise TypeError(f"batch_first must be a bool, got {type(batch_first).__name__}")
    gen = as_rng(rng)
    values = gen.uniform(0.0, 1.0, size=(n, T))  # (N, T)
    first = gen.integers(0, T // 2, size=n)  # (N,) a step in the first half
    second = gen.integers(T // 2, T, size=n)  # (N,) a step in the second half
    rows = np.arange(n)
    markers = np.zeros((n, T))
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    y = (values[rows, first] + values[rows, second])[:, None]  # (N, 1)
    x = np.zeros((n, T + delay, 2))  # (N, T + d, 2); the last d steps stay blank
    x[:, :T, 0], x[:, :T, 1] = values, markers
    return (x if batch_first else np.ascontiguousarray(x.transpose(1, 0, 2))), y
