"""The UCR/UEA loader reads sktime's shipped files: the archive's published sizes, shapes and classes."""

import numpy as np
import pytest

from lessonpkg.data.uea import PROBLEMS, load_uea, parse_ts

# (split sizes, channels, shortest and longest series, number of classes): the archive's published figures
SIZES = {
    "JapaneseVowels": ((270, 370), 12, (7, 29), 9),
    "BasicMotions": ((40, 40), 6, (100, 100), 4),
    "GunPoint": ((50, 150), 1, (150, 150), 2),
}


@pytest.mark.parametrize("name", PROBLEMS)
def test_each_problem_has_the_archive_sizes(name):
    (n_train, n_test), channels, (t_min, t_max), n_classes = SIZES[name]
    train, test = load_uea(name, "train"), load_uea(name, "test")
    assert (len(train), len(test)) == (n_train, n_test)
    lengths = np.concatenate([train.lengths, test.lengths])
    assert (lengths.min(), lengths.max()) == (t_min, t_max)
    for split in (train, test):
        assert {s.shape[1] for s in split.series} == {channels}
        assert all(s.dtype == np.float64 and np.isfinite(s).all() for s in split.series)
        assert split.labels.dtype == np.int64 and len(split.classes) == n_classes
        assert set(split.labels.tolist()) == set(range(n_classes))
    x, lengths = test.padded()
    assert x.shape == (n_test, t_max if name != "JapaneseVowels" else test.lengths.max(), channels)
    assert np.array_equal(lengths, test.lengths)


def test_japanese_vowels_train_split_is_balanced_over_the_nine_speakers():
    assert np.bincount(load_uea("JapaneseVowels", "train").labels).tolist() == [30] * 9


def test_parse_ts_reads_dimensions_lengths_and_labels():
    text = "@problemName x\n@classLabel true a b\n@data\n1,2,3:4,5,6:a\n7,8:9,10:b\n"
    series, labels, classes = parse_ts(text)
    assert classes == ("a", "b") and labels == ["a", "b"]
    assert series[0].tolist() == [[1, 4], [2, 5], [3, 6]] and series[1].shape == (2, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("@classLabel true a\n@data\n1,2:3:a\n", "same length"),
        ("@classLabel true a\n@data\n1,x:a\n", "must be a number"),
        ("@data\n1,2:a\n", "@classLabel"),
        ("@classLabel true a\n@data\n", "at least one series"),
        ("@classLabel true a\n@data\n1:a\n1,2:3,4:a\n", "same number of dimensions"),
    ],
)
def test_parse_ts_names_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_ts(text)


def test_load_uea_refuses_unknown_names_and_splits():
    with pytest.raises(ValueError, match="name must be one of"):
        load_uea("ECG200", "train")
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        load_uea("GunPoint", "val")
    with pytest.raises(TypeError, match="text must be"):
        parse_ts(b"@data")
