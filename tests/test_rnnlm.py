"""Tests of lessonpkg.models.rnnlm: the Embedding -> RNN -> Linear language model, and its training by lp.fit."""

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error

import lessonpkg as lp
from lessonpkg.models.rnnlm import RNNLanguageModel


def make_model(cls=lp.RNN, V=7, E=4, H=5, num_layers=1, seed=0):
    rng = np.random.default_rng(seed)
    model = RNNLanguageModel(lp.Embedding(V, E, rng=rng), cls(E, H, num_layers, batch_first=True, rng=rng),
                             lp.Linear(H, V, rng=rng))
    for p in model.params.values():  # non-zero biases everywhere, larger than torch's default init
        p += 0.1 * rng.standard_normal(p.shape)
    return model


def torch_twin(model):
    emb, rnn, head = (lp.to_torch(m) for m in (model.embed, model.rnn, model.head))

    def run(tokens, lengths=None):
        e = emb(torch.from_numpy(tokens))
        if lengths is None:
            out, _ = rnn(e)
        else:
            packed = torch.nn.utils.rnn.pack_padded_sequence(e, torch.from_numpy(lengths), batch_first=True,
                                                             enforce_sorted=False)
            out, _ = rnn(packed)
            out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=tokens.shape[1])
        return head(out).transpose(1, 2)  # (N, V, T), the layout torch's cross_entropy reads

    params = {f"{name}.{k}": p for name, m in (("embed", emb), ("rnn", rnn), ("head", head))
              for k, p in m.named_parameters()}
    return run, params


