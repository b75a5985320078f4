"""Tests of lessonpkg.nn.loss: torch cross-checks in float64, finite differences, stability and bad input."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from equality_log import record
from twin import rel_error

import lessonpkg as lp
from lessonpkg.nn.loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss

REDUCTIONS = ["mean", "sum", "none"]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def assert_close(ours, theirs) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def cross_check(crit, torch_loss, x, target, dloss=None) -> None:
    """Run crit forward and backward, and the torch twin ``torch_loss(x_tensor)``; compare value and gradient."""
    loss, cache = crit.forward(x, target)
    dx = crit.backward(cache, dloss)
    xt = torch.tensor(x, requires_grad=True)
    lt = torch_loss(xt)
    lt.backward(torch.ones_like(lt) if dloss is None else torch.as_tensor(dloss, dtype=torch.float64))
    assert np.shape(loss) == tuple(lt.shape)
    assert dx.shape == x.shape and dx.dtype == np.float64
    assert_close(loss, lt.detach().numpy())
    assert_close(dx, xt.grad.numpy())
    worst = max(rel_error(loss, lt.detach().numpy()), rel_error(dx, xt.grad.numpy()))
    record(type(crit).__name__, ["loss", "dx"], x.shape, worst)


def upstream(rng, loss_shape, kind):
    """None (the default), a random upstream gradient of the loss's shape, or a random Python float."""
    if kind == "default":
        return None
    g = rng.normal(size=loss_shape)
    return float(g) if loss_shape == () and kind == "scalar" else g


