"""lessonpkg.Embedding against torch.nn.Embedding, finite differences, and its input checks."""

import numpy as np
import pytest
import torch
from twin import assert_backward_is_pure, assert_matches_finite_differences, assert_matches_torch

import lessonpkg as lp

INDEX_SHAPES = [(), (0,), (1,), (6,), (2, 3), (1, 1, 4)]
TABLES = [(1, 1), (10, 3), (4, 7)]  # (num_embeddings, embedding_dim)


@pytest.mark.parametrize("padding_idx", [None, 0, -1])
@pytest.mark.parametrize("num_embeddings, embedding_dim", TABLES)
@pytest.mark.parametrize("shape", INDEX_SHAPES)
def test_matches_torch(shape, num_embeddings, embedding_dim, padding_idx):
    m = lp.Embedding(num_embeddings, embedding_dim, padding_idx, rng=1)
    x = np.random.default_rng(2).integers(0, num_embeddings, size=shape)  # repeats are likely
    assert assert_matches_torch(m, x) <= 1e-10


def test_finite_differences():
    # No padding_idx here: its row's gradient is zero by design, not the true derivative.
    m = lp.Embedding(5, 3, rng=0)
    assert_matches_finite_differences(m, np.array([[0, 2, 4], [4, 4, 1]]))


def test_backward_mutates_nothing():
    assert_backward_is_pure(lp.Embedding(5, 3, padding_idx=1, rng=0), np.array([[1, 2], [2, 0]]))


def test_repeated_indices_accumulate():
    m = lp.Embedding(4, 2, rng=0)
    out, cache = m.forward(np.array([3, 1, 3, 3]))
    np.testing.assert_array_equal(out[0], m.params["weight"][3])
    dx, grads = m.backward(np.ones((4, 2)), cache)
    assert dx is None
    np.testing.assert_array_equal(grads["weight"], [[0, 0], [1, 1], [0, 0], [3, 3]])


def test_padding_row_is_zero_and_gets_no_gradient():
    m = lp.Embedding(6, 3, padding_idx=-2, rng=0)
    assert m.padding_idx == 4  # normalised like torch
    assert m.padding_idx == torch.nn.Embedding(6, 3, padding_idx=-2).padding_idx
    np.testing.assert_array_equal(m.params["weight"][4], 0.0)
    _, cache = m.forward(np.array([4, 4, 0]))
    _, grads = m.backward(np.ones((3, 3)), cache)
    np.testing.assert_array_equal(grads["weight"][4], 0.0)
    np.testing.assert_array_equal(grads["weight"][0], 1.0)


def test_init_is_standard_normal():
    weight = lp.Embedding(500, 40, rng=0).params["weight"]
    assert weight.shape == (500, 40) and weight.dtype == np.float64
    assert abs(weight.mean()) < 0.01 and abs(weight.std() - 1) < 0.01
    np.testing.assert_array_equal(weight, lp.Embedding(500, 40, rng=0).params["weight"])


def test_params_have_torch_names_and_shapes():
    theirs = {k: tuple(v.shape) for k, v in torch.nn.Embedding(7, 3).named_parameters()}
    assert {k: v.shape for k, v in lp.Embedding(7, 3).params.items()} == theirs


def test_float32_module():
    m = lp.Embedding(5, 3, dtype=np.float32, rng=0)
    out, cache = m.forward(np.array([1, 2], dtype=np.int32))
    _, grads = m.backward(np.ones((2, 3), np.float32), cache)
    assert out.dtype == grads["weight"].dtype == np.float32


def test_repr_and_torch_kwargs():
    for padding_idx in (None, 3):
        m = lp.Embedding(10, 3, padding_idx)
        assert repr(m) == repr(torch.nn.Embedding(10, 3, padding_idx))
        assert lp.Embedding.kwargs_from_torch(torch.nn.Embedding(10, 3, padding_idx)) == m.torch_kwargs()


def test_unsupported_torch_options():
    with pytest.raises(ValueError, match="supports neither max_norm nor scale_grad_by_freq"):
        lp.Embedding.kwargs_from_torch(torch.nn.Embedding(10, 3, max_norm=1.0))
    with pytest.raises(ValueError, match="scale_grad_by_freq=True"):
        lp.Embedding.kwargs_from_torch(torch.nn.Embedding(10, 3, scale_grad_by_freq=True))


def test_state_dict_round_trip():
    m = lp.Embedding(5, 2, rng=0)
    state = m.state_dict()
    state["weight"][:] = 7.0
    assert not np.any(m.params["weight"] == 7.0)
    m.load_state_dict(state)
    np.testing.assert_array_equal(m.params["weight"], 7.0)
    with pytest.raises(ValueError, match=r"missing keys \['weight'\]"):
        m.load_state_dict({})
    with pytest.raises(ValueError, match=r"state\['weight'\] must have shape \(5, 2\), got \(2, 5\)"):
        m.load_state_dict({"weight": np.zeros((2, 5))})


@pytest.mark.parametrize(
    "x, error, match",
    [
        (np.array([0, 10]), ValueError, r"x must hold indices in \[0, 10\) with num_embeddings=10, got .* 0 to 10"),
        (np.array([[-1, 3]]), ValueError, r"x must hold indices in \[0, 10\)"),
        (np.array([1.0, 2.0]), TypeError, "x must have an integer dtype, got float64"),
        (np.array([True, False]), TypeError, "x must have an integer dtype, got bool"),
        (torch.tensor([1, 2]), TypeError, "x must be a numpy array, got a torch tensor"),
    ],
)
def test_bad_x(x, error, match):
    with pytest.raises(error, match=match):
        lp.Embedding(10, 3).forward(x)


def test_bad_dout():
    m = lp.Embedding(10, 3)
    _, cache = m.forward(np.array([[1, 2]]))
    with pytest.raises(ValueError, match=r"dout must have shape \(1, 2, 3\), got \(2, 3\)"):
        m.backward(np.zeros((2, 3)), cache)
    with pytest.raises(TypeError, match="dout must have dtype float64 .*, got float32"):
        m.backward(np.zeros((1, 2, 3), np.float32), cache)


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((0, 3), ValueError, "num_embeddings must be >= 1, got 0"),
        ((10, -2), ValueError, "embedding_dim must be >= 1, got -2"),
        ((10, False), TypeError, "embedding_dim must be an int, got bool"),
        ((10, 3, 10), ValueError, r"padding_idx must be in \[-10, 10\) with num_embeddings=10, got 10"),
        ((10, 3, -11), ValueError, r"padding_idx must be in \[-10, 10\)"),
        ((10, 3, True), TypeError, "padding_idx must be an int or None, got bool"),
        ((10, 3, 1.0), TypeError, "padding_idx must be an int or None, got float"),
    ],
)
def test_bad_constructor_args(args, error, match):
    with pytest.raises(error, match=match):
        lp.Embedding(*args)
