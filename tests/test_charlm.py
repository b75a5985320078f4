"""lessonpkg.apps.charlm: lp.fit on its chunks equals torch's truncated-BPTT loop with detach, and its scoring."""

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error

import lessonpkg as lp
from lessonpkg import charlm
from lessonpkg.nn.functional import log_softmax


def torch_twin(model):
    """Embedding, recurrent layer and Linear in torch float64 with the model's weights."""
    return lp.to_torch(model.embed), lp.to_torch(model.rnn), lp.to_torch(model.head)


@pytest.mark.parametrize("cell", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("n_lanes,chunk_len", [(1, 4), (3, 5), (2, 7)])
def test_fit_on_the_stream_equals_torch_with_detach(cell, n_lanes, chunk_len):
    rng = np.random.default_rng(0)
    stream = rng.integers(0, 6, size=40)
    model = charlm.make_char_lm(cell, 6, 3, 4, rng=1)
    for k, p in model.params.items():  # non-zero biases everywhere
        if "bias" in k:
            p += rng.normal(0, 0.3, p.shape)
    emb, rnn, head = torch_twin(model)
    x, y = charlm.to_lanes(stream, n_lanes)
    hist = lp.fit(charlm.chunked(model), lp.CrossEntropyLoss(), lp.SGD(model.params, lr=0.3),
                  charlm.stream_chunks(stream, n_lanes, chunk_len), epochs=1)

    opt = torch.optim.SGD([*emb.parameters(), *rnn.parameters(), *head.parameters()], lr=0.3)
    state, expected = None, []
    for start in range(0, x.shape[1], chunk_len):
        xc = torch.from_numpy(x[:, start:start + chunk_len])
        yc = torch.from_numpy(y[:, start:start + chunk_len])
        out, state = rnn(emb(xc), state)
        loss = torch.nn.functional.cross_entropy(head(out).reshape(-1, 6), yc.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        expected.append(loss.item())
    assert hist["updates"][-1] == len(expected)
    for name, m in (("embed", emb), ("rnn", rnn), ("head", head)):
        for k, v in m.named_parameters():
            np.testing.assert_allclose(model.params[f"{name}.{k}"], v.detach().numpy(), rtol=1e-10, atol=1e-12)
    worst = max(rel_error(model.params[f"{name}.{k}"], v.detach().numpy())
                for name, m in (("embed", emb), ("rnn", rnn), ("head", head)) for k, v in m.named_parameters())
    record("fit", ["parameters after one epoch of truncated BPTT on a stream"], x.shape, worst)
    record("charlm.chunked", ["parameters after one epoch of lp.fit"], x.shape, worst)


@pytest.mark.parametrize("cell", ["RNN", "LSTM"])
def test_evaluate_on_the_stream_is_the_full_sequence_loss_in_torch(cell):
    stream = np.random.default_rng(2).integers(0, 5, size=30)
    model = charlm.make_char_lm(cell, 5, 3, 4, rng=0)
    emb, rnn, head = torch_twin(model)
    s = torch.from_numpy(stream)[None]
    out, _ = rnn(emb(s[:, :-1]))
    expected = torch.nn.functional.cross_entropy(head(out)[0], s[0, 1:]).item()
    for chunk_len in (1, 7, 100):
        loss = lp.evaluate(charlm.chunked(model), lp.CrossEntropyLoss(), charlm.stream_chunks(stream, 1, chunk_len))
        np.testing.assert_allclose(loss["loss"], expected, rtol=1e-10)
        record("evaluate", ["mean loss of a stream read in chunks"], (len(stream), chunk_len),
               rel_error(loss["loss"], expected))


def test_step_fn_and_read_prefix_agree_with_the_stream_scores():
    stream = np.array([0, 3, 1, 4, 2, 0, 1])
    model = charlm.make_char_lm("GRU", 5, 3, 4, rng=0)
    logits, _ = model.forward(stream[None, :-1])
    expected = log_softmax(logits[0].T)  # (T - 1, V)
    step, state = charlm.step_fn(model), None
    for t in range(stream.size - 1):
        logp, state = step(stream[t], state)
        np.testing.assert_allclose(logp, expected[t], rtol=1e-12)
    state, last = charlm.read_prefix(model, stream[:4])
    logp, _ = step(last, state)
    np.testing.assert_allclose(logp, expected[3], rtol=1e-12)


def test_to_lanes_layout():
    x, y = charlm.to_lanes(np.arange(11), 2)
    assert np.array_equal(x, [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]])
    assert np.array_equal(y, x + 1)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="cell must be one of"):
        charlm.make_char_lm("Transformer", 5, 3, 4)
    with pytest.raises(ValueError, match="at least n_lanes"):
        charlm.to_lanes(np.arange(3), 3)
    with pytest.raises(ValueError, match="at least one token"):
        charlm.read_prefix(charlm.make_char_lm("RNN", 5, 3, 4), [])


def test_train_char_lm_learns_on_a_tiny_stream():
    stream = np.tile(np.array([0, 1, 2, 3, 1, 2]), 20)  # a repeating pattern: easy to learn
    model, history = charlm.train_char_lm("GRU", stream, stream[:31], embedding_dim=3, hidden_size=8, n_lanes=2,
                                          chunk_len=5, epochs=5, lr=0.05)
    assert history["train_loss"].shape == history["val_loss"].shape == (6,)
    assert history["val_loss"][-1] < 0.5 * history["val_loss"][0]
    val = lp.evaluate(charlm.chunked(model), lp.CrossEntropyLoss(), charlm.stream_chunks(stream[:31]))["loss"]
    assert history["val_loss"][-1] == val


def test_bad_models_and_tokens_found_by_fuzzing():
    with pytest.raises(TypeError, match="model must be a lessonpkg RNNLanguageModel"):
        charlm.chunked(None)
    with pytest.raises(ValueError, match="stream must be a 1-d stream of at least 2 token ids"):
        charlm.stream_chunks(np.array([3]))
    with pytest.raises(TypeError, match="model must be a lessonpkg RNNLanguageModel"):
        charlm.read_prefix(lp.Linear(2, 2), [1, 2])
    with pytest.raises(TypeError, match="tokens must be a 1-d sequence of int token ids"):
        charlm.read_prefix(charlm.make_char_lm("RNN", 5, 3, 4), np.array([[1, 2]]))


def test_training_entry_points_refuse_bad_arguments():
    with pytest.raises(ValueError, match=r"train_stream must be a 1-d stream of at least 2 token ids, got shape \(0,"):
        lp.charlm.train_char_lm("GRU", np.zeros(0, dtype=np.int64), np.arange(5))
    with pytest.raises(ValueError, match="val_stream must have entries >= 0"):
        lp.charlm.train_char_lm("GRU", np.arange(5), np.array([1, -2]))
    with pytest.raises(ValueError, match="vocab_size"):
        lp.charlm.make_char_lm("GRU", 0, 3, 4)
