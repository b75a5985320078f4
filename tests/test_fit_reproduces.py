"""Every training loop that lp.fit replaced, against its fit configuration: the same parameters, bit for bit.

The references (tests/old_loops.py) are the old loops, copied unchanged but for their input checks. The
chapters' stored outputs were computed with them, so these tests are the evidence that the new calls
reproduce those numbers. ``same`` means bit for bit (``np.array_equal``). Where a history entry is
defined differently now, the test says so and what is compared instead:

- the old character LM, G2P, CTC, language-model and adding loops recorded as training loss the mean of
  the epoch's minibatch losses, each measured before its update; ``fit`` measures the training data
  after the epoch, as it measures the validation data;
- losses averaged over several batches (chunks of a stream, buckets of words, batches of 512 steps) are
  now weighted means of the batch means, which can differ from the old sums in the last bits.
"""

import numpy as np
import old_loops as old
import pytest

import lessonpkg as lp
from lessonpkg import asr, charlm, g2p, long_range
from lessonpkg.train import ChunkedRNN, Chunks, EarlyStopping, accuracy


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return np.array_equal(a, b, equal_nan=a.dtype.kind == "f" and b.dtype.kind == "f")


def assert_same_params(m1, m2):
    assert list(m1.params) == list(m2.params)
    for k in m1.params:
        assert same(m1.params[k], m2.params[k]), k


ACC = {"accuracy": accuracy}


# -- lp.train.loop.fit (Chapters 1-4: MLPs, many-to-one, one-to-many, taggers) -------------------------
def _mlp(seed):
    rng = np.random.default_rng(seed)
    return lp.Sequential(lp.Linear(3, 6, rng=rng), lp.Tanh(), lp.Linear(6, 4, rng=rng))


@pytest.mark.parametrize("batch_size", [None, 5, 7])
def test_fit_of_an_mlp_as_before(batch_size):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((23, 3)), rng.integers(0, 4, size=23)
    a, b = _mlp(0), _mlp(0)
    h_old = old.fit(a, lp.CrossEntropyLoss(), lp.SGD(a.params, lr=0.3, momentum=0.5), x, y, epochs=4,
                    batch_size=batch_size, rng=3, x_val=x[:6], y_val=y[:6])
    h_new = lp.fit(b, lp.CrossEntropyLoss(), lp.SGD(b.params, lr=0.3, momentum=0.5), (x, y), epochs=4,
                   batch_size=batch_size, rng=3, val=(x[:6], y[:6]))
    assert_same_params(a, b)
    for k in ("epoch", "updates", "train_loss", "val_loss"):
        assert same(h_old[k], h_new[k]), k


def test_fit_of_sequence_models_and_mse_as_before():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((20, 5, 2)), rng.integers(0, 3, size=20)
    z, seq = rng.standard_normal((20, 2)), rng.standard_normal((20, 4, 1))
    runs = [(lambda s: lp.SequenceClassifier(lp.GRU(2, 4, batch_first=True, rng=s), lp.Linear(4, 3, rng=s)),
             lp.CrossEntropyLoss(), x, y),
            (lambda s: lp.VectorToSequence(lp.RNN(2, 4, batch_first=True, rng=s), lp.Linear(4, 1, rng=s), steps=4),
             lp.MSELoss(), z, seq)]
    for make, crit, xs, ys in runs:
        a, b = make(0), make(0)
        h_old = old.fit(a, crit, lp.Adam(a.params, lr=0.01), xs, ys, epochs=3, batch_size=6, rng=0, x_val=xs[:5],
                        y_val=ys[:5])
        h_new = lp.fit(b, crit, lp.Adam(b.params, lr=0.01), (xs, ys), epochs=3, batch_size=6, rng=0,
                       val=(xs[:5], ys[:5]))
        assert_same_params(a, b)
        assert same(h_old["train_loss"], h_new["train_loss"]) and same(h_old["val_loss"], h_new["val_loss"])


