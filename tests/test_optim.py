"""lessonpkg.optim against torch.optim: 50-step trajectories in float64, state, and bad input."""

import copy
import itertools

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error as normwise_rel_error

import lessonpkg as lp

SHAPES = {"weight": (4, 3), "bias": (4,), "scale": (1,), "weight_hh": (2, 1, 3)}
STEPS = 50


def make_problem(seed=0):
    """Start values, curvatures and targets of a fixed quadratic, one per parameter array."""
    rng = np.random.default_rng(seed)
    p0 = {k: rng.normal(size=s) for k, s in SHAPES.items()}
    curv = {k: rng.uniform(0.5, 2.0, size=s) for k, s in SHAPES.items()}
    target = {k: rng.normal(size=s) for k, s in SHAPES.items()}
    return p0, curv, target


def gradient(params, curv, target, step):
    """Gradient of sum(curv * (p - target)**2 / 2) plus seeded noise that depends only on the step."""
    rng = np.random.default_rng(1000 + step)
    return {k: curv[k] * (params[k] - target[k]) + 0.3 * rng.normal(size=SHAPES[k]) for k in SHAPES}


def rel_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-300)))


def run_both(name, kwargs, steps=STEPS, on_step=None):
    """Run lessonpkg's and torch's optimizer ``name`` side by side, asserting equal params at every step.

    Returns the lessonpkg optimizer, the torch optimizer, the torch tensors and the worst relative error.
    """
    p0, curv, target = make_problem()
    params = {k: v.copy() for k, v in p0.items()}
    tparams = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in p0.items()}
    opt = getattr(lp, name)(params, **kwargs)
    topt = getattr(torch.optim, name)(list(tparams.values()), **kwargs)
    arrays = dict(params)  # the same array objects, to check they are never rebound
    worst = normwise = 0.0
    for step in range(steps):
        if on_step is not None:
            on_step(step, opt, topt)
        grads = gradient(params, curv, target, step)
        tgrads = gradient({k: t.detach().numpy() for k, t in tparams.items()}, curv, target, step)
        for k, t in tparams.items():
            t.grad = torch.from_numpy(tgrads[k])
        opt.step(grads)
        topt.step()
        for k in SHAPES:
            assert params[k] is arrays[k]
            expected = tparams[k].detach().numpy()
            np.testing.assert_allclose(params[k], expected, rtol=1e-10, atol=1e-12, err_msg=f"{k} at step {step}")
            worst = max(worst, rel_error(params[k], expected))
            normwise = max(normwise, normwise_rel_error(params[k], expected))
    shapes = ", ".join(f"{k} {v}" for k, v in SHAPES.items())
    record(name, [f"{k} after each step" for k in SHAPES], f"{steps} steps on {shapes}", normwise)
    return opt, topt, tparams, worst


def _grid(**axes):
    return [dict(zip(axes, values)) for values in itertools.product(*axes.values())]


SGD_CONFIGS = [{}] + [
    c
    for c in _grid(lr=[0.05], momentum=[0, 0.9], dampening=[0, 0.3], nesterov=[False, True],
                   weight_decay=[0, 0.01], maximize=[False, True])
    if not (c["nesterov"] and (c["momentum"] == 0 or c["dampening"] != 0))
]
ADAGRAD_CONFIGS = [{}] + _grid(lr=[0.1], lr_decay=[0, 0.05], weight_decay=[0, 0.01],
                               initial_accumulator_value=[0, 0.5], eps=[1e-10, 1e-3], maximize=[False, True])
RMSPROP_CONFIGS = [{}] + _grid(lr=[0.01], alpha=[0.99, 0.5], weight_decay=[0, 0.01], momentum=[0, 0.8],
                               centered=[False, True], maximize=[False, True])