def numerical_gradient(f, x, h=1e-6):
    """Central differences of the scalar function f at x (float64)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


def finite_difference_check(crit, x, target, rng) -> None:
    """backward equals central differences of sum(loss * dloss), with no torch involved."""
    loss, cache = crit.forward(x, target)
    dloss = rng.normal(size=np.shape(loss)) if crit.reduction == "none" else 0.7
    dx = crit.backward(cache, dloss)
    num = numerical_gradient(lambda z: float(np.sum(crit.forward(z, target)[0] * dloss)), x.copy())
    err = np.max(np.abs(dx - num)) / max(np.max(np.abs(dx) + np.abs(num)), 1e-12)
    assert err < 1e-7, err


# ---------------------------------------------------------------- cross-entropy

CE_SHAPES = [(1,), (5,), (1, 1), (1, 4), (3, 1), (4, 5), (2, 3, 4), (1, 1, 1), (3, 4, 1), (2, 3, 2, 2)]
CE_CASES = list(itertools.product(CE_SHAPES, REDUCTIONS, [False, True], [False, True], [0.0, 0.25]))


def ce_inputs(rng, shape, ignore, reduction, ignore_index=-100):
    """Logits with a non-zero offset and integer targets; with ``ignore``, about half of them ignored."""
    x = rng.normal(size=shape) * 3 + 0.5
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    target_shape = () if len(shape) == 1 else (shape[0], *shape[2:])
    y = rng.integers(0, n_classes, size=target_shape)
    if ignore:
        drop = np.asarray(rng.random(target_shape) < 0.5)
        if reduction == "mean":  # keep one target, so that the mean is defined
            drop.flat[0] = False
        y = np.where(drop, ignore_index, y)
    return x, np.asarray(y, dtype=np.int64)


def torch_ce(y, weight=None, **kw):
    w = None if weight is None else torch.tensor(weight)
    return lambda xt: F.cross_entropy(xt, torch.tensor(y), weight=w, **kw)


@pytest.mark.parametrize("shape, reduction, ignore, weighted, smoothing", CE_CASES, ids=str)
def test_cross_entropy_matches_torch(shape, reduction, ignore, weighted, smoothing):
    rng = np.random.default_rng(CE_CASES.index((shape, reduction, ignore, weighted, smoothing)))
    x, y = ce_inputs(rng, shape, ignore, reduction)
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    weight = rng.uniform(0.5, 2.0, size=n_classes) if weighted else None
    crit = CrossEntropyLoss(weight=weight, reduction=reduction, label_smoothing=smoothing)
    dloss = upstream(rng, y.shape if reduction == "none" else (), "random")
    cross_check(crit, torch_ce(y, weight, reduction=reduction, label_smoothing=smoothing), x, y, dloss)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("ignore_index", [0, 2, 7, -1])
def test_cross_entropy_other_ignore_index_matches_torch(reduction, ignore_index):
    rng = np.random.default_rng(ignore_index + 10)
    x, y = ce_inputs(rng, (6, 3, 2), ignore=True, reduction=reduction, ignore_index=ignore_index)
    crit = CrossEntropyLoss(ignore_index=ignore_index, reduction=reduction, label_smoothing=0.1)
    cross_check(crit, torch_ce(y, ignore_index=ignore_index, reduction=reduction, label_smoothing=0.1), x, y)


@pytest.mark.parametrize("reduction", ["sum", "none"])
@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 4, 3)])
def test_cross_entropy_all_ignored_sum_and_none_match_torch(shape, reduction):
    rng = np.random.default_rng(1)
    x, y = ce_inputs(rng, shape, ignore=False, reduction=reduction)
    y = np.full_like(y, -100)
    crit = CrossEntropyLoss(reduction=reduction, label_smoothing=0.2)
    cross_check(crit, torch_ce(y, reduction=reduction, label_smoothing=0.2), x, y)
    loss, cache = crit.forward(x, y)
    assert np.all(loss == 0) and np.all(crit.backward(cache) == 0)


def test_cross_entropy_full_label_smoothing_and_uint8_targets_match_torch():
    rng = np.random.default_rng(2)
    x, y = ce_inputs(rng, (5, 4), ignore=False, reduction="mean")
    weight = rng.uniform(0.1, 3.0, size=4)
    cross_check(CrossEntropyLoss(weight, label_smoothing=1.0), torch_ce(y, weight, label_smoothing=1.0), x, y)
    for dtype in (np.uint8, np.int32, np.int16):
        cross_check(CrossEntropyLoss(weight), torch_ce(y, weight), x, y.astype(dtype))


@pytest.mark.parametrize("recipe", ["transpose", "reshape"])
def test_cross_entropy_rnn_logits_recipes_from_the_docstring(recipe):
    """(N, T, C) logits: both documented recipes give torch's mean over the (N, C, T) layout."""
    rng = np.random.default_rng(3)
    N, T, C = 3, 4, 5
    logits = rng.normal(size=(N, T, C))
    target = rng.integers(0, C, size=(N, T))
    target[0, -2:] = -100  # padding
    crit = CrossEntropyLoss()
    if recipe == "transpose":
        loss, cache = crit.forward(logits.transpose(0, 2, 1), target)
        dlogits = crit.backward(cache).transpose(0, 2, 1)
    else:
        loss, cache = crit.forward(logits.reshape(N * T, C), target.reshape(N * T))
        dlogits = crit.backward(cache).reshape(N, T, C)
    lt = torch.tensor(logits, requires_grad=True)
    expected = F.cross_entropy(lt.transpose(1, 2), torch.tensor(target))
    expected.backward()
    assert_close(loss, expected.item())
    assert_close(dlogits, lt.grad.numpy())
    worst = max(rel_error(loss, expected.item()), rel_error(dlogits, lt.grad.numpy()))
    record("CrossEntropyLoss", ["loss", "dx"], logits.shape, worst)


