"""RNNCell and RNN (tanh and relu) against torch.nn in float64, by finite differences, and as a loop over the cell."""

import numpy as np
import pytest
from hypothesis import given, settings
from recurrent_twin import compare_cell, fd_check_layer, layer_cases, run_case

import lessonpkg as lp
from lessonpkg.nn.rnn import rnn_cell_backward, rnn_cell_forward


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_cell_unbatched_matches_torch(nonlinearity):
    rng = np.random.default_rng(3)
    cell = lp.RNNCell(4, 3, nonlinearity=nonlinearity, rng=rng)
    compare_cell(cell, rng.standard_normal(4), rng.standard_normal(3))
    h1, cache = cell.forward(rng.standard_normal(4))
    dx, dh0, _ = cell.backward(np.ones(3), cache)
    assert h1.shape == dh0.shape == (3,) and dx.shape == (4,)


@settings(max_examples=40, deadline=None)
@given(case=layer_cases())
def test_layer_matches_torch_tanh(case):
    run_case(lp.RNN, case)


@settings(max_examples=25, deadline=None)
@given(case=layer_cases())
def test_layer_matches_torch_relu(case):
    run_case(lp.RNN, case, nonlinearity="relu")


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_finite_differences(nonlinearity):
    rng = np.random.default_rng(7)
    rnn = lp.RNN(3, 4, 2, nonlinearity, bidirectional=True, rng=rng)
    x, h0 = rng.standard_normal((4, 3, 3)), rng.standard_normal((4, 3, 4))
    fd_check_layer(rnn, x, h0, lengths=[4, 2, 3])


def test_step_functions_are_the_cell():
    rng = np.random.default_rng(10)
    cell = lp.RNNCell(3, 2, nonlinearity="relu", rng=rng)
    x, h0 = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    h1, cache = rnn_cell_forward(x, h0, *cell.weights(), nonlinearity="relu")
    np.testing.assert_array_equal(h1, cell.forward(x, h0)[0])
    dx, dh0, grads = rnn_cell_backward(np.ones((4, 2)), cache)
    assert dx.shape == (4, 3) and dh0.shape == (4, 2) and len(grads) == 4


def test_relu_rnn_gradient_is_zero_where_the_unit_is_off():
    rnn = lp.RNN(1, 1, nonlinearity="relu", bias=False)
    rnn.params["weight_ih_l0"][:] = -1.0
    rnn.params["weight_hh_l0"][:] = 0.5
    out, _, cache = rnn.forward(np.ones((3, 1, 1)))
    assert np.all(out == 0)
    dx, _, grads = rnn.backward(np.ones_like(out), cache)
    assert np.all(dx == 0) and all(np.all(g == 0) for g in grads.values())


def test_bad_nonlinearity():
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"):
        lp.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu'"):
        lp.RNNCell(3, 4, nonlinearity="gelu")


def test_argument_order_is_torchs():
    rnn = lp.RNN(3, 4, 2, "relu", False, True, 0.0, True)
    assert (rnn.num_layers, rnn.nonlinearity, rnn.bias, rnn.batch_first, rnn.bidirectional) == (2, "relu", False, True,
                                                                                                   True)
    cell = lp.RNNCell(3, 4, False, "relu")
    assert (cell.bias, cell.nonlinearity) == (False, "relu")
