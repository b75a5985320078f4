"""lessonpkg.testing.gradcheck: finite differences against known gradients, and gradcheck on small local layers.

The real layers and losses are tested in their own files; here small
stand-ins written for these tests exercise each protocol gradcheck accepts.
"""

import math
import re

import numpy as np
import pytest
import torch

from lessonpkg.testing.gradcheck import GradcheckResult, gradcheck, numerical_gradient, rel_error


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# -- small stand-ins for the three protocols --


class Affine:
    """out = x @ weight.T + bias, for x of shape (*, D); ``bug`` breaks one gradient on purpose."""

    def __init__(self, d, h, bug=None, seed=0):
        self.params = {"weight": rand(h, d, seed=seed), "bias": rand(h, seed=seed + 1)}
        self.bug = bug

    def forward(self, x):
        return x @ self.params["weight"].T + self.params["bias"], x

    def backward(self, dout, x):
        w = self.params["weight"]
        d2, x2 = dout.reshape(-1, w.shape[0]), x.reshape(-1, w.shape[1])
        dx, dw, db = dout @ w, d2.T @ x2, d2.sum(0)
        if self.bug == "bias":
            db = 1.001 * db
        if self.bug == "dx":
            dx = dx[::-1]  # rows of dout mixed up: invisible when dout is all ones
        return dx, {"weight": dw, "bias": db}


class Embedding:
    """out = weight[idx]; dx is None, like lessonpkg.Embedding."""

    def __init__(self, v, h):
        self.params = {"weight": rand(v, h, seed=3)}

    def forward(self, idx):
        return self.params["weight"][idx], idx

    def backward(self, dout, idx):
        dw = np.zeros_like(self.params["weight"])
        np.add.at(dw, idx, dout)
        return None, {"weight": dw}


class TanhRNN:
    """h_t = tanh(x_t @ weight_ih.T + h_{t-1} @ weight_hh.T + bias); forward(x, h0) -> (out, h_n, cache)."""

    def __init__(self, d, h, bug=None):
        self.params = {"weight_ih": rand(h, d, seed=4) / 2, "weight_hh": rand(h, h, seed=5) / 2}
        self.params["bias"] = rand(h, seed=6)
        self.bug = bug

    def forward(self, x, h0):
        p, hs = self.params, [h0]
        for x_t in x:  # x: (T, N, D)
            hs.append(np.tanh(x_t @ p["weight_ih"].T + hs[-1] @ p["weight_hh"].T + p["bias"]))
        out = np.stack(hs[1:])  # (T, N, H)
        return out, out[-1], (x, hs)

    def backward(self, dout, cache):
        x, hs = cache
        p = self.params
        grads = {k: np.zeros_like(v) for k, v in p.items()}
        dx, dh = np.zeros_like(x), np.zeros_like(hs[0])
        for t in reversed(range(len(x))):
            da = (dout[t] + dh) * (1 - hs[t + 1] ** 2)
            dx[t] = da @ p["weight_ih"]
            grads["weight_ih"] += da.T @ x[t]
            grads["weight_hh"] += da.T @ (hs[t] if self.bug != "hh" else hs[t + 1])
            grads["bias"] += da.sum(0)
            dh = da @ p["weight_hh"]
        return dx, dh, grads


class PairCell:
    """An LSTM-cell-shaped stand-in: forward(x, (h, c)) -> ((h', c'), cache), backward -> (dx, (dh, dc), grads)."""

    def __init__(self, d, h):
        self.params = {"weight": rand(h, d, seed=7)}

    def forward(self, x, hx):
        h, c = hx
        a = x @ self.params["weight"].T
        c_new = c * np.tanh(a)
        return (np.tanh(c_new) + h, c_new), (x, hx, a, c_new)

    def backward(self, dout, cache):
        dh_new, dc_new = dout
        x, (h, c), a, c_new = cache
        dc_tot = dc_new + dh_new * (1 - np.tanh(c_new) ** 2)
        da = dc_tot * c * (1 - np.tanh(a) ** 2)
        return da @ self.params["weight"], (dh_new, dc_tot * np.tanh(a)), {"weight": da.T @ x}


