"""Small generated sequence tasks, one per RNN architecture. Every array comes from a seeded random generator.

- ``make_sine_curves``: one vector (amplitude, frequency) -> a curve of T values (one-to-many);
- ``make_bracket_depth``: a string of brackets -> the nesting depth after every bracket (many-to-many, aligned);
- ``make_digit_transduction``: a string of digits -> the same digits reversed or sorted (encoder-decoder).

These are generated, not collected: they have no source or licence beyond this
file, and their difficulty is set by their arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lessonpkg._validate import as_rng, check_int
from lessonpkg.data.vocab import Vocab

BRACKET_VOCAB = Vocab("()")
OPEN, CLOSE = BRACKET_VOCAB.index("("), BRACKET_VOCAB.index(")")  # 0, 1


def make_sine_curves(n: int, steps: int = 24, rng: np.random.Generator | int | None = None,
                     *, amplitude: tuple[float, float] = (0.5, 1.0),
                     frequency: tuple[float, float] = (0.2, 0.6)) -> tuple[np.ndarray, np.ndarray]:
    """Curves ``y_t = a * sin(w * t)``, t = 1, ..., T, with a and w drawn uniformly per curve.

    Parameters
    ----------
    n : int
        N, the number of curves.
    steps : int
        T, the number of values per curve.
    rng : numpy.random.Generator, int or None
    amplitude, frequency : (low, high)
        Ranges of a and of w (in radians per step).

    Returns
    -------
    z : float64 ndarray (N, 2)
        The conditioning vector of each curve, ``(a, w)``.
    y : float64 ndarray (N, T, 1)
        The curves.
    """
    n, steps = check_int(n, "n", low=1), check_int(steps, "steps", low=1)
    for name, (low, high) in (("amplitude", amplitude), ("frequency", frequency)):
        if not (np.isfinite(low) and np.isfinite(high) and low <= high):
            raise ValueError(f"{name} must be a finite range (low, high) with low <= high, got {(low, high)}")
    gen = as_rng(rng)
    a = gen.uniform(*amplitude, size=n)  # (N,)
    w = gen.uniform(*frequency, size=n)  # (N,)
    t = np.arange(1, steps + 1)  # (T,)
    y = a[:, None] * np.sin(w[:, None] * t[None, :])  # (N, T)
    return np.column_stack([a, w]), y[:, :, None]


@dataclass(frozen=True)
class BracketDepth:
    """Bracket strings and the nesting depth after each bracket.

    ``tokens`` (N, T) int64 holds 0 for "(" and 1 for ")"; ``x`` (N, T, 1)
    float64 is the same string as +1 for "(" and -1 for ")"; ``depth`` (N, T)
    int64 is the number of brackets open after reading step t, from 0 to
    ``max_depth``.
    """

    tokens: np.ndarray
    x: np.ndarray
    depth: np.ndarray
    max_depth: int

    def to_text(self, n: int) -> str:
        """Sequence n written with brackets, e.g. ``"(()(..."``."""
        return "".join(BRACKET_VOCAB.decode(self.tokens[n]))


def make_bracket_depth(n: int, steps: int = 16, rng: np.random.Generator | int | None = None,
                       *, max_depth: int = 4) -> BracketDepth:
    """Random bracket strings whose depth stays in [0, max_depth], tagged with the depth after each bracket.

    Each string starts at depth 0. At depth 0 the next bracket opens, at
    ``max_depth`` it closes, and in between it opens or closes with
    probability 1/2 each. The depth after step t is the number of "(" minus
    the number of ")" in steps 0..t, so it depends on the whole past, not on
    the current bracket alone.

    Parameters
    ----------
    n : int
        N, the number of strings.
    steps : int
        T, the length of every string.
    rng : numpy.random.Generator, int or None
    max_depth : int
        The deepest nesting allowed; the tags take ``max_depth + 1`` values.

    Returns
    -------
    BracketDepth
    """
    n, steps = check_int(n, "n", low=1), check_int(steps, "steps", low=1)
    max_depth = check_int(max_depth, "max_depth", low=1)
    coin = as_rng(rng).random((n, steps)) < 0.5  # (N, T): True means "open if allowed"
    tokens = np.empty((n, steps), dtype=np.int64)
    depth = np.empty((n, steps), dtype=np.int64)
    d = np.zeros(n, dtype=np.int64)  # (N,) depth before step t
    for t in range(steps):
        opens = (d == 0) | ((d < max_depth) & coin[:, t])
        tokens[:, t] = np.where(opens, OPEN, CLOSE)
        d = d + np.where(opens, 1, -1)
        depth[:, t] = d
    x = np.where(tokens == OPEN, 1.0, -1.0)[:, :, None]  # (N, T, 1)
    return BracketDepth(tokens, x, depth, max_depth)


@dataclass(frozen=True)
class DigitTransduction:
    """Source digit strings and their target strings, split into disjoint train and test sets.

    ``src_*`` and ``tgt_*`` are int64 arrays (N_split, S) of digits from 0 to
    ``num_digits - 1``. No source string occurs in both splits. ``bos`` is the
    decoder's start token, ``num_digits``, one past the last digit.
    """

    src_train: np.ndarray
    tgt_train: np.ndarray
    src_test: np.ndarray
    tgt_test: np.ndarray
    num_digits: int
    bos: int


def make_digit_transduction(n_train: int, n_test: int, length: int = 5, num_digits: int = 10,
                            rng: np.random.Generator | int | None = None,
                            *, task: str = "reverse") -> DigitTransduction:
    """Distinct random digit strings of one length, and each string reversed (``task="reverse"``) or sorted.

    The strings are drawn without replacement from all ``num_digits ** length``
    strings, so the train and test sets share none.

    Parameters
    ----------
    n_train, n_test : int
        Number of strings in each split.
    length : int
        S, the length of every string (the target has the same length).
    num_digits : int
        The digits are 0, ..., num_digits - 1.
    rng : numpy.random.Generator, int or None
    task : "reverse" or "sort"

    Returns
    -------
    DigitTransduction
    """
    n_train, n_test = check_int(n_train, "n_train", low=1), check_int(n_test, "n_test", low=1)
    length, num_digits = check_int(length, "length", low=1), check_int(num_digits, "num_digits", low=1)
    if task not in ("reverse", "sort"):
        raise ValueError(f"task must be 'reverse' or 'sort', got {task!r}")
    total = num_digits ** length
    if n_train + n_test > total:
        raise ValueError(f"n_train + n_test must be at most num_digits ** length = {total} distinct strings, "
                         f"got {n_train + n_test}")
    codes = as_rng(rng).choice(total, size=n_train + n_test, replace=False)  # distinct integers
    powers = num_digits ** np.arange(length - 1, -1, -1)  # (S,) place values, most significant first
    src = (codes[:, None] // powers[None, :]) % num_digits  # (N, S): the digits of each code
    src = src.astype(np.int64)
    tgt = src[:, ::-1].copy() if task == "reverse" else np.sort(src, axis=1)
    return DigitTransduction(src[:n_train], tgt[:n_train], src[n_train:], tgt[n_train:], num_digits, num_digits)
