"""Tests of lessonpkg.train.chunks: sequences cut into chunks, and ChunkedRNN, which reads them carrying its state."""

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error

import lessonpkg as lp
from lessonpkg.train import ChunkedRNN, Chunks


def make_model(cls="RNN", D=3, H=5, C=4, seed=0, **kwargs):
    rnn = getattr(lp, cls)(D, H, rng=seed, **kwargs)
    return ChunkedRNN(rnn, lp.Linear(rnn.num_directions * H, C, rng=seed + 1))


def make_data(T=9, N=4, D=3, C=4, seed=0, ignore_first=2, batch_first=False):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, N, D))
    y = rng.integers(0, C, size=(T, N))
    y[:ignore_first] = -100
    if batch_first:
        x, y = x.transpose(1, 0, 2).copy(), y.T.copy()
    return x, y


def torch_update(model, x, y, chunk_len, lr):
    """The usual torch loop: one SGD step per chunk, the state detached between chunks, empty chunks skipped."""
    trnn, thead = lp.to_torch(model.rnn), lp.to_torch(model.head)
    opt = torch.optim.SGD([*trnn.parameters(), *thead.parameters()], lr=lr)
    axis = 1 if model.rnn.batch_first else 0
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    T = x.shape[axis]
    k = chunk_len or T
    state = None
    for start in range(0, T, k):
        size = min(k, T - start)
        xc, yc = x.narrow(axis, start, size), y.narrow(axis, start, size)
        if state is not None:
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        out, state = trnn(xc, state)
        logits = thead(out)
        if bool((yc == -100).all()):
            continue
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), yc.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    params = {f"rnn.{k}": v.detach().numpy() for k, v in trnn.named_parameters()}
    return params | {f"head.{k}": v.detach().numpy() for k, v in thead.named_parameters()}


@pytest.mark.parametrize("cls, kwargs, chunk_len, T", [
    ("RNN", {}, None, 9),
    ("RNN", {}, 4, 9),
    ("RNN", {}, 1, 5),
    ("RNN", {}, 2, 9),  # the first chunk has no target and is skipped
    ("RNN", {"nonlinearity": "relu", "num_layers": 2}, 3, 9),
    ("RNN", {"batch_first": True}, 4, 9),
    ("LSTM", {}, 4, 9),
    ("GRU", {"bidirectional": True}, 5, 9),
])
def test_fit_on_chunks_equals_torch_with_the_state_detached(cls, kwargs, chunk_len, T):
    model = make_model(cls, **kwargs)
    x, y = make_data(T=T, batch_first=model.rnn.batch_first)
    expected = torch_update(model, x, y, chunk_len, lr=0.5)
    k = chunk_len or T
    hist = lp.fit(model, lp.CrossEntropyLoss(), lp.SGD(model.params, lr=0.5),
                  Chunks(x, y, chunk_len=chunk_len, batch_first=model.rnn.batch_first), epochs=1)
    assert hist["updates"][-1] == sum(1 for s in range(0, T, k) if s + k > 2)  # chunks with a target
    for name, p in model.params.items():
        np.testing.assert_allclose(p, expected[name], rtol=1e-10, atol=1e-12, err_msg=name)
    worst = max(rel_error(p, expected[name]) for name, p in model.params.items())
    for component in ("fit", "train.ChunkedRNN"):  # the loop, and the model that carries the state across chunks
        record(component, ["parameters after truncated-BPTT SGD updates, one per chunk"],
               f"{x.shape}, chunk {chunk_len}", worst)


def test_full_bptt_is_one_chunk_of_length_t():
    x, y = make_data()
    results = []
    for chunk_len in (None, 9, 50):
        model = make_model()
        lp.fit(model, lp.CrossEntropyLoss(), lp.SGD(model.params, lr=0.1), Chunks(x, y, chunk_len=chunk_len), epochs=1)
        results.append(model.params)
    for params in results[1:]:
        for k in params:
            np.testing.assert_array_equal(params[k], results[0][k])


