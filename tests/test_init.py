"""lessonpkg.nn.init against torch.nn.init.

Torch's random stream cannot be reproduced in numpy, so the random
initialisers are compared by distribution: both torch's sample and ours must
sit inside the bound torch's formula gives, reach close to it, and have the
formula's standard deviation within a few standard errors. The deterministic
parts (gains, fans, eye, constants) are compared exactly.
"""

import math

import numpy as np
import pytest
import torch
from equality_log import record

from lessonpkg import init

SHAPES = [(1, 1), (2, 3), (7, 1), (4, 3, 5), (6, 2, 3, 3), (3, 0), (0, 4, 2)]
GAIN_CASES = [(name, None) for name in init._NONLINEARITIES] + [
    ("leaky_relu", 0.2),
    ("leaky_relu", 0),
    ("leaky_relu", 3),
    ("leaky_relu", math.sqrt(5)),
    ("tanh", 7.0),  # param is ignored outside leaky_relu
]
BIG = (300, 200)  # 60,000 samples: a sample std is then within about 0.5% of the true one


def torch_sample(fn, shape, **kwargs) -> np.ndarray:
    torch.manual_seed(0)
    return fn(torch.empty(shape, dtype=torch.float64), **kwargs).numpy()


def assert_uniform(w: np.ndarray, bound: float) -> None:
    """w looks like U(-bound, bound): inside the bound, reaching close to it, with std bound / sqrt(3)."""
    n = w.size
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() >= bound * (1 - 20 / n)  # fails with probability about exp(-20)
    std = bound / math.sqrt(3)
    assert abs(w.mean()) <= 5 * std / math.sqrt(n)
    assert abs(w.std() - std) <= 5 * std * math.sqrt(0.2 / n)  # se of a uniform sample's std


def assert_normal(w: np.ndarray, std: float, mean: float = 0.0) -> None:
    """w looks like N(mean, std**2): mean and std within 5 standard errors."""
    n = w.size
    assert abs(w.mean() - mean) <= 5 * std / math.sqrt(n)
    assert abs(w.std() - std) <= 5 * std / math.sqrt(2 * n)


# -- deterministic pieces, compared exactly --


@pytest.mark.parametrize(("nonlinearity", "param"), GAIN_CASES)
def test_calculate_gain_equals_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)
    record("init.calculate_gain", ["gain (exactly equal)"], f"{nonlinearity}, param={param}", 0.0)


@pytest.mark.parametrize("shape", [s for s in SHAPES] + [(5, 4, 1, 2, 3)])
def test_fans_equal_torch(shape):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init.fan_in_and_fan_out(shape) == expected
    assert init.fan_in_and_fan_out(np.empty(shape)) == expected
    record("init.fan_in_and_fan_out", ["fan_in, fan_out (exactly equal)"], shape, 0.0)


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 5), (5, 2), (0, 3)])
@pytest.mark.parametrize("gain", [1.0, 0.5])
def test_identity_equals_torch_eye(shape, gain):
    expected = gain * torch.nn.init.eye_(torch.empty(shape, dtype=torch.float64)).numpy()
    np.testing.assert_array_equal(init.identity(shape, gain=gain), expected)
    record("init.identity", ["weight (exactly equal to torch.nn.init.eye_)"], shape, 0.0)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 1, 4)])
def test_zeros_and_constant_equal_torch(shape):
    t = torch.empty(shape, dtype=torch.float64)
    np.testing.assert_array_equal(init.zeros(shape), torch.nn.init.zeros_(t).numpy())
    np.testing.assert_array_equal(init.constant(shape, -0.25), torch.nn.init.constant_(t, -0.25).numpy())
    record("init.zeros", ["weight (exactly equal)"], shape, 0.0)
    record("init.constant", ["weight (exactly equal)"], shape, 0.0)


# -- random initialisers, compared by distribution with torch's own samples --


