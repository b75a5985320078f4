"""lessonpkg.exercises: every reference solution passes, and deliberately wrong implementations are each
diagnosed with the faulty part named (the gate, the gradient, the term through time), not only failed."""

from functools import partial

import numpy as np
import pytest

import lessonpkg as lp
from lessonpkg.exercises import check, names, signature, solution, stub
from lessonpkg.exercises.report import NOT_IMPLEMENTED
from lessonpkg.nn.functional import dsigmoid, dtanh, sigmoid

EXPECTED_NAMES = [
    "linear_backward", "softmax_cross_entropy_backward", "rnn_cell_forward", "rnn_cell_backward", "bptt",
    "clip_grad_norm", "lstm_cell_forward", "lstm_cell_backward", "gru_cell_backward", "beam_search",
    "additive_attention_forward", "ctc_alpha",
]


def problems_of(name, fn, seed=0) -> str:
    report = check(name, fn, seed=seed)
    assert not report.passed, f"{name}: a wrong implementation passed"
    assert report.problems and all(isinstance(p, str) and p for p in report.problems)
    return "\n".join(report.problems)


# -- the API ------------------------------------------------------------------------------------------------
def test_names_list_every_exercise_in_chapter_order():
    assert names() == EXPECTED_NAMES


@pytest.mark.parametrize("name", EXPECTED_NAMES)
@pytest.mark.parametrize("seed", [0, 1])
def test_the_reference_solution_passes(name, seed):
    report = check(name, solution(name), seed=seed)
    assert report.passed, str(report)
    assert str(report) == f"{name}: passed ({report.checks} check{'s' * (report.checks > 1)} on 3 random shapes)"


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_the_unchanged_stub_is_reported_as_not_implemented(name):
    namespace = {}
    exec(stub(name), namespace)  # the source text a chapter's "Your turn" cell shows
    fn = namespace[signature(name).split("(")[0].removeprefix("def ")]
    report = check(name, fn)
    assert not report.passed and report.problems == [NOT_IMPLEMENTED]
    assert str(report) == f"{name}: {NOT_IMPLEMENTED}"
    assert "NotImplementedError" in report._repr_markdown_() and "NotImplementedError" in report._repr_html_()


def test_the_stub_shows_the_signature_and_the_shapes():
    text = stub("lstm_cell_backward")
    assert text.startswith("def lstm_cell_backward(dh1, dc1, cache):\n")
    assert "(4H, D)" in text and "i, f, g, o" in text and text.endswith("    raise NotImplementedError\n")
    compile(text, "stub", "exec")


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_an_exception_inside_the_learners_function_is_reported_with_its_line(name):
    def broken(*args, **kwargs):
        table = {"a": 1}
        return table["missing"]

    text = problems_of(name, broken)
    assert text.startswith("your function raised KeyError: 'missing'")
    assert "line" in text and "table[\"missing\"]" in text and "Traceback" not in text


def tampered(name, change):
    """The reference solution with ``change`` applied to its first output (an array, or the clipping's norm)."""
    def fn(*args, **kwargs):
        out = solution(name)(*args, **kwargs)
        if name == "clip_grad_norm":
            return change(np.float64(out))
        if name == "beam_search":
            return [(out[0][0], change(np.float64(out[0][1])))] + out[1:]
        if isinstance(out[0], tuple):  # the LSTM forward's (h1, c1)
            return ((change(out[0][0]), *out[0][1:]), *out[1:])
        return (change(np.asarray(out[0], dtype=np.float64)), *out[1:])
    return fn


