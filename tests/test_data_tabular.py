"""Tests of lessonpkg.data.tabular: seeded stratified splits of scikit-learn's bundled iris data."""

import numpy as np
import pytest
from sklearn.datasets import load_iris

import lessonpkg.data as data
from lessonpkg.data import tabular
from lessonpkg.data.tabular import IRIS_FEATURES, TabularSplits, load_iris_2d, stratified_split


def _splits(s: TabularSplits):
    return [(s.x_train, s.y_train), (s.x_val, s.y_val), (s.x_test, s.y_test)]


def test_default_shapes_dtypes_and_names():
    s = load_iris_2d()
    assert [x.shape for x, _ in _splits(s)] == [(90, 2), (30, 2), (30, 2)]
    assert [y.shape for _, y in _splits(s)] == [(90,), (30,), (30,)]
    for x, y in _splits(s):
        assert x.dtype == np.float64 and y.dtype == np.int64
        assert x.flags.c_contiguous and np.isfinite(x).all()
    assert s.feature_names == ("petal length (cm)", "petal width (cm)")
    assert s.class_names == ("setosa", "versicolor", "virginica")
    assert s.mean.shape == s.std.shape == (2,)


def test_exported_from_lessonpkg_data():
    assert data.load_iris_2d is load_iris_2d
    assert data.stratified_split is stratified_split


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_stratified_counts(seed):
    s = load_iris_2d(rng=seed)
    for (_, y), per_class in zip(_splits(s), (30, 10, 10)):
        np.testing.assert_array_equal(np.bincount(y, minlength=3), [per_class] * 3)


def test_same_seed_same_arrays_and_generator_accepted():
    a, b = load_iris_2d(rng=3), load_iris_2d(rng=np.random.default_rng(3))
    for (xa, ya), (xb, yb) in zip(_splits(a), _splits(b)):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)


def test_different_seeds_give_different_splits():
    a, b = load_iris_2d(rng=0), load_iris_2d(rng=1)
    assert not np.array_equal(a.x_test, b.x_test)


def test_rows_are_the_bundled_measurements_and_cover_the_data_once():
    s = load_iris_2d(rng=5, standardize=True)
    bunch = load_iris()
    raw = np.concatenate([x * s.std + s.mean for x, _ in _splits(s)])  # back to cm
    labels = np.concatenate([y for _, y in _splits(s)])
    expected = bunch.data[:, [2, 3]]
    # every (row, label) of the bundled data appears as often as in the original
    got = sorted(zip(np.round(raw, 9).tolist(), labels.tolist()))
    want = sorted(zip(np.round(expected, 9).tolist(), bunch.target.tolist()))
    assert got == want


def test_standardised_with_training_statistics_only():
    s = load_iris_2d(rng=2)
    np.testing.assert_allclose(s.x_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(s.x_train.std(axis=0), 1.0, rtol=1e-12)
    assert np.all(np.abs(s.x_test.mean(axis=0)) > 1e-6)  # held-out data is not re-centred


def test_unstandardised_and_other_features():
    s = load_iris_2d(features=("sepal width (cm)", "petal length (cm)"), standardize=False)
    np.testing.assert_array_equal(s.mean, [0.0, 0.0])
    np.testing.assert_array_equal(s.std, [1.0, 1.0])
    bunch = load_iris()
    allowed = {tuple(r) for r in bunch.data[:, [1, 2]].tolist()}
    assert all(tuple(r) in allowed for r in s.x_train.tolist())
    assert s.feature_names == ("sepal width (cm)", "petal length (cm)")


@pytest.mark.parametrize("val, test, sizes", [(0.0, 0.2, (120, 0, 30)), (0.1, 0.1, (120, 15, 15)),
                                              (0.3, 0.3, (60, 45, 45))])
def test_fractions(val, test, sizes):
    s = load_iris_2d(val_fraction=val, test_fraction=test)
    assert tuple(y.size for _, y in _splits(s)) == sizes
    assert s.x_val.shape == (sizes[1], 2)


def test_stratified_split_is_a_partition_with_mixed_classes():
    y = np.repeat(np.arange(4), [5, 8, 13, 20])
    train, val, test = stratified_split(y, 0.25, 0.25, rng=0)
    allidx = np.concatenate([train, val, test])
    np.testing.assert_array_equal(np.sort(allidx), np.arange(y.size))
    for idx in (train, val, test):
        assert idx.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y[test], minlength=4), [1, 2, 3, 5])  # round(n_c / 4)
    assert not np.all(np.diff(y[train]) >= 0)  # shuffled, not sorted by class


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"val_fraction": 1.0}, ValueError, r"val_fraction must be in \[0, 1\), got 1.0"),
        ({"test_fraction": -0.1}, ValueError, "test_fraction must be in"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, ValueError, "must be below 1"),
        ({"val_fraction": "0.2"}, TypeError, "val_fraction must be a number"),
        ({"features": ("petal length (cm)",)}, ValueError, "features must be a pair"),
        ({"features": "petal length (cm)"}, ValueError, "features must be a pair"),
        ({"features": ("petal length", "petal width")}, ValueError, "two different names"),
        ({"features": ("petal width (cm)", "petal width (cm)")}, ValueError, "two different names"),
        ({"standardize": 1}, TypeError, "standardize must be True or False"),
        ({"rng": 1.5}, TypeError, "rng must be"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        load_iris_2d(**kwargs)


def test_stratified_split_refuses_float_labels():
    with pytest.raises(TypeError, match="y must be a 1-d array of integer labels"):
        stratified_split(np.array([0.0, 1.0]))


def test_documents_source_and_licence():
    doc = tabular.__doc__
    for needle in ("Fisher (1936)", "scikit-learn", "BSD 3-Clause", "CC BY 4.0", "10.1111/j.1469-1809.1936.tb02137.x"):
        assert needle in doc
    assert IRIS_FEATURES[2:] == ("petal length (cm)", "petal width (cm)")
