"""lessonpkg.models.Seq2Seq: teacher-forced scores and gradients, and greedy decoding, against torch."""

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error

import lessonpkg as lp
from lessonpkg.models.seq2seq import Seq2Seq

RTOL, ATOL = 1e-10, 1e-12
WORST = [0.0]


def _build(cell="RNN", V=5, E=3, H=4, layers=1, seed=0):
    rng = np.random.default_rng(seed)
    layer = getattr(lp, cell)
    return Seq2Seq(lp.Embedding(V, E, rng=rng), layer(E, H, num_layers=layers, batch_first=True, rng=rng),
                   lp.Embedding(V + 1, E, rng=rng), layer(E, H, num_layers=layers, batch_first=True, rng=rng),
                   lp.Linear(H, V, rng=rng))


class TorchSeq2Seq(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        for name, child in model.named_children():
            setattr(self, name, lp.to_torch(child))

    def forward(self, src, tgt_in):
        _, state = self.encoder(self.src_embed(src))
        out, _ = self.decoder(self.tgt_embed(tgt_in), state)
        return self.head(out).transpose(1, 2)

    @torch.no_grad()
    def greedy(self, src, steps, bos):
        _, state = self.encoder(self.src_embed(src))
        token = torch.full((src.shape[0], 1), bos, dtype=torch.long)
        result = []
        for _ in range(steps):
            out, state = self.decoder(self.tgt_embed(token), state)
            token = self.head(out[:, 0]).argmax(dim=1, keepdim=True)
            result.append(token)
        return torch.cat(result, dim=1).numpy()


def _close(name, ours, theirs):
    theirs = theirs.detach().numpy()
    assert np.shape(ours) == theirs.shape, name
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL, err_msg=name)
    scale = np.abs(theirs).max()
    if scale > 0:
        WORST[0] = max(WORST[0], float(np.abs(ours - theirs).max() / scale))