def test_epochs_one_at_a_time_with_early_stopping_as_the_time_series_chapter_did():
    """The chapter called fit(epochs=1) in a loop with forecast.EarlyStopping; fit(early_stopping=) does it."""
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((30, 6, 1)), rng.standard_normal((30, 2))
    xv, yv = rng.standard_normal((8, 6, 1)), rng.standard_normal((8, 2))

    def make(gen):
        return lp.SequenceClassifier(lp.GRU(1, 3, batch_first=True, rng=gen), lp.Linear(3, 2, rng=gen))

    gen_a, gen_b = np.random.default_rng(0), np.random.default_rng(0)
    a, b = make(gen_a), make(gen_b)
    opt = lp.Adam(a.params, lr=0.05)
    best, best_epoch, best_params, curve = np.inf, 0, None, {"train": [], "val": []}
    for epoch in range(1, 101):  # the chapter's loop; forecast.EarlyStopping counted epochs from 0
        h = old.fit(a, lp.MSELoss(), opt, x, y, epochs=1, batch_size=8, rng=gen_a, x_val=xv, y_val=yv)
        curve["train"].append(h["train_loss"][-1])
        curve["val"].append(h["val_loss"][-1])
        if curve["val"][-1] < best:
            best, best_epoch, best_params = curve["val"][-1], epoch, a.state_dict()
        if epoch - best_epoch >= 4:
            break
    a.load_state_dict(best_params)
    stopper = EarlyStopping(patience=4)
    h = lp.fit(b, lp.MSELoss(), lp.Adam(b.params, lr=0.05), (x, y), epochs=100, batch_size=8, rng=gen_b, val=(xv, yv),
               early_stopping=stopper)
    assert epoch < 100 and h["epoch"][-1] == epoch == len(curve["val"])
    assert same(h["train_loss"][1:], curve["train"]) and same(h["val_loss"][1:], curve["val"])
    assert stopper.best_epoch == best_epoch and stopper.best_loss == best
    assert_same_params(a, b)


# -- fit_steps (Chapter 15: captioner and taggers on padded targets) ------------------------------------
def test_fit_steps_configuration():
    rng = np.random.default_rng(4)
    x, lengths = rng.standard_normal((40, 6, 3)), rng.integers(1, 7, size=40)
    y = (x[..., 0] > 0).astype(np.int64)
    y[np.arange(6)[None, :] >= lengths[:, None]] = -100

    def make():
        return lp.SequenceTagger(lp.GRU(3, 5, batch_first=True, bidirectional=True, rng=0), lp.Linear(10, 2, rng=1))

    a, b = make(), make()
    h_old = old.fit_steps(a, lp.Adam(a.params, lr=0.02), (x, lengths), y, epochs=3, batch_size=8, rng=0,
                          val=((x[:9], lengths[:9]), y[:9]))
    h_new = lp.fit(b, lp.CrossEntropyLoss(), lp.Adam(b.params, lr=0.02), (x, lengths, y), epochs=3, batch_size=8,
                   rng=0, val=(x[:9], lengths[:9], y[:9]))
    assert_same_params(a, b)
    # step_loss summed CrossEntropyLoss(reduction="sum") over batches of 512 and divided by the count; evaluate
    # takes the mean of the one batch: the same number up to rounding in the last bits
    np.testing.assert_allclose(h_new["train_loss"], h_old["train_loss"], rtol=1e-14)
    np.testing.assert_allclose(h_new["val_loss"], h_old["val_loss"], rtol=1e-14)


# -- train_classifier (Chapters 11 and 12) -------------------------------------------------------------
def drop(d):
    """The old (x, y, lengths) as the new (x, lengths, y), or (x, y) without lengths."""
    return (d[0], d[1]) if d[2] is None else (d[0], d[2], d[1])


def test_train_classifier_configuration():
    rng = np.random.default_rng(5)
    lengths = rng.integers(1, 6, size=30)
    x = rng.standard_normal((30, 5, 4)) * (np.arange(5)[None, :, None] < lengths[:, None, None])
    y = (x[:, 0, 0] > 0).astype(np.int64)
    counts, yc = rng.standard_normal((30, 7)), rng.integers(0, 3, size=30)
    for model_of, data, val in [
        (lambda: lp.SequenceClassifier(lp.GRU(4, 6, batch_first=True, rng=0), lp.Linear(6, 2, rng=1)),
         (x, y, lengths), (x[:7], y[:7], lengths[:7])),
        (lambda: lp.Linear(7, 3, rng=0), (counts, yc, None), (counts[:7], yc[:7], None)),
    ]:
        a, b = model_of(), model_of()
        h_old = old.train_classifier(a, lp.Adam(a.params, lr=0.05), *data, epochs=3, batch_size=8, rng=0, val=val)
        h_new = lp.fit(b, lp.CrossEntropyLoss(), lp.Adam(b.params, lr=0.05), drop(data), epochs=3, batch_size=8,
                       rng=0, val=drop(val), metrics=ACC)
        assert_same_params(a, b)
        for old_key, new_key in [("epoch", "epoch"), ("train_loss", "train_loss"), ("train_acc", "train_accuracy"),
                                 ("val_loss", "val_loss"), ("val_acc", "val_accuracy")]:
            assert same(h_old[old_key], h_new[new_key]), new_key


