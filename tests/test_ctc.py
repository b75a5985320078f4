"""Tests of lessonpkg.nn.ctc: torch cross-checks in float64, brute force over paths, finite differences, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from equality_log import record

import lessonpkg as lp
from lessonpkg.decode.ctc import ctc_greedy_decode
from lessonpkg.nn.ctc import CTCLoss, min_frames

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def log_softmax(z: np.ndarray) -> np.ndarray:
    return z - np.logaddexp.reduce(z, axis=-1, keepdims=True)


def normwise(a, b) -> float:
    """||a - b|| / ||b|| (0 when both are 0), the measure the equality log records."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    den = np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / den) if den else float(np.linalg.norm(a))


def make_case(rng, T, N, C, max_L, blank=0, repeats=False, short_inputs=False):
    """Random log-probs (T, N, C), padded targets without the blank, and lengths a path can always meet."""
    labels = [c for c in range(C) if c != blank]
    tl = rng.integers(0, max_L + 1, size=N)
    tg = np.zeros((N, max(max_L, 1)), dtype=np.int64)
    for n in range(N):
        seq = rng.choice(labels, size=tl[n])
        if repeats and tl[n] >= 2:
            seq[1] = seq[0]  # an adjacent repeat, which needs a blank between
        tg[n, :tl[n]] = seq
    need = np.array([max(min_frames(tg[n], tl[n]), 1) for n in range(N)])
    il = rng.integers(need, T + 1) if short_inputs else np.full(N, T)
    il = np.maximum(il, need)
    lp_ = log_softmax(rng.normal(size=(T, N, C)) * 2)
    return lp_, tg, il, tl


def torch_ctc(lp_, tg, il, tl, blank, reduction, zero_infinity=False, dloss=None):
    lpt = torch.tensor(lp_, requires_grad=True)
    loss = F.ctc_loss(lpt, torch.tensor(tg), torch.tensor(il), torch.tensor(tl), blank=blank,
                      reduction=reduction, zero_infinity=zero_infinity)
    loss.backward(torch.ones_like(loss) if dloss is None else torch.as_tensor(dloss))
    return loss.detach().numpy(), lpt.grad.numpy()


CASES = [  # (T, N, C, max L, blank, repeats, short inputs)
    (1, 1, 2, 1, 0, False, False),
    (1, 1, 3, 0, 0, False, False),
    (5, 1, 4, 2, 0, True, False),
    (6, 3, 5, 3, 0, True, True),
    (12, 4, 6, 5, 2, True, True),
    (20, 5, 8, 6, 7, False, True),
    (30, 2, 20, 10, 0, True, True),
]


def case_inputs(case, reduction):
    """The inputs of a ``CASES`` entry, seeded by it: log-probs, targets, lengths and, for "none", a ``dloss``."""
    T, N, C, max_L, blank, repeats, short = case
    rng = np.random.default_rng(sum(case[:4]))
    lp_, tg, il, tl = make_case(rng, T, N, C, max_L, blank, repeats, short)
    dloss = rng.normal(size=N) if reduction == "none" else None
    return lp_, tg, il, tl, dloss


def ours_and_torch(lp_, tg, il, tl, blank, reduction, dloss):
    """``((loss, dlog_probs), (torch's loss, torch's gradient))`` of ``CTCLoss`` and ``F.ctc_loss``."""
    crit = CTCLoss(blank=blank, reduction=reduction)
    loss, cache = crit.forward(lp_, tg, il, tl)
    return (loss, crit.backward(cache, dloss)), torch_ctc(lp_, tg, il, tl, blank, reduction, dloss=dloss)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", CASES)
def test_matches_torch(case, reduction):
    T, N, C, max_L, blank = case[:5]
    lp_, tg, il, tl, dloss = case_inputs(case, reduction)
    (loss, dlp), (t_loss, t_grad) = ours_and_torch(lp_, tg, il, tl, blank, reduction, dloss)
    np.testing.assert_allclose(loss, t_loss, rtol=1e-10, atol=0)
    np.testing.assert_allclose(dlp, t_grad, rtol=1e-10, atol=1e-13)
    assert np.all(dlp[np.arange(T)[:, None] >= il[None, :]] == 0)
    err = max(normwise(loss, t_loss), normwise(dlp, t_grad))
    record("CTCLoss", ["loss", "dlog_probs"], f"T={T}, N={N}, C={C}, L<={max_L}, {reduction}", err)


