"""The torch twin check for recurrent layers and cells, shared by test_rnn, test_lstm, test_gru and test_recurrent.

``compare_layer(module, x, ...)`` runs a lessonpkg RNN/LSTM/GRU and its torch
twin (``lp.to_torch``) on the same input, initial state and upstream
gradients, in float64, with ``lengths`` going through torch's
``pack_padded_sequence(enforce_sorted=False)`` and ``pad_packed_sequence``.
It asserts that out, the final states, dx, the initial-state gradients and
every parameter gradient agree, and returns the worst normwise relative error.
"""

from __future__ import annotations

import numpy as np
import torch
from equality_log import record
from hypothesis import strategies as st
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import lessonpkg as lp

RTOL, ATOL = 1e-10, 1e-12


def rel_error(actual, expected) -> float:
    """Normwise relative error ``max|actual - expected| / max|expected|`` (0 when both are zero)."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    diff = np.max(np.abs(actual - expected), initial=0.0)
    scale = np.max(np.abs(expected), initial=0.0)
    return 0.0 if diff == 0 else float(diff / scale) if scale > 0 else float("inf")


def check_close(name: str, actual, expected) -> float:
    """Assert ``actual`` equals torch's ``expected`` (shape, rtol 1e-10, atol 1e-12); return the relative error."""
    expected = expected.detach().numpy() if isinstance(expected, torch.Tensor) else np.asarray(expected)
    assert np.shape(actual) == expected.shape, f"{name}: shape {np.shape(actual)} != torch's {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=name)
    return rel_error(actual, expected)


def check_all(pairs) -> tuple[float, list[str]]:
    """``check_close`` every ``(name, ours, torch's)`` in order; return the worst relative error and the names."""
    pairs = list(pairs)
    worst = max((check_close(name, actual, expected) for name, actual, expected in pairs), default=0.0)
    return worst, [name for name, _, _ in pairs]


def grad_pairs(dx, xt, dstates0, st, grads, twin) -> list:
    """The gradients to compare: dx, dh0 (and dc0) if initial states were given, and every parameter's."""
    pairs = [("dx", dx, xt.grad)]
    if st is not None:
        pairs += zip(("dh0", "dc0"), dstates0, [s.grad for s in st])
    return pairs + [(f"d{name}", grads[name], p.grad) for name, p in twin.named_parameters()]


def is_lstm(module) -> bool:
    return type(module).__name__.startswith("LSTM")


def random_states(module, x_shape, rng, *, unbatched=False):
    """Random initial states for a layer: h0, or (h0, c0) for an LSTM, shaped (L*dirs, N, H) or (L*dirs, H)."""
    LD = module.num_layers * module.num_directions
    N = None if unbatched else x_shape[0 if module.batch_first else 1]
    shape = (LD, module.hidden_size) if unbatched else (LD, N, module.hidden_size)
    h0 = rng.standard_normal(shape)
    return (h0, rng.standard_normal(shape)) if is_lstm(module) else h0


def _as_tuple(states):
    return tuple(states) if isinstance(states, tuple) else (states,)


def compare_layer(module, x, states=None, lengths=None, *, dout="random", dstates="random", rng=0) -> float:
    """Run ``module`` and ``lp.to_torch(module)`` forward and backward; assert everything agrees.

    ``states`` is h0 (or (h0, c0)) or None. ``dout`` and ``dstates`` are
    "random", None (no such term in the loss) or arrays. Returns the worst
    relative error over all compared arrays.
    """
    rng = np.random.default_rng(rng)
    lstm = is_lstm(module)
    out, final, cache = module.forward(x, states, lengths=lengths)
    final = _as_tuple(final)
    if isinstance(dout, str):
        dout = rng.standard_normal(out.shape)
    if isinstance(dstates, str):
        dstates = tuple(rng.standard_normal(f.shape) for f in final)
    dstates_lp = None if dstates is None else (dstates if lstm else dstates[0])
    dx, dstates0, grads = module.backward(dout, cache, dstates_lp)
    dstates0 = _as_tuple(dstates0)

    twin = lp.to_torch(module)
    xt = torch.tensor(x, requires_grad=True)
    st = None if states is None else tuple(torch.tensor(s, requires_grad=True) for s in _as_tuple(states))
    hx = None if st is None else (st if lstm else st[0])
    if lengths is None:
        out_t, final_t = twin(xt, hx)
    else:
        packed = pack_padded_sequence(xt, torch.as_tensor(lengths), batch_first=module.batch_first,
                                      enforce_sorted=False)
        out_packed, final_t = twin(packed, hx)
        T = x.shape[1 if module.batch_first else 0]
        out_t, _ = pad_packed_sequence(out_packed, batch_first=module.batch_first, total_length=T)
    final_t = _as_tuple(final_t)
    loss = out_t.sum() * 0.0
    if dout is not None:
        loss = loss + (out_t * torch.from_numpy(dout)).sum()
    if dstates is not None:
        loss = loss + sum((f * torch.from_numpy(d)).sum() for f, d in zip(final_t, dstates) if d is not None)
    loss.backward()

    assert list(grads) == list(module.params) == [name for name, _ in twin.named_parameters()]
    worst, compared = check_all([("out", out, out_t), *zip(("h_n", "c_n"), final, final_t),
                                 *grad_pairs(dx, xt, dstates0, st, grads, twin)])
    # x is (T, N, D), (N, T, D) with batch_first, or (T, D) unbatched
    T, N = (x.shape[0], 1) if x.ndim == 2 else x.shape[1::-1] if module.batch_first else x.shape[:2]
    record(type(module).__name__, compared, (T, N, x.shape[-1], module.hidden_size), worst)
    return worst