FIRST = {"linear_backward": "dx", "softmax_cross_entropy_backward": "loss", "rnn_cell_forward": "h1",
         "rnn_cell_backward": "dx", "bptt": "dx", "clip_grad_norm": "total_norm", "lstm_cell_forward": "h1",
         "lstm_cell_backward": "dx", "gru_cell_backward": "dx", "additive_attention_forward": "context",
         "ctc_alpha": "log_alpha"}


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_nan_in_the_first_output_is_named(name):
    text = problems_of(name, tampered(name, lambda a: a * np.nan))
    if name == "beam_search":
        assert "the score of" in text and "is nan" in text
    else:
        assert text.startswith(f"{FIRST[name].replace('log_alpha', 'exp(log_alpha)')} contains NaN")


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_a_wrong_shape_of_the_first_output_is_named(name):
    text = problems_of(name, tampered(name, lambda a: np.stack([a, a])))
    if name == "beam_search":
        assert text.startswith("expected a list of (tokens, log_prob) pairs")
    else:
        first = FIRST[name].replace("log_alpha", "exp(log_alpha)")
        assert text.startswith(f"{first} has shape (2,") and "expected (" in text


def test_bad_input_to_the_checker():
    with pytest.raises(ValueError, match="name must be one of linear_backward, .*ctc_alpha; got 'lstm'"):
        check("lstm", solution("lstm_cell_forward"))
    with pytest.raises(TypeError, match="name must be the name of an exercise"):
        check(3, solution("lstm_cell_forward"))
    with pytest.raises(TypeError, match=r"fn must be your function lstm_cell_backward\(dh1, dc1, cache\), got ndarray"):
        check("lstm_cell_backward", np.zeros(3))
    with pytest.raises(ValueError, match="seed must be"):
        check("bptt", solution("bptt"), seed=-1)
    with pytest.raises(ValueError, match="name must be one of"):
        stub("gru")


def test_the_report_reads_well_in_a_notebook():
    report = check("lstm_cell_backward", partial(lstm_backward, bug="forget_sign"))
    text = str(report)
    assert text.startswith("lstm_cell_backward: ") and " problems:\n  1. " in text
    assert repr(report) == text and "<ol>" in report._repr_html_() and "1. " in report._repr_markdown_()


def test_lp_exercises_is_reachable_from_the_top_level():
    assert lp.exercises.check is check and lp.exercises.names() == EXPECTED_NAMES


# -- Chapter 1 -------------------------------------------------------------------------------------------
def linear_backward(dout, x, weight, bug=None):
    dx = dout @ weight
    dweight = x.T @ dout if bug == "transposed" else dout.T @ x
    grads = {"weight": dweight, "bias": dout.sum(axis=0)}
    if bug == "no_bias":
        del grads["bias"]
    if bug == "dx_shape":
        dx = dx.sum(axis=0)
    if bug == "dx_sign":
        dx = -dx
    return dx, grads


def test_linear_backward_diagnoses():
    assert "dweight has shape" in problems_of("linear_backward", partial(linear_backward, bug="transposed"))
    assert "transpose" in problems_of("linear_backward", partial(linear_backward, bug="transposed"))
    text = problems_of("linear_backward", partial(linear_backward, bug="no_bias"))
    assert "no 'bias' entry" in text and "dbias is missing (the bias gradient)" in text
    assert "dx has shape (" in problems_of("linear_backward", partial(linear_backward, bug="dx_shape"))
    assert problems_of("linear_backward", partial(linear_backward, bug="dx_sign")) == "dx has the wrong sign"
    text = problems_of("linear_backward", lambda dout, x, weight: (dout @ weight, [dout.T @ x, dout.sum(0)]))
    assert text == "expected item 2 of the result to be a dict {'weight': dweight, 'bias': dbias}, got a list of 2"


def softmax_ce(logits, target, bug=None):
    N = len(target)
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(N), target]).mean()
    d = p.copy()
    if bug != "no_onehot":
        d[np.arange(N), target] -= 1
    d = d if bug == "no_mean" else d / N
    if bug == "transposed":
        d = d.T
    return d if bug == "only_grad" else (loss, d)


def test_softmax_cross_entropy_backward_diagnoses():
    name = "softmax_cross_entropy_backward"
    assert "times too large: the loss is the mean over the N rows" in problems_of(name, partial(softmax_ce,
                                                                                               bug="no_mean"))
    assert "subtract 1 at each row's target class" in problems_of(name, partial(softmax_ce, bug="no_onehot"))
    assert "dlogits has shape" in problems_of(name, partial(softmax_ce, bug="transposed"))
    assert problems_of(name, partial(softmax_ce, bug="only_grad")).startswith(
        "expected a tuple (loss, dlogits), got a numpy array of shape")


