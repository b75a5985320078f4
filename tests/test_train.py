"""Tests of lessonpkg.train's fit and its data: minibatch order, bookkeeping, equality with torch training."""

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error

import lessonpkg as lp
from lessonpkg.train import Arrays, accuracy, evaluate, fit, minibatches


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


def test_arrays_shuffle_for_training_and_keep_the_order_for_evaluation():
    x, y = np.arange(10.0)[:, None], np.arange(10)
    data = Arrays(x, y)
    shuffled = [inputs[0][:, 0] for inputs, _ in data.batches(4, np.random.default_rng(0))]
    expected = np.concatenate(list(minibatches(10, 4, np.random.default_rng(0))))
    np.testing.assert_array_equal(np.concatenate(shuffled), expected)
    ordered = [(inputs[0][:, 0], targets[0]) for inputs, targets in data.batches(4, None)]
    np.testing.assert_array_equal(np.concatenate([t for _, t in ordered]), np.arange(10))
    ((whole,), (target,)), = data.batches(None, None)
    assert whole is x and target is y  # one batch in order: the arrays themselves, not copies


@pytest.mark.parametrize("batch_size, per_epoch", [(None, 1), (23, 1), (5, 5), (1, 23)])
def test_fit_bookkeeping(batch_size, per_epoch):
    x, y = _data()
    m = _mlp()
    hist = fit(m, lp.CrossEntropyLoss(), lp.SGD(m.params, lr=0.1), (x, y), epochs=3, batch_size=batch_size, rng=0,
               val=(x[:4], y[:4]), metrics={"accuracy": accuracy})
    assert list(hist) == ["epoch", "updates", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "grad_norm"]
    np.testing.assert_array_equal(hist["epoch"], [0, 1, 2, 3])
    np.testing.assert_array_equal(hist["updates"], per_epoch * np.arange(4))
    assert all(v.shape == (4,) for v in hist.values())
    assert np.isnan(hist["grad_norm"][0]) and np.all(hist["grad_norm"][1:] > 0)
    scores = evaluate(m, lp.CrossEntropyLoss(), (x, y), metrics={"accuracy": accuracy})
    assert hist["train_loss"][-1] == scores["loss"] and hist["train_accuracy"][-1] == scores["accuracy"]


def test_fit_zero_epochs_changes_nothing():
    x, y = _data()
    m = _mlp()
    before = m.state_dict()
    hist = fit(m, lp.CrossEntropyLoss(), lp.SGD(m.params, lr=0.1), (x, y), epochs=0)
    assert set(hist) == {"epoch", "updates", "train_loss", "grad_norm"} and hist["epoch"].tolist() == [0]
    for k, v in m.params.items():
        np.testing.assert_array_equal(v, before[k])


def test_full_batch_gradient_descent_lowers_the_loss_every_step_with_small_lr():
    x, y = _data()
    m = _mlp()
    hist = fit(m, lp.CrossEntropyLoss(), lp.SGD(m.params, lr=0.05), (x, y), epochs=20)
    assert np.all(np.diff(hist["train_loss"]) < 0)


@pytest.mark.parametrize("batch_size, momentum, clip", [(None, 0.0, None), (4, 0.0, 0.3), (1, 0.9, None),
                                                         (7, 0.5, 0.1)])
def test_fit_equals_torch_training_with_the_same_batches(batch_size, momentum, clip):
    x, y = _data()
    m = _mlp(seed=3)
    tm = lp.to_torch(m)
    hist = fit(m, lp.CrossEntropyLoss(), lp.SGD(m.params, lr=0.2, momentum=momentum), (x, y), epochs=4,
               batch_size=batch_size, rng=11, clip_grad_norm=clip)

    topt = torch.optim.SGD(tm.parameters(), lr=0.2, momentum=momentum)
    gen = np.random.default_rng(11)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    norms = []
    for _ in range(4):
        for idx in minibatches(len(x), batch_size, gen):
            topt.zero_grad()
            ti = torch.from_numpy(idx)
            torch.nn.functional.cross_entropy(tm(xt[ti]), yt[ti]).backward()
            norms.append(torch.nn.utils.clip_grad_norm_(tm.parameters(), np.inf if clip is None else clip).item())
            topt.step()
    for name, p in tm.named_parameters():
        np.testing.assert_allclose(m.params[name], p.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
    per_epoch = len(norms) // 4
    np.testing.assert_allclose(hist["grad_norm"][-1], max(norms[-per_epoch:]), rtol=1e-10)
    worst = max(rel_error(m.params[name], p.detach().numpy()) for name, p in tm.named_parameters())
    record("fit", ["parameters after 4 epochs of minibatch SGD", "gradient norm"],
           f"{x.shape}, batch {batch_size}, clip {clip}", worst)


def test_fit_works_for_regression_with_mse():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 2))
    y = x @ np.array([[1.0], [-2.0]]) + 0.5  # (16, 1)
    m = lp.Sequential(lp.Linear(2, 1, rng=0))
    hist = fit(m, lp.MSELoss(), lp.SGD(m.params, lr=0.1), (x, y), epochs=200, batch_size=4, rng=0)
    assert hist["train_loss"][-1] < 1e-6


