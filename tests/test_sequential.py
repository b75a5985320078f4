"""lessonpkg.Sequential against torch.nn.Sequential: names, shared arrays, chaining and errors."""

import numpy as np
import pytest
import torch
from twin import assert_backward_is_pure, assert_matches_finite_differences, assert_matches_torch

import lessonpkg as lp


def mlp(d=4, h=5, c=3, rng=0):
    """Linear-Tanh-Linear-ReLU-Linear-Sigmoid."""
    return lp.Sequential(
        lp.Linear(d, h, rng=rng),
        lp.Tanh(),
        lp.Linear(h, h, rng=rng + 1),
        lp.ReLU(),
        lp.Linear(h, c, rng=rng + 2),
        lp.Sigmoid(),
    )


@pytest.mark.parametrize("leading", [(1,), (6,), (2, 3), (1, 1, 2)])
@pytest.mark.parametrize("d, h, c", [(1, 1, 1), (4, 5, 3), (3, 8, 1)])
def test_mlp_matches_torch(leading, d, h, c):
    x = np.random.default_rng(1).standard_normal(leading + (d,))
    assert assert_matches_torch(mlp(d, h, c), x) <= 1e-10


@pytest.mark.parametrize("shape", [(1,), (5,), (2, 3)])
@pytest.mark.parametrize("padding_idx", [None, 0])
def test_embedding_linear_matches_torch(shape, padding_idx):
    m = lp.Sequential(lp.Embedding(9, 4, padding_idx, rng=0), lp.Linear(4, 3, rng=1), lp.Tanh())
    x = np.random.default_rng(2).integers(0, 9, size=shape)
    assert assert_matches_torch(m, x) <= 1e-10  # also checks that dx is None


def test_nested_matches_torch():
    m = lp.Sequential(lp.Linear(3, 4, rng=0), lp.Sequential(lp.Tanh(), lp.Linear(4, 2, bias=False, rng=1)))
    assert list(m.params) == ["0.weight", "0.bias", "1.1.weight"]
    assert assert_matches_torch(m, np.random.default_rng(0).standard_normal((5, 3))) <= 1e-10


def test_finite_differences():
    x = np.random.default_rng(3).standard_normal((4, 3))
    assert_matches_finite_differences(mlp(3, 4, 2), x)
    assert_matches_finite_differences(lp.Sequential(lp.Embedding(6, 3, rng=0), lp.Linear(3, 2, rng=1)), [[0, 5, 5]])


def test_backward_mutates_nothing():
    assert_backward_is_pure(mlp(), np.random.default_rng(0).standard_normal((3, 4)))


def test_params_are_the_childrens_arrays_with_torch_names():
    m = mlp()
    theirs = {k: tuple(v.shape) for k, v in lp.to_torch(m).named_parameters()}
    assert {k: v.shape for k, v in m.params.items()} == theirs
    assert list(m.params) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert m.params["2.weight"] is m[2].params["weight"]
    m.params["4.bias"] -= 1.0  # an optimizer's in-place update
    np.testing.assert_array_equal(m[4].params["bias"], m.params["4.bias"])


def test_load_state_dict_updates_children_in_place():
    m = mlp()
    weight = m[0].params["weight"]
    nn = torch.nn
    tm = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 5), nn.ReLU(), nn.Linear(5, 3), nn.Sigmoid())
    m.load_state_dict(tm.state_dict())
    assert m[0].params["weight"] is weight
    np.testing.assert_array_equal(weight, tm[0].weight.detach().numpy())
    np.testing.assert_array_equal(m[4].params["bias"], tm[4].bias.detach().numpy())
    with pytest.raises(ValueError, match=r"missing keys \['4.bias'\]"):
        m.load_state_dict({k: v for k, v in tm.state_dict().items() if k != "4.bias"})
    with pytest.raises(ValueError, match=r"state\['0.weight'\] must have shape \(5, 4\), got \(4, 5\)"):
        m.load_state_dict({**m.state_dict(), "0.weight": np.zeros((4, 5))})