# -- train_tagger / tagger_update (Chapter 5: truncated BPTT; Chapter 6's scripts) -------------------------
@pytest.mark.parametrize("cls, kwargs, chunk_len, frozen", [
    ("RNN", {}, None, False), ("RNN", {}, 3, False), ("LSTM", {}, 4, False), ("RNN", {}, 2, True),
    ("GRU", {"bidirectional": True, "batch_first": True}, 5, False),
])
def test_train_tagger_configuration(cls, kwargs, chunk_len, frozen):
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((10, 12, 3)), rng.integers(0, 4, size=(10, 12))
    y[:3] = -100  # the first chunks have no target: skipped, but their state flows on
    xv, yv = rng.standard_normal((10, 5, 3)), rng.integers(0, 4, size=(10, 5))
    if kwargs.get("batch_first"):
        x, y, xv, yv = x.transpose(1, 0, 2).copy(), y.T.copy(), xv.transpose(1, 0, 2).copy(), yv.T.copy()

    def make():
        rnn = getattr(lp, cls)(3, 5, rng=0, **kwargs)
        return rnn, lp.Linear(rnn.num_directions * 5, 4, rng=1)

    (rnn_a, head_a), (rnn_b, head_b) = make(), make()
    params_a, model = old.tagger_params(rnn_a, head_a), ChunkedRNN(rnn_b, head_b)
    train_a = {k: v for k, v in params_a.items() if k.startswith("head.")} if frozen else params_a
    train_b = {k: v for k, v in model.params.items() if k.startswith("head.")} if frozen else model.params
    h_old = old.train_tagger(rnn_a, head_a, lp.Adam(train_a, lr=0.01), x, y, epochs=3, chunk_len=chunk_len,
                             batch_size=4, rng=0, x_val=xv, y_val=yv)
    bf = rnn_b.batch_first
    h_new = lp.fit(model, lp.CrossEntropyLoss(), lp.Adam(train_b, lr=0.01),
                   Chunks(x, y, chunk_len=chunk_len, batch_first=bf), epochs=3, batch_size=4, rng=0,
                   val=Chunks(xv, yv, batch_first=bf), metrics=ACC)
    assert list(model.params) == list(params_a)
    for k in params_a:
        assert same(params_a[k], model.params[k]), k
    for k in ("epoch", "updates", "val_loss", "val_accuracy"):
        assert same(h_old[k], h_new[k]), k
    if chunk_len is None:
        assert same(h_old["train_loss"], h_new["train_loss"]) and same(h_old["train_accuracy"], h_new["train_accuracy"])
    elif not rnn_b.bidirectional:  # the training data is now measured chunk by chunk, the state carried
        np.testing.assert_allclose(h_new["train_loss"], h_old["train_loss"], rtol=1e-13)
        np.testing.assert_allclose(h_new["train_accuracy"], h_old["train_accuracy"], rtol=1e-13)
    # (a bidirectional layer read in chunks cannot see past the chunk: its chunked measurement differs)
    loss, acc = old.tagger_evaluate(rnn_a, head_a, xv, yv)
    assert lp.evaluate(model, lp.CrossEntropyLoss(), Chunks(xv, yv, batch_first=bf), metrics=ACC) == \
        {"loss": loss, "accuracy": acc}


