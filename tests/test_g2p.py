"""lessonpkg.apps.g2p: length buckets and their batches, training with lp.fit, decoding and the model builder."""

import numpy as np
import pytest

import lessonpkg as lp
from lessonpkg import g2p

PAIRS = [("cat", ("K", "AE", "T")), ("dog", ("D", "AO", "G")), ("phone", ("F", "OW", "N")),
         ("tree", ("T", "R", "IY")), ("sun", ("S", "AH", "N")), ("moon", ("M", "UW", "N"))]


def test_length_batches_hold_one_length_and_every_pair_once():
    for rng in (None, 0, 1):
        batches = g2p.length_batches(PAIRS, 2, rng)
        assert sorted(p for b in batches for p in b) == sorted(PAIRS)
        assert all(len({len(w) for w, _ in b}) == 1 and 1 <= len(b) <= 2 for b in batches)
    assert [len(b[0][0]) for b in g2p.length_batches(PAIRS, 2)] == [3, 3, 4, 5]
    assert g2p.length_batches(PAIRS, 2, 0) == g2p.length_batches(PAIRS, 2, 0)


def batch_loss(model, kind, batch):
    """The mean loss of one bucket and its gradient, as lp.fit computes them."""
    ((inputs, (tgt_out,)),) = list(g2p.PairBatches(batch, kind).batches(None, None))
    crit = lp.CrossEntropyLoss(ignore_index=lp.data.cmu.PAD)
    logits, cache = model.forward(*inputs)
    loss, loss_cache = crit.forward(logits, tgt_out)
    return float(loss), model.backward(crit.backward(loss_cache), cache)[1]


@pytest.mark.parametrize("kind", g2p.KINDS)
def test_pair_batches_feed_either_model_and_training_lowers_the_loss(kind):
    model = g2p.build_g2p_model(kind, embedding_dim=3, hidden_size=4, attention_size=3, rng=0)
    batch = PAIRS[:2]
    loss, grads = batch_loss(model, kind, batch)
    assert set(grads) == set(model.params) and loss > 0
    for name in ("head.weight", "encoder.weight_hh_l0"):
        p, i = model.params[name], (1, 2)
        old = p[i]
        p[i] = old + 1e-6
        up = batch_loss(model, kind, batch)[0]
        p[i] = old - 1e-6
        down = batch_loss(model, kind, batch)[0]
        p[i] = old
        assert lp.rel_error((up - down) / 2e-6, grads[name][i]) < 1e-6
    trained, history = g2p.train_g2p(kind, PAIRS, PAIRS, epochs=5, batch_size=2, lr=0.05, embedding_dim=3,
                                     hidden_size=4, attention_size=3)
    assert history["val_loss"][-1] < history["val_loss"][0] and history["train_loss"].shape == (6,)
    val = lp.evaluate(trained, lp.CrossEntropyLoss(ignore_index=lp.data.cmu.PAD), g2p.PairBatches(PAIRS, kind))
    assert val["loss"] == history["val_loss"][-1]


def test_pair_batches_group_words_of_one_length():
    lengths = [[len(w) for w in inputs[0]] for inputs, _ in g2p.PairBatches(PAIRS, "attention").batches(2, None)]
    assert lengths == [[3, 3], [3], [4, 4], [5]]
    (src, src_lengths, tgt_in), (tgt_out,) = next(g2p.PairBatches(PAIRS, "attention").batches(None, None))
    assert src.shape == (3, 3) and src_lengths.tolist() == [3, 3, 3] and tgt_in.shape == tgt_out.shape == (3, 4)
    (src, tgt_in), _ = next(g2p.PairBatches(PAIRS, "plain").batches(None, np.random.default_rng(0)))
    assert src.shape[0] == tgt_in.shape[0]


@pytest.mark.parametrize("kind", g2p.KINDS)
def test_transcribe_greedy_equals_beam_width_one(kind):
    model = g2p.build_g2p_model(kind, embedding_dim=3, hidden_size=4, attention_size=3, rng=1)
    for word in ("cat", "phone"):
        greedy = g2p.transcribe(model, word, max_len=6)
        assert greedy == g2p.transcribe(model, word, beam_width=1, max_len=6)
        assert len(g2p.transcribe(model, word, beam_width=3, max_len=6)) <= 6
        assert all(p in lp.data.cmu.phoneme_vocab().symbols for p in greedy)


def test_bad_inputs():
    with pytest.raises(ValueError, match="kind must be one of"):
        g2p.build_g2p_model("transformer")
    with pytest.raises(ValueError, match="kind must be one of"):
        g2p.PairBatches(PAIRS, "transformer")
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        g2p.length_batches(PAIRS, 0)
    with pytest.raises(ValueError, match="unknown"):
        g2p.transcribe(g2p.build_g2p_model("plain", hidden_size=4), "Cat")
    with pytest.raises(ValueError, match="beam_width must be >= 1"):
        g2p.transcribe(g2p.build_g2p_model("plain", hidden_size=4), "cat", beam_width=0)


def test_bad_input_found_by_fuzzing():
    pairs = [("cat", ("K", "AE", "T")), ("dog", ("D", "AO", "G"))]
    with pytest.raises(ValueError, match="pairs must hold at least one"):
        g2p.PairBatches([], "plain")
    with pytest.raises(ValueError, match="pairs must hold at least one"):
        g2p.train_g2p("plain", [], pairs, epochs=1, embedding_dim=4, hidden_size=5)
    with pytest.raises(TypeError, match="pairs must be a sequence of"):
        g2p.length_batches(None, 2)
    with pytest.raises(ValueError, match="rng must be a seed >= 0, got -1"):
        g2p.length_batches(pairs, 2, rng=-1)


@pytest.mark.parametrize("arg", ["n_letters", "n_phonemes", "attention_size"])
def test_build_g2p_model_names_the_bad_size(arg):
    with pytest.raises(ValueError, match=arg):
        g2p.build_g2p_model("attention", **{arg: 0})
