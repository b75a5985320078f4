"""Tests of lessonpkg.apps.asr: CTCModel's gradient, training with lp.fit, decoding helpers, error rates, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import lessonpkg as lp
from lessonpkg import asr


def tiny_tagger(C=4, D=3, H=3, seed=0):
    return lp.SequenceTagger(lp.GRU(D, H, batch_first=True, bidirectional=True, rng=seed),
                             lp.Linear(2 * H, C, rng=seed + 1))


def test_ctc_model_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    model = tiny_tagger()
    x, lengths = rng.normal(size=(2, 6, 3)), np.array([6, 4])
    targets, target_lengths = np.array([[1, 1, 2], [3, 0, 0]]), np.array([3, 1])
    crit = lp.CTCLoss()
    ctc = asr.CTCModel(model)
    log_probs, cache = ctc.forward(x, lengths)
    _, ctc_cache = crit.forward(log_probs, targets, lengths, target_lengths)
    _, grads = ctc.backward(crit.backward(ctc_cache), cache)

    def loss():
        log_probs, _ = asr.ctc_log_probs(model, x, lengths)
        return crit.forward(log_probs, targets, lengths, target_lengths)[0]

    for name in ("rnn.weight_hh_l0_reverse", "head.weight", "head.bias"):
        num = lp.numerical_gradient(lambda _: loss(), model.params[name])
        assert np.linalg.norm(grads[name] - num) / np.linalg.norm(num) < 1e-7, name


def test_fit_with_ctc_lowers_the_loss_and_learns_a_toy_task():
    rng = np.random.default_rng(1)
    # class c (1 or 2) is a burst in input channel c - 1; the target lists the bursts in order
    N, T = 40, 12
    x = rng.normal(0, 0.1, size=(N, T, 3))
    targets, target_lengths = np.zeros((N, 2), dtype=np.int64), np.full(N, 2)
    for n in range(N):
        labels = rng.integers(1, 3, size=2)
        targets[n] = labels
        x[n, 2:4, labels[0] - 1] += 1
        x[n, 7:9, labels[1] - 1] += 1
    model = tiny_tagger(C=3, H=8)
    lengths = np.full(N, T)
    data = asr.CTCBatches(x, lengths, targets, target_lengths)
    h = lp.fit(asr.CTCModel(model), lp.CTCLoss(), lp.Adam(model.params, lr=0.05), data, epochs=25, batch_size=10,
               rng=0, val=data, clip_grad_norm=5.0, metrics={"per": asr.phoneme_errors})
    assert h["train_loss"].shape == (26,) and h["val_per"].shape == (26,)
    hyps = asr.recognise(model, x, lengths)
    assert h["val_per"][-1] == lp.metrics.error_rate(hyps, list(targets))
    assert h["val_loss"][-1] < 0.2 * h["val_loss"][0]
    assert h["val_per"][-1] < 0.1


def test_collapse_and_stack():
    assert asr.collapse_frames(np.array([0, 3, 3, 0, 0, 3, 2, 2, 0])).tolist() == [3, 3, 2]
    x = np.arange(8.0).reshape(4, 2)
    s = asr.stack_frames(x, 1)
    assert s.shape == (4, 6) and s[0].tolist() == [0, 1, 0, 1, 2, 3] and s[3].tolist() == [4, 5, 6, 7, 6, 7]


def test_bad_input():
    with pytest.raises(TypeError, match="model must be a lessonpkg SequenceTagger"):
        asr.ctc_log_probs(lp.Linear(2, 2), np.zeros((1, 2, 2)), np.array([2]))
    with pytest.raises(ValueError, match=r"x must have shape \(T, D\)"):
        asr.stack_frames(np.zeros(3), 1)


def test_bad_input_found_by_fuzzing():
    with pytest.raises(ValueError, match="x must be finite"):
        asr.stack_frames(np.array([[0.0, np.nan]]), 1)
    with pytest.raises(ValueError, match=r"x must have shape \(T, D\) with T, D >= 1, got \(0, 3\)"):
        asr.stack_frames(np.zeros((0, 3)), 1)
    with pytest.raises(TypeError, match="frame_ids must have an integer dtype, got object"):
        asr.collapse_frames(None)
    with pytest.raises(ValueError, match=r"frame_ids must have shape \(T,\)"):
        asr.collapse_frames(np.zeros((2, 3), dtype=int))
    model = tiny_tagger()
    x, lengths = np.zeros((2, 6, 3)), np.array([6, 4])
    targets, target_lengths = np.array([[1, 2], [3, 0]]), np.array([2, 1])
    with pytest.raises(ValueError, match="must share N >= 1"):
        asr.CTCBatches(x, lengths[:1], targets, target_lengths)
    data = asr.CTCBatches(x.tolist(), lengths.tolist(), targets.tolist(), target_lengths.tolist())  # lists work
    hist = lp.fit(asr.CTCModel(model), lp.CTCLoss(), lp.SGD(model.params, lr=0.01), data, epochs=1, batch_size=2,
                  rng=0)
    assert hist["train_loss"].shape == (2,)
