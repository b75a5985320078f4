"""Tests of lessonpkg.train: minibatch order, the fit loop's bookkeeping, and equality with torch training."""

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error

import lessonpkg as lp
from lessonpkg.train import evaluate_loss, fit, minibatches


def _mlp(seed=0, d=3, h=5, c=4):
    rng = np.random.default_rng(seed)
    return lp.Sequential(lp.Linear(d, h, rng=rng), lp.Tanh(), lp.Linear(h, c, rng=rng))


def _data(n=23, d=3, c=4, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, c, size=n)


@pytest.mark.parametrize("n, b", [(1, 1), (7, 1), (10, 3), (10, 5), (10, 9)])
def test_minibatches_partition_a_permutation(n, b):
    batches = list(minibatches(n, b, rng=0))
    sizes = [len(i) for i in batches]
    assert sizes == [b] * (n // b) + ([n % b] if n % b else [])
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n))
    again = list(minibatches(n, b, rng=0))
    assert all(np.array_equal(u, v) for u, v in zip(batches, again))


@pytest.mark.parametrize("b", [None, 10, 11])
def test_minibatches_full_batch_in_order(b):
    (only,) = list(minibatches(10, b, rng=0))
    np.testing.assert_array_equal(only, np.arange(10))


@pytest.mark.parametrize("n, b, exc, match", [(0, 1, ValueError, "n must be >= 1"), (5, 0, ValueError, "batch_size"),
                                               (5, 2.0, TypeError, "batch_size must be an int")])
def test_minibatches_bad_input(n, b, exc, match):
    with pytest.raises(exc, match=match):
        list(minibatches(n, b))


@pytest.mark.parametrize("batch_size, per_epoch", [(None, 1), (23, 1), (5, 5), (1, 23)])
def test_fit_bookkeeping(batch_size, per_epoch):
    x, y = _data()
    m = _mlp()
    hist = fit(m, lp.CrossEntropyLoss(), lp.SGD(m.params, lr=0.1), x, y, epochs=3, batch_size=batch_size, rng=0,
               x_val=x[:4], y_val=y[:4])
    np.testing.assert_array_equal(hist["epoch"], [0, 1, 2, 3])
    np.testing.assert_array_equal(hist["updates"], per_epoch * np.arange(4))
    np.testing.assert_array_equal(hist["examples"], 23 * np.arange(4))
    assert hist["train_loss"].shape == hist["val_loss"].shape == (4,)
    assert hist["train_loss"][-1] == evaluate_loss(m, lp.CrossEntropyLoss(), x, y)


def test_fit_zero_epochs_changes_nothing():
    x, y = _data()
    m = _mlp()
    before = m.state_dict()
    hist = fit(m, lp.CrossEntropyLoss(), lp.SGD(m.params, lr=0.1), x, y, epochs=0)
    assert set(hist) == {"epoch", "updates", "examples", "train_loss"} and hist["epoch"].tolist() == [0]
    for k, v in m.params.items():
        np.testing.assert_array_equal(v, before[k])


def test_full_batch_gradient_descent_lowers_the_loss_every_step_with_small_lr():
    x, y = _data()
    m = _mlp()
    hist = fit(m, lp.CrossEntropyLoss(), lp.SGD(m.params, lr=0.05), x, y, epochs=20)
    assert np.all(np.diff(hist["train_loss"]) < 0)


@pytest.mark.parametrize("batch_size, momentum", [(None, 0.0), (4, 0.0), (1, 0.9), (7, 0.5)])
def test_fit_equals_torch_training_with_the_same_batches(batch_size, momentum):
    x, y = _data()
    m = _mlp(seed=3)
    tm = lp.to_torch(m)
    fit(m, lp.CrossEntropyLoss(), lp.SGD(m.params, lr=0.2, momentum=momentum), x, y, epochs=4,
        batch_size=batch_size, rng=11)

    topt = torch.optim.SGD(tm.parameters(), lr=0.2, momentum=momentum)
    gen = np.random.default_rng(11)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(4):
        for idx in minibatches(len(x), batch_size, gen):
            topt.zero_grad()
            ti = torch.from_numpy(idx)
            torch.nn.functional.cross_entropy(tm(xt[ti]), yt[ti]).backward()
            topt.step()
    for name, p in tm.named_parameters():
        np.testing.assert_allclose(m.params[name], p.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
    worst = max(rel_error(m.params[name], p.detach().numpy()) for name, p in tm.named_parameters())
    record("fit", ["parameters after 4 epochs of minibatch SGD"], f"{x.shape}, batch {batch_size}", worst)


def test_fit_works_for_regression_with_mse():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 2))
    y = x @ np.array([[1.0], [-2.0]]) + 0.5  # (16, 1)
    m = lp.Sequential(lp.Linear(2, 1, rng=0))
    hist = fit(m, lp.MSELoss(), lp.SGD(m.params, lr=0.1), x, y, epochs=200, batch_size=4, rng=0)
    assert hist["train_loss"][-1] < 1e-6


def test_fit_bad_input():
    x, y = _data()
    m = _mlp()
    other = _mlp()
    ce = lp.CrossEntropyLoss()
    with pytest.raises(TypeError, match="model must be a lessonpkg Module"):
        fit(lambda v: v, ce, lp.SGD(m.params), x, y, epochs=1)
    with pytest.raises(ValueError, match="reduction='mean'"):
        fit(m, lp.CrossEntropyLoss(reduction="sum"), lp.SGD(m.params), x, y, epochs=1)
    with pytest.raises(ValueError, match="optimizer must be built on model.params"):
        fit(m, ce, lp.SGD(other.params), x, y, epochs=1)
    with pytest.raises(TypeError, match="optimizer must be a lessonpkg optimizer"):
        fit(m, ce, torch.optim.SGD([torch.zeros(1, requires_grad=True)]), x, y, epochs=1)
    with pytest.raises(ValueError, match="same number of examples"):
        fit(m, ce, lp.SGD(m.params), x, y[:-1], epochs=1)
    with pytest.raises(ValueError, match="x_val and y_val must be given together"):
        fit(m, ce, lp.SGD(m.params), x, y, epochs=1, x_val=x)
    with pytest.raises(TypeError, match="epochs must be an int"):
        fit(m, ce, lp.SGD(m.params), x, y, epochs=1.5)
    with pytest.raises(TypeError, match="x must have dtype"):
        fit(m, ce, lp.SGD(m.params), x.astype(np.int64), y, epochs=1)