# -- Chapter 2 ------------------------------------------------------------------------------------------
def rnn_forward_step(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, bug=None):
    a = (x @ weight_ih if bug == "transposed_ih" else x @ weight_ih.T) + bias_ih
    a = a + (h0 @ weight_hh if bug == "transposed_hh" else h0 @ weight_hh.T)
    if bug != "no_bias_hh":
        a = a + bias_hh
    return np.tanh(a), None


def test_rnn_cell_forward_diagnoses():
    name = "rnn_cell_forward"
    assert "h1 matches h0 @ weight_hh instead of h0 @ weight_hh.T" in problems_of(
        name, partial(rnn_forward_step, bug="transposed_hh"))
    assert "without bias_hh" in problems_of(name, partial(rnn_forward_step, bug="no_bias_hh"))
    text = problems_of(name, partial(rnn_forward_step, bug="transposed_ih"), seed=1)  # D != H: a shape error
    assert "your function raised ValueError: matmul" in text and "`a = (x @ weight_ih if bug" in text
    assert "check the shapes of both operands (torch stores each weight as (out, in), so x @ weight.T)" in text
    assert "h1 matches x @ weight_ih instead of x @ weight_ih.T" in problems_of(  # seed 0 draws D = H
        name, partial(rnn_forward_step, bug="transposed_ih"), seed=0)
    assert problems_of(name, lambda *a: rnn_forward_step(*a)[0]).startswith(
        "expected a tuple (h1, cache), got a numpy array")


def rnn_backward_step(dh1, cache, bug=None):
    x, h0, h1, w_ih, w_hh = (cache[k] for k in ("x", "h0", "h1", "weight_ih", "weight_hh"))
    da = dh1 if bug == "no_tanh" else dh1 * (1 - h1**2)
    dweight_hh = h0.T @ da if bug == "transposed" else da.T @ h0
    grads = (da.T @ x, dweight_hh, da.sum(0), da.sum(0))
    if bug == "no_bias":
        grads = grads[:2]
    return da @ w_ih, da @ w_hh, grads


def test_rnn_cell_backward_diagnoses():
    name = "rnn_cell_backward"
    assert "dweight_hh is the transpose of the right value" in problems_of(
        name, partial(rnn_backward_step, bug="transposed"))
    text = problems_of(name, partial(rnn_backward_step, bug="no_bias"))
    assert "got a tuple of 2: dbias_ih and dbias_hh are missing (the bias gradients)" in text
    text = problems_of(name, partial(rnn_backward_step, bug="no_tanh"))
    assert all(f"{g} differs from the right value" in text for g in ("dx", "dh0", "dweight_ih", "dbias_hh"))


# -- Chapter 4 ------------------------------------------------------------------------------------------
def rnn_bptt(dout, dh_n, cache, bug=None):
    x, hs, w_ih, w_hh = cache["x"], cache["hs"], cache["weight_ih"], cache["weight_hh"]
    T = x.shape[0]
    dx, dW_ih, dW_hh, db = np.zeros_like(x), np.zeros_like(w_ih), np.zeros_like(w_hh), np.zeros(w_hh.shape[0])
    dh_next = dh_n
    for t in reversed(range(T)):
        dh = dout[t] + dh_next if (bug != "no_carry" or t == T - 1) else dout[t]
        da = dh * (1 - hs[t + 1] ** 2)
        dx[t] = da @ w_ih
        dW_ih += da.T @ x[t]
        dW_hh += da.T @ hs[t]
        db += da.sum(0)
        dh_next = da @ w_hh
    grads = (dW_ih, dW_hh, db, db) if bug != "no_bias" else (dW_ih, dW_hh, None, None)
    return dx, dh_next, grads