# -- train_lm / lm_update (Chapter 1's word language model) ---------------------------------------------
def test_train_lm_configuration():
    rng = np.random.default_rng(7)
    V, N, T = 9, 24, 6
    lengths = rng.integers(2, T + 1, size=N)
    ids = rng.integers(2, V, size=(N, T + 1))
    ids[np.arange(T + 1)[None, :] > lengths[:, None]] = 0  # 0 is the padding
    tokens, targets = ids[:, :-1], ids[:, 1:]

    def make():
        gen = np.random.default_rng(0)
        return lp.RNNLanguageModel(lp.Embedding(V, 4, rng=gen), lp.GRU(4, 5, batch_first=True, rng=gen),
                                   lp.Linear(5, V, rng=gen))

    a, b = make(), make()
    val = (tokens[:5], targets[:5], lengths[:5])
    h_old = old.train_lm(a, lp.Adam(a.params, lr=0.05), tokens, targets, lengths, epochs=3, batch_size=7,
                         max_norm=0.5, rng=0, val=val)
    crit = lp.CrossEntropyLoss(ignore_index=0)  # the old loop set the targets past each length to -100
    h_new = lp.fit(b, crit, lp.Adam(b.params, lr=0.05), (tokens, lengths, targets), epochs=3, batch_size=7,
                   clip_grad_norm=0.5, rng=0, val=(tokens[:5], lengths[:5], targets[:5]))
    assert_same_params(a, b)
    for k in ("epoch", "updates", "grad_norm", "val_loss"):
        assert same(h_old[k], h_new[k]), k
    assert np.nanmax(h_new["grad_norm"]) > 0.5  # the clipping acted
    assert same(h_old["train_loss"][0], h_new["train_loss"][0])  # after: the epoch's batch mean (old), measured (new)


# -- charlm.tbptt_epoch / train_char_lm (Chapter 8) -------------------------------------------------------
def test_train_char_lm_configuration():
    stream = np.random.default_rng(8).integers(0, 6, size=150)
    val = stream[:37]
    for cell in ("GRU", "LSTM"):
        a = charlm.make_char_lm(cell, 6, 3, 5, rng=0)
        _, h_old = old.train_char_lm(a, stream, val, n_lanes=3, chunk_len=7, epochs=3, lr=0.05, max_norm=0.3)
        b, h_new = charlm.train_char_lm(cell, stream, val, embedding_dim=3, hidden_size=5, n_lanes=3, chunk_len=7,
                                        epochs=3, lr=0.05, max_norm=0.3)
        assert_same_params(a, b)
        # stream_nll summed -log p over the chunks of 256; evaluate weights the chunks' mean losses
        np.testing.assert_allclose(h_new["val_loss"], h_old["val_loss"], rtol=1e-13)
        evaluated = lp.evaluate(charlm.chunked(b), lp.CrossEntropyLoss(), charlm.stream_chunks(val, 1, 5))["loss"]
        np.testing.assert_allclose(evaluated, old.stream_nll(b, val, 5), rtol=1e-13)


# -- g2p.train_g2p (Chapter 10) -------------------------------------------------------------------------
PAIRS = [("cat", ("K", "AE", "T")), ("dog", ("D", "AO", "G")), ("phone", ("F", "OW", "N")),
         ("tree", ("T", "R", "IY")), ("sun", ("S", "AH", "N")), ("moon", ("M", "UW", "N")),
         ("bed", ("B", "EH", "D")), ("sofa", ("S", "OW", "F", "AH"))]


@pytest.mark.parametrize("kind", g2p.KINDS)
def test_train_g2p_configuration(kind):
    sizes = {"embedding_dim": 3, "hidden_size": 4, "attention_size": 3}
    gen = np.random.default_rng(0)
    a = g2p.build_g2p_model(kind, rng=gen, **sizes)
    _, h_old = old.train_g2p(a, gen, PAIRS, PAIRS[:5], epochs=3, batch_size=2, lr=0.05)
    b, h_new = g2p.train_g2p(kind, PAIRS, PAIRS[:5], epochs=3, batch_size=2, lr=0.05, rng=0, **sizes)
    assert_same_params(a, b)
    assert same(h_old["val_loss"], h_new["val_loss"])  # the same buckets, weighted by their phoneme counts


