"""Exercises of Part 3: beam search (Ch. 8), additive attention (Ch. 10) and the CTC forward recursion (Ch. 12)."""

from __future__ import annotations

import itertools

import numpy as np

from lessonpkg.decode.search import beam_search
from lessonpkg.exercises import _torch
from lessonpkg.exercises._base import Case, Exercise, matching_variant, outputs
from lessonpkg.exercises._basics import _label, _sizes
from lessonpkg.exercises.report import describe, rel_error
from lessonpkg.nn.attention import AdditiveAttention
from lessonpkg.nn.ctc import CTCLoss


# -- Chapter 8: beam search -----------------------------------------------------------------------------
def table_step_fn(seed: int, V: int):
    """A step function whose next-token log-probabilities (V,) are a seeded draw for each history of tokens."""
    def step_fn(token, state):
        history = (*state, int(token))
        z = 1.5 * np.random.default_rng([seed, *history]).standard_normal(V)
        return z - np.logaddexp.reduce(z), history
    return step_fn


def exhaustive_best(step_fn, V: int, max_len: int, eos: int, start: int) -> tuple[list[int], float]:
    """The most probable sequence of all: every sequence that ends at eos or has max_len tokens, scored."""
    best = ([], -np.inf)
    for n in range(1, max_len + 1):
        for seq in itertools.product(range(V), repeat=n):
            if eos in seq[:-1] or (n < max_len and seq[-1] != eos):
                continue
            score = sequence_score(step_fn, list(seq), start)
            if score > best[1]:
                best = (list(seq), score)
    return best


def sequence_score(step_fn, tokens: list[int], start: int) -> float:
    """The sum of the tokens' log-probabilities, reading ``start`` first (init_state is ())."""
    score, token, state = 0.0, start, ()
    for t in tokens:
        lp, state = step_fn(token, state)
        score, token = score + float(lp[t]), t
    return score


def _beam_cases(rng):
    cases = []
    for width in (1, 2, None):
        s = _sizes(rng, V=(3, 4), max_len=(2, 3))
        eos, seed = int(rng.integers(0, s["V"])), int(rng.integers(0, 2**31))
        width = width or s["V"] ** s["max_len"]
        step_fn = table_step_fn(seed, s["V"])
        args = (step_fn, (), width, s["max_len"], eos)
        expected = beam_search(*args, start=0)
        extra = {"exhaustive": exhaustive_best(step_fn, s["V"], s["max_len"], eos, 0) if width > 2 else None}
        cases.append(Case(args, {"sequences": expected}, f"beam_width={width}, {_label(**s)}, eos={eos}", extra=extra,
                          kwargs={"start": 0}))
    return cases


def _spell_beams(beams, most: int = 3) -> str:
    shown = ", ".join(f"{list(seq)} ({score:.3f})" for seq, score in beams[:most])
    return shown + (f" and {len(beams) - most} more" if len(beams) > most else "")


def _check_beams(case, result) -> tuple[list[str], int]:
    step_fn, _, width, max_len, eos = case.args
    where = f"with {case.label}"
    ok = isinstance(result, (list, tuple)) and all(
        isinstance(p, (list, tuple)) and len(p) == 2 and isinstance(p[0], (list, tuple, np.ndarray))
        and all(isinstance(t, (int, np.integer)) for t in p[0]) and isinstance(p[1], (int, float, np.number))
        for p in result)
    if not ok:
        return [f"expected a list of (tokens, log_prob) pairs, best first, e.g. [([0, 2], -1.3), ...], "
                f"got {describe(result)}" + (f" whose first item is {describe(result[0])}"
                                             if isinstance(result, (list, tuple)) and result else "")], 1
    beams = [([int(t) for t in seq], float(score)) for seq, score in result]
    problems = []
    for seq, score in beams:
        if eos in seq[:-1]:
            problems.append(f"{seq} continues after eos={eos}: a sequence that emits eos is finished and "
                            "leaves the beam")
        elif len(seq) > max_len:
            problems.append(f"{seq} has more than max_len={max_len} tokens")
        elif not seq or any(t < 0 for t in seq):
            problems.append(f"{seq} is not a sequence of new tokens")
        elif not abs(sequence_score(step_fn, seq, 0) - score) <= 1e-9 * max(1.0, abs(score)):  # NaN fails too
            problems.append(f"the score of {seq} is {score:.4f}, but its tokens' log-probabilities add up to "
                            f"{sequence_score(step_fn, seq, 0):.4f}: a sequence's score is that sum")
    if len(beams) > width:
        problems.append(f"{where} you returned {len(beams)} sequences: at most beam_width={width}")
    if any(a[1] < b[1] for a, b in zip(beams, beams[1:])):
        problems.append("the sequences are not sorted best first")
    expected = case.expected["sequences"]
    same = len(beams) == len(expected) and all(
        a[0] == b[0] and abs(a[1] - b[1]) <= 1e-9 * max(1.0, abs(b[1])) for a, b in zip(beams, expected))
    if not same and not problems:
        problems.append(f"{where} the best sequences are {_spell_beams(expected)}; yours are {_spell_beams(beams)}"
                        + (": at every step keep the beam_width best extensions over all live sequences together"
                           if width > 1 else ": with beam_width=1 beam search is greedy decoding"))
    best = case.extra["exhaustive"]
    if best is not None and beams and (beams[0][0] != best[0]):
        problems.append(f"{where} nothing may be pruned (beam_width >= V ** max_len), so the first sequence must be "
                        f"the most probable of all, {best[0]} ({best[1]:.3f}); yours is {beams[0][0]}")
    return problems, 3