def test_state_dict_returns_copies():
    m = mlp()
    state = m.state_dict()
    assert state["0.weight"] is not m.params["0.weight"]
    state["0.weight"][:] = 0.0
    assert np.any(m[0].params["weight"] != 0.0)


def test_len_indexing_iteration_repr():
    m = mlp()
    assert len(m) == 6
    assert isinstance(m[1], lp.Tanh) and m[-1] is m[5]
    assert [type(c).__name__ for c in m] == ["Linear", "Tanh", "Linear", "ReLU", "Linear", "Sigmoid"]
    assert repr(m) == repr(lp.to_torch(m))
    nested = lp.Sequential(lp.Tanh(), lp.Sequential(lp.ReLU()))
    assert repr(nested) == repr(lp.to_torch(nested))


def test_child_errors_name_the_child():
    m = mlp(d=4)
    with pytest.raises(ValueError, match=r"Sequential\[0\] \(Linear\): x must have shape \(\*, 4\)"):
        m.forward(np.zeros((2, 3)))
    with pytest.raises(TypeError, match=r"Sequential\[1\] \(Embedding\): x must have an integer dtype"):
        lp.Sequential(lp.Linear(2, 3), lp.Embedding(3, 2)).forward(np.zeros((1, 2)))
    out, cache = m.forward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"Sequential\[5\] \(Sigmoid\): dout must have shape \(2, 3\), got \(2, 4\)"):
        m.backward(np.zeros((2, 4)), cache)
    with pytest.raises(TypeError, match="cache must be the cache returned by this Sequential's forward, got list"):
        m.backward(out, [cache[i] for i in range(5)])


def test_module_without_input_gradient_must_come_first():
    class NoInputGradient(lp.Module):
        def forward(self, x):
            return x, None

        def backward(self, dout, cache):
            return None, {}

    m = lp.Sequential(lp.Tanh(), NoInputGradient(), lp.Tanh())
    out, cache = m.forward(np.ones(2))
    with pytest.raises(ValueError, match=r"Sequential\[1\] returns no input gradient, so it must be the first module"):
        m.backward(np.ones(2), cache)


def test_bad_constructor_args():
    with pytest.raises(ValueError, match="at least one module"):
        lp.Sequential()
    with pytest.raises(TypeError, match=r"modules\[1\] must be a lessonpkg Module, got Linear"):
        lp.Sequential(lp.Tanh(), torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match=r"modules must share one dtype, got \['float32', 'float64'\]"):
        lp.Sequential(lp.Linear(2, 2), lp.Tanh(dtype=np.float32))
    layer = lp.Linear(2, 2)
    with pytest.raises(ValueError, match="must not share parameter arrays"):
        lp.Sequential(layer, lp.Tanh(), layer)


def test_cache_i_is_the_cache_of_module_i():
    """Backward by hand, module by module with ``cache[i]``, equals ``Sequential.backward``."""
    m = lp.Sequential(lp.Linear(4, 3, rng=0), lp.Tanh(), lp.Linear(3, 2, rng=1))
    x = np.random.default_rng(0).standard_normal((5, 4))
    out, cache = m.forward(x)
    dout = np.ones_like(out)
    dh, grads_2 = m[2].backward(dout, cache[2])
    dx_hand, grads_0 = m[0].backward(m[1].backward(dh, cache[1])[0], cache[0])
    dx, grads = m.backward(dout, cache)
    np.testing.assert_array_equal(dx_hand, dx)
    for k in grads_0:
        np.testing.assert_array_equal(grads_0[k], grads[f"0.{k}"])
        np.testing.assert_array_equal(grads_2[k], grads[f"2.{k}"])
    with pytest.raises(TypeError, match="cache must be the cache returned by this Linear's forward, got the cache "
                                        "of a Tanh"):
        m[0].backward(dout, cache[1])
