"""A joint-sequence ("graphone") G2P model after Bisani and Ney (2008): the baseline Chapter 10's networks must beat.

A *graphone* is a pair (letters, phonemes) such as ``("ph", ("F",))``, ``("x", ("K", "S"))`` or
``("e", ())``. A word and its pronunciation are one sequence of graphones, and a pronunciation is
found by asking which graphone sequence that spells the word is most probable:

1. **Align** (``align_em``): every way of cutting a training word into graphones of the allowed
   ``SHAPES`` (1 letter -> 0, 1 or 2 phonemes, 2 letters -> 1 phoneme) is a path through a lattice.
   Expectation-maximisation, with forward-backward over the lattice, estimates a unigram
   distribution over graphones; each word then keeps its most probable (Viterbi) segmentation.
2. **Model**: the graphone sequences, one per word between two boundary tokens, train an
   interpolated Kneser-Ney n-gram, ``lp.models.KneserNeyModel(order, sparse=True)``.
3. **Decode** (``GraphoneG2P.transcribe``): beam search from left to right over the letters; a
   hypothesis is extended by every graphone whose letters come next in the word, scored by the n-gram.
   Hypotheses at the same letter with the same n-gram history are merged (the better one is kept).

Sequitur (Bisani and Ney) also trains the n-gram jointly with the segmentation and sums over
segmentations when decoding; here the alignment is fixed first and decoding keeps the best
segmentation (the maximum approximation), as Phonetisaurus does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import log

import numpy as np

from lessonpkg._validate import check_int, check_real
from lessonpkg.models.ngram import KneserNeyModel

SHAPES = ((1, 0), (1, 1), (1, 2), (2, 1))  # (letters, phonemes) of a graphone
BOUNDARY = 0  # the token before and after every word
Graphone = tuple[str, tuple[str, ...]]


def _check_pairs(pairs, name: str = "pairs") -> list[tuple[str, tuple[str, ...]]]:
    if isinstance(pairs, (str, bytes)) or not hasattr(pairs, "__len__"):
        raise TypeError(f"{name} must be a sequence of (word, phonemes) pairs, got {type(pairs).__name__}")
    if len(pairs) == 0:
        raise ValueError(f"{name} must hold at least one (word, phonemes) pair, got an empty sequence")
    out = []
    for i, pair in enumerate(pairs):
        ok = isinstance(pair, (tuple, list)) and len(pair) == 2 and isinstance(pair[0], str) and pair[0] \
            and not isinstance(pair[1], str) and all(isinstance(p, str) for p in pair[1])
        if not ok:
            raise ValueError(f"{name}[{i}] must be a (word, phonemes) pair such as ('box', ('B', 'AA', 'K', 'S')), "
                             f"got {pair!r}")
        out.append((pair[0], tuple(pair[1])))
    return out


def _check_shapes(shapes) -> tuple[tuple[int, int], ...]:
    shapes = tuple(tuple(s) for s in shapes)
    for s in shapes:
        if len(s) != 2 or not all(isinstance(k, int) for k in s) or s[0] < 1 or s[1] < 0:
            raise ValueError(f"shapes must hold (letters >= 1, phonemes >= 0) int pairs, got {shapes}")
    if (1, 1) not in shapes:
        raise ValueError(f"shapes must include (1, 1), got {shapes}")
    return shapes


def _edges(word: str, phones: tuple, shapes) -> list[tuple[int, int, int, int, Graphone]]:
    """Every graphone edge (i, j) -> (i + a, j + b) of the word's lattice, in order of i then j."""
    m, n = len(word), len(phones)
    return [(i, j, a, b, (word[i:i + a], phones[j:j + b]))
            for i in range(m) for j in range(n + 1) for a, b in shapes if i + a <= m and j + b <= n]


@dataclass(frozen=True)
class Alignment:
    """What ``align_em`` learned: graphone probabilities and each training pair's best segmentation."""

    probs: dict  # {graphone: probability}, summing to 1; graphones EM drove to 0 are left out
    paths: list  # paths[k]: the most probable segmentation of pairs[k], a list of graphones, or None

    @property
    def dropped(self) -> list[int]:
        """The indices of the pairs that no segmentation into the allowed shapes can spell."""
        return [k for k, path in enumerate(self.paths) if path is None]