@pytest.mark.parametrize("shape", [BIG, (40, 30, 50)])
@pytest.mark.parametrize("gain", [1.0, 5 / 3, -0.5])
def test_xavier_uniform(shape, gain):
    fan_in, fan_out = init.fan_in_and_fan_out(shape)
    bound = abs(gain) * math.sqrt(6 / (fan_in + fan_out))
    assert_uniform(init.xavier_uniform(shape, gain=gain, rng=1), bound)
    assert_uniform(torch_sample(torch.nn.init.xavier_uniform_, shape, gain=abs(gain)), bound)


@pytest.mark.parametrize("shape", [BIG, (40, 30, 50)])
@pytest.mark.parametrize("gain", [1.0, math.sqrt(2)])
def test_xavier_normal(shape, gain):
    fan_in, fan_out = init.fan_in_and_fan_out(shape)
    std = gain * math.sqrt(2 / (fan_in + fan_out))
    assert_normal(init.xavier_normal(shape, gain=gain, rng=2), std)
    assert_normal(torch_sample(torch.nn.init.xavier_normal_, shape, gain=gain), std)


KAIMING_CASES = [
    (0, "fan_in", "leaky_relu"),
    (math.sqrt(5), "fan_in", "leaky_relu"),
    (0.2, "fan_out", "leaky_relu"),
    (0, "fan_in", "relu"),
    (0, "fan_out", "tanh"),
    (0, "fan_in", "linear"),
]


@pytest.mark.parametrize(("a", "mode", "nonlinearity"), KAIMING_CASES)
@pytest.mark.parametrize("shape", [BIG, (60, 20, 7, 7)])
def test_kaiming_uniform(a, mode, nonlinearity, shape):
    fan = dict(zip(("fan_in", "fan_out"), init.fan_in_and_fan_out(shape), strict=True))[mode]
    bound = torch.nn.init.calculate_gain(nonlinearity, a) * math.sqrt(3 / fan)
    kw = {"a": a, "mode": mode, "nonlinearity": nonlinearity}
    assert_uniform(init.kaiming_uniform(shape, **kw, rng=3), bound)
    assert_uniform(torch_sample(torch.nn.init.kaiming_uniform_, shape, **kw), bound)


@pytest.mark.parametrize(("a", "mode", "nonlinearity"), KAIMING_CASES)
def test_kaiming_normal(a, mode, nonlinearity):
    fan = dict(zip(("fan_in", "fan_out"), init.fan_in_and_fan_out(BIG), strict=True))[mode]
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    kw = {"a": a, "mode": mode, "nonlinearity": nonlinearity}
    assert_normal(init.kaiming_normal(BIG, **kw, rng=4), std)
    assert_normal(torch_sample(torch.nn.init.kaiming_normal_, BIG, **kw), std)


def test_uniform_and_normal():
    assert_uniform(init.uniform(BIG, -0.3, 0.3, rng=5), 0.3)
    w = init.uniform(BIG, 2.0, 3.0, rng=5)
    assert w.min() >= 2.0 and w.max() < 3.0
    assert_uniform(w - 2.5, 0.5)
    assert_normal(init.normal(BIG, mean=1.5, std=0.1, rng=6), 0.1, mean=1.5)
    assert_normal(torch_sample(torch.nn.init.normal_, BIG, mean=1.5, std=0.1), 0.1, mean=1.5)


@pytest.mark.parametrize(("in_features", "out_features"), [(200, 300), (1, 20000)])
def test_torch_default_matches_linear(in_features, out_features):
    """nn.Linear's weight and bias are both U(-1/sqrt(in_features), 1/sqrt(in_features))."""
    torch.manual_seed(0)
    lin = torch.nn.Linear(in_features, out_features, dtype=torch.float64)
    bound = 1 / math.sqrt(in_features)
    assert_uniform(lin.weight.detach().numpy(), bound)
    assert_uniform(init.torch_default((out_features, in_features), rng=7), bound)
    assert np.abs(lin.bias.detach().numpy()).max() <= bound
    assert_uniform(init.torch_default((20000,), fan_in=in_features, rng=8), bound)


