"""lessonpkg.models.attn_seq2seq: the attention encoder-decoder's loss and every gradient against a torch assembly."""

import numpy as np
import pytest
import torch
from equality_log import record
from test_attention import torch_attention

import lessonpkg as lp
from lessonpkg.models.attn_seq2seq import AttentionSeq2Seq, log_softmax, seq2seq_step_fn

PAD = 0


def _build(cell="GRU", V=6, E=3, H=4, A=5, layers=1, seed=0):
    rng = np.random.default_rng(seed)
    layer = getattr(lp, cell)
    return AttentionSeq2Seq(lp.Embedding(V, E, padding_idx=PAD, rng=rng),
                            layer(E, H, num_layers=layers, batch_first=True, rng=rng),
                            lp.Embedding(V + 1, E, padding_idx=PAD, rng=rng),
                            layer(E, H, num_layers=layers, batch_first=True, rng=rng),
                            lp.AdditiveAttention(H, H, A, rng=rng), lp.Linear(2 * H, V, rng=rng))


class TorchAttentionSeq2Seq(torch.nn.Module):
    """torch.nn Embedding, GRU/LSTM (packed for the source lengths) and Linear, with the attention in torch ops."""

    def __init__(self, model):
        super().__init__()
        for name in ("src_embed", "encoder", "tgt_embed", "decoder", "head"):
            setattr(self, name, lp.to_torch(getattr(model, name)))
        self.attention = torch.nn.ParameterDict(
            {k.replace(".", "_"): torch.nn.Parameter(torch.tensor(v)) for k, v in model.attention.params.items()})

    def forward(self, src, lengths, tgt_in):
        packed = torch.nn.utils.rnn.pack_padded_sequence(self.src_embed(src), torch.as_tensor(lengths),
                                                         batch_first=True, enforce_sorted=False)
        keys, state = self.encoder(packed)
        keys, _ = torch.nn.utils.rnn.pad_packed_sequence(keys, batch_first=True, total_length=src.shape[1])
        s, _ = self.decoder(self.tgt_embed(tgt_in), state)
        params = {k.replace("_", ".", 1): v for k, v in self.attention.items()}
        context, weights = torch_attention(params, s, keys, lengths)
        return self.head(torch.cat([s, context], dim=-1)).transpose(1, 2), weights


@pytest.mark.parametrize("cell", ["GRU", "LSTM"])
@pytest.mark.parametrize("N, S, T, layers", [(1, 1, 1, 1), (3, 4, 5, 1), (4, 5, 3, 2), (2, 3, 6, 1)])
def test_loss_and_every_gradient_match_a_torch_assembly(cell, N, S, T, layers):
    model = _build(cell, layers=layers, seed=N + S + T)
    rng = np.random.default_rng(S * T)
    lengths = rng.integers(1, S + 1, N)
    lengths[-1] = S
    src = rng.integers(1, 6, (N, S))
    src[np.arange(S)[None, :] >= lengths[:, None]] = PAD
    tgt_in = rng.integers(1, 7, (N, T))
    tgt_out = rng.integers(0, 6, (N, T))
    tgt_out[0, 0] = 1  # at least one target counts
    loss_fn = lp.CrossEntropyLoss(ignore_index=PAD)
    logits, cache = model.forward(src, lengths, tgt_in)
    loss, lcache = loss_fn.forward(logits, tgt_out)
    _, grads = model.backward(loss_fn.backward(lcache), cache)

    twin = TorchAttentionSeq2Seq(model)
    logits_t, weights_t = twin(torch.from_numpy(src), lengths, torch.from_numpy(tgt_in))
    loss_t = torch.nn.functional.cross_entropy(logits_t, torch.from_numpy(tgt_out), ignore_index=PAD)
    loss_t.backward()
    errs = []
    for name, ours, theirs in [("loss", np.asarray(loss), loss_t), ("logits", logits, logits_t),
                               ("weights", cache["weights"], weights_t)]:
        theirs = theirs.detach().numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-13, err_msg=name)
        errs.append(np.linalg.norm(ours - theirs) / np.linalg.norm(theirs))
    torch_grads = {(k if not k.startswith("attention.") else "attention." + k[10:].replace("_", ".", 1)): p.grad
                   for k, p in twin.named_parameters()}  # attention.query_weight -> attention.query.weight
    assert set(torch_grads) == set(grads) == set(model.params)
    for name, g in grads.items():
        theirs = torch_grads[name].numpy()
        np.testing.assert_allclose(g, theirs, rtol=1e-10, atol=1e-13, err_msg=name)
        scale = np.linalg.norm(theirs)
        errs.append(np.linalg.norm(g - theirs) / scale if scale > 0 else 0.0)
    record("AttentionSeq2Seq", ["loss", "logits", "weights"] + [f"d{k}" for k in grads],
           (cell, N, S, T, layers), max(errs))


