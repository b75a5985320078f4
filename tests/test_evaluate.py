"""Tests of lessonpkg.train.evaluate: the mean loss over counted targets, however the data is cut; metrics."""

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error

import lessonpkg as lp
from lessonpkg.train import accuracy, evaluate
from lessonpkg.train.evaluate import count_terms


def _tagger():
    return lp.SequenceTagger(lp.GRU(3, 4, batch_first=True, rng=0), lp.Linear(4, 3, rng=1))


def _tags(N=11, T=5, seed=0):
    rng = np.random.default_rng(seed)
    x, lengths = rng.standard_normal((N, T, 3)), rng.integers(1, T + 1, size=N)
    y = rng.integers(0, 3, size=(N, T))
    y[np.arange(T)[None, :] >= lengths[:, None]] = -100
    return x, lengths, y


@pytest.mark.parametrize("batch_size", [None, 1, 3, 4, 11])
def test_the_loss_weights_batches_by_their_counted_targets_as_torch_does(batch_size):
    x, lengths, y = _tags()
    model = _tagger()
    scores = evaluate(model, lp.CrossEntropyLoss(), (x, lengths, y), batch_size=batch_size,
                      metrics={"accuracy": accuracy})
    logits, _ = model.forward(x, lengths)
    expected = torch.nn.functional.cross_entropy(torch.from_numpy(logits), torch.from_numpy(y)).item()
    np.testing.assert_allclose(scores["loss"], expected, rtol=1e-13)
    record("evaluate", ["mean cross-entropy over the counted targets"], f"{x.shape}, batch {batch_size}",
           rel_error(scores["loss"], expected))
    counted = y != -100
    assert scores["accuracy"] == np.mean(logits.argmax(axis=1)[counted] == y[counted])


def test_one_batch_gives_the_loss_itself():
    x, lengths, y = _tags()
    model = _tagger()
    logits, _ = model.forward(x, lengths)
    loss, _ = lp.CrossEntropyLoss().forward(logits, y)
    assert evaluate(model, lp.CrossEntropyLoss(), (x, lengths, y))["loss"] == loss


def test_count_terms_follows_each_loss_mean():
    y = np.array([[0, -100, 2], [1, 1, -100]])
    assert count_terms(lp.CrossEntropyLoss(), (y,)) == 4
    assert count_terms(lp.CrossEntropyLoss(ignore_index=1), (y,)) == 4
    assert count_terms(lp.CrossEntropyLoss(weight=np.array([1.0, 2.0, 0.5]), ignore_index=-100), (y,)) == 5.5
    assert count_terms(lp.MSELoss(), (np.zeros((3, 2)),)) == 6
    assert count_terms(lp.CTCLoss(), (np.zeros((5, 2), dtype=int), np.ones(5), np.ones(5))) == 5


def test_accuracy_counts_only_targets_that_are_not_ignored():
    scores = np.array([[[2.0, 0.0], [0.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]]])  # (N=2, C=2, T=2)
    assert accuracy(scores, np.array([[0, -100], [0, 0]])) == (2, 3)


def test_bad_input():
    x, lengths, y = _tags()
    model = _tagger()
    with pytest.raises(ValueError, match="data must hold at least one target to score"):
        evaluate(model, lp.CrossEntropyLoss(), (x, lengths, np.full_like(y, -100)))
    with pytest.raises(TypeError, match="model must be a lessonpkg Module"):
        evaluate(None, lp.CrossEntropyLoss(), (x, lengths, y))
    with pytest.raises(ValueError, match="reduction='mean'"):
        evaluate(model, lp.CrossEntropyLoss(reduction="sum"), (x, lengths, y))
    with pytest.raises(ValueError, match="metrics must not be named 'loss'"):
        evaluate(model, lp.CrossEntropyLoss(), (x, lengths, y), metrics={"loss": accuracy})
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        evaluate(model, lp.CrossEntropyLoss(), (x, lengths, y), batch_size=0)