@pytest.mark.parametrize("cls", [torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU])
def test_torch_default_matches_recurrent_layers(cls):
    """Every recurrent weight and bias is U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), whatever its shape."""
    torch.manual_seed(0)
    hidden = 50
    rnn = cls(input_size=400, hidden_size=hidden, num_layers=2, dtype=torch.float64)
    bound = 1 / math.sqrt(hidden)
    weights = np.concatenate([p.detach().numpy().ravel() for p in rnn.parameters()])
    assert_uniform(weights, bound)
    assert_uniform(init.torch_default((weights.size,), fan_in=hidden, rng=9), bound)


def test_torch_default_with_zero_fan_in_gives_zeros():
    np.testing.assert_array_equal(init.torch_default((3,), fan_in=0, rng=0), np.zeros(3))


# -- orthogonal --


def orthogonality(w: np.ndarray, gain: float) -> float:
    flat = w.reshape(w.shape[0], -1)
    gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    return np.abs(gram - gain**2 * np.eye(gram.shape[0])).max()


@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (3, 7), (7, 3), (1, 5), (5, 1), (4, 2, 3), (12, 2, 3)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_like_torch(shape, gain):
    assert orthogonality(init.orthogonal(shape, gain=gain, rng=10), gain) < 1e-12 * gain**2
    torch.manual_seed(0)
    t = torch.nn.init.orthogonal_(torch.empty(shape, dtype=torch.float64), gain=gain).numpy()
    assert orthogonality(t, gain) < 1e-12 * gain**2  # same orientation: rows or columns


@pytest.mark.parametrize("shape", [(5, 5), (6, 3), (3, 6), (2, 3, 4)])
def test_orthogonal_sign_correction(shape):
    """Q is the unique QR factor of the drawn matrix A with a positive diagonal in R = Q.T @ A."""
    w = init.orthogonal(shape, rng=11)
    rows, cols = shape[0], math.prod(shape[1:])
    a = np.random.default_rng(11).standard_normal((rows, cols))
    q = w.reshape(rows, cols)
    if rows < cols:
        a, q = a.T, q.T
    r = q.T @ a
    np.testing.assert_allclose(np.tril(r, -1), 0, atol=1e-12)
    assert np.all(np.diag(r) > 0)


def test_orthogonal_is_haar_on_average():
    """Without the sign fix, numpy's QR biases entries' signs; with it the mean entry is 0."""
    mean = np.mean([init.orthogonal((3, 3), rng=s) for s in range(2000)], axis=0)
    assert np.abs(mean).max() < 5 / math.sqrt(3 * 2000)


# -- the shape-or-array convention, dtype, rng --

RANDOM = {
    "uniform": lambda x, **kw: init.uniform(x, -1, 1, **kw),
    "normal": init.normal,
    "torch_default": init.torch_default,
    "xavier_uniform": init.xavier_uniform,
    "xavier_normal": init.xavier_normal,
    "kaiming_uniform": init.kaiming_uniform,
    "kaiming_normal": init.kaiming_normal,
    "orthogonal": init.orthogonal,
}
FIXED = {"zeros": init.zeros, "identity": init.identity, "constant": lambda x, **kw: init.constant(x, 2.0, **kw)}


@pytest.mark.parametrize("fn", RANDOM.values(), ids=RANDOM.keys())
def test_seed_is_deterministic(fn):
    a, b = fn((4, 3), rng=123), fn((4, 3), rng=123)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, fn((4, 3), rng=124))
    gen = np.random.default_rng(5)
    assert not np.array_equal(fn((4, 3), rng=gen), fn((4, 3), rng=gen))  # a Generator advances
    assert a.dtype == np.float64 and a.shape == (4, 3)


