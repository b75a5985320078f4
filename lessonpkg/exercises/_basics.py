"""Exercises of Part 1: the linear layer and softmax cross-entropy (Ch. 1), the RNN cell (Ch. 2), BPTT (Ch. 4),
and clipping by the global norm (Ch. 5)."""

from __future__ import annotations

import numpy as np

from lessonpkg.exercises import _torch
from lessonpkg.exercises._base import Case, Exercise, matching_variant, outputs
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.loss import CrossEntropyLoss
from lessonpkg.nn.rnn import rnn_backward, rnn_cell_backward, rnn_cell_forward, rnn_forward
from lessonpkg.nn.utils.clip_grad import clip_grad_norm_

CELL_GRADS = ("dweight_ih", "dweight_hh", "dbias_ih", "dbias_hh")


def _sizes(rng, **ranges) -> dict[str, int]:
    return {k: int(rng.integers(lo, hi + 1)) for k, (lo, hi) in ranges.items()}


def _label(**sizes) -> str:
    return ", ".join(f"{k}={v}" for k, v in sizes.items())


def _cell_weights(rng, G: int, D: int, H: int) -> dict[str, np.ndarray]:
    """Random weight_ih (G*H, D), weight_hh (G*H, H) and non-zero biases (G*H,), as torch names them."""
    shapes = {"weight_ih": (G * H, D), "weight_hh": (G * H, H), "bias_ih": (G * H,), "bias_hh": (G * H,)}
    return {k: rng.uniform(-0.8, 0.8, size=s) for k, s in shapes.items()}


# -- Chapter 1 ----------------------------------------------------------------------------------------
def linear_backward(dout, x, weight):
    """Reference: the package's ``Linear.backward`` on a layer holding ``weight``."""
    layer = Linear(weight.shape[1], weight.shape[0], rng=0)
    layer.load_state_dict({"weight": weight, "bias": np.zeros(weight.shape[0])})  # the bias has no part in backward
    _, cache = layer.forward(x)
    return layer.backward(dout, cache)


def _linear_cases(rng):
    cases = []
    for _ in range(3):
        s = _sizes(rng, N=(1, 4), D=(2, 5), H=(2, 5))
        x, w = rng.standard_normal((s["N"], s["D"])), rng.standard_normal((s["H"], s["D"]))
        dout, b = rng.standard_normal((s["N"], s["H"])), rng.standard_normal(s["H"])
        expected = _torch.reference(_torch.linear, lambda *a: outputs(LINEAR.returns, linear_backward(*a[:3])),
                                    dout, x, w, b)
        cases.append(Case((dout, x, w), expected, _label(**s)))
    return cases


LINEAR = Exercise(
    "linear_backward", "Chapter 1 (propagation)", "linear_backward", "dout, x, weight",
    ("dx", {"weight": "dweight", "bias": "dbias"}),
    """Backward of ``out = x @ weight.T + bias``, like ``Linear.backward``.

    dout : (N, H) gradient of the loss with respect to out
    x : (N, D) the layer's input
    weight : (H, D)
    """,
    linear_backward, _linear_cases, returns_text="dx (N, D) and grads = {'weight': dweight (H, D), 'bias': dbias (H,)}")


def softmax_cross_entropy_backward(logits, target):
    """Reference: the package's ``CrossEntropyLoss`` (mean over the batch), forward then backward."""
    crit = CrossEntropyLoss()
    loss, cache = crit.forward(logits, target)
    return float(loss), crit.backward(cache)


def _ce_cases(rng):
    cases = []
    for _ in range(3):
        s = _sizes(rng, N=(2, 5), C=(2, 5))
        z, y = 2 * rng.standard_normal((s["N"], s["C"])), rng.integers(0, s["C"], size=s["N"])
        expected = _torch.reference(_torch.cross_entropy,
                                    lambda *a: outputs(CE.returns, softmax_cross_entropy_backward(*a)), z, y)
        cases.append(Case((z, y), expected, _label(**s), extra={"N": s["N"]}))
    return cases


