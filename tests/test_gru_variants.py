"""Cho et al.'s GRU step: against a unit-by-unit transcription, and where it meets and leaves torch's GRUCell."""

import numpy as np
import pytest
import torch

import lessonpkg as lp
from lessonpkg.nn.gru_variants import gru_cell_cho2014


def random_step(N=3, D=4, H=5, seed=0, bias=True):
    rng = np.random.default_rng(seed)
    cell = lp.GRUCell(D, H, bias, rng=rng)
    for p in cell.params.values():  # larger than torch's default range, so that the two forms differ clearly
        p *= 3.0
    return cell, rng.standard_normal((N, D)), rng.standard_normal((N, H))


def torch_step(cell, x, h0):
    twin = lp.to_torch(cell)
    with torch.no_grad():
        return twin(torch.from_numpy(x), torch.from_numpy(h0)).numpy()


def unit_by_unit(x, h0, w_ih, w_hh, b_ih, b_hh):
    """Cho et al.'s equations written one unit j and one example at a time, with torch's biases added."""
    N, H = h0.shape

    def sig(a):
        return 1.0 / (1.0 + np.exp(-a))

    h1 = np.empty_like(h0)
    for k in range(N):
        r = np.array([sig(w_ih[j] @ x[k] + b_ih[j] + w_hh[j] @ h0[k] + b_hh[j]) for j in range(H)])
        for j in range(H):
            z = sig(w_ih[H + j] @ x[k] + b_ih[H + j] + w_hh[H + j] @ h0[k] + b_hh[H + j])
            n = np.tanh(w_ih[2 * H + j] @ x[k] + b_ih[2 * H + j] + w_hh[2 * H + j] @ (r * h0[k]) + b_hh[2 * H + j])
            h1[k, j] = z * h0[k, j] + (1 - z) * n
    return h1


@pytest.mark.parametrize("N, D, H", [(1, 1, 1), (3, 4, 5), (2, 6, 3)])
def test_matches_unit_by_unit_equations(N, D, H):
    cell, x, h0 = random_step(N, D, H, seed=N + D + H)
    p = cell.params
    expected = unit_by_unit(x, h0, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    np.testing.assert_allclose(gru_cell_cho2014(x, h0, *cell.weights()), expected, rtol=1e-12, atol=1e-14)


def test_without_bias_matches_zero_biases():
    cell, x, h0 = random_step(bias=False)
    zeros = np.zeros(15)
    expected = unit_by_unit(x, h0, cell.params["weight_ih"], cell.params["weight_hh"], zeros, zeros)
    np.testing.assert_allclose(gru_cell_cho2014(x, h0, *cell.weights()), expected, rtol=1e-12, atol=1e-14)


def test_differs_from_torch_in_general():
    cell, x, h0 = random_step()
    diff = np.abs(gru_cell_cho2014(x, h0, *cell.weights()) - torch_step(cell, x, h0)).max()
    assert diff > 1e-2


def test_equals_torch_when_reset_gate_is_one():
    """With r = 1 exactly (b_ir = 1000), r * (h0 @ W.T + b) = (r * h0) @ W.T + b: the two forms agree."""
    cell, x, h0 = random_step()
    cell.params["bias_ih"][:5] = 1000.0
    np.testing.assert_allclose(gru_cell_cho2014(x, h0, *cell.weights()), torch_step(cell, x, h0),
                               rtol=1e-12, atol=1e-14)


def test_zero_state_agrees_only_without_b_hn():
    """With h0 = 0 torch's candidate still sees r * b_hn, Cho's sees b_hn: they agree only if b_hn = 0."""
    cell, x, _ = random_step()
    h0 = np.zeros((3, 5))
    assert np.abs(gru_cell_cho2014(x, h0, *cell.weights()) - torch_step(cell, x, h0)).max() > 1e-2
    cell.params["bias_hh"][10:] = 0.0
    np.testing.assert_allclose(gru_cell_cho2014(x, h0, *cell.weights()), torch_step(cell, x, h0),
                               rtol=1e-12, atol=1e-14)


def test_update_gate_one_keeps_the_state():
    cell, x, h0 = random_step()
    cell.params["bias_ih"][5:10] = 1000.0  # z = 1
    np.testing.assert_array_equal(gru_cell_cho2014(x, h0, *cell.weights()), h0)


def test_float32_stays_float32():
    cell, x, h0 = random_step()
    args = [a.astype(np.float32) for a in (x, h0, *cell.weights())]
    out = gru_cell_cho2014(*args)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, gru_cell_cho2014(x, h0, *cell.weights()), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("change, error, match", [
    (lambda a: {**a, "x": a["x"][0]}, ValueError, r"x must have shape \(N, D\)"),
    (lambda a: {**a, "h0": a["h0"][:, :4]}, ValueError, r"h0 must have shape \(3, 5\)"),
    (lambda a: {**a, "weight_hh": a["weight_hh"][:14]}, ValueError, r"weight_hh must have shape \(3H, H\)"),
    (lambda a: {**a, "weight_ih": a["weight_ih"][:, :3]}, ValueError, r"weight_ih must have shape \(15, 4\)"),
    (lambda a: {**a, "bias_hh": None}, ValueError, "must be given together"),
    (lambda a: {**a, "bias_ih": a["bias_ih"][:14]}, ValueError, r"bias_ih must have shape \(15,\)"),
    (lambda a: {**a, "h0": a["h0"].astype(np.float32)}, TypeError, "h0 must have dtype float64"),
    (lambda a: {**a, "x": np.ones((3, 4), dtype=np.int64)}, TypeError, "x must have dtype"),
    (lambda a: {**a, "x": np.full((3, 4), np.nan)}, ValueError, "x must be finite"),
])
def test_bad_input_gets_a_clear_error(change, error, match):
    cell, x, h0 = random_step()
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    args = {"x": x, "h0": h0, **dict(zip(names, cell.weights()))}
    with pytest.raises(error, match=match):
        gru_cell_cho2014(**change(args))