def test_bptt_diagnoses_the_missing_term_through_time():
    text = problems_of("bptt", partial(rnn_bptt, bug="no_carry"))
    assert text.startswith("dx is right at the last step but wrong at earlier steps")  # the diagnosis comes first
    assert "dh_next = da_{t+1} @ weight_hh comes from step t+1" in text
    assert problems_of("bptt", partial(rnn_bptt, bug="no_bias")) == (
        "dbias_ih is None: the bias gradient is missing\ndbias_hh is None: the bias gradient is missing")
    assert check("bptt", rnn_bptt).passed  # the loop above, without a bug, is right


# -- Chapter 5 ------------------------------------------------------------------------------------------
def clip(grads, max_norm, bug=None):
    total = float(np.sqrt(sum((g**2).sum() for g in grads.values())))
    scale = max_norm / (total + 1e-6) if bug == "always" else min(1.0, max_norm / (total + 1e-6))
    if bug == "per_array":
        for g in grads.values():
            g *= min(1.0, max_norm / (np.linalg.norm(g) + 1e-6))
        return total
    if bug == "copy":
        return total
    for g in grads.values():
        g *= scale
    return max_norm if bug == "after" and total > max_norm else total


def test_clip_grad_norm_diagnoses():
    name = "clip_grad_norm"
    text = problems_of(name, partial(clip, bug="per_array"))
    assert "each array was clipped by its own norm" in text
    assert "(on 2 of 3 shapes, e.g. " in text  # the second case is below max_norm: nothing to clip
    assert "grads are unchanged: clip_grad_norm_ must scale the arrays of grads in place" in problems_of(
        name, partial(clip, bug="copy"))
    assert "total_norm is the norm after clipping" in problems_of(name, partial(clip, bug="after"))
    assert "changed although their total norm is below max_norm" in problems_of(name, partial(clip, bug="always"))
    assert check(name, clip).passed


# -- Chapter 6 ------------------------------------------------------------------------------------------
def lstm_forward(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, bug=None):
    H = h0.shape[1]
    a = x @ weight_ih.T + bias_ih + h0 @ weight_hh.T + bias_hh
    order = (0, 1, 3, 2) if bug == "ifog" else (0, 1, 2, 3)
    ai, af, ag, ao = (a[:, k * H:(k + 1) * H] for k in order)
    if bug == "forget_sign":
        af = -af
    i, f, g = sigmoid(ai), sigmoid(af), np.tanh(ag)
    o = np.tanh(ao) if bug == "output_tanh" else sigmoid(ao)
    c1 = f * c0 + i * g
    return (o * np.tanh(c1), c1), None


def test_lstm_cell_forward_names_the_gate():
    name = "lstm_cell_forward"
    assert check(name, lstm_forward).passed
    text = problems_of(name, partial(lstm_forward, bug="forget_sign"))
    assert "c1 is wrong because of the forget gate (f)" in text
    assert "input gate" not in text and "cell candidate" not in text
    text = problems_of(name, partial(lstm_forward, bug="output_tanh"))
    assert "h1 is wrong though c1 is right: check the output gate (o)" in text and "c1 differs" not in text
    assert "the gate order i, f, o, g: torch stacks i, f, g, o" in problems_of(name, partial(lstm_forward, bug="ifog"))
    text = problems_of(name, lambda x, h0, c0, w_ih, w_hh, b_ih, b_hh: lstm_forward(x, h0, c0, w_ih.T, w_hh, b_ih,
                                                                                   b_hh))
    assert text.startswith("your function raised ValueError")


def lstm_backward(dh1, dc1, cache, bug=None):
    i, f, g, o, c0, tanh_c = (cache[k] for k in ("i", "f", "g", "o", "c_prev", "tanh_c"))
    dc = dc1 + dh1 * o * dtanh(tanh_c)
    di, df, dg, do = dc * g, dc * c0, dc * i, dh1 * tanh_c
    if bug == "forget_sign":
        df = -df
    dgates = np.concatenate([di * dsigmoid(i), df * dsigmoid(f), dg * dtanh(g), do * dsigmoid(o)], axis=1)
    dweight_hh = cache["h0"].T @ dgates if bug == "transposed" else dgates.T @ cache["h0"]
    grads = (dgates.T @ cache["x"], dweight_hh, dgates.sum(0), dgates.sum(0))
    if bug == "no_bias":
        grads = (*grads[:2], None, None)
    dc0 = dc if bug == "dc0" else dc * f
    return dgates @ cache["weight_ih"], (dgates @ cache["weight_hh"], dc0), grads