def _ce_diagnose(case, got, call):
    N, (z, y) = case.extra["N"], case.args
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    onehot = np.eye(z.shape[1])[y]
    return matching_variant("dlogits", got["dlogits"], [
        (f"dlogits is N={N} times too large: the loss is the mean over the N rows, so divide by N", p - onehot),
        ("dlogits looks like softmax(logits) - onehot(target) with the wrong sign: dlogits = (P - Y) / N",
         (onehot - p) / N),
        ("dlogits is softmax(logits) / N: subtract 1 at each row's target class, dlogits = (P - Y) / N", p / N),
    ])


CE = Exercise(
    "softmax_cross_entropy_backward", "Chapter 1 (propagation)", "softmax_cross_entropy_backward", "logits, target",
    ("loss", "dlogits"),
    """Mean cross-entropy of integer targets under softmax(logits), and its gradient, like
    ``torch.nn.functional.cross_entropy``.

    logits : (N, C) scores
    target : (N,) ints in [0, C)
    """,
    softmax_cross_entropy_backward, _ce_cases, diagnose=_ce_diagnose,
    returns_text="loss (a float, the mean over N) and dlogits (N, C)")


# -- Chapter 2: the RNN cell ----------------------------------------------------------------------------
def _rnn_cases(rng, backward: bool):
    cases = []
    for _ in range(3):
        s = _sizes(rng, N=(1, 3), D=(2, 5), H=(2, 5))
        w = _cell_weights(rng, 1, s["D"], s["H"])
        x, h0 = rng.standard_normal((s["N"], s["D"])), 0.5 * rng.standard_normal((s["N"], s["H"]))
        dh1 = rng.standard_normal((s["N"], s["H"]))
        ref = _torch.reference(_torch.cell, _rnn_fallback, "RNNCell", x, (h0,), w, (dh1,))
        if backward:
            _, cache = rnn_cell_forward(x, h0, *w.values())
            cases.append(Case((dh1, cache), {k: ref[k] for k in ("dx", "dh0", *CELL_GRADS)}, _label(**s)))
        else:
            cases.append(Case((x, h0, *w.values()), {"h1": ref["h1"]}, _label(**s), extra={"w": w}))
    return cases


def _rnn_fallback(_, x, states, w, douts) -> dict:
    (h0,), (dh1,) = states, douts
    h1, cache = rnn_cell_forward(x, h0, *w.values())
    return {"h1": h1, **outputs(RNN_BACKWARD.returns, rnn_cell_backward(dh1, cache))}


def _rnn_forward_diagnose(case, got, call):
    x, h0, w = case.args[0], case.args[1], case.extra["w"]
    wih, whh, bih, bhh = w.values()
    transposed_ih = [] if wih.shape[0] != wih.shape[1] else [
        ("h1 matches x @ weight_ih instead of x @ weight_ih.T: torch's weight_ih has one row per output unit",
         rnn_cell_forward(x, h0, wih.T, whh, bih, bhh)[0])]
    return matching_variant("h1", got["h1"], [
        *transposed_ih,
        ("h1 matches h0 @ weight_hh instead of h0 @ weight_hh.T: torch's weight_hh has one row per output unit",
         rnn_cell_forward(x, h0, wih, whh.T, bih, bhh)[0]),
        ("h1 matches the result without bias_hh: torch adds both bias_ih and bias_hh",
         rnn_cell_forward(x, h0, wih, whh, bih, 0 * bhh)[0]),
        ("h1 matches the result without bias_ih: torch adds both bias_ih and bias_hh",
         rnn_cell_forward(x, h0, wih, whh, 0 * bih, bhh)[0]),
        ("h1 is the pre-activation: apply tanh", np.arctanh(rnn_cell_forward(x, h0, wih, whh, bih, bhh)[0])),
    ])