def compare_cell(cell, x, states=None, *, dstates="random", rng=0) -> float:
    """The same check for a cell: h1 (and c1), dx, dh0 (and dc0) and every parameter gradient."""
    rng = np.random.default_rng(rng)
    lstm = is_lstm(cell)
    new, cache = cell.forward(x, states)
    new = _as_tuple(new)
    if isinstance(dstates, str):
        dstates = tuple(rng.standard_normal(s.shape) for s in new)
    dx, dstates0, grads = cell.backward(dstates if lstm else dstates[0], cache)
    dstates0 = _as_tuple(dstates0)

    twin = lp.to_torch(cell)
    xt = torch.tensor(x, requires_grad=True)
    st = None if states is None else tuple(torch.tensor(s, requires_grad=True) for s in _as_tuple(states))
    new_t = _as_tuple(twin(xt, None if st is None else (st if lstm else st[0])))
    loss = sum((n * torch.from_numpy(d)).sum() for n, d in zip(new_t, dstates) if d is not None)
    loss.backward()

    worst, compared = check_all([*zip(("h1", "c1"), new, new_t), *grad_pairs(dx, xt, dstates0, st, grads, twin)])
    N = x.shape[0] if x.ndim == 2 else 1
    record(type(cell).__name__, compared, (N, x.shape[-1], cell.hidden_size), worst)
    return worst


# -- hypothesis sweep shared by the three layer tests -------------------------------------------------
@st.composite
def layer_cases(draw, max_layers: int = 3) -> dict:
    """A small random configuration: sizes, constructor flags, lengths (or None), and which inputs are given."""
    T, N = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    return {
        "sizes": (T, N, draw(st.integers(1, 4)), draw(st.integers(1, 4))),  # T, N, D, H
        "kwargs": {"num_layers": draw(st.integers(1, max_layers)), "bias": draw(st.booleans()),
                   "batch_first": draw(st.booleans()), "bidirectional": draw(st.booleans())},
        "lengths": draw(st.none() | st.lists(st.integers(1, T), min_size=N, max_size=N)),
        "with_states": draw(st.booleans()),
        "dstates": draw(st.sampled_from(["random", None])),
        "seed": draw(st.integers(0, 2**16)),
    }


def run_case(cls, case: dict, **extra) -> float:
    """Build ``cls`` and its inputs from a ``layer_cases`` draw and compare it with torch."""
    T, N, D, H = case["sizes"]
    rng = np.random.default_rng(case["seed"])
    module = cls(D, H, **case["kwargs"], **extra, rng=rng)
    x = rng.standard_normal((N, T, D) if module.batch_first else (T, N, D))
    states = random_states(module, x.shape, rng) if case["with_states"] else None
    return compare_layer(module, x, states, case["lengths"], dstates=case["dstates"], rng=case["seed"])


# -- finite differences (no torch) --------------------------------------------------------------------
def fd_check_layer(module, x, states=None, lengths=None, *, rng=0, rtol=1e-6) -> None:
    """Check dx, the initial-state gradients and every parameter gradient by central differences.

    The loss is ``sum(out * dout) + sum(h_n * dh_n) (+ sum(c_n * dc_n))`` for random dout and dh_n.
    """
    rng = np.random.default_rng(rng)
    lstm = is_lstm(module)
    states = None if states is None else tuple(np.array(s) for s in _as_tuple(states))
    hx = None if states is None else (states if lstm else states[0])
    out, final, cache = module.forward(x, hx, lengths=lengths)
    final = _as_tuple(final)
    dout = rng.standard_normal(out.shape)
    dstates = tuple(rng.standard_normal(f.shape) for f in final)
    dx, dstates0, grads = module.backward(dout, cache, dstates if lstm else dstates[0])

    def loss(_):
        o, f, _cache = module.forward(x, hx, lengths=lengths)
        return np.sum(o * dout) + sum(np.sum(a * d) for a, d in zip(_as_tuple(f), dstates))

    def close(name, analytic, array):
        numeric = lp.numerical_gradient(loss, array)
        np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=1e-8, err_msg=name)

    close("dx", dx, x)
    if states is not None:
        for name, d, s in zip(("dh0", "dc0"), _as_tuple(dstates0), states):
            close(name, d, s)
    for name, p in module.params.items():
        close(f"d{name}", grads[name], p)


# -- the layer as a loop over its cell ----------------------------------------------------------------
def loop_over_cell(cell, x, states, dout, dstates):
    """Run ``cell`` step by step over x (T, N, D) and back; return out, final states, dx, dstates0, grads."""
    lstm = is_lstm(cell)
    caches, outs, s = [], [], states
    for t in range(x.shape[0]):
        s, c = cell.forward(x[t], s if lstm else s[0])
        s = _as_tuple(s)
        outs.append(s[0])
        caches.append(c)
    final = s
    dx = np.empty_like(x)
    grads = {k: np.zeros_like(v) for k, v in cell.params.items()}
    d = list(dstates)
    for t in reversed(range(x.shape[0])):
        d[0] = d[0] + dout[t]
        dx[t], ds, g = cell.backward(tuple(d) if lstm else d[0], caches[t])
        d = list(_as_tuple(ds))
        for k in grads:
            grads[k] += g[k]
    return np.stack(outs), final, dx, tuple(d), grads
