"""Additive attention (Bahdanau et al. 2015): a query scores every key, and the context is the weighted sum.

For one query q (Dq,) and the keys k_1, ..., k_S (each Dk,) of one source sequence::

    e_s     = tanh(q @ W_q.T + k_s @ W_k.T + b) @ v.T      # score of source position s, a scalar
    alpha   = softmax(e)  over s = 1..S                     # attention weights, sum to 1
    context = sum_s alpha_s * k_s                           # (Dk,)

In a batch the sources may have different lengths: positions s >= lengths[n]
get the score -inf, so their weight is exactly 0 and they receive no gradient.
There is no ``torch.nn`` layer for this; the tests write the same equations
with torch tensors and compare forward values and every gradient.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import as_rng, check_array, check_bool, check_int, check_int_array
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.module import Module


def masked_softmax(scores: np.ndarray, lengths: np.ndarray | None) -> np.ndarray:
    """Softmax over the last axis (S) of ``scores`` (N, T, S), with ``s >= lengths[n]`` given weight exactly 0."""
    scores = check_array(scores, "scores")
    if scores.ndim != 3 or 0 in scores.shape:
        raise ValueError(f"scores must have shape (N, T, S) with N, T, S >= 1, got {scores.shape}")
    if lengths is not None:
        S = scores.shape[-1]
        lengths = check_int_array(lengths, "lengths", low=1, high=S + 1)
        if lengths.shape != scores.shape[:1]:
            raise ValueError(f"lengths must have shape ({scores.shape[0]},), one length per sequence, "
                             f"got {lengths.shape}")
        valid = np.arange(S)[None, None, :] < lengths[:, None, None]  # (N, 1, S)
        scores = np.where(valid, scores, -np.inf)
    z = scores - scores.max(axis=-1, keepdims=True)  # the max is finite: lengths >= 1
    w = np.exp(z)  # exp(-inf) = 0
    return w / w.sum(axis=-1, keepdims=True)


class AdditiveAttention(Module):
    """Bahdanau's additive attention: ``e = tanh(q @ W_q.T + k @ W_k.T + b) @ v.T``, then softmax and a weighted sum.

    Parameters
    ----------
    query_size : int
        Dq, the size of a query (e.g. the decoder's hidden state).
    key_size : int
        Dk, the size of a key (e.g. an encoder output); the context has this size too.
    attention_size : int
        A, the size of the hidden layer that compares query and key.
    bias : bool, default True
        Whether to learn ``b`` (stored as ``"key.bias"``).
    rng : numpy.random.Generator, int or None
    dtype : np.float64 or np.float32

    Notes
    -----
    The weights live in three ``Linear`` children, ``query`` (A, Dq, no bias),
    ``key`` (A, Dk, with the bias b) and ``v`` (1, A, no bias), so ``params``
    holds ``"query.weight"``, ``"key.weight"``, ``"key.bias"`` and ``"v.weight"``,
    the names of the same three ``torch.nn.Linear`` layers.
    One bias is enough: a bias on ``query`` would only add to ``key.bias`` (the
    two always appear as a sum, so they could not be told apart), and a bias on
    ``v`` adds the same number to every score, which the softmax cancels (its
    gradient is always 0). Every weight starts as a draw from
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), torch's default for ``Linear``.
    """

    def __init__(self, query_size: int, key_size: int, attention_size: int, bias: bool = True, *,
                 rng: np.random.Generator | int | None = None, dtype=np.float64) -> None:
        super().__init__(dtype)
        self.query_size = check_int(query_size, "query_size", low=1)
        self.key_size = check_int(key_size, "key_size", low=1)
        self.attention_size = check_int(attention_size, "attention_size", low=1)
        bias = check_bool(bias, "bias")
        rng = as_rng(rng)
        A, Dq, Dk = self.attention_size, self.query_size, self.key_size
        self.query = Linear(Dq, A, bias=False, rng=rng, dtype=dtype)  # W_q
        self.key = Linear(Dk, A, bias=bias, rng=rng, dtype=dtype)  # W_k and b
        self.v = Linear(A, 1, bias=False, rng=rng, dtype=dtype)  # v

    def forward(self, query: np.ndarray, keys: np.ndarray,
                lengths: np.ndarray | None = None) -> tuple[tuple[np.ndarray, np.ndarray], dict]:
        """Attend from each query to the keys of its own sequence.

        Parameters
        ----------
        query : ndarray (N, Dq), or (N, T, Dq) for T queries per sequence (e.g. every decoder step)
        keys : ndarray (N, S, Dk)
        lengths : int ndarray (N,) or None
            Valid source positions per sequence, 1 <= lengths[n] <= S; None means all S.

        Returns
        -------
        (context, weights) : ndarrays (N, Dk) and (N, S), or (N, T, Dk) and (N, T, S)
        cache : dict
        """
        query, keys, lengths, timed = self._check(query, keys, lengths)
        w_q, w_k, v = self.query.params["weight"], self.key.params["weight"], self.v.params["weight"][0]
        pk = keys @ w_k.T  # (N, S, A), computed once for all T queries
        if "bias" in self.key.params:
            pk = pk + self.key.params["bias"]
        pq = query @ w_q.T  # (N, T, A)
        u = np.tanh(pq[:, :, None, :] + pk[:, None, :, :])  # (N, T, S, A)
        scores = u @ v  # (N, T, S)
        weights = masked_softmax(scores, lengths)  # (N, T, S)
        context = weights @ keys  # (N, T, Dk)
        cache = self.save_for_backward(query=query, keys=keys, u=u, weights=weights, timed=timed)
        if not timed:
            return (context[:, 0], weights[:, 0]), cache
        return (context, weights), cache

    def backward(self, dout: tuple, cache: dict) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Gradients of the loss with respect to the query, the keys and every parameter.

        With ``de`` the gradient of the scores and ``da = de[..., None] * v * (1 - u**2)``
        the gradient of the tanh's input (N, T, S, A)::

            dweights = dcontext @ keys.T + dweights_in          # (N, T, S)
            de       = weights * (dweights - sum_s weights * dweights)
            dquery   = da.sum(S) @ W_q                          # (N, T, Dq)
            dkeys    = weights.T @ dcontext + da.sum(T) @ W_k   # (N, S, Dk)

        Parameters
        ----------
        dout : tuple (dcontext, dweights)
            Gradients with respect to both outputs, shaped like them; ``dweights`` may be None (zeros).
        cache : dict
            From ``forward``.

        Returns
        -------
        dquery : ndarray, like query
        dkeys : ndarray (N, S, Dk)
        grads : dict keyed like ``params``
        """
        query, keys, u, weights, timed = self.check_cache(cache).values()
        dcontext, dweights = self._check_dout(dout, weights.shape, timed)  # (N, T, Dk), (N, T, S) or None
        dw = dcontext @ keys.transpose(0, 2, 1)  # (N, T, S)
        if dweights is not None:
            dw = dw + dweights
        de = weights * (dw - (weights * dw).sum(axis=-1, keepdims=True))  # softmax backward; 0 where masked
        w_q, w_k, v = self.query.params["weight"], self.key.params["weight"], self.v.params["weight"][0]
        g_v = {"weight": np.einsum("nts,ntsa->a", de, u)[None, :]}  # (1, A)
        da = de[..., None] * v * (1.0 - u * u)  # (N, T, S, A)
        dpq = da.sum(axis=2)  # (N, T, A)
        dpk = da.sum(axis=1)  # (N, S, A)
        A = self.attention_size
        g_q = {"weight": dpq.reshape(-1, A).T @ query.reshape(-1, self.query_size)}  # (A, Dq)
        g_k = {"weight": dpk.reshape(-1, A).T @ keys.reshape(-1, self.key_size)}  # (A, Dk)
        if "bias" in self.key.params:
            g_k["bias"] = dpk.sum(axis=(0, 1))  # (A,)
        dquery = dpq @ w_q  # (N, T, Dq)
        dkeys = weights.transpose(0, 2, 1) @ dcontext + dpk @ w_k  # (N, S, Dk)
        return (dquery if timed else dquery[:, 0]), dkeys, self.collect_grads(query=g_q, key=g_k, v=g_v)

    # -- checks --------------------------------------------------------------------------------------
    def _check(self, query, keys, lengths):
        query = check_array(query, "query", dtype=self.dtype)
        keys = check_array(keys, "keys", dtype=self.dtype)
        Dq, Dk = self.query_size, self.key_size
        if query.ndim not in (2, 3) or query.shape[-1] != Dq or 0 in query.shape:
            raise ValueError(f"query must have shape (N, {Dq}) or (N, T, {Dq}) with query_size={Dq}, "
                             f"got {query.shape}")
        N = query.shape[0]
        if keys.ndim != 3 or keys.shape[0] != N or keys.shape[2] != Dk or keys.shape[1] == 0:
            raise ValueError(f"keys must have shape ({N}, S, {Dk}) with N={N} (from query) and key_size={Dk}, "
                             f"S >= 1, got {keys.shape}")
        S = keys.shape[1]
        if lengths is not None:
            lengths = check_int_array(lengths, "lengths", low=1, high=S + 1)
            if lengths.shape != (N,):
                raise ValueError(f"lengths must have shape ({N},), one length per sequence, got {lengths.shape}")
        timed = query.ndim == 3
        return (query if timed else query[:, None, :]), keys, lengths, timed

    def _check_dout(self, dout, weights_shape, timed: bool) -> tuple:
        """``(dcontext, dweights)`` shaped like forward's outputs, with the T axis restored if it was dropped."""
        if not isinstance(dout, tuple) or len(dout) != 2:
            raise TypeError(f"dout must be a tuple (dcontext, dweights), got {type(dout).__name__}")
        N, T, S = weights_shape
        checked = []
        for d, name, shape in zip(dout, ("dcontext", "dweights"), ((N, T, self.key_size), (N, T, S))):
            if d is None and name == "dweights":
                checked.append(None)
                continue
            expected = shape if timed else (shape[0], shape[2])
            d = check_array(d, name, dtype=self.dtype, shape=expected, hint="like the output of forward")
            checked.append(d if timed else d[:, None, :])
        return tuple(checked)

    def extra_repr(self) -> str:
        return f"query_size={self.query_size}, key_size={self.key_size}, attention_size={self.attention_size}"
