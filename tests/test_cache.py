"""lessonpkg.nn.module.Cache: every backward takes only the cache that its own object's forward returned.

For every layer, loss and composite model: build two of the same class and shape (A and B, different
weights), run both forwards, and check that B.backward accepts B's cache but refuses A's (which would
otherwise silently give A's gradients), a plain copy of its own cache, a cache of another class, None,
and the cache of an object that no longer exists.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

import lessonpkg as lp
from lessonpkg.nn.module import Cache

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 4, 3))  # (N, T, D)
TOKENS = RNG.integers(0, 5, (2, 4))  # (N, T)


def ones_like(out):
    return tuple(np.ones_like(o) for o in out) if isinstance(out, tuple) else np.ones_like(out)


def layer(make, *inputs):
    """``forward(*inputs) -> (out, cache)``, ``backward(dout, cache)``: layers, cells and composite models."""
    return make, lambda m: m.forward(*inputs), lambda m, out, cache: m.backward(ones_like(out), cache)


def recurrent(make, x):
    """RNN/LSTM/GRU: ``forward(x) -> (out, final state, cache)``."""
    def fwd(m):
        out, _, cache = m.forward(x)
        return out, cache
    return make, fwd, lambda m, out, cache: m.backward(np.ones_like(out), cache)


def loss(make, *inputs):
    """Losses: ``forward(*inputs) -> (loss, cache)`` and ``backward(cache)``."""
    return make, lambda m: m.forward(*inputs), lambda m, out, cache: m.backward(cache)


def seq2seq(seed, attend=False):
    rng = np.random.default_rng(seed)
    parts = [lp.Embedding(5, 3, rng=rng), lp.GRU(3, 4, batch_first=True, rng=rng), lp.Embedding(5, 3, rng=rng),
             lp.GRU(3, 4, batch_first=True, rng=rng)]
    if attend:
        return lp.AttentionSeq2Seq(*parts, lp.AdditiveAttention(4, 4, 3, rng=rng), lp.Linear(8, 5, rng=rng))
    return lp.Seq2Seq(*parts, lp.Linear(4, 5, rng=rng))


def captioner(seed):
    return lp.ImageCaptioner(lp.Linear(3, 4, rng=seed), lp.Embedding(5, 3, rng=seed),
                             lp.GRU(3, 4, batch_first=True, rng=seed), lp.Linear(4, 5, rng=seed))


def language_model(seed):
    return lp.RNNLanguageModel(lp.Embedding(5, 3, rng=seed), lp.LSTM(3, 4, batch_first=True, rng=seed),
                               lp.Linear(4, 5, rng=seed))


CTC_INPUTS = (np.log(np.full((4, 2, 3), 1 / 3)), np.array([[1, 2], [2, 0]]), np.array([4, 3]), np.array([2, 1]))
CASES = {
    "Linear": layer(lambda s: lp.Linear(3, 2, rng=s), X),
    "Embedding": layer(lambda s: lp.Embedding(5, 3, rng=s), TOKENS),
    "Tanh": layer(lambda s: lp.Tanh(), X),
    "Sigmoid": layer(lambda s: lp.Sigmoid(), X),
    "ReLU": layer(lambda s: lp.ReLU(), X),
    "Sequential": layer(lambda s: lp.Sequential(lp.Linear(3, 4, rng=s), lp.Tanh(), lp.Linear(4, 2, rng=s)), X),
    "RNN": recurrent(lambda s: lp.RNN(3, 4, batch_first=True, rng=s), X),
    "LSTM": recurrent(lambda s: lp.LSTM(3, 4, num_layers=2, bidirectional=True, rng=s), X),
    "GRU": recurrent(lambda s: lp.GRU(3, 4, rng=s), X),
    "RNNCell": layer(lambda s: lp.RNNCell(3, 4, rng=s), X[:, 0]),
    "LSTMCell": layer(lambda s: lp.LSTMCell(3, 4, rng=s), X[:, 0]),
    "GRUCell": layer(lambda s: lp.GRUCell(3, 4, rng=s), X[:, 0]),
    "AdditiveAttention": (lambda s: lp.AdditiveAttention(3, 3, 5, rng=s), lambda m: m.forward(X[:, 0], X),
                          lambda m, out, cache: m.backward((np.ones_like(out[0]), None), cache)),
    "CrossEntropyLoss": loss(lambda s: lp.CrossEntropyLoss(), X[:, 0], np.array([0, 2])),
    "MSELoss": loss(lambda s: lp.MSELoss(), X, np.zeros_like(X)),
    "BCEWithLogitsLoss": loss(lambda s: lp.BCEWithLogitsLoss(), X, np.full_like(X, 0.5)),
    "CTCLoss": loss(lambda s: lp.CTCLoss(), *CTC_INPUTS),
    "RNNLanguageModel": layer(language_model, TOKENS),
    "SequenceClassifier": layer(lambda s: lp.SequenceClassifier(lp.GRU(3, 4, batch_first=True, rng=s),
                                                                lp.Linear(4, 2, rng=s)), X),
    "SequenceTagger": layer(lambda s: lp.SequenceTagger(lp.RNN(3, 4, batch_first=True, rng=s),
                                                        lp.Linear(4, 2, rng=s)), X),
    "VectorToSequence": layer(lambda s: lp.VectorToSequence(lp.LSTM(3, 4, batch_first=True, rng=s),
                                                            lp.Linear(4, 2, rng=s), 3), X[:, 0]),
    "Seq2Seq": layer(seq2seq, TOKENS, TOKENS),
    "AttentionSeq2Seq": layer(lambda s: seq2seq(s, attend=True), TOKENS, None, TOKENS),
    "ImageCaptioner": layer(captioner, X[:, 0], TOKENS),
}


def refused(name: str, got: str) -> str:
    return rf"cache must be the cache returned by this {name}'s forward, got {got}$"


@pytest.mark.parametrize("name", CASES)
def test_backward_refuses_a_cache_its_own_forward_did_not_return(name):
    make, forward, backward = CASES[name]
    a, b = make(1), make(2)
    assert type(a).__name__ == name
    out_a, cache_a = forward(a)
    out_b, cache_b = forward(b)
    assert isinstance(cache_b, Cache)
    backward(b, out_b, cache_b)  # its own cache: fine
    with pytest.raises(TypeError, match=refused(name, f"the cache of another {name}")):
        backward(b, out_a, cache_a)  # same class and shape: would silently give a's gradients
    with pytest.raises(TypeError, match=refused(name, "dict")):
        backward(b, out_b, dict(cache_b))  # the right contents, but not a cache that b's forward returned
    with pytest.raises(TypeError, match=refused(name, "NoneType")):
        backward(b, out_b, None)
    linear = lp.Linear(2, 2)
    _, linear_cache = linear.forward(np.ones((1, 2)))
    with pytest.raises(TypeError, match=refused(name, f"the cache of {'another' if name == 'Linear' else 'a'} Linear")):
        backward(b, out_b, linear_cache)


def test_a_cache_does_not_keep_its_module_alive_and_then_matches_no_module():
    x = np.ones((2, 3))
    _, cache = lp.Linear(3, 2, rng=0).forward(x)  # the Linear is garbage at once
    gc.collect()
    for _ in range(20):  # new Linears may reuse the dead one's memory address (its id)
        other = lp.Linear(3, 2, rng=1)
        with pytest.raises(TypeError, match=refused("Linear", "the cache of an object that no longer exists")):
            other.backward(np.ones((2, 2)), cache)


def test_a_cache_is_a_dict_of_what_forward_saved():
    m = lp.Linear(3, 2, rng=0)
    x = np.ones((4, 3))
    _, cache = m.forward(x)
    assert list(cache) == ["x"] and cache["x"] is x and cache.owner() is m
    assert m.check_cache(cache) is cache
