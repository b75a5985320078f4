"""Tests of lessonpkg.models.heads: SequenceClassifier, SequenceTagger and VectorToSequence against torch twins."""

import numpy as np
import pytest
import torch
from equality_log import record
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from twin import rel_error

import lessonpkg as lp
from lessonpkg.models.heads import SequenceClassifier, SequenceTagger, VectorToSequence

RTOL, ATOL = 1e-10, 1e-12
CELLS = ("RNN", "GRU", "LSTM")
WORST = {}


def _rel(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    scale = np.abs(b).max(initial=0.0)
    return float(np.abs(a - b).max(initial=0.0) / scale) if scale else float(np.abs(a).max(initial=0.0))


def _close(name, ours, theirs, key):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert np.shape(ours) == theirs.shape, f"{name}: {np.shape(ours)} vs torch {theirs.shape}"
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL, err_msg=name)
    WORST[key] = max(WORST.get(key, 0.0), _rel(ours, theirs))


class TorchTwin(torch.nn.Module):
    """rnn + head, run the way each lessonpkg model runs them."""

    def __init__(self, model, kind: str):
        super().__init__()
        self.rnn, self.head, self.kind = lp.to_torch(model.rnn), lp.to_torch(model.head), kind
        self.steps = getattr(model, "steps", None)

    def forward(self, x, lengths=None):
        if self.kind == "one-to-many":
            x = x.unsqueeze(1).expand(-1, self.steps, -1)
        T = x.shape[1]
        inp = x if lengths is None else pack_padded_sequence(x, torch.as_tensor(lengths), batch_first=True,
                                                             enforce_sorted=False)
        out, state = self.rnn(inp)
        if lengths is not None:
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
        h_n = state[0] if isinstance(state, tuple) else state
        if self.kind == "many-to-one":
            dirs = 2 if self.rnn.bidirectional else 1
            return self.head(torch.cat(list(h_n[-dirs:]), dim=1))
        y = self.head(out)
        return y.transpose(1, 2) if self.kind == "tagger" else y


def _build(kind, cell, D, H, C, layers, bidirectional, seed, steps=3):
    rng = np.random.default_rng(seed)
    rnn = getattr(lp, cell)(D, H, num_layers=layers, batch_first=True, bidirectional=bidirectional, rng=rng)
    head = lp.Linear((2 if bidirectional else 1) * H, C, rng=rng)
    if kind == "many-to-one":
        return SequenceClassifier(rnn, head)
    if kind == "tagger":
        return SequenceTagger(rnn, head)
    return VectorToSequence(rnn, head, steps)


def _compare(model, kind, x, lengths=None, seed=0):
    rng = np.random.default_rng(seed + 1)
    out, cache = model.forward(x) if lengths is None else model.forward(x, lengths=lengths)
    dout = rng.standard_normal(out.shape)
    dx, grads = model.backward(dout, cache)

    twin = TorchTwin(model, kind)
    xt = torch.tensor(x, requires_grad=True)
    out_t = twin(xt, lengths)
    (out_t * torch.from_numpy(dout)).sum().backward()
    key = f"{kind}"
    _close("out", out, out_t, key)
    _close("dx", dx, xt.grad, key)
    torch_grads = dict(twin.named_parameters())
    assert list(grads) == list(model.params) == list(torch_grads)
    for name, p in torch_grads.items():
        _close(f"d{name}", grads[name], p.grad, key)
    worst = max([rel_error(out, out_t.detach().numpy()), rel_error(dx, xt.grad.numpy()),
                 *(rel_error(grads[name], p.grad.numpy()) for name, p in torch_grads.items())])
    record(type(model).__name__, ["out", "dx", *(f"d{name}" for name in torch_grads)], x.shape, worst)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("kind", ["many-to-one", "tagger"])
@pytest.mark.parametrize("T, N, D, H, layers, bidirectional", [
    (1, 1, 1, 1, 1, False), (4, 3, 2, 5, 1, False), (5, 2, 3, 2, 2, True), (3, 4, 6, 3, 2, False),
    (6, 1, 2, 3, 1, True)])