ADAM_CONFIGS = [{}] + [
    c
    for c in _grid(lr=[0.01], betas=[(0.9, 0.999), (0.5, 0.9)], weight_decay=[0, 0.01], amsgrad=[False, True],
                   maximize=[False, True], decoupled_weight_decay=[False, True])
    if c["weight_decay"] or not c["decoupled_weight_decay"]
] + [{"lr": 0.01, "eps": 1e-3, "betas": (0.0, 0.0)}]
CONFIGS = (
    [("SGD", c) for c in SGD_CONFIGS]
    + [("Adagrad", c) for c in ADAGRAD_CONFIGS]
    + [("RMSprop", c) for c in RMSPROP_CONFIGS]
    + [("Adam", c) for c in ADAM_CONFIGS]
)


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=[f"{n}-{c}" for n, c in CONFIGS])
def test_trajectory_and_state_match_torch(name, kwargs):
    opt, topt, tparams, _ = run_both(name, kwargs)
    assert opt.t == STEPS
    for k, t in tparams.items():
        tstate = topt.state[t]
        assert set(opt.state[k]) == set(tstate) - {"step"}
        if "step" in tstate:
            assert float(tstate["step"]) == opt.t
        for buf_name, buf in opt.state[k].items():
            np.testing.assert_allclose(buf, tstate[buf_name].numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("name", "kwargs"), [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.05}),
                                              ("RMSprop", {"lr": 0.01, "momentum": 0.5}), ("Adagrad", {"lr": 0.2})])
def test_changing_lr_between_steps_matches_torch(name, kwargs):
    def schedule(step, opt, topt):
        if step % 10 == 0:
            opt.lr = kwargs["lr"] * 0.7 ** (step // 10)
            topt.param_groups[0]["lr"] = opt.lr

    run_both(name, kwargs, on_step=schedule)


def test_signatures_and_defaults_match_torch():
    import inspect

    skip = {"foreach", "fused", "capturable", "differentiable"}
    for name in ["SGD", "Adagrad", "RMSprop", "Adam"]:
        ours = inspect.signature(getattr(lp, name)).parameters
        theirs = {k: v for k, v in inspect.signature(getattr(torch.optim, name)).parameters.items() if k not in skip}
        assert list(ours) == list(theirs), name
        for k in ours:
            assert ours[k].default == theirs[k].default, (name, k)


# -- state_dict, in-place updates, grads left alone --


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam"])
def test_state_dict_round_trip_resumes_exactly(name):
    kwargs = {"SGD": {"lr": 0.05, "momentum": 0.9, "nesterov": True}, "Adagrad": {"lr": 0.1, "lr_decay": 0.01},
              "RMSprop": {"momentum": 0.5, "centered": True}, "Adam": {"amsgrad": True, "weight_decay": 0.1}}[name]
    p0, curv, target = make_problem()
    a = {k: v.copy() for k, v in p0.items()}
    opt_a = getattr(lp, name)(a, **kwargs)
    for step in range(20):
        opt_a.step(gradient(a, curv, target, step))
    saved = opt_a.state_dict()
    snapshot = copy.deepcopy(saved)
    b = {k: v.copy() for k, v in a.items()}
    opt_b = getattr(lp, name)(b)  # default hyper-parameters, replaced by load_state_dict
    opt_b.load_state_dict(saved)
    assert repr(opt_b) == repr(opt_a) and opt_b.t == 20
    for step in range(20, 30):
        opt_a.step(gradient(a, curv, target, step))
        opt_b.step(gradient(b, curv, target, step))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        assert b[k] is opt_b.params[k]
        for n, buf in saved["state"][k].items():  # neither optimizer shares buffers with the saved dict
            np.testing.assert_array_equal(buf, snapshot["state"][k][n])


def test_step_updates_module_params_in_place_and_leaves_grads_alone():
    params = {"w": np.ones((2, 3)), "b": np.zeros(3)}
    w = params["w"]
    grads = {"w": np.full((2, 3), 0.5), "b": np.arange(3.0)}
    before = {k: v.copy() for k, v in grads.items()}
    for opt in [lp.SGD(params, lr=0.1, momentum=0.9, weight_decay=0.1, maximize=True),
                lp.Adam(params, weight_decay=0.1), lp.RMSprop(params, centered=True, momentum=0.1),
                lp.Adagrad(params, weight_decay=0.1, maximize=True)]:
        for _ in range(3):
            opt.step(grads)
        assert params["w"] is w
        for k in grads:
            np.testing.assert_array_equal(grads[k], before[k])
    assert not np.allclose(w, 1.0)


def test_float32_params_stay_float32():
    params = {"w": np.ones((2, 2), dtype=np.float32)}
    opt = lp.Adam(params, lr=0.1)
    opt.step({"w": np.ones((2, 2), dtype=np.float32)})
    assert params["w"].dtype == np.float32
    np.testing.assert_allclose(params["w"], 0.9, rtol=1e-6)


FLOAT32_CONFIGS = [("Adam", {}), ("Adam", {"amsgrad": True}), ("Adam", {"weight_decay": 0.1}),
                   ("Adam", {"weight_decay": 0.1, "decoupled_weight_decay": True}), ("RMSprop", {}),
                   ("RMSprop", {"centered": True}), ("RMSprop", {"momentum": 0.9}),
                   ("RMSprop", {"centered": True, "momentum": 0.5}), ("Adagrad", {})]


@pytest.mark.parametrize("spike", [1.0, 1e20, 1e25])
@pytest.mark.parametrize(("name", "kwargs"), FLOAT32_CONFIGS, ids=[f"{n}-{c}" for n, c in FLOAT32_CONFIGS])
def test_float32_trajectory_with_a_huge_gradient_matches_torch_float32(name, kwargs, spike):
    """A float32 gradient of 1e20 (g * g overflows, (1 - beta2) * g * g does not) or 1e25 (both overflow) at step 3.

    torch computes the second moment as ``v * beta2 + (1 - beta2) * g * g`` (a fused multiply-add), so at 1e20
    Adam and RMSprop still step, while at 1e25 ``v`` is inf and the entry's step is 0 (it stays put, up to
    momentum) from then on; Adagrad's ``g * g`` overflows at both. The other entries never notice.
    """
    p0, curv, target = make_problem()
    params = {k: v.astype(np.float32) for k, v in p0.items()}
    tparams = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    opt = getattr(lp, name)(params, **kwargs)
    topt = getattr(torch.optim, name)(list(tparams.values()), **kwargs)
    for step in range(30):
        grads = {k: v.astype(np.float32) for k, v in gradient(params, curv, target, step).items()}
        tgrads = {k: v.astype(np.float32)
                  for k, v in gradient({k: t.detach().numpy() for k, t in tparams.items()}, curv, target, step).items()}
        if step == 2:
            for g in (grads, tgrads):
                g["weight"][0, 0], g["bias"][1] = spike, -spike
            before = params["weight"][0, 0].copy(), tparams["weight"].detach()[0, 0].item()
        for k, t in tparams.items():
            t.grad = torch.from_numpy(tgrads[k])
        with np.errstate(over="ignore"):  # 1e25 overflows in float32; torch does not warn
            opt.step(grads)
        topt.step()
        for k in SHAPES:
            ours, theirs = params[k], tparams[k].detach().numpy()
            assert ours.dtype == np.float32 and np.all(np.isfinite(ours)), f"{k} at step {step}"
            # float32 rounding (torch fuses multiply-adds): a few ulps of parameters of order 1
            np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6, err_msg=f"{k} at step {step}")
        if step == 2:
            moved = params["weight"][0, 0] != before[0]
            assert moved == (tparams["weight"].detach()[0, 0].item() != before[1])
            if not (kwargs.get("momentum") or kwargs.get("decoupled_weight_decay")):  # these move p regardless
                assert moved == (spike == 1.0 or (spike == 1e20 and name != "Adagrad"))


