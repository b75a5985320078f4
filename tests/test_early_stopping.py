"""Tests of lessonpkg.train.early_stopping: the best epoch is kept and restored; fit stops and restores with it."""

import numpy as np
import pytest

import lessonpkg as lp
from lessonpkg.train import EarlyStopping


def test_keeps_and_restores_the_best_epoch_counted_from_one():
    p = {"w": np.array([0.0])}
    stop = EarlyStopping(patience=2)
    assert stop.best_epoch == 0 and stop.best_loss == np.inf
    answers = []
    for loss, value in [(3.0, 1.0), (1.0, 2.0), (2.0, 3.0), (1.5, 4.0)]:
        p["w"][...] = value
        answers.append(stop.step(loss, p))
    assert answers == [False, False, False, True] and stop.best_epoch == 2 and stop.best_loss == 1.0
    w = p["w"]
    stop.restore(p)
    assert p["w"] is w and p["w"][0] == 2.0


def test_fit_stops_after_patience_epochs_and_restores_the_best_parameters():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, 3)), rng.standard_normal((40, 1))
    xv, yv = rng.standard_normal((10, 3)), rng.standard_normal((10, 1))  # noise: the validation loss soon rises
    model = lp.Sequential(lp.Linear(3, 16, rng=0), lp.Tanh(), lp.Linear(16, 1, rng=1))
    stop = EarlyStopping(patience=3)
    h = lp.fit(model, lp.MSELoss(), lp.Adam(model.params, lr=0.05), (x, y), epochs=200, batch_size=8, rng=0,
               val=(xv, yv), early_stopping=stop)
    last = int(h["epoch"][-1])
    assert last == stop.best_epoch + 3 < 200
    assert stop.best_loss == h["val_loss"][stop.best_epoch] == h["val_loss"][1:].min()
    assert lp.evaluate(model, lp.MSELoss(), (xv, yv))["loss"] == stop.best_loss


def test_bad_inputs():
    with pytest.raises(ValueError, match="val_loss must be finite"):
        EarlyStopping(3).step(np.nan, {})
    with pytest.raises(ValueError, match="no epoch recorded"):
        EarlyStopping(3).restore({})
    with pytest.raises(TypeError, match="patience must be an int"):
        EarlyStopping(2.5)
    stop = EarlyStopping(2)
    with pytest.raises(TypeError, match="params must be a dict of numpy arrays"):
        stop.step(1.0, None)
    stop.step(1.0, {"w": np.ones(3)})
    with pytest.raises(ValueError, match=r"params\[.w.\] must have shape \(3,\) like the recorded parameters"):
        stop.restore({"w": np.zeros(2)})
    model = lp.Linear(2, 1, rng=0)
    with pytest.raises(ValueError, match="needs val="):
        lp.fit(model, lp.MSELoss(), lp.SGD(model.params), (np.zeros((3, 2)), np.zeros((3, 1))), epochs=1,
               early_stopping=EarlyStopping(2))
