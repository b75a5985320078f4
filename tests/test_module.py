"""lessonpkg.nn.Module: sub-modules registered on assignment, parameters named like torch's, state dicts shared."""

import numpy as np
import pytest
import torch

import lessonpkg as lp
from lessonpkg import nn


class TinyLM(nn.Module):
    """A composite written as a learner would write it: three attributes, no hand-built names."""

    def __init__(self, V=7, E=4, H=5, rng=0):
        super().__init__()
        self.embed = nn.Embedding(V, E, rng=rng)
        self.rnn = nn.LSTM(E, H, num_layers=2, batch_first=True, rng=rng)
        self.head = nn.Linear(H, V, rng=rng)

    def forward(self, tokens):
        e, c_e = self.embed.forward(tokens)
        out, _, c_r = self.rnn.forward(e)
        logits, c_h = self.head.forward(out)
        return logits, (c_e, c_r, c_h)

    def backward(self, dlogits, cache):
        c_e, c_r, c_h = cache
        dout, g_h = self.head.backward(dlogits, c_h)
        de, _, g_r = self.rnn.backward(dout, c_r)
        _, g_e = self.embed.backward(de, c_e)
        return None, self.collect_grads(embed=g_e, rnn=g_r, head=g_h)


class TorchTinyLM(torch.nn.Module):
    def __init__(self, V=7, E=4, H=5):
        super().__init__()
        self.embed = torch.nn.Embedding(V, E)
        self.rnn = torch.nn.LSTM(E, H, num_layers=2, batch_first=True)
        self.head = torch.nn.Linear(H, V)

    def forward(self, tokens):
        return self.head(self.rnn(self.embed(tokens))[0])


def test_children_are_registered_in_assignment_order_and_named_like_torch():
    model, twin = TinyLM(), TorchTinyLM().double()
    assert [name for name, _ in model.named_children()] == ["embed", "rnn", "head"]
    ours = {k: v.shape for k, v in model.state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in twin.state_dict().items()}
    assert list(ours) == list(theirs) and ours == theirs
    assert [k for k, _ in model.named_parameters()] == [k for k, _ in twin.named_parameters()]


def test_load_state_dict_from_torch_then_forward_and_every_gradient_match():
    model, twin = TinyLM(), TorchTinyLM().double()
    model.load_state_dict(twin.state_dict())
    tokens = np.random.default_rng(1).integers(0, 7, size=(3, 6))
    logits, cache = model.forward(tokens)
    logits_t = twin(torch.from_numpy(tokens))
    np.testing.assert_allclose(logits, logits_t.detach().numpy(), rtol=1e-12, atol=1e-14)
    dlogits = np.random.default_rng(2).normal(size=logits.shape)
    logits_t.backward(torch.from_numpy(dlogits))
    _, grads = model.backward(dlogits, cache)
    assert list(grads) == list(model.params)
    for name, p in twin.named_parameters():
        np.testing.assert_allclose(grads[name], p.grad.numpy(), rtol=1e-10, atol=1e-13, err_msg=name)


def test_params_are_the_childrens_arrays_so_an_optimizer_trains_them():
    model = TinyLM()
    assert model.params["head.weight"] is model.head.params["weight"]
    opt = lp.optim.SGD(model.params, lr=0.1)
    before = model.head.params["bias"].copy()
    opt.step({k: np.ones_like(v) for k, v in model.params.items()})
    np.testing.assert_allclose(model.head.params["bias"], before - 0.1)


def test_nested_modules_get_dotted_names():
    outer = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Sequential(nn.Linear(4, 2, rng=1)))
    assert list(outer.params) == ["0.weight", "0.bias", "2.0.weight", "2.0.bias"]
    att = nn.AdditiveAttention(3, 4, 5, rng=0)
    assert list(att.params) == ["query.weight", "key.weight", "key.bias", "v.weight"]


def test_reassigning_a_child_replaces_it_and_a_non_module_unregisters_it():
    model = TinyLM()
    model.head = nn.Linear(5, 3, rng=0)
    assert model.params["head.weight"].shape == (3, 5)
    assert [name for name, _ in model.named_children()] == ["embed", "rnn", "head"]
    model.head = None
    assert [name for name, _ in model.named_children()] == ["embed", "rnn"]
    assert not any(k.startswith("head.") for k in model.params)


def test_collect_grads_refuses_missing_or_unexpected_names():
    model = TinyLM()
    g = {k: np.zeros_like(v) for k, v in model.head.params.items()}
    with pytest.raises(ValueError, match=r"missing \['embed.weight'"):
        model.collect_grads(head=g)
    full = {"embed": {"weight": 0}, "rnn": {k: 0 for k in model.rnn.params}, "head": g}
    with pytest.raises(ValueError, match=r"unexpected \['head.extra'\]"):
        model.collect_grads(**{**full, "head": {**g, "extra": 0}})


def test_load_state_dict_is_all_or_nothing_and_refuses_nan():
    model = TinyLM()
    before = model.state_dict()
    state = {k: np.ones_like(v) for k, v in before.items()}
    state["rnn.weight_hh_l1"] = np.full_like(before["rnn.weight_hh_l1"], np.nan)
    with pytest.raises(ValueError, match=r"state\['rnn.weight_hh_l1'\] must be finite"):
        model.load_state_dict(state)
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())  # nothing was copied
    state["rnn.weight_hh_l1"] = np.ones((2, 2))
    with pytest.raises(ValueError, match="must have shape"):
        model.load_state_dict(state)
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())


def test_add_module_checks_its_arguments():
    model = TinyLM()
    with pytest.raises(TypeError, match="module must be a lessonpkg Module, got int"):
        model.add_module("x", 3)
    with pytest.raises(ValueError, match="name must be a non-empty str without '.'"):
        model.add_module("a.b", nn.Tanh())


def test_repr_lists_the_children():
    text = repr(TinyLM())
    assert text.startswith("TinyLM(\n  (embed): Embedding(") and "(rnn): LSTM(" in text and "(head): Linear(" in text