@pytest.mark.parametrize(("name", "kwargs", "expected"), [
    ("Adam", {"lr": 0.01}, [0.49, -0.24, 0.99]),  # m / sqrt(v) = sign(g) on the first step: p -= lr * sign(g)
    ("RMSprop", {"lr": 0.01}, [0.4, -0.15, 0.9]),  # g / sqrt((1 - alpha) g**2) = 10 sign(g)
])
def test_float32_first_step_with_gradient_1e20_equals_torch(name, kwargs, expected):
    p0, g = np.array([0.5, -0.25, 1.0], dtype=np.float32), np.array([1e20, -1e20, 1.0], dtype=np.float32)
    params = {"w": p0.copy()}
    getattr(lp, name)(params, **kwargs).step({"w": g})
    t = torch.tensor(p0, requires_grad=True)
    topt = getattr(torch.optim, name)([t], **kwargs)
    t.grad = torch.from_numpy(g)
    topt.step()
    np.testing.assert_array_equal(params["w"], t.detach().numpy())
    np.testing.assert_allclose(params["w"], expected, rtol=1e-6)


# -- checks by hand, without torch --


def test_sgd_momentum_two_steps_by_hand():
    params = {"w": np.array([1.0])}
    opt = lp.SGD(params, lr=0.1, momentum=0.5, dampening=0.2)
    opt.step({"w": np.array([2.0])})  # b = 2, w = 1 - 0.2
    opt.step({"w": np.array([2.0])})  # b = 0.5 * 2 + 0.8 * 2 = 2.6, w = 0.8 - 0.26
    np.testing.assert_allclose(params["w"], [0.54], rtol=1e-15)
    np.testing.assert_allclose(opt.state["w"]["momentum_buffer"], [2.6], rtol=1e-15)


