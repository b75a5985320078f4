"""Captions for the 8x8 digits: the spelled name of a digit ("seven"), or of a two-digit number ("forty two").

A caption is a string over ``CHARS``, the letters and the space; the index of
``"."`` (0) marks the end of a caption (EOS) and ``BOS`` (one past the last
character) is the decoder's start token, an input only. ``VOCAB``, a
``lessonpkg.data.Vocab``, holds these indices. A caption model predicts
``len(CHARS)`` classes at every step and reads ``len(CHARS) + 1`` input tokens.

The two-digit images put two 8x8 digit images side by side, giving 8x16
images of the numbers 20 to 99; their captions are composed from a tens word
and a units word ("forty", "forty two"). The images come from
``lp.data.load_digits_sequences`` (scikit-learn's copy of the UCI digits, see
``lessonpkg/data/digits.py`` for the source and licence); the pairing is
generated here with a seed.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import as_rng, check_int, check_int_array
from lessonpkg.data.padding import pad_sequences
from lessonpkg.data.vocab import Vocab

EOS_CHAR = "."
CHARS = EOS_CHAR + " abcdefghijklmnopqrstuvwxyz"  # index 0 is EOS
VOCAB = Vocab([*CHARS, "<bos>"], eos=EOS_CHAR, bos="<bos>")  # 29 tokens: EOS 0, the characters, BOS 28
EOS = VOCAB.eos  # 0
BOS = VOCAB.bos  # 28 = len(CHARS): the start token, read by the decoder but never predicted
IGNORE = -100  # target index of padding, skipped by CrossEntropyLoss(ignore_index=-100)

DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TENS_NAMES = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}


def number_name(n: int) -> str:
    """The English name of a digit 0..9 ("seven") or of a number 20..99 ("forty", "forty two")."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if 0 <= n <= 9:
        return DIGIT_NAMES[n]
    if not 20 <= n <= 99:
        raise ValueError(f"n must lie in 0..9 or 20..99 (teens are not composed from two words), got {n}")
    tens, units = divmod(int(n), 10)
    return TENS_NAMES[tens] + ("" if units == 0 else " " + DIGIT_NAMES[units])


def encode_captions(captions) -> tuple[np.ndarray, np.ndarray]:
    """Turn captions into teacher-forcing inputs and targets, padded to the longest caption plus EOS.

    ``tgt_out[n]`` holds the characters of caption n and then EOS;
    ``tgt_in[n]`` holds BOS and then ``tgt_out[n]`` shifted right by one.
    Positions past a caption's EOS are ``IGNORE`` in ``tgt_out`` and EOS in ``tgt_in``.

    Returns
    -------
    tgt_in, tgt_out : int64 arrays (N, T), T = longest caption + 1
    """
    captions = list(captions)
    if not captions or not all(isinstance(c, str) and c for c in captions):
        raise ValueError("captions must be a non-empty sequence of non-empty str")
    bad = sorted({ch for c in captions for ch in c} - set(CHARS[1:]))
    if bad:
        raise ValueError(f"captions must use only the characters {CHARS[1:]!r}, got {bad}")
    tgt_in, _ = pad_sequences([VOCAB.encode(c, bos=True) for c in captions], padding_value=EOS)
    tgt_out, _ = pad_sequences([VOCAB.encode(c, eos=True) for c in captions], padding_value=IGNORE)
    return tgt_in, tgt_out


def decode_caption(tokens) -> str:
    """The string of predicted tokens (T,), up to (not including) the first EOS; a BOS is skipped."""
    return "".join(VOCAB.decode(np.asarray(tokens).reshape(-1)))


def all_two_digit_numbers() -> tuple[int, ...]:
    """The 80 numbers 20..99 whose names are composed of a tens word and an optional units word."""
    return tuple(range(20, 100))


def held_out_numbers() -> tuple[int, ...]:
    """The 16 numbers kept out of training: for tens t, the units (3t) mod 10 and (3t + 5) mod 10.

    Every tens word and every units word still occurs in training, with other partners.
    """
    return tuple(sorted(10 * t + u for t in range(2, 10) for u in ((3 * t) % 10, (3 * t + 5) % 10)))


def compose_two_digit(x: np.ndarray, y: np.ndarray, numbers, n: int,
                      rng: np.random.Generator | int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` two-digit images: a number from ``numbers``, then a random image of each of its digits.

    Parameters
    ----------
    x : float array (M, 8, 8) of digit images, y : int array (M,) of their digits
    numbers : sequence of int in 20..99
    n : int
    rng : numpy.random.Generator, int or None

    Returns
    -------
    images : float64 (n, 8, 16), the tens digit on the left
    values : int64 (n,), the numbers shown
    """
    x, y = np.asarray(x, dtype=np.float64), check_int_array(y, "y", low=0, high=10)
    if x.ndim != 3 or x.shape[1:] != (8, 8) or y.shape != (x.shape[0],):
        raise ValueError(f"x must have shape (M, 8, 8) and y (M,), got {x.shape} and {y.shape}")
    numbers = np.asarray(list(numbers), dtype=np.int64)
    if numbers.size == 0 or numbers.min() < 20 or numbers.max() > 99:
        raise ValueError("numbers must be a non-empty sequence of ints in 20..99")
    n = check_int(n, "n", low=1)
    gen = as_rng(rng)
    by_digit = [np.flatnonzero(y == d) for d in range(10)]
    values = gen.choice(numbers, size=n)
    images = np.empty((n, 8, 16))
    for i, v in enumerate(values):
        for half, d in enumerate(divmod(int(v), 10)):
            if by_digit[d].size == 0:
                raise ValueError(f"y has no image of the digit {d}")
            images[i, :, 8 * half:8 * half + 8] = x[gen.choice(by_digit[d])]
    return images, values