@pytest.mark.parametrize("name", [*RANDOM, *FIXED])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fills_in_place(name, dtype):
    fn, kw = (RANDOM[name], {"rng": 0}) if name in RANDOM else (FIXED[name], {})
    w = np.full((4, 3), np.nan, dtype=dtype)
    out = fn(w, **kw)
    assert out is w and w.dtype == dtype and np.all(np.isfinite(w))
    new = fn((4, 3), dtype=dtype, **kw)
    assert new.dtype == dtype
    np.testing.assert_array_equal(new, w)  # same seed, same values whether new or filled


def test_fills_a_view_in_place():
    big = np.zeros((4, 6))
    init.constant(big[:, ::2], 1.0)
    np.testing.assert_array_equal(big[:, ::2], 1.0)
    np.testing.assert_array_equal(big[:, 1::2], 0.0)


def test_shape_forms():
    assert init.zeros(3).shape == (3,)
    assert init.zeros(torch.Size([2, 3])).shape == (2, 3)  # torch.Size is a tuple
    assert init.xavier_uniform((0, 4)).shape == (0, 4)
    assert init.kaiming_normal((0, 4)).shape == (0, 4)


# -- bad input --


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: init.calculate_gain("swish"), ValueError, r"nonlinearity must be one of .*got 'swish'"),
        (lambda: init.calculate_gain("leaky_relu", "0.1"), ValueError, "negative_slope"),
        (lambda: init.calculate_gain("leaky_relu", True), ValueError, "negative_slope"),
        (lambda: init.fan_in_and_fan_out((5,)), ValueError, r"at least 2 dimensions, got \(5,\)"),
        (lambda: init.xavier_uniform((5,)), ValueError, "at least 2 dimensions"),
        (lambda: init.kaiming_uniform((4, 3), mode="fan"), ValueError, "mode must be 'fan_in' or 'fan_out'"),
        (lambda: init.kaiming_normal((0, 3), mode="in"), ValueError, "mode must be"),
        (lambda: init.kaiming_normal((4, 3), nonlinearity="gelu"), ValueError, "nonlinearity must be one of"),
        (lambda: init.orthogonal((5,)), ValueError, r"orthogonal needs .*at least 2 dimensions, got \(5,\)"),
        (lambda: init.identity((2, 2, 2)), ValueError, r"2-dimensional shape, got \(2, 2, 2\)"),
        (lambda: init.torch_default((5,)), ValueError, "fan_in must be given"),
        (lambda: init.torch_default((5,), fan_in=-1), ValueError, "fan_in must be an int >= 0"),
        (lambda: init.torch_default((5,), fan_in=2.0), ValueError, "fan_in must be an int >= 0"),
        (lambda: init.uniform((2,), 1.0, 0.0), ValueError, "a must be <= b"),
        (lambda: init.uniform((2,), 0.0, np.inf), ValueError, "b must be a finite"),
        (lambda: init.normal((2,), std=-1.0), ValueError, "std must be >= 0"),
        (lambda: init.xavier_normal((2, 2), gain=np.nan), ValueError, "gain must be a finite"),
        (lambda: init.constant((2,), "1"), TypeError, "val must be a real number, got str"),
        (lambda: init.zeros([2, 3]), TypeError, "shape tuple of ints or a floating-point numpy array, got list"),
        (lambda: init.zeros((2, 3.0)), TypeError, "shape tuple of ints"),
        (lambda: init.zeros((2, -1)), ValueError, "sizes >= 0"),
        (lambda: init.zeros(np.zeros(3, dtype=np.int64)), TypeError, "got an array of dtype int64"),
        (lambda: init.zeros(torch.zeros(3)), TypeError, "got Tensor"),
        (lambda: init.zeros((2,), dtype=np.int32), TypeError, "dtype must be np.float32 or np.float64"),
        (lambda: init.zeros(np.zeros(2), dtype=np.float32), TypeError, "x already has dtype float64"),
        (lambda: init.normal((2,), rng="seed"), TypeError, "rng must be"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_read_only_array_is_refused():
    w = np.zeros((2, 2))
    w.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        init.xavier_uniform(w)
