"""Generated code-like text, each character tagged with its bracket depth or as lying inside a string.

The task needs memory of two kinds: a counter (how many brackets are open) and a
flag (whether a string is open, in which case brackets do not count). A line
such as ``print("".join([d.get(c, c) for c in s]))`` is tagged character by
character with the state after reading that character::

    p r i n t ( " " . j o i n ( [ d . g e t ( c ,   c ) ...
    0 0 0 0 0 1 S 1 1 1 1 1 1 2 3 3 3 3 3 3 4 4 4 4 4 3 ...

where S is the class "inside a string". Strings are delimited by double quotes
only (no escapes); only the number of open brackets counts, not their kind.

Source
------
The text is generated from a seeded ``numpy.random.Generator``; it is not
collected from anywhere, so there is no licence to follow. ``code_tags`` and
``encode_text`` also accept any real text written in ``ALPHABET``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lessonpkg._validate import as_rng, check_int
from lessonpkg.data.vocab import Vocab

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 .,:;_=+-*/%<>!()[]{}\""
VOCAB = Vocab(ALPHABET)  # V = 57 characters, no special tokens
OPENERS, CLOSERS, QUOTE = "([{", ")]}", '"'
LETTERS, DIGITS, PUNCTUATION = ALPHABET[:26], ALPHABET[26:36], " .,:;_=+-*/%<>!"


@dataclass(frozen=True)
class CodeText:
    """Generated lines of code-like text and their tags.

    ``texts`` holds N strings of T characters each; ``x`` (T, N, V) float64 is
    their one-hot encoding over ``ALPHABET`` (V characters), time first;
    ``y`` (T, N) int64 holds the tag after each character: the bracket depth
    0..``max_depth`` outside strings, and ``max_depth + 1`` inside a string.
    """

    texts: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    max_depth: int

    @property
    def class_names(self) -> tuple[str, ...]:
        """``("depth 0", ..., "depth <max_depth>", "string")``."""
        return tuple(f"depth {d}" for d in range(self.max_depth + 1)) + ("string",)


def code_tags(text: str, max_depth: int = 4) -> np.ndarray:
    """Tag every character of ``text`` with the state after reading it.

    Outside a string the tag is the number of open brackets; from an opening
    ``"`` up to (not including) the closing ``"`` it is ``max_depth + 1``.

    Parameters
    ----------
    text : str
        Characters from ``ALPHABET``.
    max_depth : int
        The deepest nesting allowed.

    Returns
    -------
    (T,) int64 array
    """
    _check_text(text, "text")
    max_depth = check_int(max_depth, "max_depth", low=1)
    tags = np.empty(len(text), dtype=np.int64)
    depth, in_string = 0, False
    for t, ch in enumerate(text):
        if ch == QUOTE:
            in_string = not in_string
        elif not in_string and ch in OPENERS:
            depth += 1
            if depth > max_depth:
                raise ValueError(f"text nests brackets deeper than max_depth={max_depth} at position {t}: {text!r}")
        elif not in_string and ch in CLOSERS:
            if depth == 0:
                raise ValueError(f"text closes a bracket that was never opened at position {t}: {text!r}")
            depth -= 1
        tags[t] = max_depth + 1 if in_string else depth
    return tags


def encode_text(texts: str | Sequence[str]) -> np.ndarray:
    """One-hot encode one string, or N strings of equal length T, over ``ALPHABET`` (``VOCAB``): (T, N, V) float64.

    A single string gives N = 1.
    """
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, Sequence) or len(texts) == 0:
        raise TypeError(f"texts must be a str or a non-empty sequence of str, got {type(texts).__name__}")
    for k, s in enumerate(texts):
        _check_text(s, f"texts[{k}]")
    lengths = sorted({len(s) for s in texts})
    if len(lengths) > 1:
        raise ValueError(f"texts must all have the same length, got lengths {lengths}")
    index = np.stack([VOCAB.encode(s) for s in texts], axis=1)  # (T, N)
    return np.eye(len(VOCAB), dtype=np.float64)[index]  # (T, N, V)


def make_code_text(n: int, length: int, rng: np.random.Generator | int | None = None,
                   *, max_depth: int = 4) -> CodeText:
    """Generate N lines of code-like text, T characters each, and tag them with ``code_tags``.

    Every line starts outside any bracket or string. Outside a string each
    character is, with these probabilities: a ``"`` opening a string 0.05; an
    opening bracket 0.11 (if fewer than ``max_depth`` are open); the closing
    bracket of the innermost open one 0.09 (if any is open); a space 0.15;
    other punctuation 0.10; a digit 0.05; otherwise a letter. Inside a string
    each character is the closing ``"`` with probability 0.12 (strings are 8
    characters long on average), a bracket with probability 0.3, and
    otherwise a letter, digit or punctuation: the brackets inside strings are
    there so that a model has to learn to ignore them.

    Parameters
    ----------
    n : int
        N, the number of lines.
    length : int
        T, the number of characters per line.
    rng : numpy.random.Generator, int or None
    max_depth : int
        The deepest nesting; the tags take ``max_depth + 2`` values.

    Returns
    -------
    CodeText
    """
    n, length = check_int(n, "n", low=1), check_int(length, "length", low=1)
    max_depth = check_int(max_depth, "max_depth", low=1)
    gen = as_rng(rng)
    u = gen.random((n, length))  # chooses the kind of each character
    pick = gen.random((n, length))  # chooses the character within its kind
    plain = LETTERS + DIGITS + PUNCTUATION
    texts = []
    for row_u, row_pick in zip(u, pick):
        chars, stack, in_string = [], [], False
        for a, b in zip(row_u, row_pick):
            if in_string:
                if a < 0.12:
                    ch, in_string = QUOTE, False
                elif a < 0.42:
                    ch = (OPENERS + CLOSERS)[int(b * 6)]
                else:
                    ch = plain[int(b * len(plain))]
            elif a < 0.05:
                ch, in_string = QUOTE, True
            elif a < 0.16 and len(stack) < max_depth:
                k = int(b * 3)
                ch = OPENERS[k]
                stack.append(k)
            elif 0.16 <= a < 0.25 and stack:
                ch = CLOSERS[stack.pop()]
            elif 0.25 <= a < 0.40:
                ch = " "
            elif 0.40 <= a < 0.50:
                ch = PUNCTUATION[1 + int(b * (len(PUNCTUATION) - 1))]
            elif 0.50 <= a < 0.55:
                ch = DIGITS[int(b * 10)]
            else:
                ch = LETTERS[int(b * 26)]
            chars.append(ch)
        texts.append("".join(chars))
    y = np.stack([code_tags(s, max_depth) for s in texts], axis=1)  # (T, N)
    return CodeText(tuple(texts), encode_text(texts), y, max_depth)


def _check_text(text, name: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}")
    if not text:
        raise ValueError(f"{name} must hold at least one character, got an empty string")
    bad = sorted({ch for ch in text if ch not in ALPHABET})
    if bad:
        raise ValueError(f"{name} must use only characters of ALPHABET (lowercase letters, digits, space, "
                         f"{PUNCTUATION[1:]}, brackets and \"), got {''.join(bad)!r}")