def test_finite_differences_without_torch():
    model = _build("GRU", V=4, E=2, H=2, A=3, seed=2)
    src, lengths, tgt_in = np.array([[1, 2, 3], [2, 1, 0]]), np.array([3, 2]), np.array([[4, 1], [4, 2]])
    res = lp.gradcheck(model, (src, lengths, tgt_in), rng=0, verbose=False)
    assert res.ok, res


@pytest.mark.parametrize("cell, layers", [("GRU", 1), ("LSTM", 1), ("GRU", 2)])  # cell fast path; layer path
def test_step_function_reproduces_teacher_forcing_and_greedy_decode(cell, layers):
    model = _build(cell, H=6, layers=layers, seed=1)
    src = np.array([3, 1, 4, 1, 5])
    step, state = model.step_fn(src)
    tokens, score = lp.greedy_decode(step, state, max_len=6, eos=2, start=6)
    tgt_in = np.array([[6] + tokens[:-1]])
    logits, cache = model.forward(src[None], None, tgt_in)
    lp_tf = log_softmax(logits[0].T)  # (T, V)
    assert tokens == lp_tf.argmax(axis=1).tolist()
    np.testing.assert_allclose(score, lp_tf[np.arange(len(tokens)), tokens].sum(), rtol=1e-12)
    # the state carries every step's attention weights, equal to the teacher-forced ones
    step, state = model.step_fn(src)
    for token in tgt_in[0]:
        state = step(int(token), state)[1]
    np.testing.assert_allclose(np.stack(state[1]), cache["weights"][0], rtol=1e-12)
    best = lp.beam_search(*model.step_fn(src), beam_width=1, max_len=6, eos=2, start=6)
    assert best[0][0] == tokens


def test_plain_seq2seq_step_function_matches_its_greedy_decode():
    rng = np.random.default_rng(0)
    plain = lp.Seq2Seq(lp.Embedding(6, 3, rng=rng), lp.GRU(3, 4, batch_first=True, rng=rng),
                       lp.Embedding(7, 3, rng=rng), lp.GRU(3, 4, batch_first=True, rng=rng), lp.Linear(4, 6, rng=rng))
    src = np.array([1, 2, 3])
    tokens, _ = lp.greedy_decode(*seq2seq_step_fn(plain, src), max_len=5, eos=-1, start=6)
    assert tokens == plain.greedy_decode(src[None], 5, 6)[0].tolist()


def test_padding_does_not_change_a_sequence():
    model = _build("GRU", seed=4)
    tgt_in = np.array([[6, 1, 2], [6, 3, 3]])
    full, _ = model.forward(np.array([[1, 2, 3, 0, 0], [3, 4, 1, 2, 5]]), np.array([3, 5]), tgt_in)
    alone, _ = model.forward(np.array([[1, 2, 3]]), None, tgt_in[:1])
    np.testing.assert_allclose(full[:1], alone, rtol=1e-12)


def test_bad_inputs():
    m = _build()
    with pytest.raises(ValueError, match="head must be a lessonpkg Linear with in_features = 2 \\* hidden_size"):
        AttentionSeq2Seq(m.src_embed, m.encoder, m.tgt_embed, m.decoder, m.attention, lp.Linear(4, 6))
    with pytest.raises(ValueError, match="attention must have query_size = key_size = hidden_size = 4"):
        AttentionSeq2Seq(m.src_embed, m.encoder, m.tgt_embed, m.decoder, lp.AdditiveAttention(3, 4, 5), m.head)
    with pytest.raises(TypeError, match="encoder and decoder must be the same class"):
        AttentionSeq2Seq(m.src_embed, m.encoder, m.tgt_embed, lp.LSTM(3, 4, batch_first=True), m.attention, m.head)
    with pytest.raises(ValueError, match="src and tgt_in must hold the same number"):
        m.forward(np.ones((2, 3), dtype=int), None, np.ones((3, 2), dtype=int))
    with pytest.raises(ValueError, match="lengths must lie between 1 and T=3"):
        m.forward(np.ones((2, 3), dtype=int), np.array([4, 1]), np.ones((2, 2), dtype=int))
    with pytest.raises(ValueError, match=r"src must be one token sequence of shape \(S,\)"):
        m.step_fn(np.ones((1, 3), dtype=int))
    with pytest.raises(TypeError, match="model must be a lessonpkg Seq2Seq"):
        seq2seq_step_fn(m, np.ones(3, dtype=int))


def test_log_softmax_bad_inputs():
    with pytest.raises(ValueError, match="scores must be finite"):
        log_softmax(np.array([0.0, np.inf]))
    with pytest.raises(TypeError, match="scores must have dtype"):
        log_softmax([1, 2])
    with pytest.raises(ValueError, match="scores must have at least one entry"):
        log_softmax(np.zeros((2, 0)))
