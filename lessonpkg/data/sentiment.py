"""Generated short reviews whose sentiment depends on word order: negation, its scope, and contrast with "but".

Source
------
Generated, not collected: no real sentiment corpus installs offline. Every
review comes from the grammar below and a seeded ``numpy.random.Generator``;
nothing is read or downloaded, so there is no licence to follow. The same
sizes and seed always give the same reviews.

The grammar
-----------
::

    review      : clause 0.5 | clause "but" clause 0.5
    clause      : [negator] intensifier* adjective
    negator     : none 0.5 | "not" 0.3 | "never" 0.2
    intensifier*: none 0.5 | one 0.3 | two 0.2, each "very" or "really" (uniform)
    adjective   : good great fine (positive) | bad awful dull (negative), uniform

A clause's polarity is its adjective's, flipped by a negator; intensifiers
never change it. The label of a review is the polarity of its last clause:
after "but" the second clause decides. So ``"good but not great"`` is
negative and ``"not good but great"`` positive, although both hold the same
words, and ``"bad but good"`` and ``"good but bad"`` disagree too. A model
that sees only which words occur (any bag-of-words model) cannot separate
them; ``order_blind_ceiling`` measures how much accuracy this costs.

Each review also carries a construction tag, ``"<single|contrast>, <plain|
negated, adjacent|negated, distant>"``: whether it has a "but", and whether the
deciding clause is un-negated, negated right before its adjective
(``"not good"``) or negated with intensifiers in between (``"not very good"``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import product

import numpy as np

from lessonpkg._validate import as_rng, check_int
from lessonpkg.data.splits import Examples, Splits
from lessonpkg.data.vocab import Vocab

POSITIVE = ("good", "great", "fine")
NEGATIVE = ("bad", "awful", "dull")
NEGATORS = {"": 0.5, "not": 0.3, "never": 0.2}
INTENSIFIERS = ("very", "really")
N_INTENSIFIERS = {0: 0.5, 1: 0.3, 2: 0.2}
P_CONTRAST = 0.5
CLASS_NAMES = ("negative", "positive")


def _clauses() -> list[tuple[str, int, str, float]]:
    """Every clause as (text, polarity 0/1, kind, probability)."""
    out = []
    for neg, p_neg in NEGATORS.items():
        for k, p_k in N_INTENSIFIERS.items():
            for ints in product(INTENSIFIERS, repeat=k):
                for adj in POSITIVE + NEGATIVE:
                    p = p_neg * p_k / len(INTENSIFIERS) ** k / (len(POSITIVE) + len(NEGATIVE))
                    polarity = int(adj in POSITIVE) ^ int(bool(neg))
                    kind = "plain" if not neg else ("negated, adjacent" if k == 0 else "negated, distant")
                    out.append((" ".join(w for w in (neg, *ints, adj) if w), polarity, kind, p))
    return out


def review_distribution() -> list[tuple[str, int, str, float]]:
    """Every review of the grammar as (text, label, construction, probability); the probabilities sum to 1."""
    clauses = _clauses()
    out = [(text, pol, f"single, {kind}", (1 - P_CONTRAST) * p) for text, pol, kind, p in clauses]
    for (t1, _, _, p1), (t2, pol, kind, p2) in product(clauses, clauses):
        out.append((f"{t1} but {t2}", pol, f"contrast, {kind}", P_CONTRAST * p1 * p2))
    return out


@dataclass(frozen=True)
class Reviews(Examples):
    """Reviews (str), labels (int64, 1 = positive) and construction tags (str), aligned."""

    texts: list[str]
    labels: np.ndarray
    constructions: list[str]


@dataclass(frozen=True)
class SentimentSplits(Splits):
    """Train, validation and test ``Reviews``, drawn independently from the grammar."""

    class_names: tuple[str, ...] = CLASS_NAMES


def make_reviews(n: int, rng: np.random.Generator | int | None = None) -> Reviews:
    """Draw ``n`` reviews independently from the grammar.

    Parameters
    ----------
    n : int
    rng : numpy.random.Generator, int or None

    Returns
    -------
    Reviews
        E.g. texts ``["not very good but fine", "awful", ...]``, labels ``[1, 0, ...]``.
    """
    n = check_int(n, "n", low=1)
    dist = review_distribution()
    p = np.array([d[3] for d in dist])
    idx = as_rng(rng).choice(len(dist), size=n, p=p / p.sum())
    return Reviews([dist[i][0] for i in idx], np.array([dist[i][1] for i in idx], dtype=np.int64),
                   [dist[i][2] for i in idx])


def load_sentiment(n_train: int = 2000, n_val: int = 500, n_test: int = 1000,
                   rng: np.random.Generator | int | None = 0) -> SentimentSplits:
    """Three independent samples of generated reviews: train, validation and test.

    The splits are drawn from the same distribution, so a short review such
    as ``"not good"`` occurs in all three; long contrast reviews mostly occur
    in one only.

    Parameters
    ----------
    n_train, n_val, n_test : int
    rng : numpy.random.Generator, int or None, default 0

    Returns
    -------
    SentimentSplits
    """
    gen = as_rng(rng)
    return SentimentSplits(make_reviews(n_train, gen), make_reviews(n_val, gen), make_reviews(n_test, gen))


def ngram_bag(text: str, n: int = 1) -> tuple[str, ...]:
    """The sorted multiset of the word k-grams of ``text``, k = 1..n (order inside a k-gram kept, order between lost).

    ``ngram_bag("not good but great", 2)`` is ``("but", "but great", "good", "good but", "great", "not",
    "not good")``.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str of space-separated words, got {type(text).__name__}")
    n = check_int(n, "n", low=1)
    words = text.split()
    return tuple(sorted(" ".join(words[i:i + k]) for k in range(1, n + 1) for i in range(len(words) - k + 1)))