def test_adam_first_step_moves_each_entry_by_lr():
    params = {"w": np.zeros(4)}
    lp.Adam(params, lr=0.01, eps=0.0).step({"w": np.array([3.0, -1e-3, 50.0, -2.0])})
    np.testing.assert_allclose(params["w"], [-0.01, 0.01, -0.01, 0.01], rtol=1e-14)


def test_sgd_reaches_the_minimum_of_a_quadratic():
    p0, curv, target = make_problem()
    params = {k: v.copy() for k, v in p0.items()}
    opt = lp.SGD(params, lr=0.2, momentum=0.5)
    for _ in range(300):
        opt.step({k: curv[k] * (params[k] - target[k]) for k in params})
    for k in params:
        np.testing.assert_allclose(params[k], target[k], rtol=1e-8, atol=1e-10)


# -- bad input --


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "match"),
    [
        ("SGD", {"lr": -0.1}, ValueError, r"^lr must be a (finite )?number >= 0, got -0\.1$"),
        ("Adam", {"lr": -0.1}, ValueError, r"^lr must be a (finite )?number >= 0, got -0\.1$"),
        ("SGD", {"lr": "0.1"}, TypeError, "lr must be a real number, got str"),
        ("SGD", {"lr": float("nan")}, ValueError, "lr must be a finite number >= 0, got nan"),
        ("SGD", {"momentum": -0.5}, ValueError, "momentum must be a (finite )?number >= 0, got -0.5"),
        ("SGD", {"weight_decay": -1}, ValueError, "weight_decay must be a (finite )?number >= 0, got -1"),
        ("SGD", {"nesterov": True}, ValueError, "nesterov=True requires momentum > 0 and dampening == 0"),
        ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, ValueError, "got momentum=0.9, dampening=0.1"),
        ("SGD", {"nesterov": 1, "momentum": 0.9}, TypeError, "nesterov must be a bool, got int"),
        ("SGD", {"maximize": "yes"}, TypeError, "maximize must be a bool, got str"),
        ("Adagrad", {"lr_decay": -0.1}, ValueError, "lr_decay must be a (finite )?number >= 0"),
        ("Adagrad", {"initial_accumulator_value": -1.0}, ValueError,
         "initial_accumulator_value must be a finite number >= 0"),
        ("Adagrad", {"eps": -1e-10}, ValueError, "eps must be a (finite )?number >= 0"),
        ("RMSprop", {"alpha": -0.1}, ValueError, "alpha must be a (finite )?number >= 0, got -0.1"),
        ("RMSprop", {"momentum": -0.1}, ValueError, "momentum must be a (finite )?number >= 0"),
        ("RMSprop", {"centered": None}, TypeError, "centered must be a bool, got NoneType"),
        ("Adam", {"betas": (1.0, 0.999)}, ValueError, r"betas\[0\] must be a finite number >= 0 and < 1, got 1\.0"),
        ("Adam", {"betas": (0.9, -0.1)}, ValueError, r"betas\[1\] must be a finite number >= 0 and < 1, got -0\.1"),
        ("Adam", {"betas": 0.9}, TypeError, r"betas must be a tuple \(beta1, beta2\), got 0\.9"),
        ("Adam", {"betas": (0.9, 0.99, 0.999)}, TypeError, "betas must be a tuple"),
        ("Adam", {"eps": -1.0}, ValueError, "eps must be a (finite )?number >= 0"),
        ("Adam", {"amsgrad": 0}, TypeError, "amsgrad must be a bool, got int"),
    ],
)
def test_bad_hyperparameters(name, kwargs, error, match):
    with pytest.raises(error, match=match):
        getattr(lp, name)({"w": np.zeros(2)}, **kwargs)


