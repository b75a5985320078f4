"""Tests of lessonpkg.data.digits: scikit-learn's bundled 8x8 digits as sequences of rows, in seeded splits."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

import lessonpkg as lp
from lessonpkg.data import digits
from lessonpkg.data.digits import DigitSequences, load_digits_sequences


def _splits(s: DigitSequences):
    return [(s.x_train, s.y_train), (s.x_val, s.y_val), (s.x_test, s.y_test)]


def test_shapes_dtypes_range_and_names():
    s = load_digits_sequences()
    assert [x.shape for x, _ in _splits(s)] == [(1079, 8, 8), (359, 8, 8), (359, 8, 8)]
    for x, y in _splits(s):
        assert x.dtype == np.float64 and y.dtype == np.int64 and x.flags.c_contiguous
        assert x.min() >= 0.0 and x.max() <= 1.0
        assert y.shape == x.shape[:1] and set(np.unique(y)) == set(range(10))
    assert s.class_names == tuple("0123456789")
    assert lp.data.load_digits_sequences is load_digits_sequences


def test_stratified_class_counts():
    s = load_digits_sequences(rng=3)
    per_class = np.bincount(load_digits().target)
    for (_, y), frac in zip(_splits(s)[1:], (0.2, 0.2)):
        np.testing.assert_array_equal(np.bincount(y, minlength=10), np.round(per_class * frac).astype(int))


def test_same_seed_same_arrays_other_seed_other_split():
    a, b = load_digits_sequences(rng=5), load_digits_sequences(rng=np.random.default_rng(5))
    for (xa, ya), (xb, yb) in zip(_splits(a), _splits(b)):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a.y_test, load_digits_sequences(rng=6).y_test)


def test_rows_are_the_bundled_images_scaled_and_cover_the_data_once():
    s = load_digits_sequences(rng=1)
    bunch = load_digits()
    x = np.concatenate([x for x, _ in _splits(s)]) * 16.0  # back to ink counts
    y = np.concatenate([y for _, y in _splits(s)])
    assert x.shape == bunch.images.shape
    got = sorted(zip(x.reshape(len(x), -1).round(9).tolist(), y.tolist()))
    want = sorted(zip(bunch.images.reshape(len(x), -1).round(9).tolist(), bunch.target.tolist()))
    assert got == want
    # row t of a sequence is row t of the image, top to bottom
    i = int(np.flatnonzero((bunch.images == s.x_train[0] * 16).all(axis=(1, 2)))[0])
    np.testing.assert_array_equal(s.x_train[0, 2], bunch.images[i, 2] / 16)


def test_docstring_documents_source_and_licence():
    doc = digits.__doc__
    for needle in ("Alpaydin", "Kaynak", "UCI", "CC BY 4.0", "BSD 3-Clause", "load_digits", "1797"):
        assert needle in doc


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"val_fraction": 0.6, "test_fraction": 0.5}, ValueError, "val_fraction \\+ test_fraction must be below 1"),
    ({"test_fraction": -0.1}, ValueError, "test_fraction must be in \\[0, 1\\)"),
    ({"rng": "zero"}, TypeError, "rng must be a numpy.random.Generator"),
])
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        load_digits_sequences(**kwargs)
