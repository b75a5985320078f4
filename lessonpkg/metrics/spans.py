"""Entity spans from BIO tags, scored by exact match (the CoNLL-2003 definition), and a most-frequent-tag baseline.

A tag is ``"O"`` (outside any entity), ``"B-X"`` (begins an entity of type X)
or ``"I-X"`` (continues one). An entity counts as found only if its type, its
first token and its last token all match a true entity: precision is the share
of predicted entities that are exactly right, recall the share of true
entities found exactly, and F1 their harmonic mean. Finding "Maria" of
"Maria Lopez" scores nothing.

As in the CoNLL evaluation script, an ``I-X`` that does not continue an entity
of type X (after ``O``, or after an entity of another type) starts a new
entity, and a ``B-X`` always starts one.
"""

from __future__ import annotations

from collections import Counter

import numpy as np


def _check_tag(tag, where: str) -> str:
    if not isinstance(tag, str) or not (tag == "O" or (tag[:2] in ("B-", "I-") and len(tag) > 2)):
        raise ValueError(f"{where} must be 'O', 'B-<type>' or 'I-<type>', got {tag!r}")
    return tag


def bio_spans(tags) -> list[tuple[str, int, int]]:
    """The entities of one tagged sentence as ``(type, start, end)``, end exclusive, in order.

    >>> bio_spans(["B-PER", "I-PER", "O", "B-NUM"])
    [('PER', 0, 2), ('NUM', 3, 4)]
    """
    spans: list[tuple[str, int, int]] = []
    kind, start = None, 0
    for i, tag in enumerate(list(tags)):
        _check_tag(tag, f"tags[{i}]")
        continues = tag.startswith("I-") and kind == tag[2:]
        if kind is not None and not continues:
            spans.append((kind, start, i))
            kind = None
        if tag != "O" and not continues:
            kind, start = tag[2:], i
    if kind is not None:
        spans.append((kind, start, len(list(tags))))
    return spans


def span_scores(true_tags, pred_tags) -> dict[str, dict[str, float]]:
    """Exact-match precision, recall and F1 per entity type and over all types ("all", micro-averaged).

    Parameters
    ----------
    true_tags, pred_tags : sequences of sentences, each a sequence of str tags; sentence n must have the
        same length in both

    Returns
    -------
    dict
        For each type and for ``"all"``: ``"precision"``, ``"recall"``, ``"f1"`` and the counts ``"true"``,
        ``"predicted"``, ``"correct"``. A ratio whose denominator is 0 is 0, as in the CoNLL script.
    """
    true_tags, pred_tags = list(true_tags), list(pred_tags)
    if len(true_tags) != len(pred_tags):
        raise ValueError(f"true_tags and pred_tags must hold the same number of sentences, got {len(true_tags)} "
                         f"and {len(pred_tags)}")
    n_true, n_pred, n_correct = Counter(), Counter(), Counter()
    for n, (t, p) in enumerate(zip(true_tags, pred_tags)):
        t, p = list(t), list(p)
        if len(t) != len(p):
            raise ValueError(f"sentence {n} has {len(t)} true tags and {len(p)} predicted tags; they must be equal")
        ts, ps = set(bio_spans(t)), set(bio_spans(p))
        n_true.update(s[0] for s in ts)
        n_pred.update(s[0] for s in ps)
        n_correct.update(s[0] for s in ts & ps)
    result = {}
    for kind in sorted(set(n_true) | set(n_pred)) + ["all"]:
        tr, pr, co = (sum(c.values()) if kind == "all" else c[kind] for c in (n_true, n_pred, n_correct))
        precision = co / pr if pr else 0.0
        recall = co / tr if tr else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[kind] = {"precision": precision, "recall": recall, "f1": f1, "true": tr, "predicted": pr,
                        "correct": co}
    return result


def token_accuracy(true_tags, pred_tags) -> float:
    """The share of tokens whose predicted tag equals the true one, over all sentences."""
    true_tags, pred_tags = list(true_tags), list(pred_tags)
    lengths = [(len(list(t)), len(list(p))) for t, p in zip(true_tags, pred_tags)]
    if len(true_tags) != len(pred_tags) or any(a != b for a, b in lengths):
        raise ValueError("true_tags and pred_tags must hold the same sentences with the same number of tags each")
    pairs = [(a, b) for t, p in zip(true_tags, pred_tags) for a, b in zip(t, p)]
    if not pairs:
        raise ValueError("true_tags and pred_tags must contain at least one token")
    return float(np.mean([a == b for a, b in pairs]))


class MostFrequentTag:
    """Tag every word with the tag it had most often in training (lower-cased); unknown words get ``default``.

    Ties go to the tag seen first in training.
    """

    def __init__(self, default: str = "O") -> None:
        self.default = _check_tag(default, "default")
        self.table: dict[str, str] = {}

    def fit(self, sentences, tags) -> MostFrequentTag:
        """Count the tags of every word in the training sentences; return self."""
        counts: dict[str, Counter] = {}
        for n, (words, ts) in enumerate(zip(list(sentences), list(tags), strict=True)):
            for w, t in zip(list(words), list(ts), strict=True):
                counts.setdefault(w.lower(), Counter())[_check_tag(t, f"tags[{n}]")] += 1
        self.table = {w: c.most_common(1)[0][0] for w, c in counts.items()}
        return self

    def predict(self, sentences) -> list[tuple[str, ...]]:
        """The tags of every sentence, one tuple per sentence."""
        return [tuple(self.table.get(w.lower(), self.default) for w in words) for words in sentences]