class _FakeModule:
    params = {"w": np.zeros(2)}


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        (_FakeModule(), TypeError, r"params must be a dict of name -> numpy array \(pass module.params"),
        ([np.zeros(2)], TypeError, "params must be a dict of name -> numpy array, got list"),
        ({}, ValueError, "params must hold at least one array, got an empty dict"),
        ({"w": [1.0, 2.0]}, TypeError, r"params\['w'\] must be a numpy array \(updated in place\), got list"),
        ({"w": np.zeros(2, dtype=int)}, TypeError, r"params\['w'\] must have a floating dtype, got int64"),
        ({0: np.zeros(2)}, TypeError, "params keys must be str, got int key 0"),
    ],
)
def test_bad_params(params, error, match):
    with pytest.raises(error, match=match):
        lp.SGD(params, lr=0.1)


def test_read_only_params_are_refused():
    w = np.zeros(2)
    w.flags.writeable = False
    with pytest.raises(ValueError, match=r"params\['w'\] must be writeable"):
        lp.Adam({"w": w})


@pytest.mark.parametrize(
    ("grads", "error", "match"),
    [
        ({"w": np.zeros((2, 3))}, ValueError, r"missing \['b'\], unexpected \[\]"),
        ({"w": np.zeros((2, 3)), "b": np.zeros(3), "c": np.zeros(1)}, ValueError, r"missing \[\], unexpected \['c'\]"),
        ({"w": np.zeros((3, 2)), "b": np.zeros(3)}, ValueError, r"grads\['w'\] must have shape \(2, 3\) like params\['w'\], got \(3, 2\)"),  # noqa: E501
        ({"w": np.zeros((2, 3)), "b": np.zeros(3, dtype=np.float32)}, TypeError, r"grads\['b'\] must have dtype float64 like params\['b'\], got float32"),  # noqa: E501
        ({"w": np.zeros((2, 3)), "b": np.array([0.0, np.nan, 1.0])}, ValueError, r"grads\['b'\] must be finite, got 1 NaN or inf"),  # noqa: E501
        ({"w": np.zeros((2, 3)), "b": torch.zeros(3, dtype=torch.float64)}, TypeError, r"grads\['b'\] must be a numpy array, got a torch tensor"),  # noqa: E501
        ((None, {"w": np.zeros((2, 3)), "b": np.zeros(3)}), TypeError, "grads must be a dict of name -> array keyed like params, got tuple"),  # noqa: E501
    ],
)
def test_bad_grads_raise_and_change_nothing(grads, error, match):
    params = {"w": np.ones((2, 3)), "b": np.ones(3)}
    opt = lp.Adam(params, lr=0.1)
    with pytest.raises(error, match=match):
        opt.step(grads)
    assert opt.t == 0
    np.testing.assert_array_equal(params["w"], 1.0)
    np.testing.assert_array_equal(params["b"], 1.0)
    np.testing.assert_array_equal(opt.state["w"]["exp_avg"], 0.0)


def test_bad_state_dicts():
    params = {"w": np.zeros(2)}
    opt = lp.SGD(params, lr=0.1, momentum=0.9)
    good = opt.state_dict()
    with pytest.raises(ValueError, match="state_dict must be a dict with keys"):
        opt.load_state_dict({"state": good["state"]})
    with pytest.raises(ValueError, match=r"state_dict\['hyperparameters'\] must have the keys"):
        opt.load_state_dict({**good, "hyperparameters": {"lr": 0.1}})
    with pytest.raises(ValueError, match="lr must be a (finite )?number >= 0, got -1.0"):
        opt.load_state_dict({**good, "hyperparameters": {**good["hyperparameters"], "lr": -1.0}})
    with pytest.raises(ValueError, match=r"state_dict\['state'\] must have the keys of params \['w'\], got \['v'\]"):
        opt.load_state_dict({**good, "state": {"v": good["state"]["w"]}})
    with pytest.raises(ValueError, match=r"state_dict\['state'\]\['w'\] must hold the buffers \['momentum_buffer'\]"):
        opt.load_state_dict({**good, "state": {"w": {}}})
    with pytest.raises(ValueError, match=r"\['momentum_buffer'\] must have shape \(2,\), got \(3,\)"):
        opt.load_state_dict({**good, "state": {"w": {"momentum_buffer": np.zeros(3)}}})
    with pytest.raises(ValueError, match=r"state_dict\['t'\] must be an int >= 0, got -1"):
        opt.load_state_dict({**good, "t": -1})


def test_repr_lists_hyperparameters():
    assert repr(lp.SGD({"w": np.zeros(1)}, lr=0.1)) == (
        "SGD(lr=0.1, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False)"
    )
