"""lessonpkg.Linear against torch.nn.Linear, finite differences, and its input checks."""

import numpy as np
import pytest
import torch
from twin import assert_backward_is_pure, assert_matches_finite_differences, assert_matches_torch

import lessonpkg as lp

LEADING = [(), (0,), (1,), (5,), (1, 1), (2, 3), (2, 1, 4)]
FEATURES = [(1, 1), (3, 4), (7, 1), (1, 5)]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("in_features, out_features", FEATURES)
@pytest.mark.parametrize("leading", LEADING)
def test_matches_torch(leading, in_features, out_features, bias):
    m = lp.Linear(in_features, out_features, bias, rng=1)
    x = np.random.default_rng(2).standard_normal(leading + (in_features,))
    assert assert_matches_torch(m, x) <= 1e-10


@pytest.mark.parametrize("leading", [(4,), (2, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_finite_differences(leading, bias):
    m = lp.Linear(3, 2, bias, rng=3)
    x = np.random.default_rng(4).standard_normal(leading + (3,))
    assert_matches_finite_differences(m, x)


def test_backward_mutates_nothing():
    assert_backward_is_pure(lp.Linear(3, 2, rng=0), np.random.default_rng(0).standard_normal((4, 3)))


def test_params_have_torch_names_and_shapes():
    for bias in (True, False):
        theirs = {k: tuple(v.shape) for k, v in torch.nn.Linear(6, 2, bias).named_parameters()}
        assert {k: v.shape for k, v in lp.Linear(6, 2, bias).params.items()} == theirs


def test_init_is_torch_default_uniform():
    m = lp.Linear(16, 300, rng=0)
    bound = 1 / np.sqrt(16)
    for p in m.params.values():
        assert p.dtype == np.float64
        assert np.abs(p).max() <= bound
        assert np.abs(p).max() > 0.95 * bound  # fills the interval
    assert abs(m.params["weight"].std() - bound / np.sqrt(3)) < 0.01  # std of U(-b, b) is b / sqrt(3)
    np.testing.assert_array_equal(m.params["weight"], lp.Linear(16, 300, rng=0).params["weight"])
    assert not np.array_equal(m.params["weight"], lp.Linear(16, 300, rng=1).params["weight"])


def test_float32_module():
    m = lp.Linear(3, 2, dtype=np.float32, rng=0)
    out, cache = m.forward(np.ones((4, 3), np.float32))
    dx, grads = m.backward(np.ones((4, 2), np.float32), cache)
    assert out.dtype == dx.dtype == grads["weight"].dtype == grads["bias"].dtype == np.float32


def test_repr_and_torch_kwargs():
    m = lp.Linear(3, 4, bias=False)
    assert repr(m) == repr(torch.nn.Linear(3, 4, bias=False))
    assert m.torch_kwargs() == {"in_features": 3, "out_features": 4, "bias": False}
    assert lp.Linear.kwargs_from_torch(torch.nn.Linear(3, 4, bias=False)) == m.torch_kwargs()


def test_state_dict_returns_copies():
    m = lp.Linear(3, 2, rng=0)
    state = m.state_dict()
    state["weight"] += 1.0
    assert not np.array_equal(state["weight"], m.params["weight"])


def test_load_state_dict_from_torch_in_place():
    m = lp.Linear(3, 2, rng=0)
    weight = m.params["weight"]
    tm = torch.nn.Linear(3, 2, dtype=torch.float64)
    m.load_state_dict(tm.state_dict())
    assert m.params["weight"] is weight
    np.testing.assert_array_equal(weight, tm.weight.detach().numpy())
    np.testing.assert_array_equal(m.params["bias"], tm.bias.detach().numpy())


def test_load_state_dict_is_strict():
    m = lp.Linear(3, 2, rng=0)
    with pytest.raises(ValueError, match=r"missing keys \['bias'\]"):
        m.load_state_dict({"weight": np.zeros((2, 3))})
    with pytest.raises(ValueError, match=r"unexpected keys \['extra'\]"):
        m.load_state_dict({**m.state_dict(), "extra": np.zeros(1)})
    with pytest.raises(ValueError, match=r"state\['weight'\] must have shape \(2, 3\), got \(3, 2\)"):
        m.load_state_dict({"weight": np.zeros((3, 2)), "bias": np.zeros(2)})


@pytest.mark.parametrize(
    "x, error, match",
    [
        (np.zeros((5, 7)), ValueError, r"x must have shape \(\*, 8\) with in_features=8, got \(5, 7\)"),
        (np.zeros(()), ValueError, r"x must have shape \(\*, 8\) with in_features=8, got \(\)"),
        (np.zeros((5, 8), np.int64), TypeError, "x must have dtype float64, got int64"),
        (np.zeros((5, 8), np.float32), TypeError, "x must have dtype float64 .*, got float32"),
        (np.full((5, 8), np.nan), ValueError, "x must be finite"),
        (torch.zeros(5, 8), TypeError, "x must be a numpy array, got a torch tensor"),
    ],
)
def test_bad_x(x, error, match):
    with pytest.raises(error, match=match):
        lp.Linear(8, 4).forward(x)


def test_bad_dout():
    m = lp.Linear(8, 4)
    _, cache = m.forward(np.zeros((5, 8)))
    with pytest.raises(ValueError, match=r"dout must have shape \(5, 4\), got \(5, 3\)"):
        m.backward(np.zeros((5, 3)), cache)
    with pytest.raises(ValueError, match="dout must be finite"):
        m.backward(np.full((5, 4), np.inf), cache)


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((0, 4), {}, ValueError, "in_features must be >= 1, got 0"),
        ((3, -1), {}, ValueError, "out_features must be >= 1, got -1"),
        ((True, 4), {}, TypeError, "in_features must be an int, got bool"),
        ((3.0, 4), {}, TypeError, "in_features must be an int, got float"),
        ((3, 4, "yes"), {}, TypeError, "bias must be a bool, got str"),
        ((3, 4), {"dtype": np.int32}, TypeError, "dtype must be np.float32 or np.float64"),
        ((3, 4), {"rng": "seed"}, TypeError, "rng must be"),
    ],
)
def test_bad_constructor_args(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        lp.Linear(*args, **kwargs)
