"""lessonpkg.models.captioner: ImageCaptioner against a torch assembly, finite differences, decoding, metrics."""

import numpy as np
import pytest
import torch
from equality_log import record

import lessonpkg as lp
from lessonpkg.models.captioner import ImageCaptioner, caption_scores

CELLS = {"RNN": lp.RNN, "GRU": lp.GRU, "LSTM": lp.LSTM}


def _model(cell: str, P=5, E=3, H=4, V=6, seed=0):
    rng = np.random.default_rng(seed)
    m = ImageCaptioner(lp.Linear(P, H, rng=rng), lp.Embedding(V + 1, E, rng=rng),
                       CELLS[cell](E, H, batch_first=True, rng=rng), lp.Linear(H, V, rng=rng))
    for v in m.params.values():  # non-zero biases everywhere
        v += 0.1 * rng.standard_normal(v.shape)
    return m


def _rel(a, b) -> float:
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("N,T", [(1, 1), (3, 4), (2, 7)])
def test_loss_and_every_gradient_match_torch(cell, N, T):
    P, V = 5, 6
    m = _model(cell, P=P, V=V)
    rng = np.random.default_rng(1)
    images = rng.standard_normal((N, P))
    tgt_in = rng.integers(0, V + 1, size=(N, T))
    target = rng.integers(0, V, size=(N, T))
    target[0, -1] = -100  # one padded position
    if N * T == 1:
        target[0, 0] = 2
    crit = lp.CrossEntropyLoss(ignore_index=-100)
    logits, cache = m.forward(images, tgt_in)
    loss, lc = crit.forward(logits, target)
    dimages, grads = m.backward(crit.backward(lc), cache)

    enc, emb, dec, head = (lp.to_torch(c) for c in (m.encoder, m.embed, m.decoder, m.head))
    x = torch.tensor(images, requires_grad=True)
    h0 = torch.tanh(enc(x)).unsqueeze(0)
    state = (h0, torch.zeros_like(h0)) if cell == "LSTM" else h0
    out, _ = dec(emb(torch.from_numpy(tgt_in)), state)
    t_logits = head(out).transpose(1, 2)  # (N, V, T)
    t_loss = torch.nn.functional.cross_entropy(t_logits, torch.from_numpy(target), ignore_index=-100)
    t_loss.backward()
    t_grads = {f"{c}.{k}": p.grad for c, mod in zip(("encoder", "embed", "decoder", "head"), (enc, emb, dec, head))
               for k, p in mod.named_parameters()}
    assert list(t_grads) == list(grads) == list(m.params)
    pairs = {"logits": (logits, t_logits), "loss": (np.array(loss), t_loss), "dimages": (dimages, x.grad),
             **{f"d{k}": (grads[k], g) for k, g in t_grads.items()}}
    worst = 0.0
    for name, (ours, theirs) in pairs.items():
        theirs = theirs.detach().numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, err_msg=name)
        worst = max(worst, _rel(np.asarray(ours), theirs))
    record("ImageCaptioner", pairs, shape=f"{cell} (N, T, P, H, V)=({N}, {T}, {P}, 4, {V})", rel_err=worst)


@pytest.mark.parametrize("cell", CELLS)
def test_finite_differences(cell):
    m = _model(cell, P=3, E=2, H=3, V=4)
    rng = np.random.default_rng(2)
    res = lp.gradcheck(m, (rng.standard_normal((2, 3)), rng.integers(0, 5, size=(2, 3))), rng=0, verbose=False)
    assert res.ok, res


def test_step_fn_reproduces_teacher_forced_scores_and_decoders_agree():
    m = _model("GRU", V=6)
    rng = np.random.default_rng(3)
    image, tokens = rng.standard_normal(5), [6, 2, 4, 1]
    logits, _ = m.forward(image[None], np.array([tokens]))
    state = m.init_state(image)
    for t, tok in enumerate(tokens):
        lp_t, state = m.step_fn(tok, state)
        np.testing.assert_allclose(lp_t, lp.functional.log_softmax(logits[0, :, t]), rtol=1e-12, atol=1e-12)
    images = rng.standard_normal((3, 5))
    greedy = m.generate(images, bos=6, eos=0, max_len=5)
    assert greedy == m.generate(images, bos=6, eos=0, max_len=5, beam_width=1)
    beams = m.generate(images, bos=6, eos=0, max_len=5, beam_width=3)
    assert len(beams) == 3 and all(len(b) <= 5 for b in beams)


def test_bad_construction_and_inputs():
    with pytest.raises(ValueError, match="bidirectional=False"):
        ImageCaptioner(lp.Linear(5, 4), lp.Embedding(7, 3), lp.GRU(3, 4, batch_first=True, bidirectional=True),
                       lp.Linear(8, 6))
    with pytest.raises(ValueError, match="encoder.out_features must equal decoder.hidden_size"):
        ImageCaptioner(lp.Linear(5, 3), lp.Embedding(7, 3), lp.GRU(3, 4, batch_first=True), lp.Linear(4, 6))
    with pytest.raises(ValueError, match="batch_first=True"):
        ImageCaptioner(lp.Linear(5, 4), lp.Embedding(7, 3), lp.GRU(3, 4), lp.Linear(4, 6))
    m = _model("GRU")
    with pytest.raises(ValueError, match=r"images must have shape \(N, 5\)"):
        m.forward(np.zeros((2, 8, 8)), np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(ValueError, match=r"tgt_in must have shape \(2, T\)"):
        m.forward(np.zeros((2, 5)), np.zeros((3, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="tgt_in must have entries < 7"):
        m.forward(np.zeros((2, 5)), np.full((2, 3), 7))


def test_caption_scores_by_hand():
    exact, cer = caption_scores(["two", "thre", "nine"], ["two", "three", "five"])
    assert exact == pytest.approx(1 / 3)
    assert cer == pytest.approx((0 + 1 + 2) / (3 + 5 + 4))
    with pytest.raises(ValueError, match="equal length"):
        caption_scores(["a"], ["a", "b"])
