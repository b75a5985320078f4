"""Small tabular datasets shipped inside scikit-learn, split into seeded, stratified train/val/test sets.

Source
------
``load_iris_2d`` reads the iris flowers of Fisher (1936): 150 flowers, 50 of each
of three species (setosa, versicolor, virginica), with four lengths in cm
measured by the botanist Edgar Anderson. The copy is the one bundled with
scikit-learn (``sklearn/datasets/data/iris.csv``, read by
``sklearn.datasets.load_iris``), so nothing is downloaded. scikit-learn's
copy follows Fisher's paper; the copy in the UCI Machine Learning Repository
differs from it in two data points.

Licence
-------
scikit-learn, this copy included, is distributed under the BSD 3-Clause
licence. The UCI Machine Learning Repository distributes its copy of the
Iris dataset under CC BY 4.0. If you redistribute the data, follow the terms
of the copy you take it from, and cite Fisher (1936): R. A. Fisher, "The use
of multiple measurements in taxonomic problems", Annals of Eugenics 7(2),
179-188, doi:10.1111/j.1469-1809.1936.tb02137.x.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lessonpkg._validate import as_rng
from lessonpkg.data.splits import ArraySplits

IRIS_FEATURES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")


@dataclass(frozen=True)
class TabularSplits(ArraySplits):
    """Train, validation and test arrays of one dataset, with the names needed to label plots.

    ``x_*`` are float64 arrays of shape (N_split, D) and ``y_*`` int64 class
    indices of shape (N_split,). ``mean`` and ``std`` (D,) are the training
    set's statistics used to standardise every split (zeros and ones when
    the loader was asked not to standardise): a raw measurement ``r`` maps
    to ``(r - mean) / std``.
    """

    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray


def _check_fraction(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in [0, 1), got {type(value).__name__}")
    if not 0.0 <= float(value) < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return float(value)


def stratified_split(
    y: np.ndarray,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    *,
    rng: np.random.Generator | int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split the indices of ``y`` into train, validation and test sets with the class proportions of ``y``.

    Each class with ``n_c`` examples gives ``round(n_c * test_fraction)`` of them
    to the test set and ``round(n_c * val_fraction)`` to the validation set,
    drawn at random; the rest go to training. Each returned index array is in
    a random order, so the classes are mixed.

    Parameters
    ----------
    y : int ndarray of shape (N,)
        Class labels.
    val_fraction, test_fraction : float in [0, 1)
        Shares of every class held out; their sum must be below 1.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    train, val, test : int64 ndarrays
        Disjoint indices into ``y`` that together cover ``range(N)``.
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise TypeError(f"y must be a 1-d array of integer labels, got dtype {y.dtype} and shape {y.shape}")
    val_fraction = _check_fraction(val_fraction, "val_fraction")
    test_fraction = _check_fraction(test_fraction, "test_fraction")
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"val_fraction + test_fraction must be below 1 to leave training data, got {val_fraction + test_fraction}"
        )
    gen = as_rng(rng)
    parts: list[list[np.ndarray]] = [[], [], []]
    for c in np.unique(y):
        idx = gen.permutation(np.flatnonzero(y == c))
        n_test = int(round(idx.size * test_fraction))
        n_val = int(round(idx.size * val_fraction))
        parts[2].append(idx[:n_test])
        parts[1].append(idx[n_test:n_test + n_val])
        parts[0].append(idx[n_test + n_val:])
    empty = np.empty(0, dtype=np.int64)
    train, val, test = (gen.permutation(np.concatenate(p or [empty])).astype(np.int64) for p in parts)
    return train, val, test


def load_iris_2d(
    rng: np.random.Generator | int | None = 0,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    *,
    features: tuple[str, str] = ("petal length (cm)", "petal width (cm)"),
    standardize: bool = True,
) -> TabularSplits:
    """Two features of Fisher's iris flowers, 3 classes, split by ``stratified_split``.

    With the defaults each species gives 30 flowers to training, 10 to
    validation and 10 to test (90, 30, 30). The features are standardised
    with the training set's mean and standard deviation only, so nothing
    about the held-out flowers leaks into training.

    Parameters
    ----------
    rng : numpy.random.Generator, int or None, default 0
        Decides the split; the same seed gives the same arrays.
    val_fraction, test_fraction : float in [0, 1)
        Share of every species held out for validation and for test.
    features : pair of str
        Two of ``IRIS_FEATURES``, in the order they become columns.
    standardize : bool
        Map each column to ``(x - mean) / std`` with the training statistics.

    Returns
    -------
    TabularSplits
        ``x_*`` float64 (N_split, 2), ``y_*`` int64 (N_split,) with
        0 = setosa, 1 = versicolor, 2 = virginica.
    """
    if isinstance(features, str) or not isinstance(features, (tuple, list)) or len(features) != 2:
        raise ValueError(f"features must be a pair of names from {IRIS_FEATURES}, got {features!r}")
    unknown = [f for f in features if f not in IRIS_FEATURES]
    if unknown or features[0] == features[1]:
        raise ValueError(f"features must be two different names from {IRIS_FEATURES}, got {tuple(features)!r}")
    if not isinstance(standardize, (bool, np.bool_)):
        raise TypeError(f"standardize must be True or False, got {type(standardize).__name__}")

    from sklearn.datasets import load_iris  # the CSV ships inside the scikit-learn wheel

    bunch = load_iris()
    cols = [IRIS_FEATURES.index(f) for f in features]
    x = np.asarray(bunch.data, dtype=np.float64)[:, cols]  # (150, 2)
    y = np.asarray(bunch.target, dtype=np.int64)  # (150,)
    train, val, test = stratified_split(y, val_fraction, test_fraction, rng=rng)
    if standardize:
        mean, std = x[train].mean(axis=0), x[train].std(axis=0)  # (2,) each
    else:
        mean, std = np.zeros(2), np.ones(2)
    return TabularSplits.from_indices((x - mean) / std, y, (train, val, test), feature_names=tuple(features),
                                      class_names=tuple(str(n) for n in bunch.target_names), mean=mean, std=std)
