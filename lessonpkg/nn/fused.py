"""The fast paths of the LSTM and GRU layers: each whole sequence in one fused loop.

The chapters show, and the tests check against torch, the plain loops of ``lstm.py`` and ``gru.py``,
which call the cell's step function once per step. The functions here compute the same numbers
(``tests/test_fused.py`` checks them against those loops to 1e-12 in float64), arranged for speed:
the gates are updated in place in preallocated arrays, the rows of the sigmoid gates are halved in
the weights so that one ``tanh`` serves every gate (``sigmoid(a) = (1 + tanh(a / 2)) / 2``, exact
in floating point), and the backward computes its step-independent factors a block of steps at a
time. ``make bench`` shows what this buys: at least 1.5x over the plain loops at some of the
benchmark's shapes (see ``benchmarks/results/recurrent.json``); the RNN has no fast path because
its plain loop is within 1.5x everywhere.

The GRU loop keeps each gate in its own contiguous block, ``acts[s]`` of shape (T, N, H) for slot s,
instead of torch's side-by-side (N, 3H) layout: numpy runs an elementwise operation on one
contiguous block several times faster than on a strided column slice. The LSTM loop keeps torch's
layout, since its gates are mostly handled all four at once.
"""

from __future__ import annotations

import numpy as np

from lessonpkg.nn.sequence import final_state, step_threads, steps

FACTOR_BLOCK = 32768  # backward computes its step-independent factors for about this many numbers at once


def lstm_forward_fused(x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, batch_sizes=None):
    """The fast path of ``lstm_forward``: the same arguments and results (one layer, one direction).

    The same equations, arranged for speed: every ``x_t @ weight_ih.T`` is one
    product over (T*N, D) before the loop; each step adds
    ``h_{t-1} @ weight_hh.T`` and applies the gates in place, in preallocated
    arrays. The rows of the i, f and o gates are halved in the weights (exact
    in floating point), so that one ``tanh`` over all 4H columns serves every
    gate: ``sigmoid(a) = (1 + tanh(a / 2)) / 2``.

    The cache is its own, for ``lstm_backward_fused``.
    """
    T, N, D = x.shape
    H = h0.shape[1]
    x = np.ascontiguousarray(x)
    half = np.full(4 * H, 0.5, dtype=x.dtype)  # 1/2 in the i, f, o columns, 1 in the g columns
    half[2 * H:3 * H] = 1.0
    acts = (x.reshape(T * N, D) @ (weight_ih.T * half)).reshape(T, N, 4 * H)  # pre-activations, then gates
    if bias_ih is not None:
        acts += (bias_ih + bias_hh) * half
    w_hh_t = np.ascontiguousarray(weight_hh.T * half)  # (H, 4H)
    scale, shift = np.tile(half, (N, 1)), np.tile(1.0 - half, (N, 1))  # (N, 4H): 1/2 and 1/2 for i, f, o; 1 and 0 for g
    hs = np.empty((T + 1, N, H), dtype=x.dtype)  # hs[0] = h0, hs[t + 1] = h_t
    cs = np.empty((T + 1, N, H), dtype=x.dtype)  # cs[0] = c0, cs[t + 1] = c_t
    hs[0], cs[0] = h0, c0
    tanh_c = np.empty((T, N, H), dtype=x.dtype)  # tanh(c_t), kept for backward
    rec, ig = np.empty((N, 4 * H), dtype=x.dtype), np.empty((N, H), dtype=x.dtype)
    with step_threads(N * H * 4 * H):  # small per-step products: one BLAS thread (see sequence.py)
        for t, n in steps(T, N, batch_sizes):
            a = acts[t, :n]  # (n, 4H) = x_t @ W_ih.T + biases, i, f, o halved
            a += np.matmul(hs[t, :n], w_hh_t, out=rec[:n])  # + h_{t-1} @ W_hh.T
            np.tanh(a, out=a)  # tanh(a / 2) in the i, f, o columns, g = tanh(a) in the g columns
            a *= scale[:n]
            a += shift[:n]  # i, f, o = sigmoid(a) = (1 + tanh(a / 2)) / 2
            i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            c = np.multiply(f, cs[t, :n], out=cs[t + 1, :n])  # c_t = f * c_{t-1} ...
            c += np.multiply(i, g, out=ig[:n])  # ... + i * g
            np.multiply(o, np.tanh(c, out=tanh_c[t, :n]), out=hs[t + 1, :n])  # h_t = o * tanh(c_t)
    for array in (acts, hs[1:], cs[1:], tanh_c):
        _zero_padding(array, batch_sizes)
    cache = {"fused": True, "x": x, "acts": acts, "hs": hs, "cs": cs, "tanh_c": tanh_c, "weight_ih": weight_ih,
             "weight_hh": weight_hh, "bias": bias_ih is not None, "batch_sizes": batch_sizes}
    return hs[1:], (final_state(hs, batch_sizes), final_state(cs, batch_sizes)), cache


