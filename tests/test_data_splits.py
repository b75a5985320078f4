"""Tests of lessonpkg.data.splits: the containers that the loaders return."""

import dataclasses

import numpy as np
import pytest

from lessonpkg.data import DigitSequences, TabularSplits
from lessonpkg.data.entities import EntitySplits, TaggedSentences
from lessonpkg.data.names import NameSplits
from lessonpkg.data.sentiment import Reviews, SentimentSplits
from lessonpkg.data.speech import SpeechSplit, SpokenDigits
from lessonpkg.data.splits import ArraySplits, Examples, Splits


def test_array_splits_copy_the_rows_of_each_split_in_order():
    x = np.arange(24.0).reshape(6, 2, 2)[:, :, ::-1]  # not contiguous
    y = np.arange(6, dtype=np.int64)
    indices = (np.array([4, 0, 2]), np.array([1]), np.array([5, 3]))
    s = ArraySplits.from_indices(x, y, indices)
    for name, idx in zip(("train", "val", "test"), indices):
        xs, ys = getattr(s, f"x_{name}"), getattr(s, f"y_{name}")
        np.testing.assert_array_equal(xs, x[idx])
        np.testing.assert_array_equal(ys, y[idx])
        assert xs.flags.c_contiguous and not np.shares_memory(ys, y)


@pytest.mark.parametrize(("cls", "extra"), [(DigitSequences, ["class_names"]),
                                            (TabularSplits, ["feature_names", "class_names", "mean", "std"])])
def test_array_splits_subclasses_keep_their_field_order(cls, extra):
    assert issubclass(cls, ArraySplits)
    names = ["x_train", "y_train", "x_val", "y_val", "x_test", "y_test", *extra]
    assert [f.name for f in dataclasses.fields(cls)] == names


@pytest.mark.parametrize(("cls", "extra"), [(EntitySplits, []), (NameSplits, []), (SentimentSplits, ["class_names"]),
                                            (SpokenDigits, ["speakers", "mean", "std"])])
def test_splits_subclasses_start_with_train_val_test(cls, extra):
    assert issubclass(cls, Splits)
    assert [f.name for f in dataclasses.fields(cls)] == ["train", "val", "test", *extra]


@pytest.mark.parametrize("cls", [TaggedSentences, Reviews, SpeechSplit])
def test_examples_count_the_entries_of_their_first_field(cls):
    assert issubclass(cls, Examples)
    n_fields = len(dataclasses.fields(cls))
    ex = cls(*([("a",), ("b",), ("c",)] if i == 0 else [] for i in range(n_fields)))
    assert len(ex) == 3


def test_splits_are_frozen():
    s = NameSplits(("a",), ("b",), ("c",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.train = ("d",)
