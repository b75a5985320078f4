"""The right answers of the exercises, computed by torch in float64 (imported lazily, inside each function).

Every function takes numpy arrays and returns a dict of numpy arrays named like the exercise's
outputs. ``reference`` falls back on the package's own solution when torch is not installed: that
solution is proven equal to torch by the unit tests.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def reference(torch_fn: Callable[..., dict], fallback: Callable[..., dict], *args) -> dict:
    """``torch_fn(*args)`` if torch can be imported, else ``fallback(*args)``."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return fallback(*args)
    return torch_fn(*args)


def _t(a, grad: bool = False):
    import torch

    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _np(t) -> np.ndarray:
    return t.detach().numpy().copy()


def linear(dout, x, weight, bias) -> dict:
    import torch

    tx, tw, tb = _t(x, True), _t(weight, True), _t(bias, True)
    torch.nn.functional.linear(tx, tw, tb).backward(_t(dout))
    return {"dx": _np(tx.grad), "dweight": _np(tw.grad), "dbias": _np(tb.grad)}


def cross_entropy(logits, target) -> dict:
    import torch

    tz = _t(logits, True)
    loss = torch.nn.functional.cross_entropy(tz, torch.tensor(target))
    loss.backward()
    return {"loss": _np(loss), "dlogits": _np(tz.grad)}


def _module(kind: str, D: int, H: int, weights: dict, **kw):
    import torch

    m = getattr(torch.nn, kind)(D, H, **kw).double()
    m.load_state_dict({k: _t(v) for k, v in weights.items()})
    return m


def cell(kind: str, x, states: tuple, weights: dict, douts: tuple | None) -> dict:
    """``kind`` is "RNNCell", "LSTMCell" or "GRUCell"; outputs h1 (, c1) and, given douts, every gradient."""
    m = _module(kind, x.shape[1], states[0].shape[1], weights)
    tx, ts = _t(x, True), [_t(s, True) for s in states]
    out = m(tx, tuple(ts) if kind == "LSTMCell" else ts[0])
    outs = out if isinstance(out, tuple) else (out,)
    res = dict(zip(("h1", "c1"), map(_np, outs)))
    if douts is not None:
        sum((o * _t(d)).sum() for o, d in zip(outs, douts)).backward()
        res.update(dx=_np(tx.grad), **{f"d{n}0": _np(s.grad) for n, s in zip("hc", ts)})
        res.update({f"d{k}": _np(p.grad) for k, p in m.named_parameters()})
    return res


def rnn_sequence(x, h0, weights: dict, dout, dh_n) -> dict:
    """torch.nn.RNN (one layer, tanh) over x (T, N, D): dx, dh0 and the weight gradients."""
    m = _module("RNN", x.shape[2], h0.shape[1], {f"{k}_l0": v for k, v in weights.items()})
    tx, th = _t(x, True), _t(h0[None], True)
    out, h_n = m(tx, th)
    ((out * _t(dout)).sum() + (h_n[0] * _t(dh_n)).sum()).backward()
    res = {"dx": _np(tx.grad), "dh0": _np(th.grad[0])}
    res.update({f"d{k.removesuffix('_l0')}": _np(p.grad) for k, p in m.named_parameters()})
    return res


def clip(grads: dict, max_norm: float) -> dict:
    import torch

    params = {k: torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for k, g in grads.items()}
    for k, p in params.items():
        p.grad = _t(grads[k])
    total = torch.nn.utils.clip_grad_norm_(list(params.values()), max_norm)
    return {"total_norm": _np(total), **{f"grads[{k}]": _np(p.grad) for k, p in params.items()}}


def additive_attention(query, keys, lengths, query_weight, key_weight, key_bias, v_weight) -> dict:
    import torch

    tq, tk = _t(query), _t(keys)
    u = torch.tanh((tq @ _t(query_weight).T)[:, None, :] + tk @ _t(key_weight).T + _t(key_bias))  # (N, S, A)
    scores = (u @ _t(v_weight).T)[..., 0]  # (N, S)
    pad = torch.arange(keys.shape[1])[None, :] >= torch.tensor(lengths)[:, None]
    weights = torch.softmax(scores.masked_fill(pad, float("-inf")), dim=1)
    return {"context": _np((weights[:, None, :] @ tk)[:, 0]), "weights": _np(weights)}


def ctc_log_likelihood(log_probs, target, blank: int) -> float:
    """``log p(target | log_probs)`` for one sequence: minus torch's ctc_loss with reduction="none"."""
    import torch

    T = log_probs.shape[0]
    loss = torch.nn.functional.ctc_loss(_t(log_probs)[:, None, :], torch.tensor(target)[None], torch.tensor([T]),
                                        torch.tensor([len(target)]), blank=blank, reduction="none")
    return -float(loss[0])