def test_cross_entropy_stable_at_large_logits():
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0], [1000.0, 1000.0, 1000.0], [-1000.0, 0.0, 1000.0]])
    y = np.array([1, 2, 0, 0])
    for reduction, smoothing in itertools.product(REDUCTIONS, [0.0, 0.3]):
        crit = CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing)
        loss, cache = crit.forward(x, y)
        dx = crit.backward(cache)
        assert np.all(np.isfinite(loss)) and np.all(np.isfinite(dx))
        cross_check(crit, torch_ce(y, reduction=reduction, label_smoothing=smoothing), x, y)
    loss, _ = CrossEntropyLoss(reduction="none").forward(x, y)
    assert loss[0] == 2000.0 and loss[3] == 2000.0


def test_cross_entropy_tied_huge_logits_match_torch():
    """Tied logits of 1e300: log-softmax must subtract the maximum before adding log(sum), or log 2 is lost."""
    x, y = np.array([[1e300, 1e300, 0.0]]), np.array([0])
    crit = CrossEntropyLoss()
    loss, cache = crit.forward(x, y)
    assert loss == np.log(2.0)
    np.testing.assert_array_equal(crit.backward(cache), [[-0.5, 0.5, 0.0]])
    for reduction, smoothing in itertools.product(REDUCTIONS, [0.0, 0.3]):
        crit = CrossEntropyLoss(weight=np.array([0.5, 2.0, 1.0]), reduction=reduction, label_smoothing=smoothing)
        cross_check(crit, torch_ce(np.array([1]), np.array([0.5, 2.0, 1.0]), reduction=reduction,
                                   label_smoothing=smoothing), x, np.array([1]))


def test_log_softmax_subtracts_the_maximum_first():
    x = np.array([[1e300, 1e300, 0.0], [1000.1, 1000.3, 999.7]])
    expected = torch.log_softmax(torch.tensor(x), dim=1).numpy()
    np.testing.assert_array_equal(lp.functional.log_softmax(x, axis=1), expected)
    np.testing.assert_allclose(lp.functional.softmax(x, axis=1), torch.softmax(torch.tensor(x), 1).numpy(),
                               rtol=1e-15, atol=0)


F32_CE_CASES = list(itertools.product([(6, 5), (2, 5, 3)], REDUCTIONS, [False, True], [0.0, 0.2]))


@pytest.mark.parametrize("offset", [0.0, 1e3, -1e3, 3e4])
@pytest.mark.parametrize("shape, reduction, weighted, smoothing", F32_CE_CASES, ids=str)
def test_cross_entropy_float32_matches_torch_float32(shape, reduction, weighted, smoothing, offset):
    """float32 logits far from 0 (offset 1e3, 3e4): the loss and gradient keep float32 precision, like torch's."""
    rng = np.random.default_rng(F32_CE_CASES.index((shape, reduction, weighted, smoothing)))
    x64, y = ce_inputs(rng, shape, ignore=True, reduction=reduction)
    x = (x64 + offset).astype(np.float32)
    weight = rng.uniform(0.5, 2.0, size=shape[1]).astype(np.float32) if weighted else None
    crit = CrossEntropyLoss(weight=weight, reduction=reduction, label_smoothing=smoothing)
    loss, cache = crit.forward(x, y)
    dloss = rng.normal(size=y.shape).astype(np.float32) if reduction == "none" else None
    dx = crit.backward(cache, dloss)
    xt = torch.tensor(x, requires_grad=True)
    lt = F.cross_entropy(xt, torch.tensor(y), weight=None if weight is None else torch.tensor(weight),
                         reduction=reduction, label_smoothing=smoothing)
    lt.backward(torch.ones_like(lt) if dloss is None else torch.tensor(dloss))
    assert np.asarray(loss).dtype == np.float32 and dx.dtype == np.float32
    # a few float32 ulps of the values involved (losses ~3, gradients ~1): logits of 3e4 must not cost 1e-3
    np.testing.assert_allclose(loss, lt.detach().numpy(), rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=4e-7)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 2)])
