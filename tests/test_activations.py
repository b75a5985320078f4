"""lessonpkg.Tanh, Sigmoid and ReLU against torch.nn, finite differences, stability and input checks."""

import warnings

import numpy as np
import pytest
import torch
from twin import assert_backward_is_pure, assert_matches_finite_differences, assert_matches_torch

import lessonpkg as lp

ACTIVATIONS = [lp.Tanh, lp.Sigmoid, lp.ReLU]
SHAPES = [(), (1,), (7,), (3, 4), (2, 1, 5)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("cls", ACTIVATIONS)
def test_matches_torch(cls, shape):
    x = 3 * np.random.default_rng(0).standard_normal(shape)
    assert assert_matches_torch(cls(), x) <= 1e-10


@pytest.mark.parametrize("cls", ACTIVATIONS)
def test_matches_torch_at_extremes_and_zero(cls):
    x = np.array([-1000.0, -40.0, -1e-300, 0.0, 1e-300, 40.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings
        assert assert_matches_torch(cls(), x) <= 1e-10
        out, _ = cls().forward(x)
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("cls", ACTIVATIONS)
def test_finite_differences(cls):
    x = np.random.default_rng(1).uniform(0.1, 2.0, (3, 4)) * np.array([1, -1, 1, -1])  # away from ReLU's kink
    assert_matches_finite_differences(cls(), x)


@pytest.mark.parametrize("cls", ACTIVATIONS)
def test_no_params_and_pure_backward(cls):
    m = cls()
    assert m.params == {} and m.state_dict() == {}
    m.load_state_dict(getattr(torch.nn, cls.__name__)().state_dict())  # an empty torch state dict
    assert_backward_is_pure(m, np.linspace(-2, 2, 6).reshape(2, 3))


@pytest.mark.parametrize("cls", ACTIVATIONS)
def test_repr_and_torch_kwargs(cls):
    torch_cls = getattr(torch.nn, cls.__name__)
    assert repr(cls()) == repr(torch_cls()) == f"{cls.__name__}()"
    assert cls().torch_kwargs() == {} == cls.kwargs_from_torch(torch_cls())


def test_relu_gradient_at_zero_is_zero():
    relu = lp.ReLU()
    _, cache = relu.forward(np.array([-1.0, 0.0, 2.0]))
    dx, grads = relu.backward(np.ones(3), cache)
    np.testing.assert_array_equal(dx, [0.0, 0.0, 1.0])
    assert grads == {}


@pytest.mark.parametrize("cls", ACTIVATIONS)
def test_float32_module(cls):
    m = cls(dtype=np.float32)
    out, cache = m.forward(np.ones(3, np.float32))
    dx, _ = m.backward(np.ones(3, np.float32), cache)
    assert out.dtype == dx.dtype == np.float32


@pytest.mark.parametrize("cls", ACTIVATIONS)
def test_bad_inputs(cls):
    m = cls()
    with pytest.raises(TypeError, match="x must have dtype float64, got int64"):
        m.forward(np.arange(3))
    with pytest.raises(TypeError, match="x must have dtype float64 .*, got float32"):
        m.forward(np.ones(3, np.float32))
    with pytest.raises(ValueError, match="x must be finite, got 1 NaN or inf entries"):
        m.forward(np.array([1.0, np.inf]))
    _, cache = m.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 3\), got \(3, 2\)"):
        m.backward(np.ones((3, 2)), cache)
    with pytest.raises(TypeError, match="dtype must be np.float32 or np.float64"):
        cls(dtype=np.int64)
