"""lessonpkg.to_torch and lessonpkg.from_torch: round trips, unsupported classes, and no torch at import."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error

import lessonpkg as lp

nn = torch.nn


def lessonpkg_modules():
    return [
        lp.Linear(3, 4, rng=0),
        lp.Linear(3, 1, bias=False, rng=0),
        lp.Embedding(5, 3, padding_idx=1, rng=0),
        lp.Tanh(),
        lp.Sigmoid(),
        lp.ReLU(),
        lp.Sequential(lp.Linear(3, 4, rng=0), lp.ReLU(), lp.Sequential(lp.Linear(4, 2, rng=1), lp.Tanh())),
    ]


def torch_modules():
    torch.manual_seed(0)
    return [
        nn.Linear(3, 4, dtype=torch.float64),
        nn.Linear(3, 1, bias=False),  # float32: from_torch gives a float64 twin
        nn.Embedding(5, 3, padding_idx=-1, dtype=torch.float64),
        nn.Tanh(),
        nn.Sigmoid(),
        nn.ReLU(inplace=True),
        nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Sequential(nn.Linear(4, 2), nn.Tanh())).double(),
    ]


def sample_input(module):
    first = module[0] if isinstance(module, (lp.Sequential, nn.Sequential)) else module
    if isinstance(first, (lp.Embedding, nn.Embedding)):
        return np.array([[0, 4, 1], [2, 2, 3]])
    return np.random.default_rng(0).standard_normal((2, 3))


def test_import_does_not_import_torch():
    code = "import lessonpkg, sys; assert 'torch' not in sys.modules, 'torch was imported'"
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("module", lessonpkg_modules(), ids=lambda m: type(m).__name__)
def test_to_torch_copies_config_and_weights(module):
    tm = lp.to_torch(module)
    assert type(tm) is getattr(nn, type(module).__name__)
    assert repr(tm) == repr(module)
    state = tm.state_dict()
    assert list(state) == list(module.params)
    for k, v in module.params.items():
        assert state[k].dtype == torch.float64
        np.testing.assert_array_equal(state[k].numpy(), v)
    state_k = next(iter(state), None)
    if state_k is not None:  # a copy: changing the twin leaves the module alone
        with torch.no_grad():
            state[state_k].add_(1.0)
        assert not np.array_equal(state[state_k].numpy(), module.params[state_k])


def test_to_torch_is_float64_for_a_float32_module():
    m = lp.Linear(2, 3, dtype=np.float32, rng=0)
    tm = lp.to_torch(m)
    assert tm.weight.dtype == torch.float64
    np.testing.assert_array_equal(tm.weight.detach().numpy(), m.params["weight"])


@pytest.mark.parametrize("module", lessonpkg_modules(), ids=lambda m: type(m).__name__)
def test_from_torch_of_to_torch_is_the_same_module(module):
    back = lp.from_torch(lp.to_torch(module))
    assert type(back) is type(module) and repr(back) == repr(module)
    assert list(back.params) == list(module.params)
    for k, v in module.params.items():
        assert back.params[k] is not v
        np.testing.assert_array_equal(back.params[k], v)


@pytest.mark.parametrize("tm", torch_modules(), ids=lambda m: type(m).__name__)
def test_to_torch_of_from_torch_computes_the_same(tm):
    m = lp.from_torch(tm)
    assert m.dtype == np.float64 and repr(m) == repr(tm).replace("inplace=True", "")  # lessonpkg has no in-place ops
    x = sample_input(tm)
    xt = torch.tensor(x, dtype=torch.float64 if x.dtype.kind == "f" else torch.long)
    expected = tm.double()(xt.clone()).detach().numpy()
    np.testing.assert_array_equal(lp.to_torch(m)(xt).detach().numpy(), expected)  # same weights, same torch code
    np.testing.assert_allclose(m.forward(x)[0], expected, rtol=1e-10, atol=1e-12)  # numpy rounds differently
    worst = rel_error(m.forward(x)[0], expected)
    record("from_torch", [f"{type(tm).__name__}: out of the converted module"], x.shape, worst)
    record("to_torch", [f"{type(tm).__name__}: out of the round trip (bit-identical)"], x.shape, 0.0)


RECURRENT = [
    ("RNNCell", dict(input_size=3, hidden_size=4), (2, 3)),
    ("LSTMCell", dict(input_size=3, hidden_size=4), (2, 3)),
    ("GRUCell", dict(input_size=3, hidden_size=4), (2, 3)),
    ("RNN", dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True), (5, 2, 3)),
    ("LSTM", dict(input_size=3, hidden_size=4, num_layers=2, batch_first=True), (2, 5, 3)),
    ("GRU", dict(input_size=3, hidden_size=4, bidirectional=True), (5, 2, 3)),
]


def flatten(out):
    return [t for o in out for t in flatten(o)] if isinstance(out, tuple) else [out]


@pytest.mark.parametrize("name, kwargs, x_shape", RECURRENT, ids=[r[0] for r in RECURRENT])
def test_recurrent_round_trip_needs_no_interop_change(name, kwargs, x_shape):
    if not hasattr(lp, name):
        pytest.skip(f"lessonpkg.{name} is not exported yet")
    torch.manual_seed(0)
    tm = getattr(nn, name)(**kwargs, dtype=torch.float64)
    twin = lp.to_torch(lp.from_torch(tm))
    assert repr(twin) == repr(tm)
    xt = torch.randn(x_shape, dtype=torch.float64)
    for a, b in zip(flatten(twin(xt)), flatten(tm(xt)), strict=True):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    record("to_torch", [f"{name}: outputs and states of the round trip (bit-identical)"], x_shape, 0.0)


def test_a_new_class_needs_no_interop_change(monkeypatch):
    class Identity(lp.Module):  # stands in for any future layer named like a torch.nn class
        def torch_kwargs(self):
            return {}

        @classmethod
        def kwargs_from_torch(cls, torch_module):
            return {}

    monkeypatch.setattr(lp, "Identity", Identity, raising=False)
    assert type(lp.to_torch(Identity())) is nn.Identity
    assert type(lp.from_torch(nn.Identity())) is Identity


def test_unsupported_classes():
    class Mine(lp.Module):
        pass

    class MyLinear(nn.Linear):
        pass

    class Linear(nn.Module):  # named like torch.nn.Linear, but another class
        pass

    with pytest.raises(TypeError, match="module must be a lessonpkg Module, got torch.nn.modules.linear.Linear"):
        lp.to_torch(nn.Linear(2, 2))
    with pytest.raises(TypeError, match="to_torch needs a lessonpkg module named like a torch.nn class, got Mine"):
        lp.to_torch(Mine())
    with pytest.raises(TypeError, match="torch_module must be a torch.nn.Module, got lessonpkg.nn.linear.Linear"):
        lp.from_torch(lp.Linear(2, 2))
    for tm in (nn.Conv1d(2, 2, 3), MyLinear(2, 2), Linear(), nn.Module()):
        message = f"from_torch needs a torch.nn module that lessonpkg implements, got {type(tm).__name__}"
        with pytest.raises(TypeError, match=message):
            lp.from_torch(tm)


def test_unsupported_sequentials():
    from collections import OrderedDict

    with pytest.raises(ValueError, match=r"children named 0, 1, \.\.\., got \['fc', 'act'\]"):
        lp.from_torch(nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.Tanh())))
    shared = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="distinct children"):
        lp.from_torch(nn.Sequential(shared, nn.Tanh(), shared))
    with pytest.raises(TypeError, match="got Conv1d"):
        lp.from_torch(nn.Sequential(nn.Linear(2, 2), nn.Conv1d(2, 2, 1)))
    with pytest.raises(ValueError, match="supports neither max_norm"):
        lp.from_torch(nn.Embedding(4, 2, max_norm=1.0))
