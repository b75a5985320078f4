"""Count-based n-gram models with add-k smoothing: the baselines a neural language model must beat.

An order-n model predicts token t from the n - 1 tokens before it::

    P(c | context) = (count(context, c) + k) / (count(context) + k * V)

Counts come from a training stream only. Positions before the stream's start
are filled with ``pad`` (the separator), so every token has a full context.
k > 0 keeps every probability positive, so held-out text never scores log 0.
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


def perplexity(nll: float) -> float:
    """exp(mean NLL in nats): the effective number of equally likely choices per token."""
    return float(np.exp(check_real(nll, "nll", low=0)))


def bits_per_token(nll: float) -> float:
    """The mean NLL converted from nats to bits: nll / ln 2."""
    return float(check_real(nll, "nll", low=0) / np.log(2.0))