class MSE:
    """A loss: forward(input, target) -> (mean((input - target)**2), cache), backward(cache, dloss=1) -> dinput."""

    def forward(self, inp, target):
        return np.mean((inp - target) ** 2), (inp, target)

    def backward(self, cache, dloss=1.0):
        inp, target = cache
        return 2 * dloss * (inp - target) / inp.size


class SoftmaxCE:
    """A loss with integer targets: mean of -log softmax(input)[n, target[n]]; ``bug`` drops the 1/N."""

    def __init__(self, bug=False):
        self.bug = bug

    def forward(self, logits, target):
        z = logits - logits.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        return -logp[np.arange(len(target)), target].mean(), (np.exp(logp), target)

    def backward(self, cache):
        p, target = cache
        d = p.copy()
        d[np.arange(len(target)), target] -= 1
        return d if self.bug else d / len(target)


def affine_forward(x, w, b):
    return x @ w + b, (x, w)


def affine_backward(dout, cache):
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(0)


def sigmoid_forward(x):
    y = 1 / (1 + np.exp(-x))
    return y, y


def sigmoid_backward(dout, y):
    return dout * y * (1 - y)


# -- rel_error --


def test_rel_error_formula():
    assert rel_error(1.0, 1.1) == pytest.approx(0.1 / 2.1, rel=1e-12)
    assert rel_error(np.array([1.0, -2.0]), np.array([1.0, -2.0])) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0  # exact zeros agree
    assert rel_error(np.array([0.0, 1.0]), np.array([1e-30, 1.0])) == 1.0  # a tiny value vs exact zero
    assert rel_error(np.array([1.0, 3.0]), np.array([1.0, 1.0])) == 0.5  # the max over elements
    assert rel_error(np.array([1, 2]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(np.empty((0, 3)), np.empty((0, 3))) == 0.0
    assert isinstance(rel_error(1.0, 2.0), float)
    assert math.isnan(rel_error(np.array([np.nan]), np.array([1.0])))


@pytest.mark.parametrize(
    ("a", "b", "exc", "match"),
    [
        (np.ones(3), np.ones(4), ValueError, r"same shape, got \(3,\) and \(4,\)"),
        (torch.ones(2), np.ones(2), TypeError, "torch tensor"),
        (np.array(["x"]), np.ones(1), TypeError, "a must hold real numbers"),
    ],
)
def test_rel_error_bad_input(a, b, exc, match):
    with pytest.raises(exc, match=match):
        rel_error(a, b)


# -- numerical_gradient --

KNOWN = {
    "sum of cubes": (lambda x: np.sum(x**3), lambda x, d: 3 * x**2 * d, ()),
    "sin": (np.sin, lambda x, d: np.cos(x) * d, (4, 3)),
    "matmul": (lambda x: x @ rand(3, 5, seed=9), lambda x, d: d @ rand(3, 5, seed=9).T, (4, 5)),
    "logsumexp": (
        lambda x: np.log(np.exp(x).sum(-1)),
        lambda x, d: d[:, None] * np.exp(x) / np.exp(x).sum(-1, keepdims=True),
        (4,),
    ),
    "exp of 0-d": (np.exp, lambda x, d: np.exp(x) * d, ()),
}


@pytest.mark.parametrize("name", KNOWN)
@pytest.mark.parametrize("with_dout", [False, True])
def test_numerical_gradient_matches_known_gradients(name, with_dout):
    f, df, out_shape = KNOWN[name]
    x = rand(4, 3, seed=1) if name != "exp of 0-d" else np.array(0.7)
    dout = rand(*out_shape, seed=2) if with_dout else np.ones(out_shape)
    num = numerical_gradient(f, x, dout if with_dout else None)
    assert num.shape == x.shape and num.dtype == np.float64
    assert rel_error(num, df(x, dout)) < 1e-8


def test_perturbation_leaves_x_bit_identical():
    x = rand(5, 4) * 1e3
    x[0, 0] = 0.1  # not exactly representable: x + h - h would not return it
    before = x.copy()
    seen = []
    numerical_gradient(lambda z: seen.append(z is x) or np.tanh(z), x)
    assert all(seen)  # f sees the very array, perturbed in place
    assert x.tobytes() == before.tobytes()


def test_x_restored_when_f_raises():
    x = rand(3)
    before = x.copy()
    calls = []

    def f(z):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return z**2

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    assert x.tobytes() == before.tobytes()


def test_numerical_gradient_through_a_closure():
    """f may ignore its argument and read the perturbed array (a parameter) through a closure."""
    w, x = rand(3, 2, seed=1), rand(4, 2, seed=2)
    dout = rand(4, 3, seed=3)
    num = numerical_gradient(lambda _: x @ w.T, w, dout)
    assert rel_error(num, dout.T @ x) < 1e-8


def test_float32_is_refused_with_the_reason():
    with pytest.raises(TypeError, match=r"float32 rounding .* swamps the O\(h\*\*2\) truncation error") as info:
        numerical_gradient(np.sin, rand(3).astype(np.float32))
    assert "x.astype(np.float64)" in str(info.value)
    with pytest.raises(TypeError, match=r"f\(x\) \(the output being checked\) is float32: float32 rounding"):
        numerical_gradient(lambda x: x.astype(np.float32), rand(3))


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: numerical_gradient(np.sin, [1.0, 2.0]), TypeError, "x must be a float64 numpy array, got list"),
        (lambda: numerical_gradient(np.sin, np.arange(3)), TypeError, "got dtype int64"),
        (lambda: numerical_gradient(np.sin, np.array([1.0, np.nan])), ValueError, "x must be finite"),
        (lambda: numerical_gradient(np.sin, rand(3), h=0.0), ValueError, "h must be a finite number > 0"),
        (lambda: numerical_gradient(np.sin, rand(3), h=-1e-6), ValueError, "h must be"),
        (lambda: numerical_gradient(np.sin, rand(3), dout=np.ones(4)), ValueError, r"shape of f\(x\), \(3,\)"),
        (lambda: numerical_gradient(lambda x: x > 0, rand(3)), TypeError, "must be float64 or a float, got dtype bool"),
        (lambda: numerical_gradient(lambda x: x[x > x[0]], np.zeros(3)), ValueError, "changed shape"),
        (lambda: numerical_gradient(lambda x: torch.ones(1), rand(2)), TypeError, "torch tensor"),
        (lambda: numerical_gradient(np.sin, np.array([1.0, 1e12])), ValueError, r"too small to change x\[1\] = 1e\+12"),
    ],
)
def test_numerical_gradient_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_read_only_x_is_refused():
    x = rand(3)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        numerical_gradient(np.sin, x)


