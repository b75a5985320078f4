"""lessonpkg.nn.AdditiveAttention against its equations in torch (float64, autograd) and finite differences."""

import numpy as np
import pytest
import torch
from equality_log import record

import lessonpkg as lp
from lessonpkg.nn.attention import AdditiveAttention, masked_softmax

RTOL, ATOL = 1e-10, 1e-12


def torch_attention(params, query, keys, lengths):
    """e = tanh(q W_q^T + k W_k^T + b) v^T, masked softmax over s, context = sum_s alpha_s k_s, in torch ops."""
    pq = query @ params["query.weight"].T  # (N, T, A)
    pk = keys @ params["key.weight"].T  # (N, S, A)
    if "key.bias" in params:
        pk = pk + params["key.bias"]
    scores = (torch.tanh(pq[:, :, None, :] + pk[:, None, :, :]) @ params["v.weight"].T)[..., 0]  # (N, T, S)
    if lengths is not None:
        valid = torch.arange(keys.shape[1])[None, None, :] < torch.as_tensor(lengths)[:, None, None]
        scores = scores.masked_fill(~valid, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ keys, weights


def _rel(ours, theirs):
    theirs = theirs.detach().numpy()
    assert np.shape(ours) == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)
    scale = np.linalg.norm(theirs)
    return float(np.linalg.norm(ours - theirs) / scale) if scale > 0 else 0.0


CASES = [(1, 1, 1, 3, 2, 4, False), (1, 1, 4, 3, 5, 2, False), (3, 1, 5, 4, 3, 6, True), (2, 3, 1, 2, 2, 3, False),
         (4, 2, 6, 5, 4, 3, True), (5, 4, 3, 3, 3, 3, True)]


# a query without a time axis (N, Dq) is one query per sequence, so only cases with T = 1 run untimed
SWEEP = [case + (timed,) for case in CASES for timed in (True, False) if timed or case[1] == 1]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("N, T, S, Dq, Dk, A, masked, timed", SWEEP)
def test_forward_weights_and_every_gradient_match_torch(N, T, S, Dq, Dk, A, masked, bias, timed):
    att = AdditiveAttention(Dq, Dk, A, bias=bias, rng=N * 100 + S * 10 + A)
    rng = np.random.default_rng(N + S)
    query = rng.standard_normal((N, T, Dq) if timed else (N, Dq))
    keys = rng.standard_normal((N, S, Dk))
    lengths = rng.integers(1, S + 1, N) if masked else None
    if masked:
        lengths[0] = S  # one full-length row and (usually) some shorter ones
    (context, weights), cache = att.forward(query, keys, lengths)
    dcontext, dweights = rng.standard_normal(context.shape), rng.standard_normal(weights.shape)
    dquery, dkeys, grads = att.backward((dcontext, dweights), cache)

    tp = {k: torch.tensor(v, requires_grad=True) for k, v in att.params.items()}
    tq = torch.tensor(query if timed else query[:, None], requires_grad=True)
    tk = torch.tensor(keys, requires_grad=True)
    tc, tw = torch_attention(tp, tq, tk, lengths)
    if not timed:
        tc, tw = tc[:, 0], tw[:, 0]
    ((tc * torch.from_numpy(dcontext)).sum() + (tw * torch.from_numpy(dweights)).sum()).backward()
    errs = [_rel(context, tc), _rel(weights, tw), _rel(dkeys, tk.grad),
            _rel(dquery, tq.grad if timed else tq.grad[:, 0])]
    assert list(grads) == list(att.params)
    errs += [_rel(grads[k], tp[k].grad) for k in att.params]
    if masked:
        for n in range(N):
            assert np.all(weights[n, ..., lengths[n]:] == 0) and np.all(dkeys[n, lengths[n]:] == 0)
    record("AdditiveAttention", ["context", "weights", "dquery", "dkeys"] + [f"d{k}" for k in att.params],
           (N, T if timed else "-", S, Dq, Dk, A, "masked" if masked else "full", "bias" if bias else "no bias"),
           max(errs))


@pytest.mark.parametrize("masked", [False, True])
def test_finite_differences_without_torch(masked):
    att = AdditiveAttention(3, 4, 5, rng=0)
    rng = np.random.default_rng(1)
    inputs = (rng.standard_normal((3, 2, 3)), rng.standard_normal((3, 4, 4)),
              np.array([4, 2, 1]) if masked else None)
    res = lp.gradcheck(att, inputs, rng=0, verbose=False)
    assert res.ok, res


