"""US first names as one stream of characters, split by name into train, validation and test sets.

``load_names`` gives the names alone (Chapter 8's character model); ``load_names_by_sex``
gives the same split with each name labelled female or male (Chapter 9's classifier).

Each name is lower-cased and followed by the separator ``"."``, and the names of a
split are joined into one long stream that starts with ``"."``::

    ".mary.james.linda.robert. ..."

so a character model reads the stream with truncated BPTT and learns where
names end by predicting ``"."``. No name appears in two splits.

``VOCAB``, a ``lessonpkg.data.Vocab``, gives the characters their indices:
the separator is 0 (its bos and eos) and the letters a-z are 1 to 26.

Source
------
The files ``dist.male.first`` and ``dist.female.first`` shipped inside the
``names`` package (PyPI, version 0.3.0, MIT licence, by Trey Hunner). They are
the US Census Bureau's 1990 first-name frequency lists (1,219 male and 4,275
female names, each line ``NAME frequency cumulative-frequency rank``), a work
of the US government and therefore in the public domain. Nothing is downloaded.

The frequency of a name is the per cent of the census sample *of that sex* who bear
it. A name on both lists (331 of them, e.g. "james": 3.318 of males, 0.010 of
females) is labelled by the list on which its per cent is larger; the 3 names with
equal per cents on both lists are left out of ``load_names_by_sex``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np

from lessonpkg._validate import as_rng
from lessonpkg.data.splits import Examples, Splits
from lessonpkg.data.vocab import Vocab

SEPARATOR = "."
ALPHABET = SEPARATOR + "abcdefghijklmnopqrstuvwxyz"  # index 0 is the separator (end of name)
VOCAB = Vocab(ALPHABET, bos=SEPARATOR, eos=SEPARATOR)  # the separator both starts and ends a name
SEXES = ("female", "male")  # the labels 0 and 1 of load_names_by_sex
CENSUS_FILES = {"female": "dist.female.first", "male": "dist.male.first"}


def read_census_percents() -> dict[str, tuple[float, float]]:
    """Return every lower-case first name -> (per cent of females, per cent of males) bearing it.

    A name missing from one list gets 0.0 for that sex. The keys are sorted alphabetically.
    """
    percents: dict[str, list[float]] = {}
    for column, sex in enumerate(SEXES):
        text = resources.files("names").joinpath(CENSUS_FILES[sex]).read_text(encoding="ascii")
        for line in text.splitlines():
            if line.strip():
                name, percent = line.split()[:2]
                percents.setdefault(name.lower(), [0.0, 0.0])[column] = float(percent)
    return {name: (f, m) for name, (f, m) in sorted(percents.items())}


def read_census_names() -> tuple[str, ...]:
    """Return the distinct lower-case first names of both census lists, sorted alphabetically."""
    return tuple(read_census_percents())


def encode(text: str) -> np.ndarray:
    """Return the int64 indices (T,) of the characters of ``text`` in ``ALPHABET`` (``VOCAB.encode``)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return VOCAB.encode(text)


def decode(ids) -> str:
    """Return the string whose characters have the indices ``ids`` (T,), separators included."""
    return "".join(VOCAB.decode(ids, strip=False))


def to_stream(names) -> np.ndarray:
    """Return ``"." + "name1." + "name2." + ...`` encoded as int64 indices (1 + sum(len + 1),)."""
    names = list(names)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError("names must be a non-empty sequence of non-empty str")
    return encode(SEPARATOR + "".join(n + SEPARATOR for n in names))


@dataclass(frozen=True)
class NameSplits(Splits):
    """Train, validation and test names (disjoint), each a tuple of str in a seeded random order."""

    def stream(self, split: str) -> np.ndarray:
        """The split's names as one int64 stream, ``".name1.name2. ..."``, via ``to_stream``."""
        if split not in ("train", "val", "test"):
            raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
        return to_stream(getattr(self, split))


def load_names(val_fraction: float = 0.1, test_fraction: float = 0.1,
               rng: np.random.Generator | int | None = 0) -> NameSplits:
    """Shuffle the census first names with ``rng`` and split them by name into train, validation and test.

    Parameters
    ----------
    val_fraction, test_fraction : float
        Shares of the names held out; each split gets at least one name.
    rng : numpy.random.Generator, int or None
        Draws the shuffle (default seed 0, the book's split).

    Returns
    -------
    NameSplits
    """
    for value, label in ((val_fraction, "val_fraction"), (test_fraction, "test_fraction")):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            raise ValueError(f"{label} must be a number in (0, 1), got {value!r}")
    if val_fraction + test_fraction >= 1:
        raise ValueError(f"val_fraction + test_fraction must be < 1, got {val_fraction + test_fraction}")
    all_names = read_census_names()
    order = as_rng(rng).permutation(len(all_names))
    shuffled = [all_names[i] for i in order]
    n_val = max(1, round(val_fraction * len(shuffled)))
    n_test = max(1, round(test_fraction * len(shuffled)))
    test, val, train = shuffled[:n_test], shuffled[n_test:n_test + n_val], shuffled[n_test + n_val:]
    return NameSplits(train=tuple(train), val=tuple(val), test=tuple(test))


@dataclass(frozen=True)
class SexedNames(Examples):
    """Names (str), their labels (int64, 0 female, 1 male) and census per cents (N, 2) (female, male), aligned."""

    names: tuple[str, ...]
    labels: np.ndarray
    percents: np.ndarray

    @property
    def in_both(self) -> np.ndarray:
        """True for every name on both census lists, bool (N,)."""
        return (self.percents > 0).all(axis=1)


@dataclass(frozen=True)
class SexSplits(Splits):
    """Train, validation and test ``SexedNames`` (disjoint names), and the names left out as ties."""

    ties: tuple[str, ...] = ()
    class_names: tuple[str, ...] = SEXES


def load_names_by_sex(val_fraction: float = 0.1, test_fraction: float = 0.1,
                      rng: np.random.Generator | int | None = 0) -> SexSplits:
    """The split of ``load_names``, each name labelled by the census list on which it is more frequent.

    A name on both lists gets the sex whose per cent is larger; a name with equal per cents (a tie)
    is left out of its split and listed in ``ties``.

    Parameters
    ----------
    val_fraction, test_fraction, rng
        As for ``load_names``, which draws the split (the same arguments give the same names per split).

    Returns
    -------
    SexSplits
        E.g. ``train.names[:2] == ("elicia", "kenton")``, ``train.labels[:2] == [0, 1]``.
    """
    split = load_names(val_fraction, test_fraction, rng)
    percents = read_census_percents()
    ties = tuple(sorted(n for n, (f, m) in percents.items() if f == m))

    def labelled(names: tuple[str, ...]) -> SexedNames:
        kept = tuple(n for n in names if n not in ties)
        pct = np.array([percents[n] for n in kept], dtype=np.float64).reshape(-1, 2)  # (N, 2) female, male
        return SexedNames(kept, (pct[:, 1] > pct[:, 0]).astype(np.int64), pct)

    return SexSplits(labelled(split.train), labelled(split.val), labelled(split.test), ties=ties)
