"""TruncatedBPTT: training chunk by chunk equals torch trained the same way (detach between chunks, same SGD steps)."""

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error

import lessonpkg as lp


def train_lessonpkg(layer, head, x, y, chunk_len, lr, epochs):
    """Train layer + Linear head with cross-entropy, one SGD step per chunk; return the losses."""
    tbptt = lp.TruncatedBPTT(layer, chunk_len)
    crit = lp.CrossEntropyLoss()
    opt_layer, opt_head = lp.SGD(layer.params, lr=lr), lp.SGD(head.params, lr=lr)
    losses = []
    for _ in range(epochs):
        tbptt.reset()
        for x_chunk, y_chunk in tbptt.chunks(x, y):
            out, cache = tbptt.forward(x_chunk)  # (T_c, N, H), or (N, T_c, H) with batch_first
            logits, head_cache = head.forward(out)
            V = logits.shape[-1]
            loss, loss_cache = crit.forward(logits.reshape(-1, V), y_chunk.reshape(-1))
            dlogits = crit.backward(loss_cache).reshape(logits.shape)
            dout, head_grads = head.backward(dlogits, head_cache)
            _dx, grads = tbptt.backward(dout, cache)
            opt_layer.step(grads)
            opt_head.step(head_grads)
            losses.append(float(loss))
    return losses


def train_torch(layer, head, x, y, chunk_len, lr, epochs):
    """The usual torch loop: carry the state, detach it at every chunk boundary."""
    opt = torch.optim.SGD([*layer.parameters(), *head.parameters()], lr=lr)
    crit = torch.nn.CrossEntropyLoss()
    axis = 1 if layer.batch_first else 0
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    losses = []
    for _ in range(epochs):
        state = None
        for start in range(0, x.shape[axis], chunk_len):
            size = min(chunk_len, x.shape[axis] - start)
            x_chunk, y_chunk = x.narrow(axis, start, size), y.narrow(axis, start, size)
            if state is not None:
                state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
            out, state = layer(x_chunk, state)
            logits = head(out)
            loss = crit(logits.reshape(-1, logits.shape[-1]), y_chunk.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses


@pytest.mark.parametrize("cls, kwargs", [
    ("LSTM", {"num_layers": 2}),
    ("GRU", {"batch_first": True}),
    ("RNN", {"bidirectional": True}),
    ("LSTM", {"bidirectional": True, "batch_first": True}),
])
def test_training_equals_torch_with_detach(cls, kwargs):
    rng = np.random.default_rng(0)
    T, N, D, H, V = 11, 3, 4, 5, 6  # chunks of 4, 4 and 3 steps
    layer = getattr(lp, cls)(D, H, **kwargs, rng=rng)
    head = lp.Linear(layer.num_directions * H, V, rng=rng)
    layer_t, head_t = lp.to_torch(layer), lp.to_torch(head)
    shape = (N, T) if layer.batch_first else (T, N)
    x, y = rng.standard_normal((*shape, D)), rng.integers(0, V, size=shape)
    losses = train_lessonpkg(layer, head, x, y, chunk_len=4, lr=0.5, epochs=2)
    losses_t = train_torch(layer_t, head_t, x, y, chunk_len=4, lr=0.5, epochs=2)
    np.testing.assert_allclose(losses, losses_t, rtol=1e-10)
    for module, twin in [(layer, layer_t), (head, head_t)]:
        for name, p in twin.named_parameters():
            np.testing.assert_allclose(module.params[name], p.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
    worst = max([rel_error(losses, losses_t), *(rel_error(m.params[n], p.detach().numpy())
                                                for m, t in [(layer, layer_t), (head, head_t)]
                                                for n, p in t.named_parameters())])
    record("TruncatedBPTT", ["chunk losses", "parameters after 2 epochs of SGD"], (T, N, D, H), worst)
    assert abs(losses[-1] - losses[0]) > 1e-3  # the parameters did move


def test_state_is_carried_and_gradient_is_cut():
    rng = np.random.default_rng(1)
    gru = lp.GRU(2, 3, rng=rng)
    x = rng.standard_normal((6, 2, 2))
    tbptt = lp.TruncatedBPTT(gru, chunk_len=4)
    chunks = [c for (c,) in tbptt.chunks(x)]
    assert [c.shape[0] for c in chunks] == [4, 2] and np.shares_memory(chunks[0], x)
    out1, cache1 = tbptt.forward(chunks[0])
    out2, cache2 = tbptt.forward(chunks[1])
    full, h_n, _ = gru.forward(x)
    np.testing.assert_allclose(np.concatenate([out1, out2]), full, rtol=1e-14)  # the state flows on
    np.testing.assert_array_equal(tbptt.hx, h_n)
    dx, grads = tbptt.backward(np.ones_like(out2), cache2)
    _, carried, cache = gru.forward(chunks[1], full[3][None])
    dx_ref, _dh0, grads_ref = gru.backward(np.ones_like(out2), cache)  # the state taken as a constant
    np.testing.assert_array_equal(dx, dx_ref)
    for k in grads:
        np.testing.assert_array_equal(grads[k], grads_ref[k])
    tbptt.reset()
    assert tbptt.hx is None


def test_lstm_state_is_a_pair():
    lstm = lp.LSTM(2, 3, rng=0)
    tbptt = lp.TruncatedBPTT(lstm, 2, hx=(np.ones((1, 1, 3)), np.zeros((1, 1, 3))))
    tbptt.forward(np.zeros((2, 1, 2)))
    h, c = tbptt.hx
    assert h.shape == c.shape == (1, 1, 3)


def test_bad_arguments():
    lstm = lp.LSTM(2, 3)
    with pytest.raises(TypeError, match="layer must be a lessonpkg RNN, LSTM or GRU, got Linear"):
        lp.TruncatedBPTT(lp.Linear(2, 3), 4)
    with pytest.raises(ValueError, match="chunk_len must be >= 1, got 0"):
        lp.TruncatedBPTT(lstm, 0)
    tbptt = lp.TruncatedBPTT(lstm, 2)
    with pytest.raises(ValueError, match=r"arrays\[1\] must have length 5 along the time axis 0, got shape \(4, 1\)"):
        next(tbptt.chunks(np.zeros((5, 1, 2)), np.zeros((4, 1))))
    with pytest.raises(ValueError, match="chunks needs at least one array"):
        next(tbptt.chunks())


def test_chunks_refuse_an_array_without_a_time_axis():
    tb = lp.TruncatedBPTT(lp.GRU(3, 4, batch_first=True, rng=0), 2)
    with pytest.raises(ValueError, match=r"arrays\[0\] must have a time axis 1 \(batch_first=True\), got shape \(5,\)"):
        list(tb.chunks(np.zeros(5), np.zeros((5, 4))))
    with pytest.raises(ValueError, match=r"arrays\[0\] must have a time axis 1 .* got shape \(\)"):
        list(tb.chunks(None))