# -- gradcheck: correct backward passes --


def check(obj, inputs, **kw) -> GradcheckResult:
    """gradcheck, and the inputs and params must come back bit-identical."""
    flat = [a for x in inputs for a in (x if isinstance(x, tuple) else (x,)) if isinstance(a, np.ndarray)]
    before = [a.tobytes() for a in flat]
    params = dict(getattr(obj, "params", {}))
    pbefore = {k: v.tobytes() for k, v in params.items()}
    res = gradcheck(obj, inputs, rng=0, verbose=False, **kw)
    assert [a.tobytes() for a in flat] == before
    assert {k: v.tobytes() for k, v in params.items()} == pbefore
    assert all(obj.params[k] is v for k, v in params.items())  # arrays never rebound
    return res


@pytest.mark.parametrize("shape", [(1, 3), (5, 3), (2, 4, 3)])
def test_module(shape):
    res = check(Affine(3, 4), (rand(*shape, seed=2),))
    assert res.ok and list(res) == ["inputs[0]", "weight", "bias"]
    assert max(res.values()) < 1e-7


@pytest.mark.parametrize(("t", "n"), [(1, 1), (4, 2)])
def test_recurrent_module(t, n):
    res = check(TanhRNN(3, 5), (rand(t, n, 3, seed=1), rand(n, 5, seed=2)))
    assert res.ok and list(res) == ["inputs[0]", "inputs[1]", "weight_ih", "weight_hh", "bias"]


