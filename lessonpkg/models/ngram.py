"""Count-based n-gram models, add-k and interpolated Kneser-Ney: the baselines a neural language model must beat.

An order-n model predicts token t from the n - 1 tokens before it::

    P(c | context) = (count(context, c) + k) / (count(context) + k * V)

Counts come from a training stream only, or from a list of streams (e.g. one per word), each read on
its own. Positions before a stream's start are filled with ``pad`` (the separator), so every token
has a full context.
k > 0 keeps every probability positive, so held-out text never scores log 0.
``KneserNeyModel`` instead subtracts a discount from every seen count and interpolates with lower orders;
with ``sparse=True`` it keeps only the n-grams seen, so that V ** order may be far too large for an array
(an n-gram over the ~1,000 letter-phoneme units of a G2P model, for example).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from lessonpkg._validate import check_bool, check_int, check_real


def _check_stream(stream, V: int, name: str = "stream") -> np.ndarray:
    s = np.asarray(stream)
    if s.dtype.kind not in "iu" or s.ndim != 1 or s.size < 2:
        raise ValueError(f"{name} must be a 1-d integer array with at least 2 tokens, got dtype {s.dtype} "
                         f"and shape {s.shape}")
    if s.min() < 0 or s.max() >= V:
        raise ValueError(f"{name} must hold token indices in [0, {V}), got {s.min()}..{s.max()}")
    return s.astype(np.int64)


def _check_streams(stream, V: int, name: str = "stream") -> list[np.ndarray]:
    """One stream (T,) ints, or a non-empty list or tuple of them, as a list of int64 arrays."""
    if isinstance(stream, (list, tuple)) and len(stream) > 0 and all(np.ndim(s) == 1 for s in stream):
        return [_check_stream(s, V, f"{name}[{i}]") for i, s in enumerate(stream)]
    if isinstance(stream, (list, tuple)) and len(stream) == 0:
        raise ValueError(f"{name} must be a 1-d integer array or a non-empty list of them, "
                         f"got an empty {type(stream).__name__}")
    return [_check_stream(stream, V, name)]


class NGramModel:
    """An order-n character (or word) model with add-k smoothing.

    Parameters
    ----------
    order : int >= 1
        1 unigram, 2 bigram, 3 trigram, ...
    vocab_size : int
        V, the number of token types.
    k : float > 0
        The pseudo-count added to every (context, token) pair.
    pad : int
        The token assumed before the start of a stream.

    Attributes
    ----------
    counts : ndarray (V,) * order
        ``counts[a, b, c]`` is how often c followed the context (a, b) in training.
    """

    def __init__(self, order: int, vocab_size: int, k: float = 1.0, pad: int = 0) -> None:
        self.order = check_int(order, "order", low=1)
        self.vocab_size = check_int(vocab_size, "vocab_size", low=1)
        k = check_real(k, "k", low=0, low_open=True)
        if not 0 <= pad < self.vocab_size:
            raise ValueError(f"pad must be a token index in [0, {self.vocab_size}), got {pad}")
        self.k, self.pad = float(k), int(pad)
        self.counts = self._zero_counts()

    def _zero_counts(self):
        return np.zeros((self.vocab_size,) * self.order, dtype=np.float64)

    def _grams(self, stream, name: str = "stream") -> np.ndarray:
        """The rows of ``_ngrams`` for one stream, or for every stream of a list, stacked: (M, order) ints."""
        return np.concatenate([self._ngrams(s) for s in _check_streams(stream, self.vocab_size, name)])

    def _ngrams(self, stream: np.ndarray) -> np.ndarray:
        """Rows (context..., target) for every target stream[1:], contexts left-padded with ``pad``."""
        n = self.order
        padded = np.concatenate([np.full(n - 1, self.pad, dtype=np.int64), stream])
        # row j holds padded[j + 1 : j + 1 + n]: the n - 1 tokens before stream[j + 1], then stream[j + 1]
        return np.stack([padded[i + 1: i + 1 + stream.size - 1] for i in range(n)], axis=1)  # (T - 1, n)

    def fit(self, stream) -> NGramModel:
        """Count every n-gram whose last token is one of ``stream[1:]`` (T,) ints; return self.

        ``stream`` may also be a list of such streams: each is counted on its own, with its own left padding.
        """
        grams = self._grams(stream)
        self.counts[...] = 0.0
        np.add.at(self.counts, tuple(grams.T), 1.0)
        return self

    def probs(self, context=()) -> np.ndarray:
        """Return P(next token | the last order - 1 tokens of ``context``), shape (V,), summing to 1."""
        ctx = [int(c) for c in context][-(self.order - 1):] if self.order > 1 else []
        ctx = [self.pad] * (self.order - 1 - len(ctx)) + ctx
        if any(not 0 <= c < self.vocab_size for c in ctx):
            raise ValueError(f"context must hold token indices in [0, {self.vocab_size}), got {ctx}")
        row = self.counts[tuple(ctx)]  # (V,)
        return (row + self.k) / (row.sum() + self.k * self.vocab_size)

    def nll(self, stream) -> float:
        """Mean negative log-likelihood in nats of ``stream[1:]``, each token given its n - 1 predecessors."""
        grams = self._grams(stream)
        num = self.counts[tuple(grams.T)] + self.k  # (T - 1,)
        den = self.counts.sum(axis=-1)[tuple(grams[:, :-1].T)] + self.k * self.vocab_size
        return float(-np.mean(np.log(num / den)))


class KneserNeyModel(NGramModel):
    """An order-n model with interpolated Kneser-Ney smoothing (Chen and Goodman, 1999).

    With discount D, context u, and u' the context u without its oldest token::

        P_m(c | u) = (max(A_m(u, c) - D, 0) + D * types_m(u) * P_{m-1}(c | u')) / A_m(u, .)
        P_0(c) = 1 / V

    where A_n are the raw counts of the top order, A_m (m < n) the continuation counts (the number of distinct
    tokens seen before (u, c)), A_m(u, .) their sum over c and types_m(u) the number of c with A_m(u, c) > 0.
    A context with A_m(u, .) = 0 falls back to P_{m-1}(c | u'). Every count is an integer >= 1, so for
    0 < D <= 1 the D * types_m(u) taken off the counts is exactly the weight given to the lower order:
    every P_m(. | u) sums to 1.

    ``fit``, ``token_log_probs``, ``nll`` and ``tune_discount`` take one stream (T,) ints or a list of
    streams (e.g. one per word, each starting with ``pad``); each is read on its own, with its own left padding.

    Parameters
    ----------
    order : int >= 1
    vocab_size : int
        V, the number of token types.
    discount : float in (0, 1]
        D, one absolute discount for every order.
    pad : int
        The token assumed before the start of a stream.
    sparse : bool, default False
        Keep the counts in dicts keyed by n-gram tuples (only those seen) instead of dense (V,) * order arrays.
        The probabilities are the same; use it when V ** order is too large for memory.

    Counting (``fit``'s ``counts``, the contexts of ``_ngrams``) is NGramModel's; its ``k`` is not used.
    """

    def __init__(self, order: int, vocab_size: int, discount: float = 0.75, pad: int = 0, *,
                 sparse: bool = False) -> None:
        self.sparse = check_bool(sparse, "sparse")  # read by _zero_counts, which NGramModel.__init__ calls
        super().__init__(order, vocab_size, k=1.0, pad=pad)
        self.discount = check_real(discount, "discount", low=0, high=1, low_open=True)
        self._tables: list[tuple] = []

    def _zero_counts(self):
        return Counter() if self.sparse else super()._zero_counts()

    def fit(self, stream) -> KneserNeyModel:
        """Count the n-grams of ``stream`` (T,) ints and the continuation counts of every lower order; return self."""
        if self.sparse:
            return self._fit_sparse(self._grams(stream))
        super().fit(stream)
        c = self.counts  # (V,) * order
        tables = [(c, c.sum(axis=-1), (c > 0).sum(axis=-1))]  # A_n, A_n(u, .), types_n(u)
        for _ in range(self.order - 1):  # c holds the (m + 1)-gram counts, for m = order - 1, ..., 1
            a = (c > 0).sum(axis=0).astype(np.float64)  # (V,) * m continuation counts
            tables.append((a, a.sum(axis=-1), (a > 0).sum(axis=-1)))
            c = c.sum(axis=0)  # the m-gram counts
        self._tables = tables[::-1]  # index m - 1 holds order m
        return self

    def _fit_sparse(self, grams: np.ndarray) -> KneserNeyModel:
        """``fit``'s tables from dicts of the n-grams seen: the same sums, over the keys instead of array axes."""
        c = Counter(map(tuple, grams.tolist()))  # the raw order-n counts
        self.counts = c
        tables = [_sparse_tables(c)]
        for _ in range(self.order - 1):  # c holds the (m + 1)-gram counts, for m = order - 1, ..., 1
            tables.append(_sparse_tables(Counter(gram[1:] for gram in c)))  # distinct tokens before each m-gram
            lower = Counter()
            for gram, n in c.items():
                lower[gram[1:]] += n
            c = lower  # the m-gram counts
        self._tables = tables[::-1]
        return self

    def _check_fitted(self) -> None:
        if not self._tables:
            raise ValueError("KneserNeyModel must be fitted before scoring: call fit(stream) first")

    def _prob(self, grams: np.ndarray, discount: float) -> np.ndarray:
        """P_n(target | context) for rows (context..., target) of ``grams`` (M, n) ints, shape (M,)."""
        p = np.full(grams.shape[0], 1.0 / self.vocab_size)  # P_0
        for m in range(1, self.order + 1):
            a, den, types = self._tables[m - 1]
            g = grams[:, self.order - m:]  # (M, m): the last m - 1 context tokens and the target
            d = den[tuple(g[:, :-1].T)]
            t = types[tuple(g[:, :-1].T)]
            num = np.maximum(a[tuple(g.T)] - discount, 0.0) + discount * t * p
            p = np.where(d > 0, num / np.where(d > 0, d, 1.0), p)
        return p

    def probs(self, context=()) -> np.ndarray:
        """Return P(next token | the last order - 1 tokens of ``context``), shape (V,), summing to 1."""
        self._check_fitted()
        ctx = [int(c) for c in context][-(self.order - 1):] if self.order > 1 else []
        ctx = [self.pad] * (self.order - 1 - len(ctx)) + ctx
        if any(not 0 <= c < self.vocab_size for c in ctx):
            raise ValueError(f"context must hold token indices in [0, {self.vocab_size}), got {ctx}")
        grams = np.array([ctx + [c] for c in range(self.vocab_size)], dtype=np.int64).reshape(self.vocab_size, -1)
        return self._prob(grams, self.discount)

    def token_log_probs(self, stream) -> np.ndarray:
        """ln P(stream[t] | its n - 1 predecessors) for t = 1, ..., T - 1: shape (T - 1,), for paired comparisons.

        For a list of streams, the values of each stream in turn, concatenated.
        """
        self._check_fitted()
        return np.log(self._prob(self._grams(stream), self.discount))

    def log_probs(self, grams) -> np.ndarray:
        """ln P(target | context) for every row (context..., target) of ``grams`` (M, order) ints: shape (M,).

        The rows need not come from one stream: a decoder scores its candidate continuations this way.
        """
        self._check_fitted()
        g = np.asarray(grams)
        if g.dtype.kind not in "iu" or g.ndim != 2 or g.shape[1] != self.order:
            raise ValueError(f"grams must be a 2-d integer array of shape (M, {self.order}) with order={self.order}, "
                             f"got dtype {g.dtype} and shape {g.shape}")
        if g.size and (g.min() < 0 or g.max() >= self.vocab_size):
            raise ValueError(f"grams must hold token indices in [0, {self.vocab_size}), got {g.min()}..{g.max()}")
        return np.log(self._prob(g.astype(np.int64), self.discount))

    def nll(self, stream) -> float:
        """Mean negative log-likelihood in nats of ``stream[1:]``, each token given its n - 1 predecessors."""
        return float(-np.mean(self.token_log_probs(stream)))

    def tune_discount(self, stream, discounts) -> dict[float, float]:
        """Set ``discount`` to the value of ``discounts`` with the lowest nll on ``stream``; return {D: nll}."""
        self._check_fitted()
        grid = [check_real(d, "discounts", low=0, high=1, low_open=True) for d in np.atleast_1d(discounts)]
        if not grid:
            raise ValueError("discounts must hold at least one value in (0, 1], got none")
        grams = self._grams(stream)
        scores = {d: float(-np.mean(np.log(self._prob(grams, d)))) for d in grid}
        self.discount = min(scores, key=scores.get)
        return scores


class _SparseTable:
    """A dict of n-gram tuples -> count, read like the dense array: ``table[columns]`` -> (M,), 0 where unseen.

    ``columns`` is a tuple of m int arrays (M,), as in ``array[tuple(grams.T)]``; an empty tuple reads the
    count of the empty n-gram (a scalar), as a 0-d array would.
    """

    def __init__(self, counts: dict) -> None:
        self.counts = counts

    def __getitem__(self, columns: tuple) -> np.ndarray:
        if len(columns) == 0:
            return np.float64(self.counts.get((), 0))
        keys = zip(*(np.asarray(col).tolist() for col in columns))
        return np.array([self.counts.get(key, 0) for key in keys], dtype=np.float64)


def _sparse_tables(a: dict) -> tuple[_SparseTable, _SparseTable, _SparseTable]:
    """(A_m, A_m(u, .), types_m(u)) of ``KneserNeyModel`` from the counts ``a`` of the m-grams seen."""
    den, types = Counter(), Counter()
    for gram, n in a.items():
        den[gram[:-1]] += n
        types[gram[:-1]] += 1
    return _SparseTable(a), _SparseTable(den), _SparseTable(types)


def perplexity(nll: float) -> float:
    """exp(mean NLL in nats): the effective number of equally likely choices per token."""
    return float(np.exp(check_real(nll, "nll", low=0)))


def bits_per_token(nll: float) -> float:
    """The mean NLL converted from nats to bits: nll / ln 2."""
    return float(check_real(nll, "nll", low=0) / np.log(2.0))