def test_lstm_cell_backward_names_the_gate():
    name = "lstm_cell_backward"
    assert check(name, lstm_backward).passed
    text = problems_of(name, partial(lstm_backward, bug="forget_sign"))
    for grad in ("dweight_ih", "dweight_hh", "dbias_ih", "dbias_hh"):
        assert f"{grad}: the rows of the forget gate (f) have the wrong sign" in text
    assert "input gate" not in text and "output gate" not in text
    assert "dweight_hh has shape" in problems_of(name, partial(lstm_backward, bug="transposed"))
    assert "looks transposed" in problems_of(name, partial(lstm_backward, bug="transposed"))
    assert problems_of(name, partial(lstm_backward, bug="no_bias")) == (
        "dbias_ih is None: the bias gradient is missing\ndbias_hh is None: the bias gradient is missing")
    assert problems_of(name, partial(lstm_backward, bug="dc0")).startswith("dc0 differs from the right value")
    text = problems_of(name, lambda dh1, dc1, cache: lstm_backward(dh1, dc1, cache)[0])
    assert text.startswith("expected a tuple (dx, (dh0, dc0), (dweight_ih, dweight_hh, dbias_ih, dbias_hh)), "
                           "got a numpy array")


# -- Chapter 7 ------------------------------------------------------------------------------------------
def gru_backward(dh1, cache, bug=None):
    r, z, n, h0 = cache["r"], cache["z"], cache["n"], cache["h_prev"]
    dn = dh1 * (1 - z)
    dz = dh1 * (n - h0) if bug == "update_sign" else dh1 * (h0 - n)
    dan = dn * dtanh(n)
    dar, daz = dan * cache["gh_n"] * dsigmoid(r), dz * dsigmoid(z)
    dgi = np.concatenate([dar, daz, dan], axis=1)
    dgh = np.concatenate([dar, daz, dan if bug == "b_hn_outside" else dan * r], axis=1)
    grads = (dgi.T @ cache["x"], dgh.T @ h0, dgi.sum(0), dgh.sum(0))
    if bug == "no_bias":
        grads = grads[:2]
    return dgi @ cache["weight_ih"], dh1 * z + dgh @ cache["weight_hh"], grads


def test_gru_cell_backward_names_the_gate():
    name = "gru_cell_backward"
    assert check(name, gru_backward).passed
    text = problems_of(name, partial(gru_backward, bug="update_sign"))
    assert "dweight_ih: the rows of the update gate (z) have the wrong sign" in text
    assert "reset gate" not in text and "candidate (n)" not in text
    text = problems_of(name, partial(gru_backward, bug="b_hn_outside"))
    assert "dweight_hh: the rows of the candidate (n) differ" in text
    assert "dbias_hh: the rows of the candidate (n) differ" in text and "dweight_ih" not in text
    assert "r multiplies h0 @ W_hn.T + b_hn" in text
    assert "dbias_ih and dbias_hh are missing (the bias gradients)" in problems_of(
        name, partial(gru_backward, bug="no_bias"))


# -- Chapter 8 ------------------------------------------------------------------------------------------
def beam(step_fn, init_state, beam_width, max_len, eos, *, start, bug=None):
    live, done = [([], 0.0, start, init_state)], []
    for _ in range(max_len):
        cands = []
        for seq, score, last, state in live:
            lp_, new_state = step_fn(last, state)
            mine = [(seq + [v], (0.0 if bug == "no_sum" else score) + lp_[v], v, new_state)
                    for v in range(len(lp_))]
            if bug == "per_beam":
                mine = sorted(mine, key=lambda c: -c[1])[:1]
            cands += mine
        cands = sorted(cands, key=lambda c: -c[1])[:beam_width]
        live = []
        for c in cands:
            (done if c[2] == eos and bug != "no_eos" else live).append(c)
        if not live:
            break
    done += live
    return [(seq, score) for seq, score, _, _ in sorted(done, key=lambda c: -c[1])[:beam_width]]


