"""US first names as one stream of characters, split by name into train, validation and test sets.

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
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np

from lessonpkg._validate import as_rng
from lessonpkg.data.splits import Splits
from lessonpkg.data.vocab import Vocab

SEPARATOR = "."
ALPHABET = SEPARATOR + "abcdefghijklmnopqrstuvwxyz"  # index 0 is the separator (end of name)
VOCAB = Vocab(ALPHABET, bos=SEPARATOR, eos=SEPARATOR)  # the separator both starts and ends a name


def read_census_names() -> tuple[str, ...]:
    """Return the distinct lower-case first names of both census lists, sorted alphabetically."""
    found: set[str] = set()
    for fname in ("dist.male.first", "dist.female.first"):
        text = resources.files("names").joinpath(fname).read_text(encoding="ascii")
        found.update(line.split()[0].lower() for line in text.splitlines() if line.strip())
    return tuple(sorted(found))


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
