"""Tests for lessonpkg.apps.action: the baseline's summary statistics, and the class probabilities after each prefix."""

import numpy as np
import pytest
from equality_log import record

import lessonpkg as lp
from lessonpkg.apps import action


def test_summary_features_by_hand():
    x = np.array([[[0.0, 5.0], [2.0, 5.0], [4.0, 5.0], [6.0, 1.0]]])  # (N=1, T=4, C=2)
    f = action.summary_features(x)
    assert f.shape == (1, 10) and f.dtype == np.float64
    mean, std, lo, hi, slope = f.reshape(5, 2)  # statistic k of channel c is column k * C + c
    np.testing.assert_allclose(mean, [3.0, 4.0])
    np.testing.assert_allclose(std, [np.sqrt(5.0), np.std([5, 5, 5, 1])])
    np.testing.assert_array_equal(lo, [0.0, 1.0])
    np.testing.assert_array_equal(hi, [6.0, 5.0])
    np.testing.assert_allclose(slope, [2.0, np.polyfit(np.arange(4), [5, 5, 5, 1], 1)[0]])
    assert action.FEATURES == ("mean", "std", "min", "max", "slope")


@pytest.mark.parametrize("N, T, C", [(1, 2, 1), (3, 7, 2), (5, 30, 6)])
def test_summary_slope_matches_polyfit_and_ignores_offsets(N, T, C):
    x = np.random.default_rng(0).normal(size=(N, T, C))
    f = action.summary_features(x)
    for n in range(N):
        for c in range(C):
            np.testing.assert_allclose(f[n, 4 * C + c], np.polyfit(np.arange(T), x[n, :, c], 1)[0], rtol=1e-10)
    shifted = action.summary_features(x + 3.0)
    np.testing.assert_allclose(shifted[:, C:2 * C], f[:, C:2 * C])  # std
    np.testing.assert_allclose(shifted[:, 4 * C:], f[:, 4 * C:], atol=1e-12)  # slope


def test_summary_features_rejects_bad_input():
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, C\)"):
        action.summary_features(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="at least T = 2 steps"):
        action.summary_features(np.zeros((2, 1, 3)))
    with pytest.raises(TypeError, match="x must have dtype a floating dtype, got int64"):
        action.summary_features(np.zeros((2, 4, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="x must be finite"):
        action.summary_features(np.full((1, 3, 1), np.nan))


def classifier(layer, bidirectional=False, num_layers=1, D=3, H=5, C=4):
    rnn = layer(D, H, num_layers=num_layers, batch_first=True, bidirectional=bidirectional, rng=0)
    head = lp.Linear(H * (2 if bidirectional else 1), C, rng=1)
    head.params["bias"][:] = np.random.default_rng(2).normal(size=C)  # non-zero biases
    return lp.SequenceClassifier(rnn, head)


@pytest.mark.parametrize("layer", [lp.RNN, lp.GRU, lp.LSTM])
@pytest.mark.parametrize("bidirectional, num_layers", [(False, 1), (False, 2), (True, 1), (True, 2)])
@pytest.mark.parametrize("N, T", [(1, 1), (3, 6)])
def test_prefix_probabilities_equal_the_classifier_run_on_each_prefix(layer, bidirectional, num_layers, N, T):
    model = classifier(layer, bidirectional, num_layers)
    x = np.random.default_rng(3).normal(size=(N, T, 3))
    probs = action.prefix_probabilities(model, x)
    assert probs.shape == (N, T, 4)
    np.testing.assert_allclose(probs.sum(axis=2), 1.0, rtol=1e-12)
    for t in range(1, T + 1):
        expected = lp.nn.functional.softmax(model.forward(x[:, :t])[0], axis=1)
        np.testing.assert_allclose(probs[:, t - 1], expected, rtol=1e-10, atol=1e-14)


def test_prefix_probabilities_rejects_bad_input():
    with pytest.raises(TypeError, match="model must be a lessonpkg SequenceClassifier, got Linear"):
        action.prefix_probabilities(lp.Linear(3, 2), np.zeros((1, 4, 3)))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, 3\)"):
        action.prefix_probabilities(classifier(lp.GRU), np.zeros((4, 3)))
    with pytest.raises(TypeError, match="x must have dtype float64"):
        action.prefix_probabilities(classifier(lp.GRU), np.zeros((1, 4, 3), dtype=np.float32))


@pytest.mark.parametrize("layer", [lp.GRU, lp.LSTM])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_prefix_probabilities_match_torch(layer, bidirectional):
    torch = pytest.importorskip("torch")
    model = classifier(layer, bidirectional, num_layers=2)
    x = np.random.default_rng(4).normal(size=(3, 7, 3))
    probs = action.prefix_probabilities(model, x)
    t_rnn, t_head = lp.testing.to_torch(model.rnn), lp.testing.to_torch(model.head)
    with torch.no_grad():
        rows = []
        for t in range(1, x.shape[1] + 1):  # torch's classifier on every prefix: the head on the final state(s)
            _, h_n = t_rnn(torch.tensor(x[:, :t]))
            h_n = h_n[0] if isinstance(h_n, tuple) else h_n
            feature = torch.cat(list(h_n[-model.rnn.num_directions:]), dim=1)
            rows.append(torch.softmax(t_head(feature), dim=1))
        expected = torch.stack(rows, dim=1).numpy()  # (N, T, C)
    err = np.linalg.norm(probs - expected) / np.linalg.norm(expected)
    record("apps.action.prefix_probabilities", ["probs"], f"{layer.__name__}, bidirectional={bidirectional}, "
           f"2 layers, {x.shape}", err)
    assert err < 1e-12