def test_cross_entropy_finite_differences(shape, reduction):
    rng = np.random.default_rng(4)
    x, y = ce_inputs(rng, shape, ignore=len(shape) > 1, reduction=reduction)
    crit = CrossEntropyLoss(weight=rng.uniform(0.5, 2, size=shape[-1] if len(shape) == 1 else shape[1]),
                            reduction=reduction, label_smoothing=0.2)
    finite_difference_check(crit, x, y, rng)


# ---------------------------------------------------------------- mean squared error

MSE_SHAPES = [(), (1,), (5,), (1, 1), (3, 4), (2, 3, 4)]


@pytest.mark.parametrize("dloss_kind", ["default", "random"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", MSE_SHAPES)
def test_mse_matches_torch(shape, reduction, dloss_kind):
    rng = np.random.default_rng(MSE_SHAPES.index(shape))
    x, t = rng.normal(size=shape) + 0.3, rng.normal(size=shape)
    dloss = upstream(rng, shape if reduction == "none" else (), dloss_kind)
    cross_check(MSELoss(reduction), lambda xt: F.mse_loss(xt, torch.tensor(t), reduction=reduction), x, t, dloss)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_finite_differences(reduction):
    rng = np.random.default_rng(5)
    finite_difference_check(MSELoss(reduction), rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng)


# ---------------------------------------------------------------- binary cross-entropy with logits

BCE_SHAPES = [(), (1,), (5,), (1, 1), (3, 4), (2, 3, 4)]
BCE_CASES = list(itertools.product(BCE_SHAPES, REDUCTIONS, [None, "full", "last"], [False, True]))


def bce_inputs(rng, shape):
    """Logits, and targets that mix exact 0s and 1s with values in between."""
    x = rng.normal(size=shape) * 3 - 0.2
    t = np.where(rng.random(shape) < 0.5, rng.integers(0, 2, size=shape), rng.random(shape)).astype(np.float64)
    return x, t


def bce_weights(rng, shape, weighting, positive):
    last = shape[-1:]
    weight = None if weighting is None else rng.uniform(0.2, 2.0, size=shape if weighting == "full" else last)
    pos_weight = rng.uniform(0.2, 3.0, size=last) if positive else None
    return weight, pos_weight


def torch_bce(t, weight=None, pos_weight=None, **kw):
    w, pw = (None if a is None else torch.tensor(a) for a in (weight, pos_weight))
    return lambda xt: F.binary_cross_entropy_with_logits(xt, torch.tensor(t), weight=w, pos_weight=pw, **kw)


@pytest.mark.parametrize("shape, reduction, weighting, positive", BCE_CASES, ids=str)
def test_bce_with_logits_matches_torch(shape, reduction, weighting, positive):
    rng = np.random.default_rng(BCE_CASES.index((shape, reduction, weighting, positive)))
    x, t = bce_inputs(rng, shape)
    weight, pos_weight = bce_weights(rng, shape, weighting, positive)
    crit = BCEWithLogitsLoss(weight=weight, reduction=reduction, pos_weight=pos_weight)
    dloss = upstream(rng, shape if reduction == "none" else (), "random")
    cross_check(crit, torch_bce(t, weight, pos_weight, reduction=reduction), x, t, dloss)


def test_bce_with_logits_row_weight_broadcasts_like_torch():
    rng = np.random.default_rng(6)
    x, t = bce_inputs(rng, (4, 3))
    weight = rng.uniform(0.5, 1.5, size=(4, 1))
    cross_check(BCEWithLogitsLoss(weight), torch_bce(t, weight), x, t)


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_stable_at_large_logits(reduction, positive):
    x, t = (a.ravel() for a in np.meshgrid([-1000.0, -30.0, 0.0, 30.0, 1000.0], [0.0, 0.25, 1.0]))
    pos_weight = np.array([2.5]) if positive else None
    crit = BCEWithLogitsLoss(reduction=reduction, pos_weight=pos_weight)
    loss, cache = crit.forward(x, t)
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(crit.backward(cache)))
    cross_check(crit, torch_bce(t, pos_weight=pos_weight, reduction=reduction), x, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_finite_differences(reduction):
    rng = np.random.default_rng(7)
    x, t = bce_inputs(rng, (3, 4))
    weight, pos_weight = bce_weights(rng, (3, 4), "full", True)
    finite_difference_check(BCEWithLogitsLoss(weight, reduction, pos_weight), x, t, rng)


# ---------------------------------------------------------------- shared behaviour


@pytest.mark.parametrize("dloss_kind", ["default", "scalar"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_default_and_float_upstream_gradient_match_torch(reduction, dloss_kind):
    rng = np.random.default_rng(8)
    x, y = ce_inputs(rng, (3, 4, 2), ignore=True, reduction=reduction)
    dloss = upstream(rng, y.shape if reduction == "none" else (), dloss_kind)
    cross_check(CrossEntropyLoss(reduction=reduction), torch_ce(y, reduction=reduction), x, y, dloss)
    x, t = bce_inputs(rng, (3, 4))
    dloss = upstream(rng, x.shape if reduction == "none" else (), dloss_kind)
    cross_check(BCEWithLogitsLoss(reduction=reduction), torch_bce(t, reduction=reduction), x, t, dloss)
    cross_check(MSELoss(reduction), lambda xt: F.mse_loss(xt, torch.tensor(t), reduction=reduction), x, t, dloss)


def test_losses_are_exported_and_repr_shows_arguments():
    assert lp.CrossEntropyLoss is CrossEntropyLoss and lp.MSELoss is MSELoss
    assert lp.BCEWithLogitsLoss is BCEWithLogitsLoss
    assert repr(CrossEntropyLoss(ignore_index=0)) == (
        "CrossEntropyLoss(weight=None, ignore_index=0, reduction='mean', label_smoothing=0.0)"
    )
    assert repr(MSELoss("sum")) == "MSELoss(reduction='sum')"


def test_float32_input_keeps_its_dtype():
    x = np.array([[0.5, -1.0, 2.0]], dtype=np.float32)
    for crit, target in [(CrossEntropyLoss(), np.array([2])), (MSELoss(), x[::-1] * 2),
                         (BCEWithLogitsLoss(), np.full_like(x, 0.5))]:
        loss, cache = crit.forward(x, target)
        assert loss.dtype == np.float32 and crit.backward(cache).dtype == np.float32


# ---------------------------------------------------------------- bad input

X = np.zeros((2, 4))


@pytest.mark.parametrize("make", [CrossEntropyLoss, MSELoss, BCEWithLogitsLoss])
@pytest.mark.parametrize("bad", ["avg", "Mean", None, "elementwise_mean"])
def test_unknown_reduction(make, bad):
    with pytest.raises(ValueError, match=r"reduction must be one of 'mean', 'sum', 'none', got"):
        make(reduction=bad)


@pytest.mark.parametrize("target, message", [
    (np.array([0, 4]), r"\[0, 4\).*ignore_index=-100, got 4 at position \(1,\)"),
    (np.array([-1, 0]), r"\[0, 4\).*got -1 at position \(0,\)"),
    (np.array([0, -100]), None),
])
def test_cross_entropy_target_out_of_range(target, message):
    if message is None:  # ignore_index itself is allowed
        CrossEntropyLoss().forward(X, target)
        return
    with pytest.raises(ValueError, match=message):
        CrossEntropyLoss().forward(X, target)


def test_cross_entropy_target_out_of_range_scalar_and_ignore_index_in_range():
    with pytest.raises(ValueError, match=r"\[0, 3\).*got 3$"):
        CrossEntropyLoss().forward(np.zeros(3), np.array(3))
    with pytest.raises(ValueError, match=r"got -100 at position"):
        CrossEntropyLoss(ignore_index=1).forward(X, np.array([1, -100]))


@pytest.mark.parametrize("target", [np.array([0.0, 1.0]), np.array([True, False]), np.zeros((2, 4))])
def test_cross_entropy_float_or_bool_targets(target):
    with pytest.raises(TypeError, match=r"target must have an integer dtype of class indices.*class-probability"):
        CrossEntropyLoss().forward(X, target)


@pytest.mark.parametrize("x, target, message", [
    (np.zeros((2, 4)), np.array([0, 1, 2]), r"target must have shape \(N,\) = \(2,\) for input of shape \(2, 4\), "
                                            r"got \(3,\)"),
    (np.zeros((2, 4)), np.array(1), r"= \(2,\) .*got \(\)"),
    (np.zeros(4), np.array([1]), r"target must have shape \(\) = \(\) for input of shape \(4,\), got \(1,\)"),
    (np.zeros((2, 5, 4)), np.zeros((2, 5), dtype=int), r"\(N, d1, \.\.\.\) = \(2, 4\) .*got \(2, 5\).*"
                                                       r"logits\.transpose\(0, 2, 1\)"),
    (np.zeros((2, 4, 3)), np.zeros((2, 4), dtype=int), r"= \(2, 3\) for input of shape \(2, 4, 3\), got \(2, 4\)"),
])
def test_cross_entropy_shape_mismatch(x, target, message):
    with pytest.raises(ValueError, match=message):
        CrossEntropyLoss().forward(x, target)


@pytest.mark.parametrize("x", [np.array(1.0), np.zeros((3, 0)), np.zeros(0)])
def test_cross_entropy_input_without_classes(x):
    with pytest.raises(ValueError, match=r"input must have shape \(C,\), \(N, C\) or \(N, C, d1, \.\.\.\) with C >= 1"):
        CrossEntropyLoss().forward(x, np.zeros(x.shape[:1], dtype=int))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_input(value):
    x = X.copy()
    x[1, 2] = value
    with pytest.raises(ValueError, match="input must be finite"):
        CrossEntropyLoss().forward(x, np.array([0, 1]))
    with pytest.raises(ValueError, match="input must be finite"):
        MSELoss().forward(x, X)
    with pytest.raises(ValueError, match="input must be finite"):
        BCEWithLogitsLoss().forward(x, X)
    with pytest.raises(ValueError, match="target must be finite"):
        MSELoss().forward(X, x)


def test_non_float_input():
    with pytest.raises(TypeError, match="input must have dtype"):
        CrossEntropyLoss().forward(np.zeros((2, 3), dtype=int), np.array([0, 1]))
    with pytest.raises(TypeError, match="torch tensor"):
        CrossEntropyLoss().forward(X, torch.tensor([0, 1]))


@pytest.mark.parametrize("target, reduction", [(np.full(2, -100), "mean"), (np.zeros(0, dtype=int), "mean")])
def test_cross_entropy_mean_with_no_counted_target_raises(target, reduction):
    x = np.zeros((target.size, 4))
    with pytest.raises(ValueError, match=r"reduction='mean' divides .*torch returns nan.*reduction='sum'"):
        CrossEntropyLoss(reduction=reduction).forward(x, target)
    # torch's documented behaviour that the error replaces
    assert torch.isnan(F.cross_entropy(torch.tensor(x), torch.tensor(target)))


def test_cross_entropy_mean_with_zero_total_weight_raises():
    crit = CrossEntropyLoss(weight=np.array([0.0, 0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="weights of the non-ignored targets sum to 0"):
        crit.forward(X, np.array([0, 1]))
    assert np.isfinite(crit.forward(X, np.array([0, 2]))[0])


@pytest.mark.parametrize("kwargs, error, message", [
    ({"weight": np.ones(5)}, ValueError, r"weight must have shape \(C,\) = \(4,\) for input \(2, 4\), got \(5,\)"),
    ({"weight": np.ones((1, 4))}, ValueError, r"weight must have shape \(C,\), one entry per class, got \(1, 4\)"),
    ({"weight": np.array([1.0, -1.0, 1.0, 1.0])}, ValueError, "weight must be >= 0"),
    ({"weight": np.array([1.0, np.nan, 1.0, 1.0])}, ValueError, "weight must be finite"),
    ({"label_smoothing": 1.5}, ValueError, r"label_smoothing must be in \[0, 1\], got 1.5"),
    ({"label_smoothing": -0.1}, ValueError, "label_smoothing must be a finite number >= 0"),
    ({"ignore_index": 1.0}, TypeError, "ignore_index must be an int, got float"),
])
def test_cross_entropy_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        CrossEntropyLoss(**kwargs).forward(X, np.array([0, 1]))


@pytest.mark.parametrize("make", [MSELoss, BCEWithLogitsLoss])
def test_elementwise_losses_shape_and_dtype_mismatch(make):
    with pytest.raises(ValueError, match=r"target must have the input's shape \(2, 4\), got \(4,\)"):
        make().forward(X, np.zeros(4))
    with pytest.raises(ValueError, match=r"target must have the input's shape \(2, 4\), got \(2, 4, 1\)"):
        make().forward(X, np.zeros((2, 4, 1)))
    with pytest.raises(TypeError, match=r"target must have the input's dtype float64, got float32"):
        make().forward(X, np.zeros((2, 4), dtype=np.float32))
    with pytest.raises(TypeError, match=r"target must have dtype a floating dtype, got int64"):
        make().forward(X, np.zeros((2, 4), dtype=np.int64))
    with pytest.raises(ValueError, match=r"empty input.*torch returns nan"):
        make().forward(np.zeros((0, 3)), np.zeros((0, 3)))
    assert make(reduction="sum").forward(np.zeros((0, 3)), np.zeros((0, 3)))[0] == 0


@pytest.mark.parametrize("bad", [1.5, -0.25])
def test_bce_target_outside_unit_interval(bad):
    t = np.full((2, 4), 0.5)
    t[1, 1] = bad
    with pytest.raises(ValueError, match=rf"target must lie in \[0, 1\], got {bad}"):
        BCEWithLogitsLoss().forward(X, t)


@pytest.mark.parametrize("kwargs, message", [
    ({"weight": np.ones(2)}, r"weight of shape \(2,\) must broadcast to the input's shape \(2, 4\)"),
    ({"weight": np.ones((1, 2, 4))}, r"weight of shape \(1, 2, 4\) must broadcast"),
    ({"pos_weight": np.ones(3)}, r"pos_weight of shape \(3,\) must broadcast to the input's shape \(2, 4\)"),
    ({"pos_weight": -np.ones(4)}, "pos_weight must be >= 0"),
])
def test_bce_bad_weights(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BCEWithLogitsLoss(**kwargs).forward(X, X)


@pytest.mark.parametrize("make, target", [(lambda r: CrossEntropyLoss(reduction=r), np.array([0, 1])),
                                          (lambda r: MSELoss(r), X), (lambda r: BCEWithLogitsLoss(reduction=r), X)])
def test_bad_upstream_gradient_and_cache(make, target):
    mean, none = make("mean"), make("none")
    _, cache = mean.forward(X, target)
    with pytest.raises(ValueError, match=r"dloss must have the loss's shape \(\) \(reduction='mean'\), got \(1,\)"):
        mean.backward(cache, np.ones(1))
    with pytest.raises(ValueError, match="dloss must be finite"):
        mean.backward(cache, np.nan)
    assert_close(mean.backward(cache, 2), 2 * mean.backward(cache))
    loss, cache = none.forward(X, target)
    shape = re.escape(str(loss.shape))
    with pytest.raises(ValueError, match=rf"dloss must have the loss's shape {shape} .*got \(3,\)"):
        none.backward(cache, np.ones(3))
    with pytest.raises(TypeError, match="cache must be the cache returned by this .*Loss's forward, got ndarray"):
        none.backward(loss)