def test_sequence_models_match_torch(cell, kind, T, N, D, H, layers, bidirectional):
    model = _build(kind, cell, D, H, 4, layers, bidirectional, seed=T * 10 + N)
    x = np.random.default_rng(N).standard_normal((N, T, D))
    _compare(model, kind, x)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("kind", ["many-to-one", "tagger"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_sequence_models_with_lengths_match_torch(cell, kind, bidirectional):
    model = _build(kind, cell, 3, 4, 5, 2, bidirectional, seed=3)
    x = np.random.default_rng(0).standard_normal((4, 6, 3))
    _compare(model, kind, x, lengths=[6, 1, 3, 6])


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("N, D, H, F, steps, layers", [(1, 1, 1, 1, 1, 1), (3, 2, 4, 1, 5, 1), (2, 3, 3, 2, 4, 2)])
def test_vector_to_sequence_matches_torch(cell, N, D, H, F, steps, layers):
    model = _build("one-to-many", cell, D, H, F, layers, False, seed=steps, steps=steps)
    z = np.random.default_rng(steps).standard_normal((N, D))
    _compare(model, "one-to-many", z)


@pytest.mark.parametrize("kind", ["many-to-one", "tagger", "one-to-many"])
def test_finite_differences(kind):
    model = _build(kind, "RNN", 2, 3, 2, 2, kind != "one-to-many", seed=1, steps=3)
    x = np.random.default_rng(2).standard_normal((2, 2) if kind == "one-to-many" else (2, 3, 2))
    res = lp.gradcheck(model, (x,), rng=0, verbose=False)
    assert res.ok, res


def test_params_are_the_childrens_arrays_and_training_updates_them():
    model = _build("many-to-one", "RNN", 2, 3, 2, 1, False, seed=0)
    assert list(model.params) == ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                                  "head.weight", "head.bias"]
    assert model.params["rnn.weight_hh_l0"] is model.rnn.params["weight_hh_l0"]
    assert model.params["head.weight"] is model.head.params["weight"]
    before = model.rnn.params["weight_hh_l0"].copy()
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((8, 4, 2)), rng.integers(0, 2, 8)
    lp.fit(model, lp.CrossEntropyLoss(), lp.SGD(model.params, lr=0.1), (x, y), epochs=1)
    assert not np.array_equal(before, model.rnn.params["weight_hh_l0"])
    assert model.num_parameters() == model.rnn.num_parameters() + model.head.num_parameters()


def test_classifier_reads_h_n_not_the_last_output_when_bidirectional():
    model = _build("many-to-one", "RNN", 2, 3, 2, 1, True, seed=0)
    x = np.random.default_rng(0).standard_normal((2, 5, 2))
    logits, _ = model.forward(x)
    out, h_n, _ = model.rnn.forward(x)
    w, b = model.head.params["weight"], model.head.params["bias"]
    np.testing.assert_allclose(logits, np.concatenate([h_n[0], h_n[1]], axis=1) @ w.T + b, rtol=1e-13)
    assert not np.allclose(logits, out[:, -1] @ w.T + b)


def test_tagger_logits_put_classes_on_axis_1():
    model = _build("tagger", "RNN", 2, 3, 4, 1, False, seed=0)
    logits, _ = model.forward(np.zeros((5, 7, 2)))
    assert logits.shape == (5, 4, 7)


def test_vector_to_sequence_is_causal_in_time():
    model = _build("one-to-many", "RNN", 2, 3, 1, 1, False, seed=0, steps=6)
    short = VectorToSequence(model.rnn, model.head, 3)
    z = np.random.default_rng(0).standard_normal((2, 2))
    np.testing.assert_array_equal(model.forward(z)[0][:, :3], short.forward(z)[0])


def test_bad_inputs():
    rnn = lp.RNN(2, 3, batch_first=True, rng=0)
    with pytest.raises(TypeError, match="rnn must be a lessonpkg RNN, GRU or LSTM"):
        SequenceClassifier(lp.Linear(2, 3), lp.Linear(3, 2))
    with pytest.raises(ValueError, match="rnn must be built with batch_first=True"):
        SequenceClassifier(lp.RNN(2, 3), lp.Linear(3, 2))
    with pytest.raises(TypeError, match="head must be a lessonpkg Linear"):
        SequenceTagger(rnn, lp.Tanh())
    with pytest.raises(ValueError, match=r"head must have in_features=6 \(num_directions \* hidden_size"):
        SequenceTagger(lp.RNN(2, 3, batch_first=True, bidirectional=True), lp.Linear(3, 2))
    with pytest.raises(ValueError, match="rnn and head must share one dtype"):
        SequenceTagger(rnn, lp.Linear(3, 2, dtype=np.float32))
    with pytest.raises(ValueError, match="steps must be >= 1"):
        VectorToSequence(rnn, lp.Linear(3, 1), 0)
    with pytest.raises(ValueError, match=r"z must have shape \(N, 2\) with input_size=2, got \(4, 3\)"):
        VectorToSequence(rnn, lp.Linear(3, 1), 2).forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, 2\)"):
        SequenceClassifier(rnn, lp.Linear(3, 2)).forward(np.zeros((4, 5, 3)))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, 2\) with input_size=2 \(batch first\)"):
        SequenceClassifier(rnn, lp.Linear(3, 2)).forward(np.zeros((5, 2)))
    tagger = SequenceTagger(rnn, lp.Linear(3, 2))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, 2\)"):
        tagger.forward(np.zeros((5, 2)))
    _, cache = tagger.forward(np.zeros((4, 5, 2)))
    with pytest.raises(ValueError, match=r"dlogits must have shape \(N, C, T\)"):
        tagger.backward(np.zeros((4, 2)), cache)


def test_report_worst_errors():
    """Not a check: prints the worst relative error per model kind (run with -s)."""
    print({k: f"{v:.1e}" for k, v in WORST.items()})
