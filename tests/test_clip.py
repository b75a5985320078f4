"""lessonpkg.nn.utils against torch.nn.utils.clip_grad_norm_ and clip_grad_value_, in float64, and bad input."""

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error

import lessonpkg as lp

SHAPE_SETS = {
    "mixed": {"weight": (4, 3), "bias": (4,), "scale": (1,), "weight_hh": (2, 1, 3)},
    "single": {"weight": (1, 1)},
    "with_empty": {"weight": (3, 2), "empty": (0, 2)},
}


def make_grads(shapes, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return {k: scale * rng.normal(size=s) for k, s in shapes.items()}


def torch_clip_norm(grads, max_norm, norm_type):
    """torch's total norm and clipped gradients; torch refuses the inf-norm of an empty tensor, so those are left out
    (an empty array adds nothing to any norm and has nothing to clip)."""
    tensors = []
    for g in grads.values():
        if g.size == 0 and norm_type == float("inf"):
            tensors.append(torch.zeros(g.shape, dtype=torch.float64))
            continue
        t = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        t.grad = torch.tensor(g, dtype=torch.float64)
        tensors.append(t)
    total = torch.nn.utils.clip_grad_norm_([t for t in tensors if t.requires_grad], max_norm, norm_type=norm_type)
    return float(total), [t.grad.numpy() if t.requires_grad else t.numpy() for t in tensors]


def torch_norm(grads, norm_type):
    return torch_clip_norm(grads, float("inf"), norm_type)[0]


NORMS = [1.0, 2.0, 3.5, 0.5, float("inf")]


@pytest.mark.parametrize("shapes", list(SHAPE_SETS), ids=list(SHAPE_SETS))
@pytest.mark.parametrize("norm_type", NORMS)
@pytest.mark.parametrize("clipping", ["clips", "no_clip", "at_norm", "zero"])
@pytest.mark.parametrize("seed", [0, 1])
def test_clip_grad_norm_matches_torch(shapes, norm_type, clipping, seed):
    grads = make_grads(SHAPE_SETS[shapes], seed=seed, scale=3.0)
    norm = torch_norm(grads, norm_type)
    max_norm = {"clips": 0.3 * norm, "no_clip": 10.0 * norm, "at_norm": norm, "zero": 0.0}[clipping]
    expected_total, expected = torch_clip_norm(grads, max_norm, norm_type)
    arrays = dict(grads)
    total = lp.clip_grad_norm_(grads, max_norm, norm_type=norm_type)
    assert isinstance(total, float)
    np.testing.assert_allclose(total, expected_total, rtol=1e-12, atol=0)
    for (k, g), e in zip(grads.items(), expected):
        assert g is arrays[k]  # clipped in place
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15)
    worst = max([rel_error(total, expected_total), *(rel_error(g, e) for g, e in zip(grads.values(), expected))])
    record("clip_grad_norm_", ["total norm", "clipped gradients"], shapes, worst)
    if clipping == "clips":
        new_norm = torch_norm(grads, norm_type)
        np.testing.assert_allclose(new_norm, max_norm * total / (total + 1e-6), rtol=1e-12)


@pytest.mark.parametrize("norm_type", NORMS)
def test_clip_grad_norm_accepts_a_list_or_one_array(norm_type):
    grads = make_grads(SHAPE_SETS["mixed"], scale=2.0)
    expected_total, expected = torch_clip_norm(grads, 1.0, norm_type)
    as_list = [g.copy() for g in grads.values()]
    np.testing.assert_allclose(lp.clip_grad_norm_(as_list, 1.0, norm_type), expected_total, rtol=1e-12)
    for g, e in zip(as_list, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15)
    one = grads["weight"].copy()
    expected_total, (expected_one,) = torch_clip_norm({"weight": one}, 1.0, norm_type)
    np.testing.assert_allclose(lp.clip_grad_norm_(one, 1.0, norm_type), expected_total, rtol=1e-12)
    np.testing.assert_allclose(one, expected_one, rtol=1e-12, atol=1e-15)


def test_clip_grad_norm_by_hand():
    grads = {"a": np.array([3.0]), "b": np.array([[4.0]])}
    assert lp.clip_grad_norm_(grads, 1.0) == 5.0
    np.testing.assert_allclose(grads["a"], [3.0 / (5.0 + 1e-6)], rtol=1e-15)
    np.testing.assert_allclose(grads["b"], [[4.0 / (5.0 + 1e-6)]], rtol=1e-15)
    grads = [np.array([3.0, -4.0])]
    assert lp.clip_grad_norm_(grads, 100.0, norm_type=1) == 7.0
    np.testing.assert_array_equal(grads[0], [3.0, -4.0])  # not clipped: left exactly as it was
    assert lp.clip_grad_norm_(grads, 100.0, norm_type=float("inf")) == 4.0


def test_clip_grad_norm_of_nothing_is_zero_like_torch():
    assert lp.clip_grad_norm_({}, 1.0) == 0.0 == float(torch.nn.utils.clip_grad_norm_([], 1.0))