@pytest.mark.parametrize("cell", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("N, S, T, layers", [(1, 1, 1, 1), (3, 4, 5, 1), (2, 5, 3, 2)])
def test_teacher_forced_forward_and_every_gradient_match_torch(cell, N, S, T, layers):
    model = _build(cell, layers=layers, seed=N + S + T)
    rng = np.random.default_rng(T)
    src, tgt_in = rng.integers(0, 5, (N, S)), rng.integers(0, 6, (N, T))
    logits, cache = model.forward(src, tgt_in)
    dlogits = rng.standard_normal(logits.shape)
    dx, grads = model.backward(dlogits, cache)
    assert dx is None and logits.shape == (N, 5, T)

    twin = TorchSeq2Seq(model)
    logits_t = twin(torch.from_numpy(src), torch.from_numpy(tgt_in))
    (logits_t * torch.from_numpy(dlogits)).sum().backward()
    _close("logits", logits, logits_t)
    torch_grads = dict(twin.named_parameters())
    assert list(grads) == list(model.params) == list(torch_grads)
    for name, p in torch_grads.items():
        _close(f"d{name}", grads[name], p.grad)
    worst = max([rel_error(logits, logits_t.detach().numpy()),
                 *(rel_error(grads[name], p.grad.numpy()) for name, p in torch_grads.items())])
    record("Seq2Seq", ["logits (teacher forced)", *(f"d{name}" for name in torch_grads)], (N, S, T), worst)


@pytest.mark.parametrize("cell", ["RNN", "GRU", "LSTM"])
def test_greedy_decode_matches_torch_and_feeds_back_its_predictions(cell):
    model = _build(cell, H=6, seed=1)
    src = np.random.default_rng(0).integers(0, 5, (7, 4))
    ours = model.greedy_decode(src, steps=6, bos=5)
    np.testing.assert_array_equal(ours, TorchSeq2Seq(model).greedy(torch.from_numpy(src), 6, 5))
    record("Seq2Seq", ["greedy_decode tokens (exactly equal)"], src.shape, 0.0)
    assert ours.dtype == np.int64 and ours.shape == (7, 6)
    # greedy decoding equals teacher forcing on its own output
    tgt_in = np.concatenate([np.full((7, 1), 5), ours[:, :-1]], axis=1)
    np.testing.assert_array_equal(model.forward(src, tgt_in)[0].argmax(axis=1), ours)


def test_finite_differences():
    model = _build("RNN", V=3, E=2, H=2, seed=2)
    rng = np.random.default_rng(0)
    res = lp.gradcheck(model, (rng.integers(0, 3, (2, 3)), rng.integers(0, 4, (2, 2))), rng=0, verbose=False)
    assert res.ok, res


def test_gradient_reaches_the_encoder_only_through_the_final_state():
    model = _build("RNN", seed=3)
    src, tgt_in = np.array([[1, 2, 3]]), np.array([[5, 0]])
    logits, cache = model.forward(src, tgt_in)
    _, grads = model.backward(np.ones_like(logits), cache)
    assert np.abs(grads["encoder.weight_ih_l0"]).sum() > 0
    _, grads0 = model.backward(np.zeros_like(logits), cache)
    assert all(np.all(g == 0) for g in grads0.values())


def test_params_are_named_like_torch_and_shared_with_children():
    model = _build("GRU", seed=0)
    assert list(model.params)[:2] == ["src_embed.weight", "encoder.weight_ih_l0"]
    assert model.params["decoder.weight_hh_l0"] is model.decoder.params["weight_hh_l0"]
    assert set(dict(TorchSeq2Seq(model).named_parameters())) == set(model.params)


def test_bad_inputs():
    e, E = lp.Embedding(5, 3), lp.Embedding(6, 3)
    rnn = lambda **kw: lp.RNN(3, 4, batch_first=True, **kw)  # noqa: E731
    head = lp.Linear(4, 5)
    with pytest.raises(TypeError, match="src_embed must be a lessonpkg Embedding"):
        Seq2Seq(lp.Linear(5, 3), rnn(), E, rnn(), head)
    with pytest.raises(TypeError, match="encoder and decoder must be the same class"):
        Seq2Seq(e, rnn(), E, lp.GRU(3, 4, batch_first=True), head)
    with pytest.raises(ValueError, match="encoder and decoder must have bidirectional=False"):
        Seq2Seq(e, rnn(bidirectional=True), E, rnn(), head)
    with pytest.raises(ValueError, match="encoder and decoder must have the same hidden_size"):
        Seq2Seq(e, rnn(), E, lp.RNN(3, 5, batch_first=True), lp.Linear(5, 5))
    with pytest.raises(ValueError, match="encoder and decoder must have the same num_layers"):
        Seq2Seq(e, rnn(num_layers=2), E, rnn(), head)
    with pytest.raises(ValueError, match="decoder must be built with batch_first=True"):
        Seq2Seq(e, rnn(), E, lp.RNN(3, 4), head)
    with pytest.raises(ValueError, match="head.in_features must equal decoder.hidden_size"):
        Seq2Seq(e, rnn(), E, rnn(), lp.Linear(3, 5))
    with pytest.raises(ValueError, match="tgt_embed.num_embeddings must be >= head.out_features"):
        Seq2Seq(e, rnn(), lp.Embedding(4, 3), rnn(), head)
    model = Seq2Seq(e, rnn(), E, rnn(), head)
    with pytest.raises(TypeError, match="src must have an integer dtype"):
        model.forward(np.zeros((2, 3)), np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(ValueError, match=r"tgt_in must have shape \(N, T\)"):
        model.forward(np.zeros((2, 3), dtype=np.int64), np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match="src and tgt_in must hold the same number of sequences"):
        model.forward(np.zeros((2, 3), dtype=np.int64), np.zeros((3, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="x must hold indices in"):
        model.forward(np.full((2, 3), 9), np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="bos must be >= 0 and <= 5, got 6"):
        model.greedy_decode(np.zeros((2, 3), dtype=np.int64), 2, bos=6)
    with pytest.raises(ValueError, match="steps must be >= 1"):
        model.greedy_decode(np.zeros((2, 3), dtype=np.int64), 0, bos=5)
    logits, cache = model.forward(np.zeros((2, 3), dtype=np.int64), np.zeros((2, 4), dtype=np.int64))
    with pytest.raises(ValueError, match=r"dlogits must have shape \(N, V, T\)"):
        model.backward(np.zeros((2, 5)), cache)
    with pytest.raises(TypeError, match="dlogits must have dtype float64"):
        model.backward(logits.astype(np.float32), cache)


def test_report_worst_error():
    """Not a check: prints the worst relative error against torch (run with -s)."""
    print(f"Seq2Seq worst relative error {WORST[0]:.1e}")