def lstm_backward_fused(dout, dh_n, dc_n, cache):
    """Backward of ``lstm_forward_fused``: dout (T, N, H), dh_n and dc_n (N, H) give dx, (dh0, dc0) and the grads.

    Per step the chain rule reads (``lstm_cell_backward``, with the factors
    that do not depend on the incoming gradient computed ahead, a block of
    steps at a time)::

        dh     = dh + dout[t]
        dc     = dc + dh * o * (1 - tanh(c_t)**2)
        dgates = [dc * g * i(1-i), dc * c_{t-1} * f(1-f), dc * i * (1-g**2), dh * tanh(c_t) * o(1-o)]
        dc     = dc * f
        dh     = dgates @ weight_hh

    and each weight gradient is one product over all steps, e.g.
    ``dweight_hh = dgates.T @ h_prev`` with both viewed as (T*N, .).
    """
    x, acts, hs, cs, tanh_c, batch_sizes = (cache[k] for k in ("x", "acts", "hs", "cs", "tanh_c", "batch_sizes"))
    T, N, D = x.shape
    H = hs.shape[2]
    w_hh = cache["weight_hh"]
    dgates = np.empty((T, N, 4 * H), dtype=x.dtype)  # first the factors below, then dL/dgates in place
    dh = np.array(dh_n, dtype=x.dtype, copy=True)  # (N, H) dL/dh_t carried backwards in time
    dc = np.array(dc_n, dtype=x.dtype, copy=True)  # (N, H) dL/dc_t carried backwards in time
    block = max(1, FACTOR_BLOCK // (N * 4 * H))  # steps whose factors are computed together
    dc_factor = np.empty((block, N, H), dtype=x.dtype)
    tmp = np.empty((N, H), dtype=x.dtype)
    all_steps = steps(T, N, batch_sizes)
    with step_threads(N * H * 4 * H):  # small per-step products: one BLAS thread (see sequence.py)
        for t1 in range(T, 0, -block):
            t0 = max(0, t1 - block)
            a, fac, tc = acts[t0:t1], dgates[t0:t1], tanh_c[t0:t1]
            i, g, o = a[..., :H], a[..., 2 * H:3 * H], a[..., 3 * H:]
            np.subtract(1.0, a, out=fac)
            fac *= a  # s * (1 - s), the sigmoid derivative (used in the i, f and o columns)
            fac[..., :H] *= g  # dgates_i = dc * g * i(1-i)
            fac[..., H:2 * H] *= cs[t0:t1]  # dgates_f = dc * c_{t-1} * f(1-f)
            fac[..., 3 * H:] *= tc  # dgates_o = dh * tanh(c_t) * o(1-o)
            fac_g = np.multiply(g, g, out=fac[..., 2 * H:3 * H])
            np.subtract(1.0, fac_g, out=fac_g)
            fac_g *= i  # dgates_g = dc * i * (1 - g**2)
            dcf = np.multiply(tc, tc, out=dc_factor[: t1 - t0])
            np.subtract(1.0, dcf, out=dcf)
            dcf *= o  # dc += dh * o * (1 - tanh(c_t)**2)
            for t, n in reversed(all_steps[t0:t1]):
                dh_t, dc_t = dh[:n], dc[:n]
                dh_t += dout[t, :n]
                dc_t += np.multiply(dh_t, dcf[t - t0, :n], out=tmp[:n])
                d = dgates[t, :n]  # (n, 4H)
                d.reshape(n, 4, H)[:, :3] *= dc_t[:, None, :]  # the i, f, g columns
                d[:, 3 * H:] *= dh_t  # the o columns
                dc_t *= acts[t, :n, H:2 * H]  # dL/dc_{t-1} = dc * f
                np.matmul(d, w_hh, out=dh_t)  # dL/dh_{t-1} = dgates @ weight_hh
    _zero_padding(dgates, batch_sizes)
    dgates = dgates.reshape(T * N, 4 * H)
    dx = (dgates @ cache["weight_ih"]).reshape(T, N, D)
    grads = (dgates.T @ x.reshape(T * N, D), dgates.T @ hs[:-1].reshape(T * N, H), *_bias_grads(dgates, cache["bias"]))
    return dx, (dh, dc), grads


def gru_forward_fused(x, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, batch_sizes=None):
    """The fast path of ``gru_forward``: the same arguments and results (one layer, one direction).

    Every ``x_t @ weight_ih.T`` is computed before the loop, one product over
    (T*N, D) per gate, with ``bias_hh``'s r and z parts added there too; each
    step adds ``h_{t-1} @ weight_hh.T`` and applies the gates in place. Each
    gate has its own contiguous block, r, z, n (see the module docstring).

    The cache is its own, for ``gru_backward_fused``.
    """
    T, N, D = x.shape
    H = h0.shape[1]
    x = np.ascontiguousarray(x)
    halve = (0, 1)  # the r and z gates
    b_hn, bias = np.zeros(H, dtype=x.dtype), None
    if bias_ih is not None:
        b_hn = bias_hh[2 * H:]
        bias = _gate_blocks(np.concatenate([bias_ih[:2 * H] + bias_hh[:2 * H], bias_ih[2 * H:]])[:, None], 3, halve)
    acts = _project_inputs(x, _gate_blocks(weight_ih, 3, halve), bias)  # (3, T, N, H): r, z, n
    w_hh_t = _gate_blocks(weight_hh, 3, halve)  # (3, H, H)
    hs = np.empty((T + 1, N, H), dtype=x.dtype)  # hs[0] = h0, hs[t + 1] = h_t
    hs[0] = h0
    gh_n = np.empty((T, N, H), dtype=x.dtype)  # h_{t-1} @ W_hn.T + b_hn, kept for backward
    rec, tmp = np.empty((3, N, H), dtype=x.dtype), np.empty((N, H), dtype=x.dtype)
    with step_threads(N * H * 3 * H):  # small per-step products: one BLAS thread (see sequence.py)
        for t, n in steps(T, N, batch_sizes):
            a, h_prev = acts[:, t, :n], hs[t, :n]  # (3, n, H), (n, H)
            gh = np.matmul(h_prev, w_hh_t, out=rec[:, :n])  # h_{t-1} @ W_hh.T, gate by gate
            rz = a[:2]
            rz += gh[:2]
            np.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5  # r, z = sigmoid(a) = (1 + tanh(a / 2)) / 2
            r, z, cand = a
            ghn = np.add(gh[2], b_hn, out=gh_n[t, :n])
            cand += np.multiply(r, ghn, out=tmp[:n])
            np.tanh(cand, out=cand)  # n = tanh(x_t @ W_in.T + b_in + r * (h_{t-1} @ W_hn.T + b_hn))
            h = np.subtract(h_prev, cand, out=hs[t + 1, :n])  # h_t = n + z * (h_{t-1} - n)
            h *= z
            h += cand
    for array in (acts, hs[1:], gh_n):
        _zero_padding(array, batch_sizes)
    cache = {"fused": True, "x": x, "acts": acts, "hs": hs, "gh_n": gh_n, "weight_ih": weight_ih,
             "weight_hh": weight_hh, "bias": bias_ih is not None, "batch_sizes": batch_sizes}
    return hs[1:], final_state(hs, batch_sizes), cache


def gru_backward_fused(dout, dh_n, cache):
    """Backward of ``gru_forward_fused``: dout (T, N, H) and dh_n (N, H) give dx (T, N, D), dh0 (N, H) and the grads.

    Per step the chain rule reads (``gru_cell_backward``, with the factors
    that do not depend on the incoming gradient computed ahead, a block of
    steps at a time)::

        dh  = dh + dout[t]
        dan = dh * (1 - z) * (1 - n**2)                 # n's pre-activation
        dgh = [dan * gh_n * r(1-r), dh * (h_prev - n) * z(1-z), dan * r]
        dh  = dh * z + dgh @ weight_hh

    and dgi, the gradient of ``x @ weight_ih.T + bias_ih``, equals dgh with
    ``dan`` in the n block. Each weight gradient is one product over all steps.
    """
    x, acts, hs, gh_n, batch_sizes = (cache[k] for k in ("x", "acts", "hs", "gh_n", "batch_sizes"))
    T, N, D = x.shape
    H = hs.shape[2]
    w_hh = cache["weight_hh"].reshape(3, H, H)  # gate k's rows of weight_hh
    dgh = np.empty((3, T, N, H), dtype=x.dtype)  # first factors, then dL/dgh in place
    dan = np.empty((T, N, H), dtype=x.dtype)  # first (1 - z)(1 - n**2), then dL/d(n's pre-activation)
    dh = np.array(dh_n, dtype=x.dtype, copy=True)  # (N, H) dL/dh_t carried backwards in time
    block = max(1, FACTOR_BLOCK // (N * 3 * H))
    rec, tmp = np.empty((3, N, H), dtype=x.dtype), np.empty((N, H), dtype=x.dtype)
    all_steps = steps(T, N, batch_sizes)
    with step_threads(N * H * 3 * H):  # small per-step products: one BLAS thread (see sequence.py)
        for t1 in range(T, 0, -block):
            t0 = max(0, t1 - block)
            (r, z, cand), (f_r, f_z, f_n), f_an = acts[:, t0:t1], dgh[:, t0:t1], dan[t0:t1]
            np.subtract(1.0, z, out=f_z)  # 1 - z
            np.multiply(cand, cand, out=f_an)
            np.subtract(1.0, f_an, out=f_an)
            f_an *= f_z  # dan = dh * (1 - z) * (1 - n**2)
            f_z *= z
            f_z *= np.subtract(hs[t0:t1], cand, out=f_n)  # daz = dh * (h_prev - n) * z(1-z)
            np.subtract(1.0, r, out=f_r)
            f_r *= r
            f_r *= gh_n[t0:t1]  # dar = dan * gh_n * r(1-r)
            for t, n in reversed(all_steps[t0:t1]):
                dh_t = dh[:n]
                dh_t += dout[t, :n]
                g, d_an = dgh[:, t, :n], dan[t, :n]  # (3, n, H), (n, H)
                d_an *= dh_t
                g[0] *= d_an
                g[1] *= dh_t
                np.multiply(d_an, acts[0, t, :n], out=g[2])  # dan * r
                dh_t *= acts[1, t, :n]  # dh * z ...
                dh_t += np.sum(np.matmul(g, w_hh, out=rec[:, :n]), axis=0, out=tmp[:n])  # ... + dgh @ weight_hh
    _zero_padding(dgh, batch_sizes)
    _zero_padding(dan, batch_sizes)
    dx, grads = _block_grads([dgh[0], dgh[1], dan], dgh, x, hs[:-1], cache["weight_ih"], cache["bias"])
    return dx, dh, grads


def _zero_padding(a: np.ndarray, batch_sizes) -> None:
    """Set ``a[..., t, n_t:, :] = 0`` in a (..., T, N, F) array, for the rows that have finished by step t."""
    if batch_sizes is not None:
        for t, n in enumerate(batch_sizes):
            a[..., t, n:, :] = 0.0


def _bias_grads(dgates: np.ndarray, has_bias: bool) -> tuple:
    """``(dbias_ih, dbias_hh)``: both are the sum of ``dgates`` (T*N, G*H) over rows; two arrays, no aliasing."""
    if not has_bias:
        return None, None
    db = dgates.sum(axis=0)
    return db, db.copy()


def _gate_blocks(weight: np.ndarray, num_gates: int, halve=()) -> np.ndarray:
    """Torch's stacked weight (G*H, K) as one transposed block per gate, (G, K, H); gates in ``halve`` times 1/2."""
    H = weight.shape[0] // num_gates
    blocks = weight.reshape(num_gates, H, -1).transpose(0, 2, 1)  # (G, K, H)
    scale = np.array([0.5 if k in halve else 1.0 for k in range(num_gates)], dtype=weight.dtype)[:, None, None]
    return np.ascontiguousarray(blocks * scale)


def _project_inputs(x: np.ndarray, w_ih_blocks: np.ndarray, bias_blocks) -> np.ndarray:
    """``acts[k] = x @ w_ih_blocks[k] + bias_blocks[k]`` for each gate k, all time steps at once: (G, T, N, H)."""
    T, N, D = x.shape
    G, _, H = w_ih_blocks.shape
    acts = np.empty((G, T, N, H), dtype=x.dtype)
    x2 = x.reshape(T * N, D)
    for k in range(G):
        np.matmul(x2, w_ih_blocks[k], out=acts[k].reshape(T * N, H))  # one (T*N, D) @ (D, H) product per gate
        if bias_blocks is not None:
            acts[k] += bias_blocks[k]
    return acts


def _block_grads(dg_ih, dg_hh, x, h_prev, weight_ih, has_bias: bool):
    """dx and the weight gradients, in torch's layout, from per-gate blocks of gradients.

    ``dg_ih[k]`` and ``dg_hh[k]`` (T, N, H) are the gradients of gate k's
    ``x @ W_ih.T + b_ih`` and ``h_prev @ W_hh.T + b_hh`` parts. Each weight
    gradient is one product over all T*N rows, e.g.
    ``dweight_hh[k] = dg_hh[k].T @ h_prev``.

    Returns dx (T, N, D) and ``(dweight_ih, dweight_hh, dbias_ih, dbias_hh)``.
    """
    T, N, D = x.shape
    G, H = len(dg_ih), h_prev.shape[-1]
    x2, hp = x.reshape(T * N, D), h_prev.reshape(T * N, H)
    w_ih = weight_ih.reshape(G, H, D)
    dw_ih, dw_hh = np.empty((G, H, D), dtype=x.dtype), np.empty((G, H, H), dtype=x.dtype)
    db_ih, db_hh = np.empty((G, H), dtype=x.dtype), np.empty((G, H), dtype=x.dtype)
    dx = np.zeros((T * N, D), dtype=x.dtype)
    for k in range(G):
        a, b = dg_ih[k].reshape(T * N, H), dg_hh[k].reshape(T * N, H)
        dw_ih[k] = a.T @ x2
        dw_hh[k] = b.T @ hp
        dx += a @ w_ih[k]
        db_ih[k], db_hh[k] = a.sum(axis=0), b.sum(axis=0)
    biases = (db_ih.reshape(G * H), db_hh.reshape(G * H)) if has_bias else (None, None)
    return dx.reshape(T, N, D), (dw_ih.reshape(G * H, D), dw_hh.reshape(G * H, H), *biases)
