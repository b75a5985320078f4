"""Tests of lessonpkg.train.checkpoint: modules and extra arrays saved to one .npz and loaded back."""

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
