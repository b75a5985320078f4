"""Exercises of Part 2: the LSTM cell forward and backward (Ch. 6) and the GRU cell backward (Ch. 7), in torch's
gate order (LSTM i, f, g, o; GRU r, z, n), diagnosed gate block by gate block."""

from __future__ import annotations

import numpy as np

from lessonpkg.exercises import _torch
from lessonpkg.exercises._base import Case, Exercise, outputs
from lessonpkg.exercises._basics import CELL_GRADS, _cell_weights, _label, _sizes
from lessonpkg.exercises.report import GRU_GATES, LSTM_GATES, rel_error
from lessonpkg.nn.gru import gru_cell_backward, gru_cell_forward
from lessonpkg.nn.lstm import lstm_cell_backward, lstm_cell_forward


def _draw(rng, G: int):
    s = _sizes(rng, N=(1, 3), D=(2, 4), H=(2, 4))
    w = _cell_weights(rng, G, s["D"], s["H"])
    x = rng.standard_normal((s["N"], s["D"]))
    h0, c0 = (0.5 * rng.standard_normal((s["N"], s["H"])) for _ in range(2))
    dh1, dc1 = (rng.standard_normal((s["N"], s["H"])) for _ in range(2))
    return s, w, x, h0, c0, dh1, dc1


# -- Chapter 6: the LSTM cell ---------------------------------------------------------------------------
def _lstm_cases(rng, backward: bool):
    cases = []
    for _ in range(3):
        s, w, x, h0, c0, dh1, dc1 = _draw(rng, 4)
        _, cache = lstm_cell_forward(x, h0, c0, *w.values())
        ref = _torch.reference(_torch.cell, _lstm_fallback, "LSTMCell", x, (h0, c0), w, (dh1, dc1))
        if backward:
            names = ("dx", "dh0", "dc0", *CELL_GRADS)
            cases.append(Case((dh1, dc1, cache), {k: ref[k] for k in names}, _label(**s),
                              gates=dict.fromkeys(CELL_GRADS, LSTM_GATES)))
        else:
            cases.append(Case((x, h0, c0, *w.values()), {"h1": ref["h1"], "c1": ref["c1"]}, _label(**s)))
    return cases


def _lstm_fallback(_, x, states, w, douts) -> dict:
    (h1, c1), cache = lstm_cell_forward(x, *states, *w.values())
    return {"h1": h1, "c1": c1, **outputs(LSTM_BACKWARD.returns, lstm_cell_backward(*douts, cache))}


def _response(f, args: tuple, block: slice, which: int, eps: float = 1e-5) -> np.ndarray:
    """How output ``which`` (0: h1, 1: c1) of ``f(*args)`` moves when the pre-activations of one gate block
    move together (through bias_hh, the last argument): a central difference, one entry per unit."""
    e = np.zeros_like(args[-1])
    e[block] = eps
    up, down = f(*args[:-1], args[-1] + e), f(*args[:-1], args[-1] - e)
    return (np.asarray(up[0][which], dtype=np.float64) - np.asarray(down[0][which], dtype=np.float64)) / (2 * eps)


def _lstm_forward_diagnose(case, got, call):
    """Name the gate: compare how the learner's c1 (for i, f, g) or h1 (for o) responds to each gate's
    pre-activation with how the right c1 = f * c0 + i * g and h1 = o * tanh(c1) respond."""
    H = case.args[1].shape[1]
    swap = np.r_[0:2 * H, 3 * H:4 * H, 2 * H:3 * H]  # the rows of i, f, o, g: CS231n's order
    (h1, c1), _ = lstm_cell_forward(*case.args[:3], *(w[swap] for w in case.args[3:]))
    if all(a.shape == b.shape and rel_error(a, b) <= 1e-7 for a, b in ((got["h1"], h1), (got["c1"], c1))):
        return ["h1 and c1 match the gate order i, f, o, g: torch stacks i, f, g, o in the rows of weight_ih "
                "and weight_hh"]
    c1_ok = rel_error(got["c1"], case.expected["c1"]) <= 1e-7
    which, gates = (0, (3,)) if c1_ok else (1, (0, 1, 2))
    wrong = []
    for k in gates:
        block = slice(k * H, (k + 1) * H)
        mine, right = _response(call, case.args, block, which), _response(lstm_cell_forward, case.args, block, which)
        if mine.shape != right.shape or not np.all(np.isfinite(mine)) or rel_error(mine, right) > 1e-4:
            wrong.append(LSTM_GATES[k])
    if c1_ok and wrong:
        return ["h1 is wrong though c1 is right: check the output gate (o) and h1 = o * tanh(c1)"]
    if len(wrong) == 3:
        return ["c1 is wrong in every gate: check the order of the gate blocks in the rows of weight_ih and "
                "weight_hh (torch stacks i, f, g, o) and c1 = f * c0 + i * g"]
    return [f"c1 is wrong because of the {g}: it responds to that gate's pre-activation unlike "
            f"c1 = f * c0 + i * g" for g in wrong]


