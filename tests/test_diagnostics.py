"""Tests of lessonpkg.apps.diagnostics: per-step gradients dL/dh_t, their norms, and spectral-radius helpers."""

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error

import lessonpkg as lp
from lessonpkg.apps.diagnostics import hidden_grad_norms, hidden_grads, scale_to_spectral_radius, spectral_radius

CELLS = {"RNN": torch.nn.RNNCell, "LSTM": torch.nn.LSTMCell, "GRU": torch.nn.GRUCell}


def make_layer(kind, D=3, H=4, bias=True, batch_first=False, seed=0):
    if kind == "RNN_relu":
        return lp.RNN(D, H, nonlinearity="relu", bias=bias, batch_first=batch_first, rng=seed)
    layer = getattr(lp, kind)(D, H, bias=bias, batch_first=batch_first, rng=seed)
    if bias:  # torch's default biases are small; make them matter
        for k in layer.params:
            if k.startswith("bias"):
                layer.params[k] += np.random.default_rng(seed + 7).uniform(-0.5, 0.5, layer.params[k].shape)
    return layer


def torch_hidden_grads(layer, x, dh_last, hx):
    """dL/dh_t from torch autograd, running torch's cell step by step and keeping every h_t."""
    kind = type(layer).__name__
    kwargs = {"nonlinearity": layer.nonlinearity} if kind == "RNN" else {}
    cell = CELLS[kind](layer.input_size, layer.hidden_size, bias=layer.bias, dtype=torch.float64, **kwargs)
    cell.load_state_dict({k: torch.from_numpy(layer.params[k + "_l0"].copy()) for k in cell.state_dict()})
    xt = torch.from_numpy(x)
    if layer.batch_first:
        xt = xt.transpose(0, 1)
    if kind == "LSTM":
        state = None if hx is None else (torch.from_numpy(hx[0][0]), torch.from_numpy(hx[1][0]))
    else:
        state = None if hx is None else torch.from_numpy(hx[0])
    hs = []
    for t in range(xt.shape[0]):
        state = cell(xt[t], state)
        h = state[0] if kind == "LSTM" else state
        h.retain_grad()
        hs.append(h)
    (hs[-1] * torch.from_numpy(dh_last)).sum().backward()
    return np.stack([h.grad.numpy() for h in hs])


