"""LSTMCell and LSTM against torch.nn in float64, by finite differences, and as a loop over the cell."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from recurrent_twin import compare_cell, compare_layer, fd_check_layer, layer_cases, run_case

import lessonpkg as lp


def test_cell_dc1_may_be_none():
    rng = np.random.default_rng(2)
    cell = lp.LSTMCell(3, 4, rng=rng)
    hx = (rng.standard_normal((2, 4)), rng.standard_normal((2, 4)))
    compare_cell(cell, rng.standard_normal((2, 3)), hx, dstates=(rng.standard_normal((2, 4)), None))


def test_cell_unbatched_matches_torch():
    rng = np.random.default_rng(3)
    cell = lp.LSTMCell(4, 3, rng=rng)
    compare_cell(cell, rng.standard_normal(4), (rng.standard_normal(3), rng.standard_normal(3)))
    (h1, c1), cache = cell.forward(rng.standard_normal(4))
    dx, (dh0, dc0), _ = cell.backward((np.ones(3), None), cache)
    assert h1.shape == c1.shape == dh0.shape == dc0.shape == (3,) and dx.shape == (4,)


@settings(max_examples=50, deadline=None)
@given(case=layer_cases())
def test_layer_matches_torch(case):
    run_case(lp.LSTM, case)


@settings(max_examples=15, deadline=None)
@given(case=layer_cases(max_layers=2), dc_n_only=st.booleans())
def test_layer_dout_none(case, dc_n_only):
    """Only the final state feeds the loss: dout is None, and possibly dh_n too."""
    T, N, D, H = case["sizes"]
    rng = np.random.default_rng(case["seed"])
    lstm = lp.LSTM(D, H, **case["kwargs"], rng=rng)
    x = rng.standard_normal((N, T, D) if lstm.batch_first else (T, N, D))
    shape = (lstm.num_layers * lstm.num_directions, N, H)
    dstates = (None if dc_n_only else rng.standard_normal(shape), rng.standard_normal(shape))
    compare_layer(lstm, x, None, case["lengths"], dout=None, dstates=dstates)


def test_finite_differences():
    rng = np.random.default_rng(7)
    lstm = lp.LSTM(3, 2, 2, bidirectional=True, rng=rng)
    x = rng.standard_normal((4, 3, 3))
    hx = (rng.standard_normal((4, 3, 2)), rng.standard_normal((4, 3, 2)))
    fd_check_layer(lstm, x, hx, lengths=[4, 1, 3])


def test_cell_finite_differences():
    rng = np.random.default_rng(8)
    cell = lp.LSTMCell(3, 2, rng=rng)
    x, h0, c0 = rng.standard_normal((2, 3)), rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    dh1, dc1 = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    (h1, c1), cache = cell.forward(x, (h0, c0))
    dx, (dh0, dc0), grads = cell.backward((dh1, dc1), cache)

    def both(_):
        h, c = cell.forward(x, (h0, c0))[0]
        return np.concatenate([h, c])

    dout = np.concatenate([dh1, dc1])
    for analytic, array in [(dx, x), (dh0, h0), (dc0, c0), *((grads[k], p) for k, p in cell.params.items())]:
        np.testing.assert_allclose(analytic, lp.numerical_gradient(both, array, dout), rtol=1e-6, atol=1e-9)


def test_saturated_gates_stay_finite():
    """Pre-activations of +-1000 saturate the gates without overflow warnings or NaN."""
    lstm = lp.LSTM(1, 2)
    for v in lstm.params.values():
        v[:] = 0.0
    lstm.params["weight_ih_l0"][:, 0] = [1000, -1000, 1000, -1000, 1000, -1000, 1000, -1000]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would fail the test
        out, (h_n, c_n), cache = lstm.forward(np.ones((3, 1, 1)))
        dx, _, grads = lstm.backward(np.ones_like(out), cache)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    compare_layer(lstm, np.ones((3, 1, 1)))


def test_hx_must_be_a_pair():
    lstm, x = lp.LSTM(2, 3), np.zeros((4, 1, 2))
    with pytest.raises(TypeError, match=r"hx must be a pair \(h, c\) of arrays or None, got ndarray"):
        lstm.forward(x, np.zeros((1, 1, 3)))
    with pytest.raises(TypeError, match="hx must be a pair"):
        lp.LSTMCell(2, 3).forward(np.zeros((1, 2)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"c0 must have shape \(1, 1, 3\)"):
        lstm.forward(x, (np.zeros((1, 1, 3)), np.zeros((1, 2, 3))))


def test_argument_order_is_torchs():
    lstm = lp.LSTM(3, 4, 2, False, True, 0.0, True)
    assert (lstm.num_layers, lstm.bias, lstm.batch_first, lstm.bidirectional) == (2, False, True, True)
