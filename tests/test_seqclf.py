"""Tests of training sequence classifiers with lp.fit: scores against torch, one-hot encoding, predictions."""

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error

import lessonpkg as lp
from lessonpkg.train import accuracy, evaluate, fit
from lessonpkg.train.classify import one_hot_ids, predict_classes

ACC = {"accuracy": accuracy}


def _data(rng=0, N=24, T=5, V=4):
    gen = np.random.default_rng(rng)
    lengths = gen.integers(1, T + 1, size=N)
    ids = gen.integers(1, V, size=(N, T))
    ids[np.arange(T)[None, :] >= lengths[:, None]] = 0
    y = (ids == 1).any(axis=1).astype(np.int64)  # class 1 if token 1 occurs
    return one_hot_ids(ids, V), y, lengths


def _model(V=4, H=6, bidirectional=False):
    rnn = lp.GRU(V, H, batch_first=True, bidirectional=bidirectional, rng=0)
    return lp.SequenceClassifier(rnn, lp.Linear(H * (2 if bidirectional else 1), 2, rng=1))


def test_one_hot_ids_zero_pad():
    x = one_hot_ids(np.array([[2, 0]]), 3)
    np.testing.assert_array_equal(x, [[[0, 0, 1], [0, 0, 0]]])
    with pytest.raises(ValueError, match="ids must have entries < 3"):
        one_hot_ids(np.array([[3]]), 3)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_scores_match_torch_cross_entropy(bidirectional):
    x, y, lengths = _data()
    model = _model(bidirectional=bidirectional)
    logits, _ = model.forward(x, lengths=lengths)
    scores = evaluate(model, lp.CrossEntropyLoss(), (x, lengths, y), metrics=ACC)
    ref = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(y)).item()
    np.testing.assert_allclose(scores["loss"], ref, rtol=1e-12)
    record("evaluate", ["mean cross-entropy"], x.shape, rel_error(scores["loss"], ref))
    assert scores["accuracy"] == np.mean(logits.argmax(1) == y)
    np.testing.assert_array_equal(predict_classes(model, x, lengths), logits.argmax(1))


def test_training_learns_and_records_history():
    x, y, lengths = _data(N=64)
    model = _model()
    h = fit(model, lp.CrossEntropyLoss(), lp.Adam(model.params, lr=0.05), (x, lengths, y), epochs=15, batch_size=16,
            rng=0, val=(x, lengths, y), metrics=ACC)
    assert set(h) == {"epoch", "updates", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "grad_norm"}
    assert h["epoch"].tolist() == list(range(16))
    assert h["train_loss"][-1] < 0.5 * h["train_loss"][0]
    assert h["train_accuracy"][-1] > 0.9
    np.testing.assert_array_equal(h["val_loss"], h["train_loss"])


def test_feed_forward_model_without_lengths():
    gen = np.random.default_rng(0)
    x = gen.standard_normal((40, 3))
    y = (x[:, 0] > 0).astype(np.int64)
    model = lp.Linear(3, 2, rng=0)
    h = fit(model, lp.CrossEntropyLoss(), lp.SGD(model.params, lr=0.5), (x, y), epochs=5, metrics=ACC)
    assert "val_loss" not in h and h["train_accuracy"][-1] > 0.8


def test_deterministic():
    x, y, lengths = _data()
    runs = []
    for _ in range(2):
        model = _model()
        runs.append(fit(model, lp.CrossEntropyLoss(), lp.Adam(model.params, lr=0.01), (x, lengths, y), epochs=2,
                        batch_size=5, rng=4)["train_loss"])
    np.testing.assert_array_equal(runs[0], runs[1])


def test_bad_input_found_by_fuzzing():
    with pytest.raises(TypeError, match="dtype must be np.float32 or np.float64"):
        one_hot_ids(np.array([[0, 1]]), 3, dtype=object)
    with pytest.raises(TypeError, match="model must be a lessonpkg Module, got NoneType"):
        predict_classes(None, np.zeros((2, 3, 4)))
    x, y, lengths = _data()
    model = _model()
    with pytest.raises(ValueError, match=r"train\[1\] must hold N=24 examples"):
        fit(model, lp.CrossEntropyLoss(), lp.SGD(model.params), (x, lengths[:-1], y), epochs=1)
    with pytest.raises(ValueError, match=r"lengths must have shape \(24,\)"):
        evaluate(model, lp.CrossEntropyLoss(), (x, lengths[:, None], y))
