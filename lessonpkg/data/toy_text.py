"""A tiny generated English: sentences drawn from a weighted template grammar, and a word vocabulary.

Source
------
Generated, not collected. Every sentence comes from the grammar below and a
seeded ``numpy.random.Generator``; nothing is read or downloaded, so there is
no licence to follow. The same ``n`` and seed always give the same sentences.

The grammar
-----------
A sentence is ``the [adjective] <animal> <action> .``::

    adjective : none 0.6 | small 0.15 | big 0.15 | old 0.1
    animal    : cat 0.45 | dog 0.35 | bird 0.2
    action    : sat on the <place> 0.5 | chased the <target> 0.3 | slept 0.2

and the place and the target depend on the animal (``PLACES``, ``TARGETS``).
So the word after "the cat sat on the" is random (mat, sofa, chair, ...), with
probabilities that depend on a word four positions back. The language is
finite, so ``sentence_probabilities`` lists every sentence with its exact
probability, and ``next_word_probabilities`` gives the exact conditional
distribution of the next word that a language model should learn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from lessonpkg._validate import as_rng, check_int
from lessonpkg.data.padding import pad_sequences
from lessonpkg.data.vocab import Vocab

ADJECTIVES = {"": 0.6, "small": 0.15, "big": 0.15, "old": 0.1}
ANIMALS = {"cat": 0.45, "dog": 0.35, "bird": 0.2}
ACTIONS = {"sat on the": 0.5, "chased the": 0.3, "slept": 0.2}
PLACES = {
    "cat": {"mat": 0.4, "sofa": 0.25, "chair": 0.15, "bed": 0.12, "roof": 0.08},
    "dog": {"floor": 0.45, "mat": 0.15, "sofa": 0.2, "bed": 0.2},
    "bird": {"roof": 0.45, "fence": 0.35, "chair": 0.2},
}
TARGETS = {
    "cat": {"mouse": 0.55, "bird": 0.3, "dog": 0.15},
    "dog": {"cat": 0.6, "ball": 0.25, "bird": 0.15},
    "bird": {"bug": 0.7, "cat": 0.3},
}
PAD, BOS = "<pad>", "<bos>"


def sentence_probabilities() -> dict[str, float]:
    """Every sentence of the grammar and its probability (the values sum to 1).

    Returns
    -------
    dict of str -> float
        Sentences as space-separated words ending in " .", e.g. ``"the cat sat on the mat ."``.
    """
    out: dict[str, float] = {}
    for adj, p_adj in ADJECTIVES.items():
        for animal, p_animal in ANIMALS.items():
            subject = " ".join(w for w in ("the", adj, animal) if w)
            for action, p_action in ACTIONS.items():
                endings = {"sat on the": PLACES[animal], "chased the": TARGETS[animal]}.get(action, {"": 1.0})
                for word, p_word in endings.items():
                    words = " ".join(w for w in (subject, action, word, ".") if w)
                    out[words] = out.get(words, 0.0) + p_adj * p_animal * p_action * p_word
    return out


def make_sentences(n: int, rng: np.random.Generator | int | None = None) -> list[str]:
    """Draw ``n`` sentences independently from the grammar.

    Parameters
    ----------
    n : int
        The number of sentences.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    list of str
        E.g. ``["the cat sat on the mat .", "the big dog slept .", ...]``.
    """
    n = check_int(n, "n", low=1)
    probs = sentence_probabilities()
    sentences = list(probs)
    p = np.array([probs[s] for s in sentences])
    idx = as_rng(rng).choice(len(sentences), size=n, p=p / p.sum())
    return [sentences[i] for i in idx]


def _words(prefix, name: str) -> list[str]:
    if not isinstance(prefix, str):
        raise TypeError(f"{name} must be a str of space-separated words, got {type(prefix).__name__}")
    return prefix.split()


def next_word_probabilities(prefix: str) -> dict[str, float]:
    """The exact probability of each next word given that a sentence starts with ``prefix``, under the grammar.

    Parameters
    ----------
    prefix : str
        The first words of a sentence, e.g. ``"the cat sat on the"``; ``""`` asks for the first word.

    Returns
    -------
    dict of str -> float
        Next word -> probability, largest first; the values sum to 1.
    """
    words = _words(prefix, "prefix")
    k = len(words)
    mass: Counter = Counter()
    for sentence, p in sentence_probabilities().items():
        s = sentence.split()
        if s[:k] == words and len(s) > k:
            mass[s[k]] += p
    if not mass:
        raise ValueError(f"prefix must start at least one sentence of the grammar and not end it, got {prefix!r}")
    total = sum(mass.values())
    return {w: p / total for w, p in sorted(mass.items(), key=lambda kv: (-kv[1], kv[0]))}


def next_word_counts(sentences: Iterable[str], prefix: str) -> dict[str, int]:
    """Count, among ``sentences`` that start with ``prefix``, the word that follows it.

    Parameters
    ----------
    sentences : iterable of str
    prefix : str
        The first words of a sentence, e.g. ``"the cat sat on the"``.

    Returns
    -------
    dict of str -> int
        Next word -> count, most frequent first (empty if no sentence starts with ``prefix``).
    """
    words = _words(prefix, "prefix")
    k = len(words)
    counts: Counter = Counter()
    for sentence in sentences:
        s = _words(sentence, "sentences[i]")
        if s[:k] == words and len(s) > k:
            counts[s[k]] += 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


class Vocabulary:
    """The words of sentences as a ``Vocab``: index 0 is ``<pad>``, index 1 is ``<bos>``, then the words.

    A thin layer over ``lessonpkg.data.Vocab`` (``vocab``) for sentences written as space-separated words:
    ``encode`` splits a sentence and puts ``<bos>`` first, ``decode`` joins the words, and ``encode_batch``
    pads with ``lessonpkg.data.pad_sequences``.

    Parameters
    ----------
    words : iterable of str
        The words, in the order that fixes their indices (from 2 on); duplicates are dropped.

    Attributes
    ----------
    vocab : Vocab
        The vocabulary itself, with ``pad`` 0 and ``bos`` 1.
    itos : list of str
        Index -> word, with ``itos[0] == "<pad>"`` and ``itos[1] == "<bos>"``.
    stoi : mapping str -> int
        Word -> index.
    pad_index, bos_index : int
        0 and 1.
    """

    def __init__(self, words: Iterable[str]) -> None:
        if isinstance(words, str):
            raise TypeError("words must be an iterable of words, got a single str; use sentence.split()")
        words = list(words)
        for w in words:
            if not isinstance(w, str) or not w or w.split() != [w]:
                raise ValueError(f"words must be non-empty strings without spaces, got {w!r}")
        self.vocab = Vocab(dict.fromkeys([PAD, BOS, *words]), pad=PAD, bos=BOS)

    @classmethod
    def from_sentences(cls, sentences: Iterable[str]) -> Vocabulary:
        """Build the vocabulary of every word in ``sentences``, sorted alphabetically (so the order is fixed)."""
        return cls(sorted({w for s in sentences for w in _words(s, "sentences[i]")}))

    itos = property(lambda self: list(self.vocab.itos), doc="Index -> word, a list.")
    stoi = property(lambda self: self.vocab.stoi, doc="Word -> index, a read-only mapping.")
    pad_index = property(lambda self: self.vocab.pad, doc="0, the index of ``<pad>``.")
    bos_index = property(lambda self: self.vocab.bos, doc="1, the index of ``<bos>``.")

    def __len__(self) -> int:
        return len(self.vocab)

    def __contains__(self, word) -> bool:
        return word in self.vocab

    def encode(self, sentence: str, bos: bool = True) -> np.ndarray:
        """Turn ``"the cat slept ."`` into int64 indices, with ``<bos>`` first if ``bos``: shape (L,) or (L + 1,)."""
        words = _words(sentence, "sentence")
        unknown = [w for w in words if w not in self.vocab]
        if unknown:
            raise ValueError(f"sentence has words outside the vocabulary of {len(self)} words: {unknown}")
        return self.vocab.encode(words, bos=bos)

    def decode(self, ids) -> str:
        """Turn indices back into a sentence, leaving out ``<pad>`` and ``<bos>``."""
        return " ".join(self.vocab.decode(ids))

    def encode_batch(self, sentences: Iterable[str], bos: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Encode several sentences into one array, padded at the end with ``<pad>``.

        Returns
        -------
        ids : int64 ndarray (N, L_max)
            Row n holds sentence n's indices (``<bos>`` first if ``bos``), then ``pad_index``.
        lengths : int64 ndarray (N,)
            The number of indices of each sentence before its padding.
        """
        rows = [self.encode(s, bos) for s in sentences]
        if not rows:
            raise ValueError("sentences must hold at least one sentence, got none")
        return pad_sequences(rows, padding_value=self.pad_index)

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} entries: {', '.join(self.itos)})"