def rel(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


CONFIGS = [(lp.RNN, 1, 1, 1), (lp.RNN, 3, 4, 1), (lp.RNN, 2, 6, 2), (lp.LSTM, 3, 5, 1), (lp.GRU, 2, 4, 2)]


@pytest.mark.parametrize("cls, N, T, num_layers", CONFIGS)
@pytest.mark.parametrize("with_lengths", [False, True])
def test_matches_torch_forward_and_every_gradient(cls, N, T, num_layers, with_lengths):
    model = make_model(cls, num_layers=num_layers)
    rng = np.random.default_rng(1)
    tokens = rng.integers(0, 7, size=(N, T))
    lengths = rng.integers(1, T + 1, size=N) if with_lengths else None
    if with_lengths:
        lengths[0] = T  # pad_packed_sequence pads to the longest length; keep one full row
    logits, cache = model.forward(tokens, lengths)
    dlogits = rng.standard_normal(logits.shape)
    dx, grads = model.backward(dlogits, cache)
    assert dx is None and list(grads) == list(model.params)

    run, tparams = torch_twin(model)
    logits_t = run(tokens, lengths)
    logits_t.backward(torch.from_numpy(dlogits))
    assert list(tparams) == list(model.params)
    assert rel(logits, logits_t.detach().numpy()) < 1e-12
    for k, p in tparams.items():
        assert grads[k].shape == p.shape
        np.testing.assert_allclose(grads[k], p.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=k)
    worst = max([rel(logits, logits_t.detach().numpy()), *(rel_error(grads[k], p.grad.numpy())
                                                            for k, p in tparams.items())])
    record("RNNLanguageModel", ["logits", *(f"d{k}" for k in tparams)], (N, T), worst)


def test_logits_past_a_length_are_the_head_bias():
    model = make_model()
    tokens = np.array([[1, 2, 3, 4], [5, 6, 0, 0]])
    logits, _ = model.forward(tokens, np.array([4, 2]))
    np.testing.assert_array_equal(logits[1, :, 2:], np.broadcast_to(model.params["head.bias"][:, None], (7, 2)))


def test_finite_differences_without_torch():
    model = make_model(lp.RNN, num_layers=2)
    tokens = np.random.default_rng(2).integers(0, 7, size=(3, 4))
    res = lp.gradcheck(model, (tokens, np.array([4, 1, 3])), rng=0, verbose=False)
    assert res.ok, res


@pytest.mark.parametrize("max_norm", [None, 0.05])
def test_fit_equals_torch_adam_with_clipping_on_padded_sentences(max_norm):
    model = make_model(lp.GRU)
    rng = np.random.default_rng(3)
    tokens, targets = rng.integers(1, 7, size=(4, 5)), rng.integers(1, 7, size=(4, 5))
    lengths = np.array([5, 2, 4, 1])
    targets[np.arange(5)[None, :] >= lengths[:, None]] = 0  # 0 pads the targets past each length
    run, tparams = torch_twin(model)
    opt_t = torch.optim.Adam(tparams.values(), lr=0.01)
    norms = []
    for _ in range(2):  # two epochs of one full batch: two Adam steps
        opt_t.zero_grad()
        loss_t = torch.nn.functional.cross_entropy(run(tokens, lengths), torch.from_numpy(targets), ignore_index=0)
        loss_t.backward()
        norms.append(torch.nn.utils.clip_grad_norm_(tparams.values(), np.inf if max_norm is None else max_norm).item())
        opt_t.step()
    crit = lp.CrossEntropyLoss(ignore_index=0)
    hist = lp.fit(model, crit, lp.Adam(model.params, lr=0.01), (tokens, lengths, targets), epochs=2,
                  clip_grad_norm=max_norm)
    np.testing.assert_allclose(hist["grad_norm"][1:], norms, rtol=1e-10)
    if max_norm is not None:
        assert min(norms) > max_norm  # the clipping did act
    for k, p in tparams.items():
        np.testing.assert_allclose(model.params[k], p.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=k)
    worst = max([rel_error(hist["grad_norm"][1:], norms),
                 *(rel_error(model.params[k], p.detach().numpy()) for k, p in tparams.items())])
    record("fit", ["gradient norm", "parameters after 2 Adam steps"], tokens.shape, worst)
    with torch.no_grad():  # the loss of the updated model: the same masked mean as torch's cross-entropy
        loss_t = torch.nn.functional.cross_entropy(run(tokens, lengths), torch.from_numpy(targets),
                                                   ignore_index=0).item()
    assert hist["train_loss"][-1] == pytest.approx(loss_t, rel=1e-10)
    record("evaluate", ["mean loss over the real steps"], tokens.shape, rel_error(hist["train_loss"][-1], loss_t))


def test_fit_learns_a_deterministic_sequence():
    V = 5
    tokens = np.tile(np.arange(V - 1), (8, 1))  # 0 1 2 3 -> targets 1 2 3 4
    model = make_model(V=V)
    h = lp.fit(model, lp.CrossEntropyLoss(), lp.Adam(model.params, lr=0.05), (tokens, tokens + 1), epochs=30,
               batch_size=4, clip_grad_norm=1.0, rng=0)
    assert h["updates"][-1] == 60 and h["train_loss"][-1] < 0.05 < h["train_loss"][0]


def test_exported():
    assert lp.RNNLanguageModel is RNNLanguageModel


@pytest.mark.parametrize("build, error, match", [
    (lambda: RNNLanguageModel(lp.Linear(3, 3), lp.RNN(3, 4, batch_first=True), lp.Linear(4, 3)), TypeError,
     "embed must be a lessonpkg Embedding"),
    (lambda: RNNLanguageModel(lp.Embedding(5, 3), lp.Linear(3, 4), lp.Linear(4, 5)), TypeError,
     "rnn must be a lessonpkg RNN"),
    (lambda: RNNLanguageModel(lp.Embedding(5, 3), lp.RNN(3, 4, batch_first=True), lp.RNN(4, 5)), TypeError,
     "head must be a lessonpkg Linear"),
    (lambda: RNNLanguageModel(lp.Embedding(5, 3), lp.RNN(3, 4), lp.Linear(4, 5)), ValueError,
     "batch_first=True"),
    (lambda: RNNLanguageModel(lp.Embedding(5, 3), lp.RNN(3, 4, batch_first=True, bidirectional=True),
                              lp.Linear(8, 5)), ValueError, "bidirectional=False"),
    (lambda: RNNLanguageModel(lp.Embedding(5, 2), lp.RNN(3, 4, batch_first=True), lp.Linear(4, 5)), ValueError,
     r"input_size=2 \(embed's embedding_dim\), got 3"),
    (lambda: RNNLanguageModel(lp.Embedding(5, 3), lp.RNN(3, 4, batch_first=True), lp.Linear(6, 5)), ValueError,
     r"in_features=4 \(rnn's hidden_size\), got 6"),
])
def test_bad_construction(build, error, match):
    with pytest.raises(error, match=match):
        build()


@pytest.mark.parametrize("call, error, match", [
    (lambda m: m.forward(np.zeros(4, dtype=np.int64)), ValueError, r"tokens must have shape \(N, T\)"),
    (lambda m: m.forward(np.zeros((2, 3))), TypeError, "tokens must have an integer dtype"),
    (lambda m: m.forward(np.full((2, 3), 9)), ValueError, r"x must hold indices in \[0, 7\)"),
    (lambda m: m.forward(np.zeros((2, 3), dtype=np.int64), np.array([3, 4])), ValueError,
     "lengths must lie between 1 and T=3"),
    (lambda m: m.backward(np.zeros((2, 3, 7)), None), TypeError, "cache must be the cache returned"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call(make_model())
