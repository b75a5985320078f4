"""Generated sentences whose person names and numbers are tagged token by token (BIO tags PER and NUM).

Every sentence comes from one of the templates below, chosen at random, and
carries the name of its *construction*, so errors can be counted by kind::

    name, after a verb         we met Maria Lopez at the station .      O O B-PER I-PER O O O O
    name, sentence start       Maria paid the bill .                    B-PER O O O O
    ambiguous word, as a name  May Lopez signed the form .              B-PER I-PER O O O O
    ambiguous word, not a name May 12 is the deadline .                 O B-NUM O O O O
    number in digits           the ticket costs 42 euros .              O O O B-NUM O O
    number in two words        she bought forty two apples .            O O B-NUM I-NUM O O
    "one", as a number         One kilo costs 3 euros .                 B-NUM O O B-NUM O O
    "one", as a pronoun        One never knows .                        O O O O

The *ambiguous words* ("May", "June", "April", "August", "Will") are first
names in the census lists and also a month or a modal verb; they only occur
at the start of a sentence, where capitals say nothing, so only the **next**
word tells them apart: a surname or a verb of the name templates, against a
number, "is", "was", "I" or "you". The same holds for "One". These tokens
need right context. ``insert_clause`` moves that cue further away in some of
them ("May , as far as I know , Lopez signed the form ."), beyond a window of
neighbouring words, without touching the generated sentences.

A number is a cardinal quantity: digits, or number words ("forty two" is one
entity of two tokens); the pronoun "one" is not a number.

Names do not cross splits: the first names come from ``names.load_names``
(disjoint train, validation and test names) and the surnames, the 2000 most
common of the census that are not also first names, are split the same way, so
every test name is unseen in training (the ambiguous words excepted: they are
fixed words of the grammar).

Source
------
First names and surnames are read from ``dist.male.first``, ``dist.female.first``
and ``dist.all.last`` in the ``names`` package (PyPI, MIT licence; the US Census
Bureau's 1990 name lists, public domain). Everything else is generated here.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np

from lessonpkg._validate import as_rng, check_int
from lessonpkg.data.names import load_names
from lessonpkg.data.padding import pad_sequences
from lessonpkg.data.splits import Examples, Splits
from lessonpkg.data.vocab import Vocab

TAGS = ("O", "B-PER", "I-PER", "B-NUM", "I-NUM")
TAG_VOCAB = Vocab(TAGS)  # tag -> class index, in the order of TAGS
IGNORE = -100  # target index of padding
N_SURNAMES = 2000

AMBIGUOUS = {"May": ("month", "modal"), "June": ("month",), "April": ("month",), "August": ("month",),
             "Will": ("modal",)}
UNITS = ("apples", "euros", "kilos", "books", "tickets", "days", "pages", "chairs")
SINGULAR = ("kilo", "ticket", "book", "meal")
NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TENS_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
SUBJECTS = ("we", "my sister", "the manager", "our team", "the teacher", "my neighbour")
VERBS_PERSON = ("met", "called", "thanked", "visited", "helped", "emailed")
TAILS = ("at the station", "after lunch", "in the office", "twice", "yesterday", "again")
NAME_STARTS = (("paid", "the bill"), ("signed", "the form"), ("called", "the office"), ("said", "hello"),
               ("asked", "for help"), ("wrote", "a letter"))
MONTH_ENDS = ((("was", "warm", "this", "year"), None), (("is", "the", "deadline"), "number"),
              (("was", "rainy"), None), (("starts", "on", "a", "monday"), "number"))
MODAL_ENDS = (("I", "sit", "here", "?"), ("you", "call", "me", "?"), ("I", "ask", "a", "question", "?"),
              ("you", "help", "us", "?"))
PRONOUN_ENDS = (("never", "knows"), ("should", "rest"), ("can", "only", "try"), ("must", "be", "careful"))

CONSTRUCTIONS = ("name, after a verb", "name, sentence start", "ambiguous word, as a name",
                 "ambiguous word, not a name", "number in digits", "number in two words", "'one', as a number",
                 "'one', as a pronoun")
WEIGHTS = (0.2, 0.15, 0.125, 0.125, 0.1, 0.1, 0.1, 0.1)
FAR_CLAUSE = (",", "as", "far", "as", "I", "know", ",")  # inserted by ``insert_clause``


def read_census_surnames(limit: int = N_SURNAMES) -> tuple[str, ...]:
    """The ``limit`` most common census surnames, capitalised ("Smith"), in order of frequency."""
    limit = check_int(limit, "limit", low=1)
    text = resources.files("names").joinpath("dist.all.last").read_text(encoding="ascii")
    return tuple(line.split()[0].capitalize() for line in text.splitlines()[:limit] if line.strip())


@dataclass(frozen=True)
class TaggedSentences(Examples):
    """Sentences as token tuples, their BIO tags (str, one per token) and the construction of each."""

    tokens: list[tuple[str, ...]]
    tags: list[tuple[str, ...]]
    constructions: list[str]


@dataclass(frozen=True)
class EntitySplits(Splits):
    """Train, validation and test ``TaggedSentences``; no first name or surname is shared between splits."""


def _cap(tokens: list[str]) -> list[str]:
    return [tokens[0][0].upper() + tokens[0][1:]] + tokens[1:]


def _number(gen: np.random.Generator) -> tuple[list[str], list[str]]:
    """A number of one or two words, or digits, with its tags."""
    kind = gen.integers(3)
    if kind == 0:
        return [str(int(gen.integers(2, 1000)))], ["B-NUM"]
    if kind == 1:
        return [str(gen.choice(NUMBER_WORDS[1:] + TENS_WORDS))], ["B-NUM"]
    return [str(gen.choice(TENS_WORDS)), str(gen.choice(NUMBER_WORDS))], ["B-NUM", "I-NUM"]


def _words(phrase: str) -> list[str]:
    return phrase.split()


def make_sentence(construction: str, first_names, surnames,
                  rng: np.random.Generator | int | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """One sentence of the given construction, with first names and surnames drawn from the given lists."""
    if construction not in CONSTRUCTIONS:
        raise ValueError(f"construction must be one of {CONSTRUCTIONS}, got {construction!r}")
    gen = as_rng(rng)
    pick = lambda seq: str(seq[gen.integers(len(seq))])  # noqa: E731
    first, last = pick(first_names), pick(surnames)
    name = [first, last] if gen.random() < 0.5 else [first]
    name_tags = ["B-PER"] + ["I-PER"] * (len(name) - 1)
    toks: list[str]
    tags: list[str]
    if construction == "name, after a verb":
        subj = _words(pick(SUBJECTS))
        tail = _words(pick(TAILS))
        toks = _cap(subj) + [pick(VERBS_PERSON)] + name + tail + ["."]
        tags = ["O"] * (len(subj) + 1) + name_tags + ["O"] * (len(tail) + 1)
    elif construction == "name, sentence start":
        verb, obj = NAME_STARTS[gen.integers(len(NAME_STARTS))]
        toks = name + [verb] + _words(obj) + ["."]
        tags = name_tags + ["O"] * (len(toks) - len(name))
    elif construction == "ambiguous word, as a name":
        word = pick(sorted(AMBIGUOUS))
        verb, obj = NAME_STARTS[gen.integers(len(NAME_STARTS))]
        rest = [verb] + _words(obj) + ["."]
        if gen.random() < 0.5:
            toks, tags = [word, last] + rest, ["B-PER", "I-PER"] + ["O"] * len(rest)
        else:
            toks, tags = [word] + rest, ["B-PER"] + ["O"] * len(rest)
    elif construction == "ambiguous word, not a name":
        word = pick(sorted(AMBIGUOUS))
        use = pick(AMBIGUOUS[word])
        if use == "modal":
            toks = [word] + list(MODAL_ENDS[gen.integers(len(MODAL_ENDS))])
            tags = ["O"] * len(toks)
        else:
            end, day = MONTH_ENDS[gen.integers(len(MONTH_ENDS))]
            if day is not None and gen.random() < 0.7:
                toks, tags = [word, str(int(gen.integers(1, 29)))], ["O", "B-NUM"]
            else:
                toks, tags = [word], ["O"]
            toks, tags = toks + list(end) + ["."], tags + ["O"] * (len(end) + 1)
    elif construction in ("number in digits", "number in two words"):
        subj = _words(pick(SUBJECTS))
        if construction == "number in digits":
            num, num_tags = [str(int(gen.integers(2, 1000)))], ["B-NUM"]
        else:
            num, num_tags = [pick(TENS_WORDS), pick(NUMBER_WORDS)], ["B-NUM", "I-NUM"]
        verb = pick(("bought", "sold", "counted", "ordered"))
        toks = _cap(subj) + [verb] + num + [pick(UNITS), "."]
        tags = ["O"] * (len(subj) + 1) + num_tags + ["O", "O"]
    elif construction == "'one', as a number":
        num, num_tags = _number(gen)
        toks = ["One", pick(SINGULAR), "costs"] + num + ["euros", "."]
        tags = ["B-NUM", "O", "O"] + num_tags + ["O", "O"]
    else:  # "'one', as a pronoun"
        toks = ["One"] + list(PRONOUN_ENDS[gen.integers(len(PRONOUN_ENDS))]) + ["."]
        tags = ["O"] * len(toks)
    return tuple(toks), tuple(tags)


def make_sentences(n: int, first_names, surnames, rng: np.random.Generator | int | None = None) -> TaggedSentences:
    """``n`` sentences, each of a construction drawn with probabilities ``WEIGHTS``."""
    n = check_int(n, "n", low=1)
    if not len(first_names) or not len(surnames):
        raise ValueError("first_names and surnames must be non-empty")
    gen = as_rng(rng)
    kinds = gen.choice(len(CONSTRUCTIONS), size=n, p=WEIGHTS)
    pairs = [make_sentence(CONSTRUCTIONS[k], first_names, surnames, gen) for k in kinds]
    return TaggedSentences([p[0] for p in pairs], [p[1] for p in pairs], [CONSTRUCTIONS[k] for k in kinds])


def insert_clause(data: TaggedSentences, clause: tuple[str, ...] = FAR_CLAUSE, every: int = 2) -> TaggedSentences:
    """Move the cue of every ``every``-th ambiguous sentence out of reach: insert ``clause`` after its first word.

    The ambiguous constructions ("May ...", "One ...") are told apart only by the next word. With
    ``clause`` (tagged ``O``) inserted after the first word, "May , as far as I know , Lopez signed the form ."
    puts that cue ``len(clause) + 1`` tokens away, beyond a window of neighbouring words. The changed
    sentences get the construction ``"<construction>, cue after a clause"``; all other sentences, and the
    other ambiguous ones, are returned unchanged. No random numbers are drawn.
    """
    if not isinstance(data, TaggedSentences):
        raise TypeError(f"data must be a TaggedSentences, got {type(data).__name__}")
    if not isinstance(clause, tuple) or not clause or not all(isinstance(w, str) and w for w in clause):
        raise ValueError(f"clause must be a non-empty tuple of non-empty strings, got {clause!r}")
    every = check_int(every, "every", low=1)
    tokens, tags, constructions = [], [], []
    k = 0
    for words, labels, kind in zip(data.tokens, data.tags, data.constructions):
        if kind in CONSTRUCTIONS[2:4] + CONSTRUCTIONS[6:8]:  # the ambiguous words and "One"
            k += 1
            if k % every == 0:
                words = tuple(words[:1]) + clause + tuple(words[1:])
                labels = tuple(labels[:1]) + ("O",) * len(clause) + tuple(labels[1:])
                kind = f"{kind}, cue after a clause"
        tokens.append(tuple(words))
        tags.append(tuple(labels))
        constructions.append(kind)
    return TaggedSentences(tokens, tags, constructions)


def load_entities(n_train: int = 3000, n_val: int = 500, n_test: int = 1000,
                  rng: np.random.Generator | int | None = 0) -> EntitySplits:
    """Generate the three splits, each from its own first names and surnames (10% each held out for val and test).

    Surnames that are also census first names ("Lee", "James") are left out, so no name string occurs in two
    splits.

    Parameters
    ----------
    n_train, n_val, n_test : int
        Sentences per split.
    rng : numpy.random.Generator, int or None
        Decides the name split and the sentences (default seed 0, the book's data).
    """
    gen = as_rng(rng)
    ambiguous = {w.lower() for w in AMBIGUOUS}
    firsts = load_names(rng=gen)
    first_set = set(firsts.train) | set(firsts.val) | set(firsts.test)
    surnames = [s for s in read_census_surnames() if s.lower() not in first_set]  # no string in both roles
    order = gen.permutation(len(surnames))
    k = len(surnames) // 10
    last_split = {"test": [surnames[i] for i in order[:k]], "val": [surnames[i] for i in order[k:2 * k]],
                  "train": [surnames[i] for i in order[2 * k:]]}
    out = {}
    for split, n in (("train", n_train), ("val", n_val), ("test", n_test)):
        pool = [f.capitalize() for f in getattr(firsts, split) if f not in ambiguous]
        out[split] = make_sentences(n, pool, last_split[split], gen)
    return EntitySplits(**out)


class TokenEncoder:
    """Turn sentences into one-hot word rows plus two shape features, padded into a batch.

    The vocabulary (``vocab``, a ``lessonpkg.data.Vocab``) is the lower-cased
    training words seen at least ``min_count`` times, sorted; index 0 is
    ``<pad>`` and index 1 ``<unk>``, for every other word (most names occur
    once, so the model meets ``<unk>`` in training too). Each token's row is
    its one-hot word (V entries) followed by two features: starts with a
    capital letter, and is made of digits. D = V + 2.
    """

    def __init__(self, sentences, min_count: int = 2) -> None:
        min_count = check_int(min_count, "min_count", low=1)
        lowered = ([t.lower() for t in tokens] for tokens in sentences)
        self.vocab = Vocab.build(lowered, min_freq=min_count, pad="<pad>", unk="<unk>")

    def __len__(self) -> int:
        return len(self.vocab)

    @property
    def input_size(self) -> int:
        """D, the size of one token's row."""
        return len(self.vocab) + 2

    def ids(self, tokens) -> np.ndarray:
        """The word indices (T,) of one sentence, 1 (``<unk>``) for unknown words."""
        return self.vocab.encode([t.lower() for t in tokens])

    def encode(self, data: TaggedSentences) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return x (N, T, D) float64, tags y (N, T) int64 (``IGNORE`` past a sentence's end) and lengths (N,)."""
        if not isinstance(data, TaggedSentences) or not len(data):
            raise TypeError("data must be a non-empty TaggedSentences")
        V = len(self.vocab)
        rows = []
        for tokens in data.tokens:
            row = np.zeros((len(tokens), V + 2))  # (T_n, D)
            row[np.arange(len(tokens)), self.ids(tokens)] = 1.0
            row[:, V] = [t[0].isupper() for t in tokens]
            row[:, V + 1] = [t.isdigit() for t in tokens]
            rows.append(row)
        x, lengths = pad_sequences(rows)  # zeros past each sentence's end
        y, _ = pad_sequences([TAG_VOCAB.encode(tags) for tags in data.tags], padding_value=IGNORE)
        return x, y, lengths

    def __repr__(self) -> str:
        return f"TokenEncoder({len(self.vocab)} words, input_size={self.input_size})"