def test_module_with_tuple_output_and_tuple_state():
    res = check(PairCell(3, 4), (rand(2, 3, seed=1), (rand(2, 4, seed=2), rand(2, 4, seed=3))))
    assert res.ok and list(res) == ["inputs[0]", "inputs[1][0]", "inputs[1][1]", "weight"]


def test_module_without_input_gradient():
    res = check(Embedding(6, 4), (np.array([[0, 5, 5], [2, 0, 1]]),))
    assert res.ok and list(res) == ["weight"] and res.skipped == []


def test_losses():
    res = check(MSE(), (rand(4, 3, seed=1), rand(4, 3, seed=2)))
    assert res.ok and list(res) == ["inputs[0]"] and res.skipped == ["inputs[1]"]  # the float target
    res = check(MSE(), (rand(4, 3, seed=1), rand(4, 3, seed=2)), dout=np.array(-2.5))  # backward(cache, dout)
    assert res.ok and list(res) == ["inputs[0]"]
    res = check(SoftmaxCE(), (rand(5, 7, seed=1), np.array([0, 6, 3, 3, 1])))
    assert res.ok and list(res) == ["inputs[0]"] and res.skipped == []


def test_function_pairs():
    res = check((affine_forward, affine_backward), (rand(4, 3, seed=1), rand(3, 5, seed=2), rand(5, seed=3)))
    assert res.ok and list(res) == ["inputs[0]", "inputs[1]", "inputs[2]"]
    res = check((sigmoid_forward, sigmoid_backward), (rand(3, 2, seed=1),))
    assert res.ok and list(res) == ["inputs[0]"]


def test_explicit_dout_and_single_array_input():
    m, x = Affine(3, 2), rand(4, 3)
    res = gradcheck(m, x, dout=rand(4, 2, seed=5), verbose=False)
    assert res.ok and list(res) == ["inputs[0]", "weight", "bias"]


def test_same_seed_same_errors():
    m, x = Affine(3, 2), (rand(4, 3),)
    assert dict(gradcheck(m, x, rng=1, verbose=False)) == dict(gradcheck(m, x, rng=1, verbose=False))


# -- gradcheck: wrong backward passes are caught --


@pytest.mark.parametrize(
    ("obj", "inputs", "bad"),
    [
        (Affine(3, 4, bug="bias"), (rand(5, 3),), "bias"),
        (Affine(3, 4, bug="dx"), (rand(5, 3),), "inputs[0]"),
        (TanhRNN(3, 4, bug="hh"), (rand(3, 2, 3), rand(2, 4)), "weight_hh"),
        (SoftmaxCE(bug=True), (rand(5, 7), np.array([0, 6, 3, 3, 1])), "inputs[0]"),
    ],
)
def test_wrong_backward_fails(obj, inputs, bad, capsys):
    res = gradcheck(obj, inputs, rng=0)
    assert not res.ok and not res and res.failed == [bad]
    assert res[bad] > 1e-4
    out = capsys.readouterr().out
    assert re.search(rf"^  {re.escape(bad)} .*  FAIL$", out, re.M)
    assert out.rstrip().endswith(f"FAILED: {bad}")


def test_random_dout_catches_what_ones_hide():
    """Mixing up the rows of dout goes unseen with dout = ones; the default random dout catches it."""
    m, x = Affine(3, 4, bug="dx"), (rand(5, 3),)
    assert gradcheck(m, x, dout=np.ones((5, 4)), verbose=False).ok
    assert not gradcheck(m, x, rng=0, verbose=False).ok


# -- gradcheck: the report --


