"""GRUCell and GRU against torch.nn in float64, by finite differences, and as a loop over the cell."""

import numpy as np
from hypothesis import given, settings
from recurrent_twin import compare_cell, fd_check_layer, layer_cases, run_case

import lessonpkg as lp


def test_cell_unbatched_matches_torch():
    rng = np.random.default_rng(3)
    cell = lp.GRUCell(4, 3, rng=rng)
    compare_cell(cell, rng.standard_normal(4), rng.standard_normal(3))
    h1, cache = cell.forward(rng.standard_normal(4))
    dx, dh0, _ = cell.backward(np.ones(3), cache)
    assert h1.shape == dh0.shape == (3,) and dx.shape == (4,)


def test_b_hn_sits_inside_the_reset_product():
    """With r = 0 (reset gate shut), b_hn has no effect on n, while b_in still has: torch's GRU equations."""
    cell = lp.GRUCell(1, 1, rng=0)
    for v in cell.params.values():
        v[:] = 0.0
    cell.params["bias_ih"][0] = -1000.0  # r = sigmoid(-1000) = 0
    x, h0 = np.zeros((1, 1)), np.zeros((1, 1))
    cell.params["bias_hh"][2] = 5.0  # b_hn, multiplied by r = 0
    np.testing.assert_array_equal(cell.forward(x, h0)[0], 0.0)
    cell.params["bias_ih"][2] = 0.5  # b_in: n = tanh(0.5), z = 1/2, h1 = n / 2
    np.testing.assert_allclose(cell.forward(x, h0)[0], np.tanh(0.5) / 2, rtol=1e-15)
    compare_cell(cell, x, h0)


@settings(max_examples=50, deadline=None)
@given(case=layer_cases())
def test_layer_matches_torch(case):
    run_case(lp.GRU, case)


def test_finite_differences():
    rng = np.random.default_rng(7)
    gru = lp.GRU(3, 2, 2, bidirectional=True, rng=rng)
    fd_check_layer(gru, rng.standard_normal((4, 3, 3)), rng.standard_normal((4, 3, 2)), lengths=[4, 1, 3])


def test_argument_order_is_torchs():
    gru = lp.GRU(3, 4, 2, False, True, 0.0, True)
    assert (gru.num_layers, gru.bias, gru.batch_first, gru.bidirectional) == (2, False, True, True)
