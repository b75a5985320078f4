"""Handwritten 8x8 digits read row by row: a real sequence-classification data set that ships with scikit-learn.

Source
------
The images are the "Optical Recognition of Handwritten Digits" data of
E. Alpaydin and C. Kaynak (1998), from the UCI Machine Learning Repository.
Digits written on forms by 43 people were scanned into 32x32 bitmaps by
NIST's preprocessing programs, and each 4x4 block of pixels was replaced by
its count of ink pixels, giving an 8x8 image of integers from 0 to 16. The
copy used here is the one bundled with scikit-learn
(``sklearn.datasets.load_digits``): the 1797 images of UCI's test file, which
were written by 13 people. Nothing is downloaded.

Because the same 13 writers appear in the training and the test split made
here, the test accuracy measures how well a model reads new digits by known
writers, not by new ones.

Licence
-------
The UCI Machine Learning Repository distributes the data set under CC BY 4.0
(cite Alpaydin and Kaynak, "Optical Recognition of Handwritten Digits", UCI
Machine Learning Repository, 1998). scikit-learn, this copy included, is
distributed under the BSD 3-Clause licence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lessonpkg.data.splits import ArraySplits
from lessonpkg.data.tabular import stratified_split

ROWS, COLS = 8, 8
MAX_INK = 16.0


@dataclass(frozen=True)
class DigitSequences(ArraySplits):
    """Train, validation and test splits of the 8x8 digits, each image a sequence of its rows.

    ``x_*`` are float64 arrays of shape (N_split, T, D) = (N_split, 8, 8) in
    batch-first layout: ``x[n, t]`` holds the 8 pixels of row t (top to
    bottom) of image n, left to right, scaled to [0, 1]. ``y_*`` are int64
    digit labels (N_split,) from 0 to 9.
    """

    class_names: tuple[str, ...]


def load_digits_sequences(
    rng: np.random.Generator | int | None = 0,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
) -> DigitSequences:
    """The 1797 8x8 digits as sequences of T = 8 rows of D = 8 pixels, split by ``stratified_split``.

    Each pixel is the ink count divided by 16, so every value lies in [0, 1].
    With the defaults the split is about 60/20/20 per digit class
    (1079 / 359 / 359 images).

    Parameters
    ----------
    rng, val_fraction, test_fraction
        Passed to ``stratified_split``: the seed of the split (default 0, so the same arrays every time) and
        the share of every class held out for validation and for test.

    Returns
    -------
    DigitSequences
        ``x_*`` float64 (N_split, 8, 8), ``y_*`` int64 (N_split,).
    """
    from sklearn.datasets import load_digits  # the data file ships inside the scikit-learn wheel

    bunch = load_digits()
    x = np.asarray(bunch.images, dtype=np.float64) / MAX_INK  # (1797, 8, 8): image, row, column
    y = np.asarray(bunch.target, dtype=np.int64)  # (1797,)
    indices = stratified_split(y, val_fraction, test_fraction, rng=rng)  # train, val, test
    return DigitSequences.from_indices(x, y, indices, class_names=tuple(str(d) for d in range(10)))