@pytest.mark.parametrize("kind", ["RNN", "RNN_relu", "LSTM", "GRU"])
@pytest.mark.parametrize("T, N", [(1, 1), (1, 3), (6, 1), (7, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_equals_torch_autograd(kind, T, N, bias):
    D, H = 3, 5
    layer = make_layer(kind, D, H, bias=bias, seed=T + N)
    rng = np.random.default_rng(T * 10 + N)
    x = rng.standard_normal((T, N, D))
    dh_last = rng.standard_normal((N, H))
    hx = rng.standard_normal((1, N, H))
    hx = (hx, rng.standard_normal((1, N, H))) if kind == "LSTM" else hx
    ours = hidden_grads(layer, x, dh_last, hx)
    theirs = torch_hidden_grads(layer, x, dh_last, hx)
    assert ours.shape == (T, N, H)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hidden_grad_norms(layer, x, dh_last, hx), np.linalg.norm(theirs.reshape(T, -1), axis=1),
                               rtol=1e-10, atol=1e-12)
    record("diagnostics.hidden_grads", ["dL/dh_t for every t"], (T, N, D, H), rel_error(ours, theirs))
    record("diagnostics.hidden_grad_norms", ["||dL/dh_t|| for every t"], (T, N, D, H),
           rel_error(hidden_grad_norms(layer, x, dh_last, hx), np.linalg.norm(theirs.reshape(T, -1), axis=1)))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_batch_first_and_zero_initial_state(kind):
    layer = make_layer(kind, batch_first=True, seed=3)
    x = np.random.default_rng(0).standard_normal((2, 5, 3))  # (N, T, D)
    dh_last = np.random.default_rng(1).standard_normal((2, 4))
    np.testing.assert_allclose(hidden_grads(layer, x, dh_last), torch_hidden_grads(layer, x, dh_last, None),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_agrees_with_the_layers_fast_backward_and_finite_differences(kind):
    """dL/dh_t is the dh0 of the layer run on x[t+1:] from the state h_t, and its numerical gradient."""
    T, N, D, H = 6, 2, 3, 4
    layer = make_layer(kind, D, H, seed=5)
    x = np.random.default_rng(2).standard_normal((T, N, D))
    dh_last = np.random.default_rng(3).standard_normal((N, H))
    dh = hidden_grads(layer, x, dh_last)
    lstm = kind == "LSTM"
    for t in (0, 2, T - 2):
        _, state, _ = layer.forward(x[: t + 1])  # the state after step t
        h_t = state[0] if lstm else state

        def suffix(h, state=state, t=t):
            _, final, _ = layer.forward(x[t + 1:], (h, state[1]) if lstm else h)
            return final[0] if lstm else final

        _, final, cache = layer.forward(x[t + 1:], (h_t, state[1]) if lstm else h_t)
        _, dstate0, _ = layer.backward(None, cache, (dh_last[None], None) if lstm else dh_last[None])
        np.testing.assert_allclose(dh[t], (dstate0[0] if lstm else dstate0)[0], rtol=1e-10, atol=1e-12)
        numeric = lp.numerical_gradient(suffix, h_t.copy(), dout=dh_last[None])
        np.testing.assert_allclose(dh[t], numeric[0], rtol=1e-6, atol=1e-8)


def test_default_dh_last_is_a_fixed_unit_direction_per_sequence():
    layer = make_layer("RNN")
    x = np.random.default_rng(0).standard_normal((4, 3, 3))
    a, b = hidden_grads(layer, x), hidden_grads(layer, x)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.linalg.norm(a[-1], axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(hidden_grad_norms(layer, x)[-1], np.sqrt(3), rtol=1e-12)


@pytest.mark.parametrize("radius", [0.5, 1.0, 1.5])
def test_at_the_zero_fixed_point_the_bound_radius_to_the_k_is_exact(radius):
    """Zero input and bias, h0 = 0: every tanh' is 1, and a scaled orthogonal W_hh has all singular values = radius."""
    H, T = 6, 12
    layer = lp.RNN(2, H, rng=0)
    for k in ("bias_ih_l0", "bias_hh_l0"):
        layer.params[k][...] = 0.0
    layer.params["weight_hh_l0"][...] = scale_to_spectral_radius(lp.init.orthogonal((H, H), rng=1), radius)
    norms = hidden_grad_norms(layer, np.zeros((T, 1, 2)))
    np.testing.assert_allclose(norms[::-1], radius ** np.arange(T), rtol=1e-12)


def test_spectral_radius_and_rescaling():
    w = np.array([[0.0, 2.0], [-2.0, 0.0]])  # eigenvalues +-2i
    assert spectral_radius(w) == pytest.approx(2.0, rel=1e-14)
    w2 = scale_to_spectral_radius(w, 0.5)
    assert spectral_radius(w2) == pytest.approx(0.5, rel=1e-14)
    np.testing.assert_allclose(w2, w / 4)
    assert w[0, 1] == 2.0  # the input is not changed
    w32 = np.random.default_rng(0).standard_normal((5, 5)).astype(np.float32)
    assert scale_to_spectral_radius(w32, 1.0).dtype == np.float32


@pytest.mark.parametrize("call, error, match", [
    (lambda: hidden_grads(lp.RNN(3, 4, num_layers=2, rng=0), np.zeros((2, 1, 3))), ValueError, "num_layers=1"),
    (lambda: hidden_grads(lp.RNN(3, 4, bidirectional=True, rng=0), np.zeros((2, 1, 3))), ValueError,
     "bidirectional=False"),
    (lambda: hidden_grads(lp.Linear(3, 4, rng=0), np.zeros((2, 1, 3))), TypeError, "layer must be a lessonpkg RNN"),
    (lambda: hidden_grads(lp.RNN(3, 4, rng=0), np.zeros((2, 1, 5))), ValueError,
     r"x must have shape \(T, N, D\) with D=input_size=3"),
    (lambda: hidden_grads(lp.RNN(3, 4, rng=0), np.zeros((2, 3))), ValueError, "x must have shape"),
    (lambda: hidden_grads(lp.RNN(3, 4, rng=0), np.zeros((2, 1, 3), dtype=np.float32)), TypeError, "x must have dtype"),
    (lambda: hidden_grads(lp.RNN(3, 4, rng=0), np.zeros((2, 1, 3)), np.zeros((1, 5))), ValueError,
     r"dh_last must have shape \(1, 4\)"),
    (lambda: hidden_grads(lp.RNN(3, 4, rng=0), np.zeros((2, 1, 3)), None, np.zeros((1, 2, 4))), ValueError,
     r"h0 must have shape \(1, 1, 4\)"),
    (lambda: hidden_grads(lp.LSTM(3, 4, rng=0), np.zeros((2, 1, 3)), None, np.zeros((1, 1, 4))), TypeError,
     r"hx must be a pair"),
    (lambda: spectral_radius(np.zeros((2, 3))), ValueError, "w must be a non-empty square matrix"),
    (lambda: scale_to_spectral_radius(np.zeros((2, 2)), 1.0), ValueError, "spectral radius 0"),
    (lambda: scale_to_spectral_radius(np.eye(2), -1.0), ValueError, "radius must be a finite number >= 0"),
    (lambda: scale_to_spectral_radius(np.eye(2), "1"), TypeError, "radius must be a real number"),
])
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