def align_em(pairs: Sequence, *, shapes=SHAPES, iterations: int = 10) -> Alignment:
    """Estimate graphone probabilities by EM over every segmentation of every pair, then segment each pair.

    The first E-step weighs every segmentation of a word equally; each later one weighs a segmentation by
    the product of its graphones' probabilities. Words are processed in groups of equal (letters, phonemes)
    lengths, whose lattices have the same edges, with one numpy operation per edge for the whole group.
    After the last M-step each pair keeps its most probable (Viterbi) segmentation; a pair that no
    segmentation can spell (e.g. more than two phonemes a letter) gets None.
    """
    pairs, shapes = _check_pairs(pairs), _check_shapes(shapes)
    iterations = check_int(iterations, "iterations", low=1)
    index: dict[Graphone, int] = {}
    groups: dict[tuple[int, int], list[int]] = {}
    for k, (word, phones) in enumerate(pairs):
        groups.setdefault((len(word), len(phones)), []).append(k)
    lattices = []  # per group: [(i, j, a, b, unit ids (N,))], the pairs' indices, (m, n)
    r = max(b / a for a, b in shapes)  # the most phonemes per letter
    for (m, n), members in groups.items():  # keep the edges on some path from (0, 0) to (m, n)
        edges = [(i, j, a, b) for i, j, a, b, _ in _edges("x" * m, ("x",) * n, shapes)
                 if j <= r * i and n - j - b <= r * (m - i - a)]
        ids = [np.array([index.setdefault((pairs[k][0][i:i + a], pairs[k][1][j:j + b]), len(index))
                         for k in members], dtype=np.int64) for i, j, a, b in edges]
        lattices.append(([(*e, u) for e, u in zip(edges, ids)], members, (m, n)))
    weight = np.ones(len(index))  # the first E-step: every segmentation counts the same
    for _ in range(iterations):
        counts = np.zeros(len(index))
        for edges, members, (m, n) in lattices:
            if not edges:  # no segmentation spells these pairs
                continue
            alpha, beta = _forward_backward(edges, weight, len(members), m, n)
            z = alpha[m, n]  # (N,) total weight of the word's segmentations
            i, j, a, b, u = (np.array(col) for col in zip(*edges))  # (E,) each, u (E, N)
            post = alpha[i, j] * weight[u] * beta[i + a, j + b] / np.where(z > 0, z, 1.0)  # (E, N) posteriors
            counts += np.bincount(u.ravel(), post.ravel(), minlength=len(index))
        weight = counts / counts.sum()
    units = list(index)
    paths: list = [None] * len(pairs)
    logw = np.array([log(w) if w > 0 else -np.inf for w in weight.tolist()])  # math.log, as _viterbi uses
    for edges, members, (m, n) in lattices:
        back = _viterbi_group(edges, logw, len(members), m, n)  # (m + 1, n + 1, N) edge indices
        for col, k in enumerate(members):
            if back[m, n, col] < 0:
                continue
            path, node = [], (m, n)
            while node != (0, 0):
                i, j, a, b, u = edges[back[node][col]]
                path.append(units[u[col]])
                node = (i, j)
            paths[k] = path[::-1]
    return Alignment({units[k]: float(weight[k]) for k in np.flatnonzero(weight > 0)}, paths)


def _viterbi_group(edges, logw: np.ndarray, N: int, m: int, n: int) -> np.ndarray:
    """The best incoming edge (its index in ``edges``, -1 if none) of each node, for N lattices at once."""
    score = np.full((m + 1, n + 1, N), -np.inf)
    back = np.full((m + 1, n + 1, N), -1, dtype=np.int64)
    score[0, 0] = 0.0
    for e, (i, j, a, b, u) in enumerate(edges):  # the first best edge wins ties, as in _viterbi
        cand = score[i, j] + logw[u]
        better = cand > score[i + a, j + b]
        score[i + a, j + b][better] = cand[better]
        back[i + a, j + b][better] = e
    return back