BEAM = Exercise(
    "beam_search", "Chapter 8 (language_modelling)", "beam_search",
    "step_fn, init_state, beam_width, max_len, eos, *, start", "sequences",
    """Beam search over a step function, like ``lp.decode.beam_search``.

    log_probs, state = step_fn(token, state) reads one token and returns log P(next token), (V,), and the
    new state. Start by feeding ``start`` with ``init_state``. At every step extend each live sequence by
    every token and keep the ``beam_width`` best candidates over all of them (score = sum of the tokens'
    log-probabilities; ties to the earlier beam, then the lower token). A kept candidate ending in ``eos``
    is finished and leaves the beam; stop when no live sequence is left or after ``max_len`` steps, when
    the live ones count as finished.
    """,
    beam_search, _beam_cases, check_case=_check_beams,
    returns_text="the list of at most beam_width (tokens, log_prob) pairs, best first, tokens without start")


# -- Chapter 10: additive attention ---------------------------------------------------------------------
def additive_attention_forward(query, keys, lengths, query_weight, key_weight, key_bias, v_weight):
    """Reference: the package's ``AdditiveAttention`` holding these weights."""
    (A, Dq), Dk = query_weight.shape, key_weight.shape[1]
    att = AdditiveAttention(Dq, Dk, A, rng=0)
    att.load_state_dict({"query.weight": query_weight, "key.weight": key_weight, "key.bias": key_bias,
                         "v.weight": v_weight})
    (context, weights), _ = att.forward(query, keys, lengths)
    return context, weights


def _attention_cases(rng):
    cases = []
    for _ in range(3):
        s = _sizes(rng, N=(2, 3), S=(2, 5), Dq=(2, 4), Dk=(2, 4), A=(2, 4))
        N, S, Dq, Dk, A = s.values()
        lengths = rng.integers(1, S + 1, size=N)
        lengths[0] = max(1, S - 1)  # at least one padded position
        args = (rng.standard_normal((N, Dq)), rng.standard_normal((N, S, Dk)), lengths,
                rng.standard_normal((A, Dq)), rng.standard_normal((A, Dk)), rng.standard_normal(A),
                rng.standard_normal((1, A)))
        ref = _torch.reference(_torch.additive_attention,
                               lambda *a: outputs(ATTENTION.returns, additive_attention_forward(*a)), *args)
        cases.append(Case(args, ref, _label(**s)))
    return cases


def _attention_diagnose(case, got, call):
    keys, lengths, w = case.args[1], case.args[2], got["weights"]
    if w.shape != case.expected["weights"].shape:
        return []
    pad = np.arange(keys.shape[1])[None, :] >= lengths[:, None]
    hints = []
    if np.any(w[pad] != 0):
        hints.append("weights are not 0 at the padded positions s >= lengths[n]: give their scores -inf "
                     "before the softmax")
    if not np.allclose(w.sum(axis=1), 1.0, rtol=0, atol=1e-9):
        hints.append("the rows of weights do not sum to 1: take the softmax over the source positions S")
    if rel_error(w, case.expected["weights"]) <= 1e-7 and got["context"].shape == case.expected["context"].shape:
        hints.append("weights are right but context is not: context[n] = sum over s of weights[n, s] * keys[n, s]")
    return hints


ATTENTION = Exercise(
    "additive_attention_forward", "Chapter 10 (seq2seq)", "additive_attention_forward",
    "query, keys, lengths, query_weight, key_weight, key_bias, v_weight", ("context", "weights"),
    """Bahdanau's additive attention for one query per sequence, like ``lp.nn.AdditiveAttention``:

    scores[n, s] = tanh(query[n] @ query_weight.T + keys[n, s] @ key_weight.T + key_bias) @ v_weight[0]
    weights[n] = softmax(scores[n]) over s, with s >= lengths[n] given weight exactly 0
    context[n] = sum over s of weights[n, s] * keys[n, s]

    query : (N, Dq);  keys : (N, S, Dk);  lengths : (N,) ints in [1, S]
    query_weight : (A, Dq);  key_weight : (A, Dk);  key_bias : (A,);  v_weight : (1, A)
    """,
    additive_attention_forward, _attention_cases, diagnose=_attention_diagnose,
    returns_text="context (N, Dk) and weights (N, S)")


