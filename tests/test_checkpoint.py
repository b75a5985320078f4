"""Tests of lessonpkg.train.checkpoint: modules and extra arrays saved to one .npz and loaded back."""

from pathlib import Path

import numpy as np
import pytest

import lessonpkg as lp


def test_round_trip_restores_every_parameter_and_extra(tmp_path):
    lstm, head = lp.LSTM(3, 4, num_layers=2, bidirectional=True, rng=0), lp.Linear(8, 2, rng=0)
    path = tmp_path / "model.npz"
    lp.save_checkpoint(path, {"lstm": lstm, "head": head}, curve=np.arange(5.0), seeds=np.array([1, 2]))
    lstm2, head2 = lp.LSTM(3, 4, num_layers=2, bidirectional=True, rng=1), lp.Linear(8, 2, rng=1)
    arrays_before = [id(p) for p in lstm2.params.values()]
    extras = lp.load_checkpoint(path, {"lstm": lstm2, "head": head2})
    for a, b in ((lstm, lstm2), (head, head2)):
        assert a.params.keys() == b.params.keys()
        for k in a.params:
            np.testing.assert_array_equal(a.params[k], b.params[k])
    assert [id(p) for p in lstm2.params.values()] == arrays_before  # loaded in place
    assert sorted(extras) == ["curve", "seeds"]
    np.testing.assert_array_equal(extras["curve"], np.arange(5.0))
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    np.testing.assert_array_equal(lstm.forward(x)[0], lstm2.forward(x)[0])


def test_mismatches_get_clear_errors(tmp_path):
    path = tmp_path / "m.npz"
    lp.save_checkpoint(path, {"lstm": lp.LSTM(3, 4, rng=0)})
    with pytest.raises(ValueError, match=r"stored \['lstm'\], got \['rnn'\]"):
        lp.load_checkpoint(path, {"rnn": lp.LSTM(3, 4)})
    with pytest.raises(ValueError, match=r"modules\['lstm'\].*must have shape"):
        lp.load_checkpoint(path, {"lstm": lp.LSTM(3, 5)})
    with pytest.raises(ValueError, match="module names"):
        lp.save_checkpoint(path, {"a/b": lp.Linear(2, 2)})
    with pytest.raises(ValueError, match="module names"):
        lp.save_checkpoint(path, {"extra": lp.Linear(2, 2)})
    with pytest.raises(TypeError, match="must be a lessonpkg Module"):
        lp.save_checkpoint(path, {"a": object()})
    with pytest.raises(TypeError, match="non-empty dict"):
        lp.save_checkpoint(path, {})
    with pytest.raises(TypeError, match="numeric array"):
        lp.save_checkpoint(path, {"a": lp.Linear(2, 2)}, names=np.array(["x"]))


def _snapshot(*modules):
    return [{k: v.copy() for k, v in m.params.items()} for m in modules]


def _assert_unchanged(before, *modules):
    for snap, module in zip(before, modules):
        for k, v in snap.items():
            np.testing.assert_array_equal(module.params[k], v)


@pytest.mark.parametrize("bad_first", [False, True])
def test_a_failing_module_leaves_every_module_unchanged(tmp_path, bad_first):
    path = tmp_path / "m.npz"
    lp.save_checkpoint(path, {"lstm": lp.LSTM(3, 4, rng=0), "head": lp.Linear(4, 2, rng=0)})
    lstm, head = lp.LSTM(3, 4, rng=1), lp.Linear(4, 3, rng=1)  # head has the wrong shape
    modules = {"head": head, "lstm": lstm} if bad_first else {"lstm": lstm, "head": head}
    before = _snapshot(lstm, head)
    with pytest.raises(ValueError, match=r"modules\['head'\].*must have shape"):
        lp.load_checkpoint(path, modules)
    _assert_unchanged(before, lstm, head)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_refused_by_key(tmp_path, value):
    good, bad = lp.Linear(3, 2, rng=0), lp.Linear(2, 2, rng=0)
    bad.params["bias"][1] = value
    path = lp.save_checkpoint(tmp_path / "m", {"a": good, "b": bad})
    a, b = lp.Linear(3, 2, rng=1), lp.Linear(2, 2, rng=1)
    before = _snapshot(a, b)
    with pytest.raises(ValueError, match=r"m\.npz holds 1 NaN or inf entries in b/bias"):
        lp.load_checkpoint(path, {"a": a, "b": b})
    _assert_unchanged(before, a, b)