def order_blind_ceiling(texts: Iterable[str], labels, weights=None, n: int = 1) -> float:
    """The best accuracy any classifier that sees only the bag of n-grams can reach on these examples.

    Reviews with the same bag must get the same prediction, so the best a
    classifier can do is predict each bag's majority label; the ceiling is the
    (weighted) share of examples that agree with their bag's majority.

    Parameters
    ----------
    texts : iterable of str
    labels : int array (N,)
    weights : float array (N,) or None
        Probabilities or counts of the examples; None counts each once.
    n : int, default 1
        1 for a bag of words, 2 for a bag of words and bigrams, ... (see ``ngram_bag``)

    Returns
    -------
    float in [0.5, 1] for two classes
    """
    texts = list(texts)
    labels = np.asarray(labels)
    w = np.ones(len(texts)) if weights is None else np.asarray(weights, dtype=np.float64)
    if labels.shape != (len(texts),) or w.shape != (len(texts),):
        raise ValueError(f"labels and weights must have shape ({len(texts)},) like texts, got {labels.shape} "
                         f"and {w.shape}")
    if not (np.all(np.isfinite(w)) and np.all(w >= 0) and w.sum() > 0):
        raise ValueError("weights must be finite and >= 0 with a positive sum, got "
                         f"{int(np.sum(~np.isfinite(w)))} NaN or inf, minimum {np.nanmin(w) if w.size else None}, "
                         f"sum {w.sum()}")
    mass: dict = defaultdict(lambda: defaultdict(float))
    for text, y, wi in zip(texts, labels, w):
        mass[ngram_bag(text, n)][int(y)] += wi
    return float(sum(max(m.values()) for m in mass.values()) / w.sum())


def ngram_counts(texts: Iterable[str], n: int = 1, ngrams: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Count the k-grams (k = 1..n) of every text: the features of a bag-of-words (n=1) or bag-of-bigrams model.

    Parameters
    ----------
    texts : iterable of str
    n : int, default 1
    ngrams : list of str or None
        The distinct features, e.g. the list returned for the training texts; k-grams outside it are ignored.
        None builds it from ``texts``, sorted.

    Returns
    -------
    counts : float64 ndarray (N, F)
        ``counts[i, j]`` is how often ``ngrams[j]`` occurs in ``texts[i]``.
    ngrams : list of str (F,)
    """
    bags = [ngram_bag(t, n) for t in texts]
    if ngrams is None:
        ngrams = sorted({g for bag in bags for g in bag})
    vocab = Vocab(ngrams)  # k-gram -> column
    counts = np.zeros((len(bags), len(vocab)))
    for i, bag in enumerate(bags):
        np.add.at(counts[i], vocab.encode([g for g in bag if g in vocab]), 1.0)
    return counts, list(ngrams)