def test_beam_search_diagnoses():
    name = "beam_search"
    assert check(name, beam).passed
    assert "continues after eos" in problems_of(name, partial(beam, bug="no_eos"))
    assert "its tokens' log-probabilities add up to" in problems_of(name, partial(beam, bug="no_sum"))
    text = problems_of(name, partial(beam, bug="per_beam"))
    assert "the best sequences are" in text and "over all live sequences together" in text
    text = problems_of(name, lambda *a, **k: beam(*a, **k)[::-1])
    assert "the sequences are not sorted best first" in text and "nothing may be pruned" in text
    assert problems_of(name, lambda *a, **k: beam(*a, **k)[0]).startswith(
        "expected a list of (tokens, log_prob) pairs, best first")


# -- Chapter 10 -----------------------------------------------------------------------------------------
def attention(query, keys, lengths, query_weight, key_weight, key_bias, v_weight, bug=None):
    u = np.tanh((query @ query_weight.T)[:, None, :] + keys @ key_weight.T + key_bias)
    scores = u @ v_weight[0]
    if bug != "no_mask":
        scores = np.where(np.arange(keys.shape[1]) < lengths[:, None], scores, -np.inf)
    axis = 0 if bug == "axis" else 1
    w = np.exp(scores - scores.max(axis=axis, keepdims=True))
    w /= w.sum(axis=axis, keepdims=True)
    context = keys.mean(axis=1) if bug == "context" else (w[:, :, None] * keys).sum(axis=1)
    return context, w


def test_additive_attention_forward_diagnoses():
    name = "additive_attention_forward"
    assert check(name, attention).passed
    assert "weights are not 0 at the padded positions" in problems_of(name, partial(attention, bug="no_mask"))
    assert "do not sum to 1" in problems_of(name, partial(attention, bug="axis"))
    text = problems_of(name, partial(attention, bug="context"))
    assert "weights are right but context is not" in text and "context differs" in text
    text = problems_of(name, lambda q, k, n, wq, wk, b, v: attention(q, k, n, wq, wk, b, v.T))
    assert "weights has shape" in text or text.startswith("your function raised")


# -- Chapter 12 -----------------------------------------------------------------------------------------
def ctc(log_probs, target, blank=0, bug=None):
    T = log_probs.shape[0]
    ext = np.full(2 * len(target) + 1, blank)
    ext[1::2] = target
    S = len(ext)
    la = np.full((T, S), -np.inf)
    la[0, :2] = log_probs[0, ext[:2]]
    for t in range(1, T):
        for s in range(S):
            terms = [la[t - 1, s]] + ([la[t - 1, s - 1]] if s >= 1 else [])
            skip = s >= 2 and ext[s] != blank and (ext[s] != ext[s - 2] or bug == "repeat_skip")
            if skip and bug != "no_skip":
                terms.append(la[t - 1, s - 2])
            la[t, s] = log_probs[t, ext[s]] + np.logaddexp.reduce(terms)
    ll = la[-1, -1] if bug == "last_only" else np.logaddexp(la[-1, -1], la[-1, -2])
    return (np.exp(la) if bug == "probs" else la), float(ll)


def test_ctc_alpha_diagnoses():
    name = "ctc_alpha"
    assert check(name, ctc).passed
    text = problems_of(name, partial(ctc, bug="repeat_skip"))
    assert "may not come from alpha[t-1, s-2]" in text
    assert "with the skip from s-2" in problems_of(name, partial(ctc, bug="no_skip"))
    assert "log_alpha holds alpha itself" in problems_of(name, partial(ctc, bug="probs"))
    text = problems_of(name, partial(ctc, bug="last_only"))
    assert text.startswith("log_alpha is right but log_likelihood is not") and "\nlog_likelihood is " in text