RNN_FORWARD = Exercise(
    "rnn_cell_forward", "Chapter 2 (recurrent_cell)", "rnn_cell_forward",
    "x, h0, weight_ih, weight_hh, bias_ih, bias_hh", ("h1", "*cache"),
    """One Elman RNN step, like ``torch.nn.RNNCell``:
    ``h1 = tanh(x @ weight_ih.T + bias_ih + h0 @ weight_hh.T + bias_hh)``.

    x : (N, D)
    h0 : (N, H)
    weight_ih, weight_hh : (H, D), (H, H)
    bias_ih, bias_hh : (H,), (H,)
    """,
    rnn_cell_forward, lambda rng: _rnn_cases(rng, backward=False), diagnose=_rnn_forward_diagnose,
    returns_text="h1 (N, H) and a cache for your backward (anything; it is not checked)")

RNN_BACKWARD = Exercise(
    "rnn_cell_backward", "Chapter 2 (recurrent_cell)", "rnn_cell_backward", "dh1, cache",
    ("dx", "dh0", CELL_GRADS),
    """Backward of one tanh RNN step, like the package's ``rnn_cell_backward``.

    dh1 : (N, H) gradient of the loss with respect to h1
    cache : dict from ``lp.nn.rnn.rnn_cell_forward`` with "x" (N, D), "h0" (N, H), "h1" (N, H),
        "weight_ih" (H, D), "weight_hh" (H, H)
    """,
    rnn_cell_backward, lambda rng: _rnn_cases(rng, backward=True),
    returns_text="dx (N, D), dh0 (N, H) and (dweight_ih (H, D), dweight_hh (H, H), dbias_ih (H,), dbias_hh (H,))")


# -- Chapter 4: backpropagation through time ---------------------------------------------------------
def _bptt_cases(rng):
    cases = []
    for k in range(3):
        s = _sizes(rng, T=(3, 5), N=(1, 3), D=(2, 4), H=(2, 4))
        w = _cell_weights(rng, 1, s["D"], s["H"])
        x, h0 = rng.standard_normal((s["T"], s["N"], s["D"])), 0.5 * rng.standard_normal((s["N"], s["H"]))
        dout = rng.standard_normal((s["T"], s["N"], s["H"]))
        dh_n = rng.standard_normal((s["N"], s["H"])) if k else np.zeros((s["N"], s["H"]))
        _, _, cache = rnn_forward(x, h0, *w.values())
        ref = _torch.reference(_torch.rnn_sequence, _bptt_fallback, x, h0, w, dout, dh_n)
        cases.append(Case((dout, dh_n, cache), {k: ref[k] for k in ("dx", "dh0", *CELL_GRADS)}, _label(**s)))
    return cases


def _bptt_fallback(x, h0, w, dout, dh_n) -> dict:
    return outputs(BPTT.returns, rnn_backward(dout, dh_n, rnn_forward(x, h0, *w.values())[2]))


def _bptt_diagnose(case, got, call):
    dx, expected = got["dx"], case.expected["dx"]
    if dx.shape != expected.shape or np.allclose(dx, expected, rtol=1e-7, atol=0):
        return []
    if np.allclose(dx[-1], expected[-1], rtol=1e-7, atol=0):
        return ["dx is right at the last step but wrong at earlier steps: the gradient carried back through "
                "time is missing or wrong; at step t, dL/dh_t = dout[t] + dh_next, where dh_next = "
                "da_{t+1} @ weight_hh comes from step t+1 (and dh_n at the last step)"]
    return []


