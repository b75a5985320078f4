"""lessonpkg.data.names: census first names, split by name, as character streams."""

import numpy as np
import pytest

from lessonpkg.data import names as nm


def test_splits_are_disjoint_cover_everything_and_are_seeded():
    s = nm.load_names()
    everything = nm.read_census_names()
    assert len(everything) == len(set(everything)) > 5000
    assert not set(s.train) & set(s.val) and not set(s.train) & set(s.test) and not set(s.val) & set(s.test)
    assert sorted(s.train + s.val + s.test) == list(everything)
    assert len(s.val) == len(s.test) == round(0.1 * len(everything))
    assert nm.load_names() == s
    assert nm.load_names(rng=1) != s


def test_stream_layout_and_round_trip():
    s = nm.load_names()
    stream = s.stream("val")
    assert stream.dtype == np.int64 and stream[0] == 0 and stream[-1] == 0
    text = nm.decode(stream)
    assert text == "." + "".join(n + "." for n in s.val)
    assert np.array_equal(nm.encode(text), stream)
    assert (stream == 0).sum() == len(s.val) + 1
    assert nm.ALPHABET[0] == nm.SEPARATOR and len(nm.ALPHABET) == 27


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="val_fraction"):
        nm.load_names(val_fraction=1.5)
    with pytest.raises(ValueError, match="must be < 1"):
        nm.load_names(0.6, 0.5)
    with pytest.raises(ValueError, match="split must be"):
        nm.load_names().stream("dev")
    with pytest.raises(ValueError, match="characters"):
        nm.encode("Mary")
    with pytest.raises(TypeError, match="text must be a str"):
        nm.encode(3)
    with pytest.raises(ValueError, match="indices must lie"):
        nm.decode(np.array([27]))
    with pytest.raises(ValueError, match="non-empty"):
        nm.to_stream([])


def test_sex_labels_follow_the_larger_census_percent_and_keep_the_name_split():
    percents = nm.read_census_percents()
    assert tuple(percents) == nm.read_census_names()
    assert percents["james"] == (0.010, 3.318) and percents["mary"] == (2.629, 0.009)
    assert percents["kris"][0] == percents["kris"][1] > 0  # a tie
    s, plain = nm.load_names_by_sex(), nm.load_names()
    assert s.class_names == nm.SEXES == ("female", "male")
    assert s.ties == tuple(sorted(n for n, (f, m) in percents.items() if f == m)) and "kris" in s.ties
    for split in ("train", "val", "test"):
        lab, names = getattr(s, split), getattr(plain, split)
        assert lab.names == tuple(n for n in names if n not in s.ties)  # same names, same order, ties left out
        assert len(lab) == len(lab.labels) == len(lab.percents) and lab.labels.dtype == np.int64
        np.testing.assert_array_equal(lab.labels, lab.percents[:, 1] > lab.percents[:, 0])
        np.testing.assert_array_equal(lab.in_both, [min(percents[n]) > 0 for n in lab.names])
    everyone = {n: y for sp in (s.train, s.val, s.test) for n, y in zip(sp.names, sp.labels)}
    assert everyone["james"] == 1 and everyone["mary"] == 0
    assert len(everyone) + len(s.ties) == len(percents)
    assert sum(sp.in_both.sum() for sp in (s.train, s.val, s.test)) + len(s.ties) \
        == sum(min(p) > 0 for p in percents.values())
    assert nm.load_names_by_sex(rng=1).test.names != s.test.names


def test_sex_loader_bad_inputs():
    with pytest.raises(ValueError, match="test_fraction"):
        nm.load_names_by_sex(test_fraction=0)
    with pytest.raises(TypeError, match="rng"):
        nm.load_names_by_sex(rng="seed")