def test_a_key_without_a_module_name_gets_a_clear_error(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, weight=np.zeros((2, 3)), bias=np.zeros(2))
    with pytest.raises(ValueError, match=r"foreign\.npz holds the key 'weight', not of the form "
                                         r"'<module name>/<parameter name>'.*save_checkpoint"):
        lp.load_checkpoint(path, {"head": lp.Linear(3, 2)})


@pytest.mark.parametrize("given, written", [("run1", "run1.npz"), ("run1.npz", "run1.npz"),
                                            ("run.v2", "run.v2.npz"), ("run1.NPZ", "run1.NPZ.npz")])
@pytest.mark.parametrize("as_path", [False, True])
def test_save_and_load_agree_on_the_file_with_or_without_the_suffix(tmp_path, monkeypatch, given, written, as_path):
    monkeypatch.chdir(tmp_path)
    head = lp.Linear(3, 2, rng=0)
    out = lp.save_checkpoint(Path(given) if as_path else given, {"head": head}, curve=np.arange(3.0))
    assert out == Path(written) and sorted(p.name for p in tmp_path.iterdir()) == [written]
    for name in {given, written}:
        other = lp.Linear(3, 2, rng=1)
        extras = lp.load_checkpoint(Path(name) if as_path else name, {"head": other})
        np.testing.assert_array_equal(other.params["weight"], head.params["weight"])
        np.testing.assert_array_equal(extras["curve"], np.arange(3.0))


def test_missing_file_and_bad_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no checkpoint file .*nothing\.npz.*\.npz is appended"):
        lp.load_checkpoint(tmp_path / "nothing", {"head": lp.Linear(3, 2)})
    with pytest.raises(TypeError, match="path must be a str or path-like, got int"):
        lp.save_checkpoint(3, {"head": lp.Linear(3, 2)})


def test_train_each_returns_the_curves_that_load_curves_reads_back(tmp_path, capsys):
    from lessonpkg.train.checkpoint import load_curves, train_each

    calls = []

    def train_one(name, progress):
        calls.append((name, progress))
        history = {"train_loss": np.array([3.0, 2.0, 1.0]), "val_loss": np.array([3.5, 2.5, 1.5]) + len(name)}
        return lp.Linear(2, 1, rng=len(name)), history

    models, extras = train_each(train_one, ["a", "bb"], unit="nats")
    assert calls == [("a", "training a"), ("bb", "training bb")]
    assert capsys.readouterr().out.splitlines()[-2:] == ["a: validation nats 2.5000", "bb: validation nats 3.5000"]
    assert list(models) == ["a", "bb"] and sorted(extras) == ["a_train_loss", "a_val_loss", "bb_train_loss",
                                                                "bb_val_loss"]
    np.testing.assert_array_equal(extras["a_train_loss"], [2.0, 1.0])  # after each epoch, not before training
    np.testing.assert_array_equal(extras["bb_val_loss"], [5.5, 4.5, 3.5])  # before training too
    lp.save_checkpoint(tmp_path / "m.npz", models, **extras)
    curves = load_curves(lp.load_checkpoint(tmp_path / "m.npz", models), models)
    assert list(curves) == ["a", "bb"]
    for name in models:
        np.testing.assert_array_equal(curves[name]["train_loss"], extras[f"{name}_train_loss"])
        np.testing.assert_array_equal(curves[name]["val_loss"], extras[f"{name}_val_loss"])
    assert train_each(train_one, ["c"], show_progress=False)[1]["c_val_loss"][0] == 4.5
    assert calls[-1] == ("c", False) and capsys.readouterr().out == ""