def test_overflowing_norm_zeroes_grads_like_torch_or_raises():
    grads = {"w": np.full(3, 1e200)}
    expected_total, (expected,) = torch_clip_norm(grads, 1.0, 2.0)
    assert expected_total == np.inf
    assert lp.clip_grad_norm_(grads, 1.0) == np.inf
    np.testing.assert_array_equal(grads["w"], expected)
    with pytest.raises(ValueError, match=r"the total 2.0-norm of grads is inf \(it overflowed\)"):
        lp.clip_grad_norm_({"w": np.full(3, 1e200)}, 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("clip_value", [0.0, 0.3, 1.0, 1e3])
@pytest.mark.parametrize("shapes", list(SHAPE_SETS), ids=list(SHAPE_SETS))
def test_clip_grad_value_matches_torch(clip_value, shapes):
    grads = make_grads(SHAPE_SETS[shapes], seed=3)
    tensors = []
    for g in grads.values():
        t = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        t.grad = torch.tensor(g)
        tensors.append(t)
    torch.nn.utils.clip_grad_value_(tensors, clip_value)
    arrays = dict(grads)
    assert lp.clip_grad_value_(grads, clip_value) is None
    for (k, g), t in zip(grads.items(), tensors):
        assert g is arrays[k]
        np.testing.assert_array_equal(g, t.grad.numpy())
    record("clip_grad_value_", ["clipped gradients"], shapes, max(rel_error(g, t.grad.numpy())
                                                                 for g, t in zip(grads.values(), tensors)))
    as_list = [g.copy() for g in make_grads(SHAPE_SETS[shapes], seed=3).values()]
    lp.clip_grad_value_(as_list, clip_value)
    for g, t in zip(as_list, tensors):
        np.testing.assert_array_equal(g, t.grad.numpy())


def _read_only():
    g = np.ones(2)
    g.flags.writeable = False
    return {"w": g}


@pytest.mark.parametrize("clip", ["norm", "value"])
@pytest.mark.parametrize(
    ("grads", "error", "match"),
    [
        (1.5, TypeError, "grads must be a dict or list of numpy arrays, got float"),
        ("w", TypeError, "grads must be a dict or list of numpy arrays, got str"),
        ({"w": [1.0, 2.0]}, TypeError, r"grads\['w'\] must be a numpy array \(it is clipped in place\), got list"),
        ([np.ones(2), torch.ones(2)], TypeError, r"grads\[1\] must be a numpy array .*got Tensor"),
        ((None, {"w": np.ones(2)}), TypeError, r"grads\[0\] must be a numpy array .*got NoneType"),
        ({"w": np.ones(2, dtype=int)}, TypeError, r"grads\['w'\] must have a floating dtype, got int64"),
        ({"w": np.array([1.0, np.inf, np.nan])}, ValueError, r"grads\['w'\] must be finite, got 2 NaN or inf entries"),
        (_read_only(), ValueError, r"grads\['w'\] must be writeable"),
    ],
)
def test_bad_grads(clip, grads, error, match):
    with pytest.raises(error, match=match):
        if clip == "norm":
            lp.clip_grad_norm_(grads, 1.0)
        else:
            lp.clip_grad_value_(grads, 1.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"max_norm": -1.0}, ValueError, r"max_norm must be a (finite )?number >= 0, got -1\.0"),
        ({"max_norm": float("nan")}, ValueError, "max_norm must be a (finite )?number >= 0, got nan"),
        ({"max_norm": "1"}, TypeError, "max_norm must be a real number, got str"),
        ({"max_norm": 1.0, "norm_type": 0}, ValueError, r"norm_type must be a number > 0, got 0"),
        ({"max_norm": 1.0, "norm_type": -2.0}, ValueError, r"norm_type must be a number > 0, got -2\.0"),
        ({"max_norm": 1.0, "norm_type": float("-inf")}, ValueError, "norm_type must be a number > 0"),
        ({"max_norm": 1.0, "norm_type": "fro"}, TypeError, "norm_type must be a real number"),
        ({"max_norm": 1.0, "error_if_nonfinite": 1}, TypeError, "error_if_nonfinite must be a bool, got int"),
    ],
)
def test_bad_clip_grad_norm_arguments_change_nothing(kwargs, error, match):
    grads = {"w": np.full(3, 5.0)}
    with pytest.raises(error, match=match):
        lp.clip_grad_norm_(grads, **kwargs)
    np.testing.assert_array_equal(grads["w"], 5.0)


@pytest.mark.parametrize(
    ("clip_value", "error", "match"),
    [
        (-0.5, ValueError, r"clip_value must be a (finite )?number >= 0, got -0\.5"),
        (float("nan"), ValueError, "clip_value must be a (finite )?number >= 0, got nan"),
        (None, TypeError, "clip_value must be a real number, got NoneType"),
    ],
)
def test_bad_clip_value(clip_value, error, match):
    grads = {"w": np.full(3, 5.0)}
    with pytest.raises(error, match=match):
        lp.clip_grad_value_(grads, clip_value)
    np.testing.assert_array_equal(grads["w"], 5.0)