def _forward_backward(edges, weight: np.ndarray, N: int, m: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """alpha, beta (m + 1, n + 1, N): total weight of the segmentations into and out of each lattice node."""
    alpha, beta = np.zeros((m + 1, n + 1, N)), np.zeros((m + 1, n + 1, N))
    alpha[0, 0], beta[m, n] = 1.0, 1.0
    for i, j, a, b, u in edges:  # edges leave (i, j) in increasing order, so alpha[i, j] is complete
        alpha[i + a, j + b] += alpha[i, j] * weight[u]
    for i, j, a, b, u in reversed(edges):
        beta[i, j] += weight[u] * beta[i + a, j + b]
    return alpha, beta


def viterbi_align(word: str, phones: Sequence[str], probs: dict, *, shapes=SHAPES) -> list[Graphone] | None:
    """The most probable segmentation of (word, phones) into graphones of ``probs``, or None if there is none."""
    (word, phones), = _check_pairs([(word, phones)], "(word, phones)")
    if not isinstance(probs, dict):
        raise TypeError(f"probs must be a dict {{graphone: probability}} from align_em, got {type(probs).__name__}")
    return _viterbi(word, phones, {u: log(q) for u, q in probs.items() if q > 0}, _check_shapes(shapes))


def _viterbi(word: str, phones: tuple, logp: dict, shapes) -> list[Graphone] | None:
    m, n = len(word), len(phones)
    best = {(0, 0): (0.0, None)}  # node -> (log-probability, (previous node, graphone))
    for i, j, a, b, unit in _edges(word, phones, shapes):
        if (i, j) in best and unit in logp:
            score = best[i, j][0] + logp[unit]
            if (i + a, j + b) not in best or score > best[i + a, j + b][0]:
                best[i + a, j + b] = (score, ((i, j), unit))
    if (m, n) not in best:
        return None
    path, node = [], (m, n)
    while node != (0, 0):
        node, unit = best[node][1]
        path.append(unit)
    return path[::-1]


class GraphoneG2P:
    """A joint-sequence G2P model: EM alignment, a Kneser-Ney n-gram over graphones, beam-search decoding.

    Parameters
    ----------
    order : int >= 1
        The n of the graphone n-gram.
    discount : float in (0, 1]
        The Kneser-Ney discount D.
    shapes : sequence of (letters, phonemes) pairs
        The graphone shapes the alignment may use; must include (1, 1).
    iterations : int >= 1
        EM iterations of the alignment.

    Attributes
    ----------
    units : list of graphones
        Set by ``fit``: token k + 1 is ``units[k]``, token 0 the word boundary.
    lm : KneserNeyModel
        Set by ``fit``: the sparse n-gram over the V = len(units) + 1 tokens.
    dropped : list of (word, phonemes)
        Set by ``fit``: the training pairs the shapes cannot align (left out of the n-gram).
    """

    def __init__(self, order: int = 5, discount: float = 0.75, *, shapes=SHAPES, iterations: int = 10) -> None:
        self.order = check_int(order, "order", low=1)
        self.discount = check_real(discount, "discount", low=0, high=1, low_open=True)
        self.shapes = _check_shapes(shapes)
        self.iterations = check_int(iterations, "iterations", low=1)
        self.units: list[Graphone] = []
        self.lm: KneserNeyModel | None = None

    def fit(self, pairs: Sequence, *, alignment: Alignment | None = None) -> GraphoneG2P:
        """Align ``pairs`` of (word, phonemes) with ``align_em``, then count the graphone n-grams; return self.

        ``alignment``, what ``align_em(pairs)`` returned before, skips the EM (to try several orders on one
        alignment).
        """
        pairs = _check_pairs(pairs)
        if alignment is None:
            alignment = align_em(pairs, shapes=self.shapes, iterations=self.iterations)
        elif not isinstance(alignment, Alignment) or len(alignment.paths) != len(pairs):
            raise TypeError(f"alignment must be the Alignment that align_em(pairs) returned for these "
                            f"{len(pairs)} pairs, got {type(alignment).__name__}")
        self.probs = alignment.probs
        self.dropped = [pairs[k] for k in alignment.dropped]
        paths = [path for path in alignment.paths if path is not None]
        self.units = sorted({unit for path in paths for unit in path})
        self._token = {unit: k + 1 for k, unit in enumerate(self.units)}
        self._by_letters: dict[str, list[int]] = {}
        for unit, token in self._token.items():
            self._by_letters.setdefault(unit[0], []).append(token)
        self.lm = KneserNeyModel(self.order, len(self.units) + 1, self.discount, pad=BOUNDARY, sparse=True)
        self.lm.fit(self.encode(paths))
        return self

    def align(self, pairs: Sequence) -> list[list[Graphone] | None]:
        """The Viterbi segmentation of each pair into the model's graphones (None where there is none)."""
        self._check_fitted()
        logp = {u: log(self.probs[u]) for u in self.units}
        return [_viterbi(w, p, logp, self.shapes) for w, p in _check_pairs(pairs)]

    def nll(self, pairs: Sequence) -> tuple[float, int]:
        """Mean negative log-likelihood in nats per graphone (and end token) of the pairs' ``align``-ments.

        Returns the nll and the number of pairs scored: a pair no segmentation into the model's graphones
        can spell is left out.
        """
        streams = self._streams(pairs)
        return self.lm.nll(streams), len(streams)

    def tune_discount(self, pairs: Sequence, discounts) -> dict[float, float]:
        """Set the discount to the value of ``discounts`` with the lowest ``nll`` on ``pairs``; return {D: nll}."""
        scores = self.lm.tune_discount(self._streams(pairs), discounts)
        self.discount = self.lm.discount
        return scores

    def _streams(self, pairs: Sequence) -> list[np.ndarray]:
        paths = [path for path in self.align(pairs) if path is not None]
        if not paths:
            raise ValueError("pairs must hold at least one pair that the model's graphones can spell, got none")
        return self.encode(paths)

    def encode(self, paths: Sequence) -> list[np.ndarray]:
        """Token streams ``[0, units..., 0]`` of graphone ``paths`` (each a list of graphones of ``units``)."""
        self._check_fitted()
        out = []
        for i, path in enumerate(paths):
            unknown = [unit for unit in path if unit not in self._token]
            if unknown:
                raise ValueError(f"paths[{i}] holds graphones the model never saw in training: {unknown}")
            out.append(np.array([BOUNDARY, *(self._token[u] for u in path), BOUNDARY], dtype=np.int64))
        return out

    def _check_fitted(self) -> None:
        if self.lm is None:
            raise ValueError("GraphoneG2P must be fitted before use: call fit(pairs) first")

    def transcribe(self, word: str, *, beam_width: int = 10) -> tuple[str, ...]:
        """The phonemes of the most probable graphone sequence found for ``word``; () if none spells it."""
        self._check_fitted()
        if not isinstance(word, str) or not word:
            raise ValueError(f"word must be a non-empty str, got {word!r}")
        beam_width = check_int(beam_width, "beam_width", low=1)
        h = self.order - 1  # tokens of history
        m = len(word)
        beams: list[dict] = [{} for _ in range(m + 1)]  # position -> {history: (log-probability, units)}
        beams[0][(BOUNDARY,) * h] = (0.0, ())
        for i in range(m):
            hyps = sorted(beams[i].items(), key=lambda kv: -kv[1][0])[:beam_width]
            rows, moves = [], []
            for a in {s[0] for s in self.shapes}:
                for token in self._by_letters.get(word[i:i + a], []) if i + a <= m else []:
                    for hist, (score, units) in hyps:
                        rows.append((*hist, token))
                        moves.append((i + a, score, units))
            if not rows:
                continue
            logp = self.lm.log_probs(np.array(rows, dtype=np.int64))
            for row, (end, score, units), lp_ in zip(rows, moves, logp):
                hist, new = row[len(row) - h:] if h else (), score + lp_
                if hist not in beams[end] or new > beams[end][hist][0]:
                    beams[end][hist] = (new, (*units, row[-1]))
        if not beams[m]:
            return ()
        finals = list(beams[m].items())
        ends = self.lm.log_probs(np.array([(*hist, BOUNDARY) for hist, _ in finals], dtype=np.int64).reshape(
            len(finals), self.order))
        k = int(np.argmax([s + e for (_, (s, _)), e in zip(finals, ends)]))
        return tuple(p for token in finals[k][1][1] for p in self.units[token - 1][1])