LSTM_FORWARD = Exercise(
    "lstm_cell_forward", "Chapter 6 (lstm)", "lstm_cell_forward",
    "x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh", (("h1", "c1"), "*cache"),
    """One LSTM step, like ``torch.nn.LSTMCell``; the gates are stacked in torch's order i, f, g, o:

    gates = x @ weight_ih.T + bias_ih + h0 @ weight_hh.T + bias_hh          # (N, 4H)
    i, f, g, o = sigmoid(gates[:, :H]), sigmoid(gates[:, H:2H]), tanh(gates[:, 2H:3H]), sigmoid(gates[:, 3H:])
    c1 = f * c0 + i * g
    h1 = o * tanh(c1)

    x : (N, D)
    h0, c0 : (N, H)
    weight_ih, weight_hh : (4H, D), (4H, H)
    bias_ih, bias_hh : (4H,), (4H,)
    """,
    lstm_cell_forward, lambda rng: _lstm_cases(rng, backward=False), diagnose=_lstm_forward_diagnose,
    returns_text="(h1, c1), each (N, H), and a cache for your backward (anything; it is not checked)")

LSTM_BACKWARD = Exercise(
    "lstm_cell_backward", "Chapter 6 (lstm)", "lstm_cell_backward", "dh1, dc1, cache",
    ("dx", ("dh0", "dc0"), CELL_GRADS),
    """Backward of one LSTM step, like the package's ``lstm_cell_backward`` (gates i, f, g, o).

    dh1 : (N, H) gradient of the loss with respect to h1
    dc1 : (N, H) gradient with respect to c1 that does not pass through h1
    cache : dict from ``lp.nn.lstm.lstm_cell_forward`` with the gate values "i", "f", "g", "o" (N, H),
        "c_prev" (= c0), "tanh_c" (= tanh(c1)), "x" (N, D), "h0" (N, H), "weight_ih" (4H, D), "weight_hh" (4H, H)
    """,
    lstm_cell_backward, lambda rng: _lstm_cases(rng, backward=True),
    returns_text="dx (N, D), (dh0, dc0) each (N, H), and (dweight_ih (4H, D), dweight_hh (4H, H), dbias_ih (4H,), "
                 "dbias_hh (4H,))")


# -- Chapter 7: the GRU cell ----------------------------------------------------------------------------
def _gru_cases(rng):
    cases = []
    for _ in range(3):
        s, w, x, h0, _, dh1, _ = _draw(rng, 3)
        _, cache = gru_cell_forward(x, h0, *w.values())
        ref = _torch.reference(_torch.cell, _gru_fallback, "GRUCell", x, (h0,), w, (dh1,))
        cases.append(Case((dh1, cache), {k: ref[k] for k in ("dx", "dh0", *CELL_GRADS)}, _label(**s),
                          gates=dict.fromkeys(CELL_GRADS, GRU_GATES)))
    return cases


def _gru_fallback(_, x, states, w, douts) -> dict:
    return outputs(GRU_BACKWARD.returns, gru_cell_backward(douts[0], gru_cell_forward(x, states[0], *w.values())[1]))


def _gru_diagnose(case, got, call):
    H = case.args[0].shape[1]
    wrong = {k for k in CELL_GRADS if got[k].shape != case.expected[k].shape
             or rel_error(got[k], case.expected[k]) > 1e-7}
    rz_right = rel_error(got["dbias_hh"][:2 * H], case.expected["dbias_hh"][:2 * H]) <= 1e-7
    if wrong == {"dweight_hh", "dbias_hh"} and rz_right:
        return ["only the hidden part of the candidate (n) is wrong: in torch's GRU, r multiplies "
                "h0 @ W_hn.T + b_hn, so the gradient of that part is r times the gradient of n's pre-activation"]
    return []


GRU_BACKWARD = Exercise(
    "gru_cell_backward", "Chapter 7 (gru)", "gru_cell_backward", "dh1, cache",
    ("dx", "dh0", CELL_GRADS),
    """Backward of one GRU step in torch's convention (gates r, z, n; b_hn inside the reset product):

    gi = x @ weight_ih.T + bias_ih,  gh = h0 @ weight_hh.T + bias_hh     # (N, 3H) each
    r = sigmoid(gi[:, :H] + gh[:, :H]);  z = sigmoid(gi[:, H:2H] + gh[:, H:2H])
    n = tanh(gi[:, 2H:] + r * gh[:, 2H:]);  h1 = (1 - z) * n + z * h0

    dh1 : (N, H) gradient of the loss with respect to h1
    cache : dict from ``lp.nn.gru.gru_cell_forward`` with "r", "z", "n" (N, H), "h_prev" (= h0),
        "gh_n" (= gh[:, 2H:]), "x" (N, D), "weight_ih" (3H, D), "weight_hh" (3H, H)
    """,
    gru_cell_backward, _gru_cases, diagnose=_gru_diagnose,
    returns_text="dx (N, D), dh0 (N, H) and (dweight_ih (3H, D), dweight_hh (3H, H), dbias_ih (3H,), dbias_hh (3H,))")

EXERCISES = (LSTM_FORWARD, LSTM_BACKWARD, GRU_BACKWARD)
