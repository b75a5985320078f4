"""Count-based n-gram models, add-k and interpolated Kneser-Ney: the baselines a neural language model must beat.

An order-n model predicts token t from the n - 1 tokens before it::

    P(c | context) = (count(context, c) + k) / (count(context) + k * V)

Counts come from a training stream only. Positions before the stream's start
are filled with ``pad`` (the separator), so every token has a full context.
k > 0 keeps every probability positive, so held-out text never scores log 0.
``KneserNeyModel`` instead subtracts a discount from every seen count and interpolates with lower orders.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_int, check_real


def _check_stream(stream, V: int, name: str = "stream") -> np.ndarray:
    s = np.asarray(stream)
    if s.dtype.kind not in "iu" or s.ndim != 1 or s.size < 2:
        raise ValueError(f"{name} must be a 1-d integer array with at least 2 tokens, got dtype {s.dtype} "
                         f"and shape {s.shape}")
    if s.min() < 0 or s.max() >= V:
        raise ValueError(f"{name} must hold token indices in [0, {V}), got {s.min()}..{s.max()}")
    return s.astype(np.int64)


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
        self.counts = np.zeros((self.vocab_size,) * self.order, dtype=np.float64)

    def _ngrams(self, stream: np.ndarray) -> np.ndarray:
        """Rows (context..., target) for every target stream[1:], contexts left-padded with ``pad``."""
        n = self.order
        padded = np.concatenate([np.full(n - 1, self.pad, dtype=np.int64), stream])
        # row j holds padded[j + 1 : j + 1 + n]: the n - 1 tokens before stream[j + 1], then stream[j + 1]
        return np.stack([padded[i + 1: i + 1 + stream.size - 1] for i in range(n)], axis=1)  # (T - 1, n)

    def fit(self, stream) -> NGramModel:
        """Count every n-gram whose last token is one of ``stream[1:]`` (T,) ints; return self."""
        s = _check_stream(stream, self.vocab_size)
        self.counts[...] = 0.0
        np.add.at(self.counts, tuple(self._ngrams(s).T), 1.0)
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
        s = _check_stream(stream, self.vocab_size)
        grams = self._ngrams(s)
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

    Parameters
    ----------
    order : int >= 1
    vocab_size : int
        V, the number of token types.
    discount : float in (0, 1]
        D, one absolute discount for every order.
    pad : int
        The token assumed before the start of a stream.

    Counting (``fit``'s ``counts``, the contexts of ``_ngrams``) is NGramModel's; its ``k`` is not used.
    """

    def __init__(self, order: int, vocab_size: int, discount: float = 0.75, pad: int = 0) -> None:
        super().__init__(order, vocab_size, k=1.0, pad=pad)
        self.discount = check_real(discount, "discount", low=0, high=1, low_open=True)
        self._tables: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def fit(self, stream) -> KneserNeyModel:
        """Count the n-grams of ``stream`` (T,) ints and the continuation counts of every lower order; return self."""
        super().fit(stream)
        c = self.counts  # (V,) * order
        tables = [(c, c.sum(axis=-1), (c > 0).sum(axis=-1))]  # A_n, A_n(u, .), types_n(u)
        for _ in range(self.order - 1):  # c holds the (m + 1)-gram counts, for m = order - 1, ..., 1
            a = (c > 0).sum(axis=0).astype(np.float64)  # (V,) * m continuation counts
            tables.append((a, a.sum(axis=-1), (a > 0).sum(axis=-1)))
            c = c.sum(axis=0)  # the m-gram counts
        self._tables = tables[::-1]  # index m - 1 holds order m
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
        """ln P(stream[t] | its n - 1 predecessors) for t = 1, ..., T - 1: shape (T - 1,), for paired comparisons."""
        self._check_fitted()
        s = _check_stream(stream, self.vocab_size)
        return np.log(self._prob(self._ngrams(s), self.discount))

    def nll(self, stream) -> float:
        """Mean negative log-likelihood in nats of ``stream[1:]``, each token given its n - 1 predecessors."""
        return float(-np.mean(self.token_log_probs(stream)))

    def tune_discount(self, stream, discounts) -> dict[float, float]:
        """Set ``discount`` to the value of ``discounts`` with the lowest nll on ``stream``; return {D: nll}."""
        self._check_fitted()
        grid = [check_real(d, "discounts", low=0, high=1, low_open=True) for d in np.atleast_1d(discounts)]
        if not grid:
            raise ValueError("discounts must hold at least one value in (0, 1], got none")
        grams = self._ngrams(_check_stream(stream, self.vocab_size))
        scores = {d: float(-np.mean(np.log(self._prob(grams, d)))) for d in grid}
        self.discount = min(scores, key=scores.get)
        return scores


def perplexity(nll: float) -> float:
    """exp(mean NLL in nats): the effective number of equally likely choices per token."""
    return float(np.exp(check_real(nll, "nll", low=0)))


def bits_per_token(nll: float) -> float:
    """The mean NLL converted from nats to bits: nll / ln 2."""
    return float(check_real(nll, "nll", low=0) / np.log(2.0))