def test_odd_return_values_are_described_not_raised():
    name = "lstm_cell_backward"
    assert problems_of(name, lambda *a: None) == (
        "expected a tuple (dx, (dh0, dc0), (dweight_ih, dweight_hh, dbias_ih, dbias_hh)), got None")
    text = problems_of(name, lambda dh1, dc1, cache: ("dx", *lstm_backward(dh1, dc1, cache)[1:]))
    assert text == "expected dx to be a numpy array of numbers, got a str"
    text = problems_of(name, lambda dh1, dc1, cache: (lstm_backward(dh1, dc1, cache)[0][:, :1],
                                                      *lstm_backward(dh1, dc1, cache)[1:]))
    assert text.startswith("dx has shape (") and "expected (" in text
    import torch
    text = problems_of("rnn_cell_forward", lambda *a: (torch.tensor(rnn_forward_step(*a)[0]), None))
    assert text == "h1 is a torch tensor: return a numpy array (tensor.detach().numpy())"
    text = problems_of("gru_cell_backward", lambda dh1, cache: (*gru_backward(dh1, cache)[:2],
                                                                (*gru_backward(dh1, cache)[2][:3], np.zeros(2))))
    assert text.startswith("dbias_hh has shape (2,), expected (")


def test_a_wrong_signature_or_float32_or_nan_is_said_plainly():
    text = problems_of("bptt", lambda dout, cache: None)
    assert text.startswith("your function cannot be called as rnn_backward(dout, dh_n, cache): ")
    text = problems_of("rnn_cell_forward", lambda *a: (rnn_forward_step(*a)[0].astype(np.float32), None))
    assert text == "h1 is float32: compute in float64, like the inputs (float32 rounds at about 1e-7)"
    text = problems_of("lstm_cell_forward", lambda *a: ((lstm_forward(*a)[0][0], lstm_forward(*a)[0][1] * np.nan),
                                                        None))
    assert text.startswith("c1 contains NaN") and "gate" not in text  # no diagnosis from unusable outputs


def test_clipping_that_breaks_the_grads_dict_is_said_plainly():
    def clears(grads, max_norm):
        grads["weight_hh"] = None
        return 1.0

    assert problems_of("clip_grad_norm", clears) == "grads[weight_hh] is None: return it"
    assert problems_of("clip_grad_norm", lambda grads, max_norm: None) == "total_norm is None: return it"


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_without_torch_the_right_answers_come_from_the_package_and_agree(name, monkeypatch):
    from lessonpkg.exercises import _torch
    from lessonpkg.exercises.checker import _EXERCISES
    from lessonpkg.testing import rel_error

    with_torch = _EXERCISES[name].cases(np.random.default_rng(3))
    monkeypatch.setattr(_torch, "reference", lambda torch_fn, fallback, *args: fallback(*args))
    without = _EXERCISES[name].cases(np.random.default_rng(3))
    for a, b in zip(with_torch, without, strict=True):
        assert a.label == b.label and a.expected.keys() == b.expected.keys()
        for key, value in a.expected.items():
            if name == "beam_search":
                assert value == b.expected[key]
            else:
                assert rel_error(value, b.expected[key]) < 1e-10, (name, key)
    assert check(name, solution(name), seed=3).passed and not check(name, tampered(name, lambda a: a * 2)).passed


def test_a_missing_gradient_does_not_hide_a_wrong_one():
    # A None leaf is reported, and the gradients that were returned are still compared.
    def wrong(dh1, dc1, cache):
        dx, states, (dw_ih, dw_hh, db_ih, db_hh) = lstm_backward(dh1, dc1, cache)
        return dx, states, (dw_ih, 2.0 * dw_hh, db_ih, None)

    text = problems_of("lstm_cell_backward", wrong)
    assert "dbias_hh is None: the bias gradient is missing" in text
    assert "dweight_hh is 2 times the right value" in text
    assert "dweight_ih" not in text and "dx " not in text