# -- asr.train_ctc (Chapter 12) -------------------------------------------------------------------------
def test_train_ctc_configuration():
    rng = np.random.default_rng(9)
    N, T = 14, 9
    lengths = rng.integers(4, T + 1, size=N)
    lengths[0] = T
    x = rng.normal(size=(N, T, 3)) * (np.arange(T)[None, :, None] < lengths[:, None, None])
    target_lengths = rng.integers(1, 3, size=N)
    targets = rng.integers(1, 3, size=(N, 2)) * (np.arange(2)[None, :] < target_lengths[:, None])

    def make():
        return lp.SequenceTagger(lp.GRU(3, 4, batch_first=True, bidirectional=True, rng=0), lp.Linear(8, 3, rng=1))

    a, b = make(), make()
    val = (x[:5], lengths[:5], targets[:5], target_lengths[:5])
    h_old = old.train_ctc(a, lp.Adam(a.params, lr=0.05), x, lengths, targets, target_lengths, epochs=3,
                          batch_size=4, rng=0, val=val, clip=0.5)
    h_new = lp.fit(asr.CTCModel(b), lp.CTCLoss(), lp.Adam(b.params, lr=0.05),
                   asr.CTCBatches(x, lengths, targets, target_lengths), epochs=3, batch_size=4, rng=0,
                   val=asr.CTCBatches(*val), clip_grad_norm=0.5, metrics={"per": asr.phoneme_errors})
    assert_same_params(a, b)
    for k in ("epoch", "val_loss", "val_per"):
        assert same(h_old[k], h_new[k]), k
    assert same(h_old["train_loss"][0], h_new["train_loss"][0])  # after: the epoch's batch mean (old), measured (new)


# -- long_range.fit_adding (Chapter 5 and its benchmark) ---------------------------------------------------
@pytest.mark.parametrize("optimizer, clip, chunk_len, delay", [
    ("adam", "norm", None, 0), ("sgd", None, None, 0), ("sgd", "value", None, 0), ("adam", "norm", 3, 3),
])
def test_fit_adding_configuration(optimizer, clip, chunk_len, delay):
    T, steps, every = 6, 8, 2
    xv, yv = lp.data.adding_problem(10, T, rng=5, delay=delay, batch_first=True)
    a, b = (long_range.make_adding_model("RNN", 4, rng=1) for _ in range(2))
    h_old = old.fit_adding(a, T, steps=steps, rng=2, batch_size=5, optimizer=optimizer, lr=0.05, clip=clip,
                           threshold=0.05, chunk_len=chunk_len, delay=delay, eval_every=every, x_val=xv, y_val=yv)
    opt = lp.Adam(b.params, lr=0.05) if optimizer == "adam" else lp.SGD(b.params, lr=0.05)
    h_new = lp.fit(long_range.TruncatedGradient(b, chunk_len), lp.MSELoss(), opt,
                   long_range.AddingBatches(T, every, delay=delay), epochs=steps // every, batch_size=5, rng=2,
                   val=(xv, yv), clip_grad_norm=0.05 if clip == "norm" else None,
                   clip_grad_value=0.05 if clip == "value" else None)
    assert_same_params(a, b)
    assert same(h_old["step"], h_new["updates"]) and same(h_old["val_mse"], h_new["val_loss"])
    # the largest gradient norm of all updates; clip_grad_norm_ sums the squares per array first
    np.testing.assert_allclose(np.nanmax(h_new["grad_norm"]), h_old["grad_norm"].max(), rtol=1e-13)
    assert int(h_old["diverged_at"]) == -1 and "diverged_at" not in h_new
    xt, yt = lp.data.adding_problem(7, T, rng=9, delay=delay, batch_first=True)
    assert same(old.adding_mse(b, xt, yt), lp.evaluate(b, lp.MSELoss(), (xt, yt))["loss"])


def test_fit_stops_where_fit_adding_stopped_when_the_numbers_overflow():
    a, b = (long_range.make_adding_model("RNN-ReLU", 4, rng=0) for _ in range(2))
    for m in (a, b):
        m.rnn.params["weight_hh_l0"][...] = 1.5 * np.eye(4)  # a ReLU state that grows like 1.5**t
        m.rnn.params["bias_ih_l0"][...] = 1.0
    h_old = old.fit_adding(a, 600, steps=4, rng=0, batch_size=2, optimizer="sgd", lr=1e-3, clip=None, eval_every=1)
    with pytest.warns(RuntimeWarning, match="a number overflowed"):
        h_new = lp.fit(long_range.TruncatedGradient(b), lp.MSELoss(), lp.SGD(b.params, lr=1e-3),
                       long_range.AddingBatches(600, 1, n_eval=2), epochs=4, batch_size=2, rng=0)
    assert int(h_old["diverged_at"]) == int(h_new["diverged_at"])
    assert_same_params(a, b)
