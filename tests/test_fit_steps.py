"""Tests of lessonpkg.train.steps: the per-step training loop on padded targets."""

import numpy as np
import pytest

import lessonpkg as lp


def _data(N=40, T=5, D=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, D))
    lengths = rng.integers(1, T + 1, size=N)
    y = (x[..., 0] > 0).astype(np.int64)  # tag: sign of the first feature
    y[np.arange(T)[None, :] >= lengths[:, None]] = -100
    return x, lengths, y


def test_loss_falls_and_history_has_every_epoch():
    x, lengths, y = _data()
    model = lp.SequenceTagger(lp.GRU(3, 6, batch_first=True, bidirectional=True, rng=0), lp.Linear(12, 2, rng=1))
    hist = lp.fit_steps(model, lp.Adam(model.params, lr=0.05), (x, lengths), y, epochs=5, batch_size=8, rng=0,
                        val=((x[:10], lengths[:10]), y[:10]))
    assert list(hist) == ["epoch", "train_loss", "val_loss"] and hist["train_loss"].shape == (6,)
    assert hist["train_loss"][-1] < 0.5 * hist["train_loss"][0]
    assert hist["train_loss"][0] == pytest.approx(lp.step_loss(model.__class__(lp.GRU(3, 6, batch_first=True,
                                                  bidirectional=True, rng=0), lp.Linear(12, 2, rng=1)),
                                                  (x, lengths), y), rel=1e-12)


def test_step_loss_equals_the_mean_over_counted_steps():
    x, lengths, y = _data(N=7)
    model = lp.SequenceTagger(lp.RNN(3, 4, batch_first=True, rng=0), lp.Linear(4, 2, rng=1))
    logits, _ = model.forward(x, lengths)
    full, _ = lp.CrossEntropyLoss(ignore_index=-100).forward(logits, y)
    assert lp.step_loss(model, (x, lengths), y, batch_size=3) == pytest.approx(full, rel=1e-12)


def test_bad_inputs():
    x, lengths, y = _data(N=6)
    model = lp.SequenceTagger(lp.RNN(3, 4, batch_first=True, rng=0), lp.Linear(4, 2, rng=1))
    opt = lp.SGD(model.params, lr=0.1)
    with pytest.raises(TypeError, match="inputs must be a non-empty tuple"):
        lp.fit_steps(model, opt, x, y, epochs=1)
    with pytest.raises(ValueError, match=r"inputs\[1\] must hold N=6 examples"):
        lp.fit_steps(model, opt, (x, lengths[:4]), y, epochs=1)
    with pytest.raises(ValueError, match=r"target must have shape \(N, T\)"):
        lp.fit_steps(model, opt, (x, lengths), y[:, 0], epochs=1)
    with pytest.raises(TypeError, match="val must be a tuple"):
        lp.fit_steps(model, opt, (x, lengths), y, epochs=1, val=(x, lengths, y))


def test_bad_input_found_by_fuzzing():
    x, lengths, y = _data(N=4)
    model = lp.SequenceTagger(lp.GRU(3, 4, batch_first=True, rng=0), lp.Linear(4, 2, rng=1))
    for bad in (0, -1):
        with pytest.raises(ValueError, match=f"batch_size must be >= 1, got {bad}"):
            lp.step_loss(model, (x, lengths), y, batch_size=bad)
    with pytest.raises(TypeError, match="batch_size must be an int, got float"):
        lp.step_loss(model, (x, lengths), y, batch_size=2.5)
    with pytest.raises(TypeError, match="optimizer must be an optimizer with a step"):
        lp.fit_steps(model, None, (x, lengths), y, epochs=1)