def test_weights_are_a_distribution_and_context_a_convex_combination():
    att = AdditiveAttention(2, 3, 4, rng=0)
    keys = np.random.default_rng(0).standard_normal((2, 5, 3))
    (context, weights), _ = att.forward(np.ones((2, 2)), keys, np.array([5, 3]))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert np.all(weights >= 0) and np.all(weights[1, 3:] == 0)
    np.testing.assert_allclose(context, np.einsum("ns,nsd->nd", weights, keys), rtol=1e-14)
    # one source position: the weight is 1 and the context is that key, whatever the scores
    (c1, w1), _ = att.forward(np.ones((2, 2)), keys[:, :1])
    assert np.all(w1 == 1.0) and np.array_equal(c1, keys[:, 0])
    np.testing.assert_allclose(masked_softmax(np.zeros((1, 1, 4)), np.array([2])), [[[0.5, 0.5, 0, 0]]])


def test_params_are_named_like_three_torch_linears():
    att = AdditiveAttention(3, 4, 5, rng=0)
    twin = torch.nn.ModuleDict({"query": torch.nn.Linear(3, 5, bias=False), "key": torch.nn.Linear(4, 5),
                                "v": torch.nn.Linear(5, 1, bias=False)})
    assert {k: tuple(v.shape) for k, v in twin.named_parameters()} == {k: v.shape for k, v in att.params.items()}
    assert set(AdditiveAttention(3, 4, 5, bias=False).params) == {"query.weight", "key.weight", "v.weight"}


def test_bad_inputs():
    att = AdditiveAttention(3, 4, 5, rng=0)
    q, k = np.zeros((2, 3)), np.zeros((2, 6, 4))
    with pytest.raises(ValueError, match=r"query must have shape \(N, 3\) or \(N, T, 3\)"):
        att.forward(np.zeros((2, 2)), k)
    with pytest.raises(ValueError, match=r"keys must have shape \(2, S, 4\)"):
        att.forward(q, np.zeros((3, 6, 4)))
    with pytest.raises(ValueError, match="lengths must have entries < 7"):
        att.forward(q, k, np.array([7, 1]))
    with pytest.raises(ValueError, match="lengths must have entries >= 1"):
        att.forward(q, k, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"lengths must have shape \(2,\)"):
        att.forward(q, k, np.array([1, 1, 1]))
    with pytest.raises(TypeError, match="query must have dtype float64"):
        att.forward(q.astype(np.float32), k)
    (c, w), cache = att.forward(q, k)
    with pytest.raises(ValueError, match=r"dcontext must have shape \(2, 4\)"):
        att.backward((np.zeros((2, 3)), None), cache)
    with pytest.raises(TypeError, match="dout must be a tuple"):
        att.backward(np.zeros((2, 4)), cache)
    with pytest.raises(TypeError, match="cache must be the cache"):
        AdditiveAttention(3, 4, 5).backward((c, None), cache)
    with pytest.raises(TypeError, match="bias must be a bool"):
        AdditiveAttention(3, 4, 5, bias=1)
    with pytest.raises(ValueError, match="attention_size must be >= 1"):
        AdditiveAttention(3, 4, 0)


def test_masked_softmax_bad_inputs():
    scores = np.zeros((2, 1, 4))
    with pytest.raises(ValueError, match="scores must be finite"):
        masked_softmax(np.full((1, 1, 2), np.nan), None)
    with pytest.raises(ValueError, match=r"scores must have shape \(N, T, S\)"):
        masked_softmax(np.zeros((2, 4)), None)
    with pytest.raises(TypeError, match="scores must have dtype a floating dtype, got object"):
        masked_softmax(None, None)
    with pytest.raises(ValueError, match="lengths must have entries >= 1, got a minimum of 0"):
        masked_softmax(scores, np.array([0, 2]))  # an all-masked row would be 0/0
    with pytest.raises(ValueError, match="lengths must have entries < 5"):
        masked_softmax(scores, np.array([5, 2]))
    with pytest.raises(ValueError, match=r"lengths must have shape \(2,\), one length per sequence, got \(3,\)"):
        masked_softmax(scores, np.array([1, 2, 3]))
