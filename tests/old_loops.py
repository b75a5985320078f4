"""The training loops that ``lessonpkg.train.fit`` replaced, kept as references for tests/test_fit_reproduces.py.

Each function is the old loop as it stood at commit e7117e1 (lessonpkg/train/loop.py, steps.py,
classify.py, tagger.py, models/rnnlm.py, apps/charlm.py, apps/g2p.py, apps/asr.py,
apps/long_range.py), with its input checks removed and nothing else changed: the same random
draws, the same operations in the same order. ``RNNLanguageModel`` returned its logits as
(N, T, V) then; that forward and backward are inlined as ``_lm_forward`` and ``_lm_backward``.
The chapters' stored outputs were computed with these loops, so the tests show that each new
``fit`` configuration reproduces them bit for bit (or say exactly which numbers may move, and why).
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import as_rng
from lessonpkg.data.cmu import PAD, encode_pairs, letter_vocab, phoneme_vocab
from lessonpkg.data.synthetic import adding_problem
from lessonpkg.decode.ctc import ctc_greedy_decode
from lessonpkg.metrics.sequence import error_rate
from lessonpkg.models.attn_seq2seq import AttentionSeq2Seq
from lessonpkg.nn.ctc import CTCLoss
from lessonpkg.nn.functional import log_softmax
from lessonpkg.nn.loss import CrossEntropyLoss, MSELoss
from lessonpkg.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from lessonpkg.optim import SGD, Adam
from lessonpkg.train import minibatches
from lessonpkg.train.tbptt import TruncatedBPTT


# -- lessonpkg/train/loop.py ----------------------------------------------------------------------------
def evaluate_loss(model, loss_fn, x, y):
    out, _ = model.forward(x)
    loss, _ = loss_fn.forward(out, y)
    return float(loss)


def fit(model, loss_fn, optimizer, x, y, *, epochs, batch_size=None, rng=None, x_val=None, y_val=None):
    gen = as_rng(rng)
    n = x.shape[0]
    history = {"epoch": [0], "updates": [0], "examples": [0], "train_loss": [evaluate_loss(model, loss_fn, x, y)]}
    if x_val is not None:
        history["val_loss"] = [evaluate_loss(model, loss_fn, x_val, y_val)]
    updates = examples = 0
    for epoch in range(1, epochs + 1):
        for idx in minibatches(n, batch_size, gen):
            out, cache = model.forward(x[idx])
            _, loss_cache = loss_fn.forward(out, y[idx])
            _, grads = model.backward(loss_fn.backward(loss_cache), cache)
            optimizer.step(grads)
            updates, examples = updates + 1, examples + idx.size
        history["epoch"].append(epoch)
        history["updates"].append(updates)
        history["examples"].append(examples)
        history["train_loss"].append(evaluate_loss(model, loss_fn, x, y))
        if x_val is not None:
            history["val_loss"].append(evaluate_loss(model, loss_fn, x_val, y_val))
    return {k: np.asarray(v) for k, v in history.items()}


# -- lessonpkg/train/steps.py ---------------------------------------------------------------------------
def step_loss(model, inputs, target, ignore_index=-100, batch_size=512):
    total, count = 0.0, 0
    crit = CrossEntropyLoss(ignore_index=ignore_index, reduction="sum")
    for start in range(0, target.shape[0], batch_size):
        part = slice(start, start + batch_size)
        logits, _ = model.forward(*(a[part] for a in inputs))
        total += float(crit.forward(logits, target[part])[0])
        count += int(np.sum(target[part] != ignore_index))
    return total / count


def fit_steps(model, optimizer, inputs, target, *, epochs, batch_size=None, rng=None, val=None, ignore_index=-100):
    gen = as_rng(rng)
    crit = CrossEntropyLoss(ignore_index=ignore_index)
    history = {"epoch": [], "train_loss": []}
    if val is not None:
        history["val_loss"] = []

    def record(epoch):
        history["epoch"].append(epoch)
        history["train_loss"].append(step_loss(model, inputs, target, ignore_index))
        if val is not None:
            history["val_loss"].append(step_loss(model, *val, ignore_index))

    record(0)
    for epoch in range(1, epochs + 1):
        for idx in minibatches(target.shape[0], batch_size, gen):
            logits, cache = model.forward(*(a[idx] for a in inputs))
            _, loss_cache = crit.forward(logits, target[idx])
            _, grads = model.backward(crit.backward(loss_cache), cache)
            optimizer.step(grads)
        record(epoch)
    return {k: np.asarray(v) for k, v in history.items()}


# -- lessonpkg/train/classify.py ------------------------------------------------------------------------
def _logits(model, x, lengths):
    return model.forward(x) if lengths is None else model.forward(x, lengths=lengths)


def classifier_scores(model, x, y, lengths=None):
    logits, _ = _logits(model, x, lengths)
    loss, _ = CrossEntropyLoss().forward(logits, y)
    return float(loss), float(np.mean(logits.argmax(axis=1) == y))


def train_classifier(model, optimizer, x, y, lengths=None, *, epochs, batch_size=None, rng=None, val=None):
    gen = as_rng(rng)
    crit = CrossEntropyLoss()
    keys = ["epoch", "train_loss", "train_acc"] + (["val_loss", "val_acc"] if val is not None else [])
    history = {k: [] for k in keys}

    def record(epoch):
        history["epoch"].append(epoch)
        for name, data in [("train", (x, y, lengths))] + ([("val", val)] if val is not None else []):
            loss, acc = classifier_scores(model, *data)
            history[f"{name}_loss"].append(loss)
            history[f"{name}_acc"].append(acc)

    record(0)
    for epoch in range(1, epochs + 1):
        for idx in minibatches(x.shape[0], batch_size, gen):
            logits, cache = _logits(model, x[idx], None if lengths is None else lengths[idx])
            _, loss_cache = crit.forward(logits, y[idx])
            _, grads = model.backward(crit.backward(loss_cache), cache)
            optimizer.step(grads)
        record(epoch)
    return {k: np.asarray(v) for k, v in history.items()}


# -- lessonpkg/train/tagger.py --------------------------------------------------------------------------
def tagger_params(rnn, head):
    return {**{f"rnn.{k}": v for k, v in rnn.params.items()}, **{f"head.{k}": v for k, v in head.params.items()}}


def tagger_update(rnn, head, optimizer, x, y, chunk_len=None):
    crit = CrossEntropyLoss()
    grads_for = list(optimizer.params)
    T = x.shape[1 if rnn.batch_first else 0]
    tbptt = TruncatedBPTT(rnn, T if chunk_len is None else chunk_len)
    losses = []
    for x_chunk, y_chunk in tbptt.chunks(x, y):
        out, cache = tbptt.forward(x_chunk)
        logits, head_cache = head.forward(out)
        if np.all(y_chunk == crit.ignore_index):
            continue
        C = logits.shape[-1]
        loss, loss_cache = crit.forward(logits.reshape(-1, C), y_chunk.reshape(-1))
        dlogits = crit.backward(loss_cache).reshape(logits.shape)
        dout, head_grads = head.backward(dlogits, head_cache)
        _dx, rnn_grads = tbptt.backward(dout, cache)
        grads = {**{f"rnn.{k}": g for k, g in rnn_grads.items()}, **{f"head.{k}": g for k, g in head_grads.items()}}
        optimizer.step({k: grads[k] for k in grads_for})
        losses.append(float(loss))
    return losses


def tagger_evaluate(rnn, head, x, y):
    crit = CrossEntropyLoss()
    out, _, _ = rnn.forward(x)
    logits, _ = head.forward(out)
    C = logits.shape[-1]
    loss, _ = crit.forward(logits.reshape(-1, C), y.reshape(-1))
    counted = y != crit.ignore_index
    accuracy = np.mean(logits.argmax(axis=-1)[counted] == y[counted])
    return float(loss), float(accuracy)


def train_tagger(rnn, head, optimizer, x, y, *, epochs, chunk_len=None, batch_size=None, rng=None, x_val=None,
                 y_val=None):
    axis = 0 if rnn.batch_first else 1
    gen = as_rng(rng)
    history = {"epoch": [], "updates": [], "train_loss": [], "train_accuracy": []}
    if x_val is not None:
        history.update(val_loss=[], val_accuracy=[])
    updates = 0
    for epoch in range(epochs + 1):
        if epoch > 0:
            for idx in minibatches(x.shape[axis], batch_size, gen):
                updates += len(tagger_update(rnn, head, optimizer, x.take(idx, axis), y.take(idx, axis), chunk_len))
        history["epoch"].append(epoch)
        history["updates"].append(updates)
        for split, (xs, ys) in {"train": (x, y), "val": (x_val, y_val)}.items():
            if xs is not None:
                loss, accuracy = tagger_evaluate(rnn, head, xs, ys)
                history[f"{split}_loss"].append(loss)
                history[f"{split}_accuracy"].append(accuracy)
    return {k: np.asarray(v) for k, v in history.items()}


# -- lessonpkg/models/rnnlm.py --------------------------------------------------------------------------
def _masked_targets(targets, tokens, lengths, ignore_index):
    y = np.asarray(targets)
    if lengths is None:
        return y
    lengths = np.asarray(lengths)
    return np.where(np.arange(y.shape[1])[None, :] < lengths[:, None], y, ignore_index)


def lm_loss(model, tokens, targets, lengths=None):
    crit = CrossEntropyLoss()
    logits, _ = _lm_forward(model, tokens, lengths)
    y = _masked_targets(targets, np.asarray(tokens), lengths, crit.ignore_index)
    loss, _ = crit.forward(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    return float(loss)


def _lm_forward(model, tokens, lengths):
    """RNNLanguageModel.forward as it was: logits (N, T, V) (it returns them as (N, V, T) now)."""
    e, embed_cache = model.embed.forward(tokens)
    out, _, rnn_cache = model.rnn.forward(e, None, lengths=lengths)
    logits, head_cache = model.head.forward(out)
    return logits, (embed_cache, rnn_cache, head_cache)


def _lm_backward(model, dlogits, cache):
    """RNNLanguageModel.backward as it was, for dlogits (N, T, V)."""
    embed_cache, rnn_cache, head_cache = cache
    dout, head_grads = model.head.backward(dlogits, head_cache)
    de, _, rnn_grads = model.rnn.backward(dout, rnn_cache)
    _, embed_grads = model.embed.backward(de, embed_cache)
    grads = {**{f"embed.{k}": g for k, g in embed_grads.items()},
             **{f"rnn.{k}": g for k, g in rnn_grads.items()}, **{f"head.{k}": g for k, g in head_grads.items()}}
    return None, {k: grads[k] for k in model.params}


def lm_update(model, optimizer, tokens, targets, lengths=None, *, max_norm=None):
    crit = CrossEntropyLoss()
    logits, cache = _lm_forward(model, tokens, lengths)
    V = logits.shape[-1]
    y = _masked_targets(targets, np.asarray(tokens), lengths, crit.ignore_index)
    loss, loss_cache = crit.forward(logits.reshape(-1, V), y.reshape(-1))
    dlogits = crit.backward(loss_cache).reshape(logits.shape)
    _, grads = _lm_backward(model, dlogits, cache)
    norm = clip_grad_norm_(grads, max_norm) if max_norm is not None else clip_grad_norm_(grads, np.inf)
    optimizer.step(grads)
    return float(loss), float(norm)


def train_lm(model, optimizer, tokens, targets, lengths=None, *, epochs, batch_size=None, max_norm=None, rng=None,
             val=None):
    gen = as_rng(rng)
    lengths_arr = None if lengths is None else np.asarray(lengths)
    history = {"epoch": [], "updates": [], "train_loss": [], "grad_norm": []}
    if val is not None:
        history["val_loss"] = []
    updates, worst = 0, np.nan
    for epoch in range(epochs + 1):
        if epoch == 0:
            train_loss = lm_loss(model, tokens, targets, lengths)
        else:
            worst, losses = 0.0, []
            for idx in minibatches(tokens.shape[0], batch_size, gen):
                batch_lengths = None if lengths_arr is None else lengths_arr[idx]
                loss, norm = lm_update(model, optimizer, tokens[idx], targets[idx], batch_lengths, max_norm=max_norm)
                losses.append(loss)
                worst, updates = max(worst, norm), updates + 1
            train_loss = float(np.mean(losses))
        history["epoch"].append(epoch)
        history["updates"].append(updates)
        history["grad_norm"].append(worst)
        history["train_loss"].append(train_loss)
        if val is not None:
            history["val_loss"].append(lm_loss(model, *val))
    return {k: np.asarray(v) for k, v in history.items()}


# -- lessonpkg/apps/charlm.py ---------------------------------------------------------------------------
def _chunk_forward(model, tbptt, x):
    e, embed_cache = model.embed.forward(x)
    out, rnn_cache = tbptt.forward(e)
    logits, head_cache = model.head.forward(out)
    return logits, (embed_cache, rnn_cache, head_cache)


def tbptt_epoch(model, optimizer, x, y, chunk_len, *, max_norm=None):
    tbptt = TruncatedBPTT(model.rnn, chunk_len)
    crit = CrossEntropyLoss()
    V = model.head.out_features
    losses = []
    for xc, yc in tbptt.chunks(x, y):
        logits, (embed_cache, rnn_cache, head_cache) = _chunk_forward(model, tbptt, xc)
        loss, loss_cache = crit.forward(logits.reshape(-1, V), yc.reshape(-1))
        dout, head_grads = model.head.backward(crit.backward(loss_cache).reshape(logits.shape), head_cache)
        de, rnn_grads = tbptt.backward(dout, rnn_cache)
        _, embed_grads = model.embed.backward(de, embed_cache)
        grads = {**{f"embed.{k}": g for k, g in embed_grads.items()},
                 **{f"rnn.{k}": g for k, g in rnn_grads.items()}, **{f"head.{k}": g for k, g in head_grads.items()}}
        clip_grad_norm_(grads, np.inf if max_norm is None else max_norm)
        optimizer.step(grads)
        losses.append(float(loss))
    return np.asarray(losses)


def to_lanes(stream, n_lanes):
    s = np.asarray(stream)
    L = (s.size - 1) // n_lanes
    return s[: n_lanes * L].reshape(n_lanes, L), s[1: n_lanes * L + 1].reshape(n_lanes, L)


def stream_nll(model, stream, chunk_len=256):
    x, y = to_lanes(stream, 1)
    tbptt = TruncatedBPTT(model.rnn, chunk_len)
    total = 0.0
    for xc, yc in tbptt.chunks(x, y):
        logits, _ = _chunk_forward(model, tbptt, xc)
        logp = log_softmax(logits[0])
        total -= logp[np.arange(yc.shape[1]), yc[0]].sum()
    return float(total / y.size)


def train_char_lm(model, train_stream, val_stream, *, n_lanes=32, chunk_len=32, epochs=10, lr=0.01, max_norm=5.0):
    """The old ``train_char_lm`` from the point where it has built the model (it built it with ``make_char_lm``)."""
    optimizer = Adam(model.params, lr=lr)
    x, y = to_lanes(train_stream, n_lanes)
    train_loss, val_loss = [], [stream_nll(model, val_stream)]
    for _ in range(epochs):
        train_loss.append(tbptt_epoch(model, optimizer, x, y, chunk_len, max_norm=max_norm).mean())
        val_loss.append(stream_nll(model, val_stream))
    return model, {"train_loss": np.asarray(train_loss), "val_loss": np.asarray(val_loss)}


# -- lessonpkg/apps/g2p.py ------------------------------------------------------------------------------
def batch_loss(model, pairs, *, backward=True):
    enc = encode_pairs(pairs, letter_vocab(), phoneme_vocab())
    if isinstance(model, AttentionSeq2Seq):
        logits, cache = model.forward(enc.src, enc.src_lengths, enc.tgt_in)
    else:
        logits, cache = model.forward(enc.src, enc.tgt_in)
    loss_fn = CrossEntropyLoss(ignore_index=PAD)
    loss, lcache = loss_fn.forward(logits, enc.tgt_out)
    if not backward:
        return float(loss), None
    _, grads = model.backward(loss_fn.backward(lcache), cache)
    return float(loss), grads


def mean_loss(model, pairs, batch_size=256):
    from lessonpkg.apps.g2p import length_batches

    total = count = 0.0
    for batch in length_batches(pairs, batch_size):
        n = sum(len(p) + 1 for _, p in batch)
        total += batch_loss(model, batch, backward=False)[0] * n
        count += n
    return total / count


def train_g2p(model, gen, train_pairs, val_pairs, *, epochs=10, batch_size=64, lr=0.005, max_norm=5.0):
    """The old ``train_g2p`` from the point where it has built the model with the generator ``gen``."""
    from lessonpkg.apps.g2p import length_batches

    optimizer = Adam(model.params, lr=lr)
    train_loss, val_loss = [], [mean_loss(model, val_pairs)]
    for _ in range(epochs):
        losses = []
        for batch in length_batches(train_pairs, batch_size, gen):
            loss, grads = batch_loss(model, batch)
            clip_grad_norm_(grads, max_norm)
            optimizer.step(grads)
            losses.append(loss)
        train_loss.append(np.mean(losses))
        val_loss.append(mean_loss(model, val_pairs))
    return model, {"train_loss": np.asarray(train_loss), "val_loss": np.asarray(val_loss)}


# -- lessonpkg/apps/asr.py ------------------------------------------------------------------------------
def ctc_log_probs(model, x, lengths):
    logits, cache = model.forward(x, lengths=lengths)
    return log_softmax(logits.transpose(2, 0, 1), axis=2), cache


def ctc_step(model, x, lengths, targets, target_lengths, crit):
    log_probs, cache = ctc_log_probs(model, x, lengths)
    loss, ctc_cache = crit.forward(log_probs, targets, lengths, target_lengths)
    g = crit.backward(ctc_cache)
    dz = g - np.exp(log_probs) * g.sum(axis=2, keepdims=True)
    _, grads = model.backward(dz.transpose(1, 2, 0), cache)
    return float(loss), grads


def train_ctc(model, optimizer, x, lengths, targets, target_lengths, *, epochs, batch_size=32, rng=None, val=None,
              clip=5.0):
    gen = as_rng(rng)
    crit = CTCLoss(blank=0, reduction="mean", zero_infinity=False)
    history = {"epoch": [], "train_loss": []}
    if val is not None:
        history.update(val_loss=[], val_per=[])

    def score_val():
        xv, lv, tv, tlv = val
        lp, _ = ctc_log_probs(model, xv, lv)
        history["val_loss"].append(float(crit.forward(lp, tv, lv, tlv)[0]))
        hyps = ctc_greedy_decode(lp, lv)
        history["val_per"].append(error_rate(hyps, [t[:n] for t, n in zip(tv, tlv)]))

    history["epoch"].append(0)
    lp0, _ = ctc_log_probs(model, x, lengths)
    history["train_loss"].append(float(crit.forward(lp0, targets, lengths, target_lengths)[0]))
    if val is not None:
        score_val()
    for epoch in range(1, epochs + 1):
        losses = []
        for idx in minibatches(x.shape[0], batch_size, gen):
            T = int(lengths[idx].max())
            S = max(int(target_lengths[idx].max()), 1)
            loss, grads = ctc_step(model, x[idx, :T], lengths[idx], targets[idx, :S], target_lengths[idx], crit)
            if clip is not None:
                clip_grad_norm_(grads, clip)
            optimizer.step(grads)
            losses.append(loss)
        history["epoch"].append(epoch)
        history["train_loss"].append(float(np.mean(losses)))
        if val is not None:
            score_val()
    return {k: np.asarray(v) for k, v in history.items()}


# -- lessonpkg/apps/long_range.py -----------------------------------------------------------------------
def adding_mse(model, x, y):
    pred, _ = model.forward(x.astype(model.dtype, copy=False))
    loss, _ = MSELoss().forward(pred, y.astype(model.dtype, copy=False))
    return float(loss)


def adding_grads(model, x, y, chunk_len=None):
    T = x.shape[1]
    k = T if chunk_len is None else chunk_len
    tbptt = TruncatedBPTT(model.rnn, k)
    for (x_chunk,) in tbptt.chunks(x):
        out, rnn_cache = tbptt.forward(x_chunk)
    pred, head_cache = model.head.forward(out[:, -1])
    crit = MSELoss()
    loss, loss_cache = crit.forward(pred, y)
    dfeature, head_grads = model.head.backward(crit.backward(loss_cache), head_cache)
    dout = np.zeros_like(out)
    dout[:, -1] = dfeature
    _, rnn_grads = tbptt.backward(dout, rnn_cache)
    grads = {**{f"rnn.{n}": g for n, g in rnn_grads.items()}, **{f"head.{n}": g for n, g in head_grads.items()}}
    return float(loss), {n: grads[n] for n in model.params}, {"rnn": rnn_cache, "head": head_cache}


def fit_adding(model, T, *, steps, rng=None, batch_size=64, optimizer="adam", lr=1e-2, clip="norm", threshold=1.0,
               chunk_len=None, delay=0, eval_every=100, x_val=None, y_val=None):
    batches, dtype = as_rng(rng), model.dtype
    opt = Adam(model.params, lr=lr) if optimizer == "adam" else SGD(model.params, lr=lr)
    history = {"step": [], "train_mse": [], "grad_norm": []} | ({} if x_val is None else {"val_mse": []})
    recent, norms, diverged_at = [], [], -1
    for step in range(steps + 1):
        x, y = adding_problem(batch_size, T, batches, delay=delay, batch_first=True)
        try:
            with np.errstate(over="raise", invalid="raise"):
                loss, grads, _ = adding_grads(model, x.astype(dtype), y.astype(dtype), chunk_len)
                total = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
        except FloatingPointError:
            diverged_at = step
            break
        recent.append(loss)
        if step < steps:
            norms.append(total)
        if step % eval_every == 0 or step == steps:
            history["step"].append(step)
            history["train_mse"].append(float(np.mean(recent)))
            history["grad_norm"].append(max(norms, default=0.0))
            if x_val is not None:
                history["val_mse"].append(adding_mse(model, x_val, y_val))
            recent, norms = [], []
        if step == steps:
            break
        if clip == "norm":
            clip_grad_norm_(grads, threshold)
        elif clip == "value":
            clip_grad_value_(grads, threshold)
        opt.step(grads)
    history = {k: np.asarray(v) for k, v in history.items()}
    history["diverged_at"] = np.asarray(diverged_at)
    return history