def test_concatenated_targets_and_zero_infinity_match_torch():
    rng = np.random.default_rng(3)
    lp_ = log_softmax(rng.normal(size=(6, 3, 4)))
    tg = np.array([[3, 3, 3, 0], [1, 2, 1, 2], [2, 0, 0, 0]])  # the first needs 5 frames, gets 4
    il, tl = np.array([4, 6, 5]), np.array([3, 4, 1])
    flat = np.concatenate([tg[n, :tl[n]] for n in range(3)])
    for reduction in ["mean", "sum", "none"]:
        crit = CTCLoss(reduction=reduction, zero_infinity=True)
        loss, cache = crit.forward(lp_, flat, il, tl)
        dlp = crit.backward(cache)
        t_loss, t_grad = torch_ctc(lp_, tg, il, tl, 0, reduction, zero_infinity=True)
        np.testing.assert_allclose(loss, t_loss, rtol=1e-10)
        np.testing.assert_allclose(dlp, t_grad, rtol=1e-10, atol=1e-13)
        record("CTCLoss", ["loss", "dlog_probs"], f"zero_infinity, 1-D targets, {reduction}",
               max(normwise(loss, t_loss), normwise(dlp, t_grad)))
    crit = CTCLoss(reduction="none")
    loss, cache = crit.forward(lp_, tg, il, tl)
    assert np.isinf(loss[0]) and np.all(np.isfinite(loss[1:]))
    with pytest.raises(ValueError, match="loss of sequence 0 is infinite.*zero_infinity=True"):
        crit.backward(cache)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_padding_after_target_lengths_may_hold_any_label_like_torch(reduction):
    """torch reads only targets[n, :target_lengths[n]]: padding >= C, negative or blank is accepted and ignored."""
    rng = np.random.default_rng(11)
    lp_, tg, il, tl = make_case(rng, 8, 4, 5, 4, short_inputs=True)
    tl[0] = 0
    padded = tg.copy()
    pad = np.arange(tg.shape[1])[None, :] >= tl[:, None]
    padded[pad] = rng.choice([5, 99, -1, -7, 0, 10**6], size=int(pad.sum()))
    assert padded.max() >= 5 and padded.min() < 0
    dloss = rng.normal(size=4) if reduction == "none" else None
    (loss, dlp), (t_loss, t_grad) = ours_and_torch(lp_, padded, il, tl, 0, reduction, dloss)
    np.testing.assert_allclose(loss, t_loss, rtol=1e-10, atol=0)
    np.testing.assert_allclose(dlp, t_grad, rtol=1e-10, atol=1e-13)
    crit = CTCLoss(reduction=reduction)
    clean_loss, clean_cache = crit.forward(lp_, tg, il, tl)
    np.testing.assert_array_equal(loss, clean_loss)
    np.testing.assert_array_equal(dlp, crit.backward(clean_cache, dloss))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", CASES)
def test_float32_keeps_its_dtype_and_matches_torch_float32(case, reduction):
    blank = case[4]
    lp64, tg, il, tl, dloss64 = case_inputs(case, reduction)
    lp_ = lp64.astype(np.float32)
    dloss = None if dloss64 is None else dloss64.astype(np.float32)
    (loss, dlp), (t_loss, t_grad) = ours_and_torch(lp_, tg, il, tl, blank, reduction, dloss)
    assert np.asarray(loss).dtype == np.float32 and dlp.dtype == np.float32
    assert t_loss.dtype == np.float32 and t_grad.dtype == np.float32
    # The same computation in float64 from the same float32 inputs: both float32 results stay within a few
    # ulps of it. The gradient exp(log alpha beta + nll - log y) inherits the rounding of nll (up to ~90).
    crit = CTCLoss(blank=blank, reduction=reduction)
    loss64, cache64 = crit.forward(lp_.astype(np.float64), tg, il, tl)
    dlp64 = crit.backward(cache64, None if dloss is None else dloss.astype(np.float64))
    eps = float(np.finfo(np.float32).eps)
    nll64 = CTCLoss(blank=blank, reduction="none").forward(lp_.astype(np.float64), tg, il, tl)[0]  # (N,)
    grad_tol = 4 * eps * max(1.0, float(nll64.max()))
    for ours_or_torch_loss, ours_or_torch_grad in [(loss, dlp), (t_loss, t_grad)]:
        np.testing.assert_allclose(ours_or_torch_loss, loss64, rtol=16 * eps, atol=0)
        np.testing.assert_allclose(ours_or_torch_grad, dlp64, rtol=0, atol=grad_tol)
    np.testing.assert_allclose(loss, t_loss, rtol=16 * eps, atol=0)
    np.testing.assert_allclose(dlp, t_grad, rtol=0, atol=grad_tol)


def brute_force_nll(lp_: np.ndarray, target: list[int], blank: int) -> float:
    """-log of the summed probability of every path (C**T of them) that collapses to target."""
    T, C = lp_.shape
    total = -np.inf
    for path in itertools.product(range(C), repeat=T):
        merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
        if [c for c in merged if c != blank] == target:
            total = np.logaddexp(total, lp_[np.arange(T), path].sum())
    return -total