def test_an_optimizer_on_part_of_the_parameters_freezes_the_rest():
    x, y = _data()
    m = _mlp()
    before = m.state_dict()
    fit(m, lp.CrossEntropyLoss(), lp.SGD({"2.weight": m.params["2.weight"]}, lr=0.5), (x, y), epochs=2,
        batch_size=5, rng=0)
    changed = [k for k in m.params if not np.array_equal(m.params[k], before[k])]
    assert changed == ["2.weight"]


def test_clip_grad_value_clips_every_entry_before_the_step():
    x, y = _data()
    a, b = _mlp(), _mlp()
    fit(a, lp.CrossEntropyLoss(), lp.SGD(a.params, lr=1.0), (x, y), epochs=1, clip_grad_value=1e-3)
    for k in a.params:
        assert np.abs(a.params[k] - b.params[k]).max() <= 1e-3 + 1e-15


def test_progress_bar_and_its_description(capsys):
    x, y = _data()
    m = _mlp()
    fit(m, lp.CrossEntropyLoss(), lp.SGD(m.params, lr=0.1), (x, y), epochs=2, progress="training the MLP")
    assert "training the MLP" in capsys.readouterr().err
    fit(m, lp.CrossEntropyLoss(), lp.SGD(m.params, lr=0.1), (x, y), epochs=2)
    assert capsys.readouterr().err == ""


def test_a_data_object_with_batches_is_read_as_is():
    x, y = _data()

    class Halves:  # two fixed batches, for training and for evaluation alike
        def batches(self, batch_size, rng):
            yield (x[:12],), (y[:12],)
            yield (x[12:],), (y[12:],)

    m = _mlp()
    hist = fit(m, lp.CrossEntropyLoss(), lp.SGD(m.params, lr=0.1), Halves(), epochs=2, batch_size=None, rng=0)
    assert hist["updates"].tolist() == [0, 2, 4]
    whole = evaluate(m, lp.CrossEntropyLoss(), (x, y))["loss"]
    np.testing.assert_allclose(hist["train_loss"][-1], whole, rtol=1e-14)


def test_fit_bad_input():
    x, y = _data()
    m = _mlp()
    other = _mlp()
    ce = lp.CrossEntropyLoss()
    with pytest.raises(TypeError, match="model must be a lessonpkg Module"):
        fit(lambda v: v, ce, lp.SGD(m.params), (x, y), epochs=1)
    with pytest.raises(ValueError, match="reduction='mean'"):
        fit(m, lp.CrossEntropyLoss(reduction="sum"), lp.SGD(m.params), (x, y), epochs=1)
    with pytest.raises(ValueError, match="optimizer must be built on model.params or part of it"):
        fit(m, ce, lp.SGD(other.params), (x, y), epochs=1)
    with pytest.raises(TypeError, match="optimizer must be a lessonpkg optimizer"):
        fit(m, ce, torch.optim.SGD([torch.zeros(1, requires_grad=True)]), (x, y), epochs=1)
    with pytest.raises(TypeError, match="optimizer must be an optimizer with a step"):
        fit(m, ce, None, (x, y), epochs=1)
    with pytest.raises(ValueError, match=r"train\[1\] must hold N=23 examples"):
        fit(m, ce, lp.SGD(m.params), (x, y[:-1]), epochs=1)
    with pytest.raises(ValueError, match="train must hold at least two arrays"):
        fit(m, ce, lp.SGD(m.params), (x,), epochs=1)
    with pytest.raises(TypeError, match=r"train must be a tuple \(\*inputs, target\)"):
        fit(m, ce, lp.SGD(m.params), x, epochs=1)
    with pytest.raises(TypeError, match=r"val must be a tuple \(\*inputs, target\)"):
        fit(m, ce, lp.SGD(m.params), (x, y), epochs=1, val=[x, y])
    with pytest.raises(TypeError, match="epochs must be an int"):
        fit(m, ce, lp.SGD(m.params), (x, y), epochs=1.5)
    with pytest.raises(TypeError, match="x must have dtype float64"):
        fit(m, ce, lp.SGD(m.params), (x.astype(np.int64), y), epochs=1)
    with pytest.raises(ValueError, match="clip_grad_norm must be a finite number >= 0"):
        fit(m, ce, lp.SGD(m.params), (x, y), epochs=1, clip_grad_norm=-1.0)
    with pytest.raises(TypeError, match="metrics must be a dict of name -> function"):
        fit(m, ce, lp.SGD(m.params), (x, y), epochs=1, metrics=[accuracy])
    with pytest.raises(TypeError, match="progress must be True, False or a description"):
        fit(m, ce, lp.SGD(m.params), (x, y), epochs=1, progress=1)