# -- Chapter 12: the CTC forward recursion --------------------------------------------------------------
def ctc_alpha(log_probs, target, blank=0):
    """Reference: the alpha table of the package's ``CTCLoss`` for one sequence."""
    T, L = log_probs.shape[0], len(target)
    loss, cache = CTCLoss(blank=blank, reduction="none").forward(log_probs[:, None, :], np.asarray(target)[None, :],
                                                               np.array([T]), np.array([L]))
    return cache["alpha"][:, 0, :], -float(loss[0])


def _ctc_cases(rng):
    cases = []
    for k in range(3):
        s = _sizes(rng, T=(5, 7), C=(3, 5), L=(2, 3))
        blank = s["C"] - 1 if k == 2 else 0
        labels = [c for c in range(s["C"]) if c != blank]
        target = rng.choice(labels, size=s["L"])
        if k == 1:
            target[1] = target[0]  # a repeated label: the skip from s-2 is not allowed there
        z = rng.standard_normal((s["T"], s["C"]))
        log_probs = z - np.logaddexp.reduce(z, axis=1, keepdims=True)
        log_alpha = ctc_alpha(log_probs, target, blank)[0]
        ll = _torch.reference(lambda *a: {"ll": _torch.ctc_log_likelihood(*a)}, lambda *a: {"ll": ctc_alpha(*a)[1]},
                              log_probs, target, blank)["ll"]
        cases.append(Case((log_probs, target, blank), {"exp(log_alpha)": np.exp(log_alpha), "log_likelihood": ll},
                          f"{_label(**s)}, target={target.tolist()}, blank={blank}",
                          after=lambda args, got: {"exp(log_alpha)": np.exp(got["log_alpha"])},
                          extra={"log_alpha": log_alpha}))
    return cases


def _ctc_diagnose(case, got, call):
    log_probs, target, blank = case.args
    mine, right = got["exp(log_alpha)"], case.expected["exp(log_alpha)"]
    if mine.shape != right.shape:
        return []
    hint = matching_variant("log_alpha", got["log_alpha"], [
        ("log_alpha holds alpha itself: return its log (np.log, with log(0) = -inf)", right)])
    if hint:
        return hint
    ext = np.full(2 * len(target) + 1, blank)
    ext[1::2] = target
    diff = np.abs(mine - right) > 1e-7 * np.maximum(np.abs(mine) + np.abs(right), 1e-300)
    if not diff.any():
        return ["log_alpha is right but log_likelihood is not: log p = log(alpha[T-1, S-1] + alpha[T-1, S-2])"]
    t, s = (int(i) for i in np.argwhere(diff)[0])
    where = f"alpha first differs at t={t}, s={s} (l'_s = {'blank' if ext[s] == blank else f'label {ext[s]}'})"
    if t == 0:
        return [f"{where}: alpha[0, 0] = y[0, blank] and alpha[0, 1] = y[0, l_1]; every other alpha[0, s] is 0"]
    if s >= 2 and ext[s] != blank and ext[s] == ext[s - 2]:
        return [f"{where}: l'_s repeats l'_(s-2), so alpha[t, s] may not come from alpha[t-1, s-2] "
                "(a blank must separate two equal labels)"]
    if s >= 2 and ext[s] != blank:
        return [f"{where}: alpha[t, s] = y[t, l'_s] * (alpha[t-1, s] + alpha[t-1, s-1] + alpha[t-1, s-2]) "
                "here, with the skip from s-2"]
    return [f"{where}: alpha[t, s] = y[t, l'_s] * (alpha[t-1, s] + alpha[t-1, s-1]) here (no skip onto a blank)"]


CTC = Exercise(
    "ctc_alpha", "Chapter 12 (speech)", "ctc_alpha", "log_probs, target, blank=0", ("log_alpha", "log_likelihood"),
    """The CTC forward recursion for one sequence, in log space (Graves et al., 2006).

    With the extended target l' = (blank, l_1, blank, l_2, ..., l_L, blank), S = 2L + 1, and y = exp(log_probs):
    alpha[0, 0] = y[0, blank],  alpha[0, 1] = y[0, l_1],  every other alpha[0, s] = 0
    alpha[t, s] = y[t, l'_s] * (alpha[t-1, s] + alpha[t-1, s-1] + skip * alpha[t-1, s-2])
    where skip = 1 unless l'_s is the blank or equals l'_(s-2); log p = log(alpha[T-1, S-1] + alpha[T-1, S-2]).

    log_probs : (T, C) per-frame log-probabilities (a log-softmax over the C classes)
    target : (L,) ints, labels other than blank
    blank : int, the blank's class index
    """,
    ctc_alpha, _ctc_cases, diagnose=_ctc_diagnose,
    returns_text="log_alpha (T, S), log(alpha) with -inf for 0, and log_likelihood, log p(target | log_probs), "
                 "a float; torch.nn.functional.ctc_loss(..., reduction='none') is -log_likelihood")

EXERCISES = (BEAM, ATTENTION, CTC)