def test_report_format(capsys):
    res = gradcheck(Affine(3, 4), (rand(5, 3),), rng=0, rtol=1e-6)
    out = capsys.readouterr().out
    lines = out.rstrip("\n").split("\n")
    assert lines[0] == "gradcheck Affine (rtol=1e-06)"
    assert lines[1].split() == ["tensor", "shape", "max", "rel", "error"]
    for line, (name, shape) in zip(lines[2:5], [("inputs[0]", "(5, 3)"), ("weight", "(4, 3)"), ("bias", "(4,)")]):
        assert re.fullmatch(rf"  {re.escape(name)} +{re.escape(shape)} +\d\.\de-\d\d  PASS", line)
    assert lines[5] == "all passed" and len(lines) == 6
    assert repr(res) == out.rstrip("\n")  # the notebook shows the same table
    assert res.shapes == {"inputs[0]": (5, 3), "weight": (4, 3), "bias": (4,)}
    assert all(isinstance(v, float) for v in res.values())


def test_report_lists_unchecked_inputs(capsys):
    gradcheck(MSE(), (rand(4, 3, seed=1), rand(4, 3, seed=2)), rng=0)
    assert re.search(r"^  inputs\[1\] +\(no gradient returned, not checked\)$", capsys.readouterr().out, re.M)


def test_quiet(capsys):
    gradcheck(Affine(3, 4), (rand(5, 3),), verbose=False)
    assert capsys.readouterr().out == ""


# -- gradcheck: bad input --


class Float32Affine(Affine):
    def __init__(self):
        super().__init__(3, 2)
        self.params = {k: v.astype(np.float32) for k, v in self.params.items()}


class MissingGrad(Affine):
    def backward(self, dout, x):
        dx, grads = super().backward(dout, x)
        del grads["bias"]
        return dx, grads


class WrongShapeGrad(Affine):
    def backward(self, dout, x):
        dx, grads = super().backward(dout, x)
        return dx, {**grads, "weight": grads["weight"].T}


class NoCache(Affine):
    def forward(self, x):
        return super().forward(x)[0]


X = (rand(4, 3),)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: gradcheck(Float32Affine(), X), TypeError, r"Affine.params\['weight'\] must have dtype float64"),
        (lambda: gradcheck(Affine(3, 2), (X[0].astype(np.float32),)), TypeError, r"inputs\[0\] .*float32 rounding"),
        (lambda: gradcheck(MissingGrad(3, 2), X), ValueError, r"grads keys \['bias', 'weight'\], got \['weight'\]"),
        (lambda: gradcheck(WrongShapeGrad(3, 2), X), ValueError, r"grads\['weight'\] must have shape \(2, 3\)"),
        (lambda: gradcheck(NoCache(3, 2), X), TypeError, r"forward must return a tuple \(output, \.\.\., cache\)"),
        (lambda: gradcheck(Affine(3, 2), (rand(4, 3),), dout=np.ones((4, 3))), ValueError, r"output's shape \(4, 2\)"),
        (lambda: gradcheck(PairCell(3, 2), (rand(1, 3), (rand(1, 2), rand(1, 2))), dout=np.ones((1, 2))), ValueError,
         "output's structure, 2 arrays, got 1"),
        (lambda: gradcheck(MSE(), (rand(2), rand(2)), dout=np.ones(2)), ValueError, r"output's shape \(\)"),
        (lambda: gradcheck(np.sin, (rand(2),)), TypeError, "module_or_fn must be a module"),
        (lambda: gradcheck((sigmoid_forward,), (rand(2),)), TypeError, r"pair must be \(forward_fn, backward_fn\)"),
        (lambda: gradcheck((sigmoid_forward, lambda d, c: None), X), ValueError, "found nothing to check"),
        (lambda: gradcheck(Affine(3, 2), (rand(4, 3),), rtol=-1), ValueError, "rtol must be a number >= 0"),
        (lambda: gradcheck(Affine(3, 2), (rand(4, 3),), h=np.nan), ValueError, "h must be a finite number > 0"),
        (lambda: gradcheck(Affine(3, 2), (rand(4, 3),), rng="x"), TypeError, "rng must be"),
    ],
)
def test_gradcheck_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