BPTT = Exercise(
    "bptt", "Chapter 4 (bptt)", "rnn_backward", "dout, dh_n, cache",
    ("dx", "dh0", CELL_GRADS),
    """Backpropagation through time for a one-layer tanh RNN, like the package's ``rnn_backward``.

    dout : (T, N, H) gradient of the loss with respect to every output h_1..h_T
    dh_n : (N, H) gradient with respect to the final state h_T (it may be zeros)
    cache : dict from ``lp.nn.rnn.rnn_forward`` with "x" (T, N, D), "hs" (T+1, N, H) where hs[0] = h0
        and hs[t + 1] = h_t, "weight_ih" (H, D), "weight_hh" (H, H)
    """,
    rnn_backward, _bptt_cases, diagnose=_bptt_diagnose,
    returns_text="dx (T, N, D), dh0 (N, H) and (dweight_ih, dweight_hh, dbias_ih, dbias_hh), summed over time")


# -- Chapter 5: clipping by the global norm ------------------------------------------------------------
def _clip_cases(rng):
    cases = []
    for ratio in (0.3, 2.0, 0.1):
        s = _sizes(rng, D=(2, 4), H=(2, 4))
        grads = {"weight_ih": rng.standard_normal((s["H"], s["D"])), "weight_hh": rng.standard_normal((s["H"], s["H"])),
                 "bias_ih": rng.standard_normal(s["H"])}
        grads = {n: 3 * g for n, g in grads.items()}
        total = float(np.sqrt(sum((g * g).sum() for g in grads.values())))
        max_norm = round(ratio * total, 3)
        ref = _torch.reference(_torch.clip, _clip_fallback, grads, max_norm)
        cases.append(Case((grads, max_norm), ref, f"{_label(**s)}, max_norm={max_norm}",
                          after=lambda args, _: {f"grads[{n}]": args[0].get(n) for n in args[0]},
                          extra={"grads": grads, "total": total, "max_norm": max_norm}))
    return cases


def _clip_fallback(grads, max_norm) -> dict:
    g = {k: v.copy() for k, v in grads.items()}
    total = clip_grad_norm_(g, max_norm)
    return {"total_norm": np.float64(total), **{f"grads[{k}]": v for k, v in g.items()}}


def _clip_diagnose(case, got, call):
    grads, total, max_norm = case.extra["grads"], case.extra["total"], case.extra["max_norm"]
    hints = []
    changed = any(not np.array_equal(got[f"grads[{k}]"], g) for k, g in grads.items())
    if total > max_norm and not changed:
        hints.append("grads are unchanged: clip_grad_norm_ must scale the arrays of grads in place "
                     "(g *= scale) and return the total norm")
    if total < max_norm and changed:
        hints.append("grads were changed although their total norm is below max_norm: "
                     "scale = min(1, max_norm / (total_norm + 1e-6))")
    own = {k: g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6)) for k, g in grads.items()}
    if changed and all(np.allclose(got[f"grads[{k}]"], v, rtol=1e-7, atol=0) for k, v in own.items()):
        hints.append("each array was clipped by its own norm: clip all of them by one factor, from the total "
                     "norm of all the arrays together, sqrt(sum of every squared entry)")
    if total > max_norm and abs(float(got["total_norm"]) - max_norm) < 1e-4 * max_norm:
        hints.append("total_norm is the norm after clipping: return the norm before clipping")
    return hints


CLIP = Exercise(
    "clip_grad_norm", "Chapter 5 (vanishing_exploding)", "clip_grad_norm_", "grads, max_norm",
    "total_norm",
    """Clip all gradients together by their global 2-norm, in place, like ``torch.nn.utils.clip_grad_norm_``.

    total_norm = sqrt(sum of the squares of every entry of every array in grads)
    every array g is multiplied in place by min(1, max_norm / (total_norm + 1e-6))

    grads : dict name -> array, e.g. {"weight_ih": (H, D), "weight_hh": (H, H), "bias_ih": (H,)}
    max_norm : float
    """,
    clip_grad_norm_, _clip_cases, diagnose=_clip_diagnose,
    returns_text="total_norm, the global norm before clipping (a float); grads are changed in place")

EXERCISES = (LINEAR, CE, RNN_FORWARD, RNN_BACKWARD, BPTT, CLIP)