def test_chunks_come_in_order_with_their_first_step():
    x, y = make_data(T=7, N=5)
    data = Chunks(x, y, chunk_len=3)
    starts = [(inputs[2], inputs[0].shape, targets[0].shape) for inputs, targets in data.batches(2, None)]
    assert starts == [(0, (3, 2, 3), (3, 2)), (3, (3, 2, 3), (3, 2)), (6, (1, 2, 3), (1, 2))] * 2 + \
        [(0, (3, 1, 3), (3, 1)), (3, (3, 1, 3), (3, 1)), (6, (1, 1, 3), (1, 1))]
    (only,) = list(Chunks(x, y).batches(None, None))
    assert np.shares_memory(only[0][0], x) and only[0][0].shape == x.shape and only[1][0].shape == y.shape


def test_state_flows_on_between_chunks_so_the_scores_equal_one_pass():
    x, y = make_data(T=8)
    model = make_model("LSTM")
    whole, _ = model.forward(x)
    parts = [model.forward(*inputs)[0] for inputs, _ in Chunks(x, y, chunk_len=3).batches(None, None)]
    np.testing.assert_allclose(np.concatenate(parts), whole, rtol=1e-12, atol=1e-14)
    assert model.position == 8


def test_token_inputs_with_lengths_score_like_the_language_model():
    rng = np.random.default_rng(0)
    lm = lp.RNNLanguageModel(lp.Embedding(7, 3, rng=rng), lp.GRU(3, 4, batch_first=True, rng=rng),
                             lp.Linear(4, 7, rng=rng))
    tokens, lengths = rng.integers(0, 7, size=(3, 5)), np.array([5, 2, 4])
    model = ChunkedRNN(lm.rnn, lm.head, embed=lm.embed)
    assert list(model.params) == list(lm.params) and all(model.params[k] is v for k, v in lm.params.items())
    scores, cache = model.forward(tokens, lengths)
    logits, lm_cache = lm.forward(tokens, lengths)
    np.testing.assert_array_equal(scores, logits)  # (N, V, T)
    d = rng.standard_normal(logits.shape)
    dx, grads = model.backward(d, cache)
    _, lm_grads = lm.backward(d, lm_cache)
    assert dx is None and all(np.array_equal(grads[k], lm_grads[k]) for k in lm_grads)


def test_bad_input():
    x, y = make_data()
    model = make_model()
    with pytest.raises(ValueError, match=r"start must be 0 \(new sequences\) or 0"):
        model.forward(x[:3], None, 3)
    model.forward(x[:3])
    with pytest.raises(ValueError, match="chunks must come in order, got 6"):
        model.forward(x[3:6], None, 6)
    with pytest.raises(ValueError, match=r"y must have shape \(T, N\)"):
        Chunks(x, y[:, 0])
    with pytest.raises(ValueError, match="x must have the steps and sequences of y"):
        Chunks(x[:5], y)
    with pytest.raises(ValueError, match="lengths .* cannot be cut into chunks"):
        Chunks(x, y, lengths=np.full(4, 9), chunk_len=3)
    with pytest.raises(ValueError, match=r"lengths must have entries < 10"):
        Chunks(x, y, lengths=np.full(4, 10))
    with pytest.raises(TypeError, match="batch_first must be a bool"):
        Chunks(x, y, batch_first=None)
    with pytest.raises(ValueError, match=r"head must have in_features=5"):
        ChunkedRNN(lp.RNN(3, 5), lp.Linear(4, 4))
    with pytest.raises(TypeError, match="rnn must be a lessonpkg RNN, LSTM or GRU"):
        ChunkedRNN(lp.RNNCell(3, 5), lp.Linear(5, 4))
    with pytest.raises(ValueError, match=r"embed must have embedding_dim=3"):
        ChunkedRNN(lp.RNN(3, 5), lp.Linear(5, 4), embed=lp.Embedding(7, 2))
    with pytest.raises(ValueError, match="x must be a batch"):
        model.forward(x[:, 0])