@pytest.mark.parametrize("target", [[], [1], [1, 1], [1, 2], [2, 1, 2], [1, 1, 1]])
def test_matches_a_sum_over_every_path(target):
    rng = np.random.default_rng(len(target))
    lp_ = log_softmax(rng.normal(size=(6, 1, 3)))
    loss, _ = CTCLoss(reduction="sum").forward(lp_, np.array([target + [1]]), np.array([6]), np.array([len(target)]))
    np.testing.assert_allclose(loss, brute_force_nll(lp_[:, 0], target, 0), rtol=1e-12)


def test_gradient_through_log_softmax_matches_finite_differences():
    """Torch's convention is the gradient for the logits of a log-softmax: check it without torch."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(7, 2, 4))
    tg, il, tl = np.array([[1, 1, 3], [2, 3, 0]]), np.array([7, 5]), np.array([3, 2])
    crit = CTCLoss(reduction="mean")
    _, cache = crit.forward(log_softmax(z), tg, il, tl)
    dz = crit.backward(cache)
    num = lp.numerical_gradient(lambda v: float(crit.forward(log_softmax(v), tg, il, tl)[0]), z.copy())
    assert normwise(dz, num) < 1e-8
    np.testing.assert_allclose(dz.sum(axis=2), 0, atol=1e-12)  # rows sum to 0: log_softmax passes it unchanged


def test_greedy_decode_collapses_repeats_and_drops_blanks():
    path = np.array([[0, 1, 1, 0, 1, 2, 2, 0, 0], [2, 2, 2, 0, 0, 0, 0, 1, 1]]).T  # (T, N)
    lp_ = np.log(np.full((9, 2, 3), 0.1))
    lp_[np.arange(9)[:, None], np.arange(2)[None, :], path] = np.log(0.8)
    out = ctc_greedy_decode(lp_, np.array([9, 5]))
    assert [o.tolist() for o in out] == [[1, 1, 2], [2]]
    assert [o.tolist() for o in ctc_greedy_decode(lp_, blank=2)] == [[0, 1, 0, 1, 0], [0, 1]]


def test_min_frames():
    assert min_frames(np.array([1, 1, 2, 2, 2, 3]), 6) == 9
    assert min_frames(np.array([1, 2]), 0) == 0


def test_bad_input():
    lp_ = log_softmax(np.zeros((4, 2, 3)))
    tg, il, tl = np.array([[1, 2], [2, 0]]), np.array([4, 3]), np.array([2, 1])
    crit = CTCLoss()
    with pytest.raises(ValueError, match=r"log_probs must have shape \(T, N, C\).*transpose"):
        crit.forward(lp_[0], tg, il, tl)
    with pytest.raises(ValueError, match="input_lengths must lie between 1 and T=4, got 5"):
        crit.forward(lp_, tg, np.array([5, 3]), tl)
    with pytest.raises(TypeError, match="input_lengths must have an integer dtype"):
        crit.forward(lp_, tg, il.astype(float), tl)
    with pytest.raises(ValueError, match=r"target_lengths must have shape \(2,\)"):
        crit.forward(lp_, tg, il, np.array([1]))
    with pytest.raises(ValueError, match="other than blank=0, got 0 in sequence 0 at position 1"):
        crit.forward(lp_, np.array([[1, 0], [2, 0]]), il, tl)
    with pytest.raises(ValueError, match=r"targets must have shape \(N, S\) = \(2, S\) with S >= max"):
        crit.forward(lp_, tg[:, :1], il, tl)
    with pytest.raises(ValueError, match="1-D targets must hold sum"):
        crit.forward(lp_, np.array([1, 2]), il, tl)
    with pytest.raises(ValueError, match="blank must be a class index < C=3, got 3"):
        CTCLoss(blank=3).forward(lp_, tg, il, tl)
    with pytest.raises(ValueError, match="reduction must be one of"):
        CTCLoss(reduction="avg")
    with pytest.raises(ValueError, match="log_probs must be finite"):
        crit.forward(np.full((4, 2, 3), np.nan), tg, il, tl)
    _, cache = crit.forward(lp_, tg, il, tl)
    with pytest.raises(ValueError, match=r"dloss must have the loss's shape \(\)"):
        crit.backward(cache, np.ones(2))
    with pytest.raises(TypeError, match="cache must be the cache returned by this CTCLoss's forward, got tuple"):
        crit.backward((1, 2))
    with pytest.raises(ValueError, match=r"log_probs must have shape \(T, N, C\)"):
        ctc_greedy_decode(lp_[0])


def test_min_frames_bad_input():
    assert min_frames(np.array([1, 1, 2]), 3) == 4
    with pytest.raises(TypeError, match="targets must have an integer dtype, got object"):
        min_frames(None, 2)
    with pytest.raises(ValueError, match=r"length must be <= len\(targets\) = 3, got 5"):
        min_frames(np.array([1, 1, 2]), 5)
    with pytest.raises(TypeError, match="length must be an int, got float"):
        min_frames(np.array([1, 1, 2]), 2.5)
