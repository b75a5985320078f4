"""Tests of lessonpkg.apps.long_range and scripts/long_range_benchmark.py: the adding-problem benchmark."""

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error

import lessonpkg as lp
from lessonpkg.apps.long_range import (
    CELLS,
    AddingBatches,
    TruncatedGradient,
    adding_grads,
    load_runs,
    make_adding_model,
    save_runs,
    train_adding,
)

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def load_script():
    """Import scripts/long_range_benchmark.py by name, so that worker processes can find its functions."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    return importlib.import_module("long_range_benchmark")


@pytest.mark.parametrize("cell, G", [("RNN", 1), ("RNN-Xavier", 1), ("RNN-orthogonal", 1), ("RNN-ReLU", 1), ("IRNN", 1),
                                     ("LSTM", 4), ("GRU", 3)])
@pytest.mark.parametrize("T, N, H", [(1, 1, 1), (6, 3, 5)])
def test_model_equals_torch_forward_and_backward(cell, G, T, N, H):
    model = make_adding_model(cell, H, rng=T + N)
    assert {k: v.shape for k, v in model.params.items()} == {
        "rnn.weight_ih_l0": (G * H, 2), "rnn.weight_hh_l0": (G * H, H), "rnn.bias_ih_l0": (G * H,),
        "rnn.bias_hh_l0": (G * H,), "head.weight": (1, H), "head.bias": (1,)}
    x, y = lp.data.adding_problem(N, max(T, 2), rng=0, batch_first=True)
    x = x[:, :T]
    pred, cache = model.forward(x)
    dpred = np.random.default_rng(1).standard_normal(pred.shape)
    dx, grads = model.backward(dpred, cache)

    trnn, thead = lp.to_torch(model.rnn), lp.to_torch(model.head)
    xt = torch.tensor(x, requires_grad=True)
    _, state = trnn(xt)
    h_n = state[0] if cell == "LSTM" else state
    pred_t = thead(h_n[-1])
    (pred_t * torch.from_numpy(dpred)).sum().backward()
    np.testing.assert_allclose(pred, pred_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    named = {f"rnn.{k}": p for k, p in trnn.named_parameters()} | {f"head.{k}": p for k, p in thead.named_parameters()}
    for k, p in named.items():
        np.testing.assert_allclose(grads[k], p.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=k)
    worst = max([rel_error(pred, pred_t.detach().numpy()), rel_error(dx, xt.grad.numpy()),
                 *(rel_error(grads[k], p.grad.numpy()) for k, p in named.items())])
    record("long_range.make_adding_model", ["pred", "dx", *(f"d{k}" for k in named)], (T, N, 2, H), worst)
    mse = lp.evaluate(model, lp.MSELoss(), (x, y))["loss"]
    assert mse == pytest.approx(float(np.mean((pred - y) ** 2)), rel=1e-12)


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("T, k", [(6, 6), (6, 3), (6, 1), (8, 2)])
def test_truncated_grads_equal_torch_with_the_state_detached(cell, T, k):
    """adding_grads(chunk_len=k) equals torch run over the first T - k steps, detached, then the last k steps."""
    model = make_adding_model(cell, 4, rng=T + k)
    x, y = lp.data.adding_problem(3, T, rng=1, batch_first=True)
    loss, grads, _ = adding_grads(model, x, y, chunk_len=k)
    trnn, thead = lp.to_torch(model.rnn), lp.to_torch(model.head)
    xt = torch.from_numpy(x)
    state = None
    if T > k:
        with torch.no_grad():
            _, state = trnn(xt[:, : T - k])  # the state flows in; no gradient reaches these steps
    _, state = trnn(xt[:, T - k:], state)
    h_n = state[0] if cell == "LSTM" else state
    loss_t = torch.nn.functional.mse_loss(thead(h_n[-1]), torch.from_numpy(y))
    loss_t.backward()
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)
    named = {f"rnn.{n}": p for n, p in trnn.named_parameters()} | {f"head.{n}": p for n, p in thead.named_parameters()}
    for n, p in named.items():
        np.testing.assert_allclose(grads[n], p.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=n)
    worst = max([rel_error(loss, loss_t.item()), *(rel_error(grads[n], p.grad.numpy()) for n, p in named.items())])
    record("long_range.adding_grads", ["loss", *(f"d{n}" for n in named)], f"T={T}, chunk_len={k}", worst)
    record("long_range.TruncatedGradient", ["loss", *(f"d{n}" for n in named)], f"T={T}, chunk_len={k}", worst)
    if k == T:  # no truncation: the same as the model's own backward
        pred, cache = model.forward(x)
        _, full = model.backward(2 * (pred - y) / y.size, cache)
        for n in full:
            np.testing.assert_allclose(grads[n], full[n], rtol=1e-12, atol=1e-14)


def test_fit_with_a_delay_and_truncation_runs():
    x_val, y_val = lp.data.adding_problem(8, 4, rng=0, delay=4, batch_first=True)
    model = make_adding_model("GRU", 3, rng=0)
    hist = lp.fit(TruncatedGradient(model, 4), lp.MSELoss(), lp.Adam(model.params, lr=0.01),
                  AddingBatches(4, 1, delay=4, n_eval=8), epochs=2, batch_size=4, rng=0, val=(x_val, y_val))
    assert len(hist["val_loss"]) == 3 and hist["updates"].tolist() == [0, 1, 2] and "diverged_at" not in hist


def test_adding_batches_are_fresh_for_training_and_fixed_for_measuring():
    data = AddingBatches(5, 3, n_eval=6, dtype=np.float32)
    gen = np.random.default_rng(0)
    drawn = [x for (x,), _ in data.batches(4, gen)]
    assert len(drawn) == 3 and all(x.shape == (4, 5, 2) and x.dtype == np.float32 for x in drawn)
    expected, _ = lp.data.adding_problem(4, 5, np.random.default_rng(0), batch_first=True)
    np.testing.assert_array_equal(drawn[0], expected.astype(np.float32))
    [((a,), _)] = list(data.batches(None, None))
    [((b,), _)] = list(data.batches(4, None))
    assert a is b and a.shape == (6, 5, 2)


def test_train_adding_is_deterministic_and_records_its_history():
    kwargs = {"hidden_size": 4, "steps": 6, "batch_size": 8, "eval_every": 2, "n_val": 16}
    m1, h1 = train_adding("GRU", 6, seed=3, **kwargs)
    m2, h2 = train_adding("GRU", 6, seed=3, **kwargs)
    m3, _ = train_adding("GRU", 6, seed=4, **kwargs)
    assert m1.dtype == np.float32
    np.testing.assert_array_equal(h1["updates"], [0, 2, 4, 6])
    assert set(h1) == {"epoch", "updates", "train_loss", "val_loss", "grad_norm"}
    assert all(len(v) == 4 for v in h1.values())
    for k in m1.params:
        np.testing.assert_array_equal(m1.params[k], m2.params[k])
    for k in h1:
        np.testing.assert_array_equal(h1[k], h2[k])
    assert not np.array_equal(m1.params["head.weight"], m3.params["head.weight"])


def test_cells_and_their_initialisation():
    assert CELLS == ("RNN", "RNN-Xavier", "RNN-orthogonal", "RNN-ReLU", "IRNN", "LSTM", "GRU")
    assert make_adding_model("RNN", 4, rng=0).rnn.nonlinearity == "tanh"
    default, xavier, orth = (make_adding_model(c, 50, rng=0) for c in ("RNN", "RNN-Xavier", "RNN-orthogonal"))
    assert xavier.rnn.nonlinearity == orth.rnn.nonlinearity == "tanh"
    w_x, w_o = xavier.rnn.params["weight_hh_l0"], orth.rnn.params["weight_hh_l0"]
    bound = np.sqrt(6 / (50 + 50))  # Xavier uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out))
    assert np.abs(w_x).max() <= bound and np.abs(w_x).max() > 0.95 * bound
    assert np.abs(default.rnn.params["weight_hh_l0"]).max() <= 1 / np.sqrt(50) < 0.95 * bound
    np.testing.assert_allclose(w_o @ w_o.T, np.eye(50), atol=1e-12)
    for name in ("weight_ih_l0", "bias_ih_l0", "bias_hh_l0"):  # only weight_hh differs from torch's default
        assert xavier.rnn.params[name].shape == default.rnn.params[name].shape
        assert np.abs(xavier.rnn.params[name]).max() <= 1 / np.sqrt(50)
    assert make_adding_model("RNN-ReLU", 4, rng=0).rnn.nonlinearity == "relu"
    irnn = make_adding_model("IRNN", 50, rng=0)
    p = irnn.rnn.params
    assert irnn.rnn.nonlinearity == "relu"
    np.testing.assert_array_equal(p["weight_hh_l0"], np.eye(50))
    np.testing.assert_array_equal(p["bias_ih_l0"], 0.0)
    np.testing.assert_array_equal(p["bias_hh_l0"], 0.0)
    assert 0.0007 < p["weight_ih_l0"].std() < 0.0013


def test_clipping_modes_and_the_recorded_gradient_norm():
    x_val, y_val = lp.data.adding_problem(16, 5, rng=9, batch_first=True)
    hist = {}
    for clip in ("norm", "value", None):
        model = make_adding_model("RNN", 4, rng=0)
        hist[clip] = lp.fit(TruncatedGradient(model), lp.MSELoss(), lp.SGD(model.params, lr=0.1), AddingBatches(5, 1),
                            epochs=4, batch_size=8, rng=1, val=(x_val, y_val),
                            clip_grad_norm=0.01 if clip == "norm" else None,
                            clip_grad_value=0.01 if clip == "value" else None)
    # the same batches and start: the gradient before any clipping is the same, the updates differ
    assert hist["norm"]["grad_norm"][1] == hist["value"]["grad_norm"][1] == hist[None]["grad_norm"][1]
    assert hist["norm"]["val_loss"][0] == hist["value"]["val_loss"][0] == hist[None]["val_loss"][0]
    assert len({hist[c]["val_loss"][1] for c in hist}) == 3
    assert len({hist[c]["grad_norm"][2] for c in hist}) == 3


def test_fit_stops_when_the_numbers_overflow():
    model = make_adding_model("RNN-ReLU", 4, rng=0)
    model.rnn.params["weight_hh_l0"][...] = 1.5 * np.eye(4)  # a ReLU state that grows like 1.5**t
    model.rnn.params["bias_ih_l0"][...] = 1.0
    before = model.state_dict()
    with pytest.warns(RuntimeWarning, match="training stopped in epoch 1 after 0 updates: a number overflowed"):
        history = lp.fit(TruncatedGradient(model), lp.MSELoss(), lp.SGD(model.params, lr=1e-3),
                         AddingBatches(600, 2, n_eval=2), epochs=3, batch_size=2, rng=0)
    assert int(history["diverged_at"]) == 0 and history["epoch"].tolist() == [0]
    assert all(np.array_equal(v, before[k]) for k, v in model.params.items())


def test_training_lowers_the_error_on_a_short_problem():
    _, h = train_adding("GRU", 4, hidden_size=8, steps=150, batch_size=32, eval_every=150, n_val=128, dtype=np.float64)
    assert h["val_loss"][-1] < 0.5 * h["val_loss"][0]


def test_save_and_load_round_trip(tmp_path):
    runs = {}
    for cell in ("GRU", "RNN", "LSTM"):
        runs[(cell, 5, 1)] = train_adding(cell, 5, hidden_size=3, steps=2, batch_size=4, eval_every=1, n_val=8)
    runs[("RNN", 3, 0)] = train_adding("RNN", 3, hidden_size=3, steps=2, batch_size=4, eval_every=1, n_val=8)
    path = tmp_path / "runs.npz"
    save_runs(path, runs, hidden_size=3, lr=0.01)
    loaded, meta = load_runs(path)
    assert list(loaded) == [("RNN", 3, 0), ("RNN", 5, 1), ("LSTM", 5, 1), ("GRU", 5, 1)]
    assert meta == {"hidden_size": 3, "lr": 0.01}
    for key, (model, history) in loaded.items():
        assert model.dtype == np.float64
        for k, v in runs[key][0].params.items():
            np.testing.assert_array_equal(model.params[k], v.astype(np.float64))
        for k, v in runs[key][1].items():
            np.testing.assert_array_equal(history[k], v)


def test_the_script_runs_a_tiny_benchmark_and_its_output_loads(tmp_path):
    script = load_script()
    lines = []
    out = tmp_path / "tiny.npz"
    runs = script.run_benchmark(out, cells=("RNN", "LSTM"), lengths=(4,), seeds=(0,), log=lines.append,
                                hidden_size=3, steps=3, batch_size=4, eval_every=3)
    assert set(runs) == {("RNN", 4, 0), ("LSTM", 4, 0)}
    assert len(lines) == 3 and "saved 2 models" in lines[-1]
    runs2 = script.run_benchmark(tmp_path / "tiny2.npz", cells=("RNN", "LSTM"), lengths=(4,), seeds=(0,), workers=2,
                                 log=lines.append, hidden_size=3, steps=3, batch_size=4, eval_every=3)
    for key in runs:  # the same results in worker processes
        np.testing.assert_array_equal(runs[key][1]["val_loss"], runs2[key][1]["val_loss"])
    loaded, meta = load_runs(out)
    assert set(loaded) == set(runs)
    assert int(meta["steps"]) == 3 and int(meta["hidden_size"]) == 3
    assert "IRNN/lr" not in meta  # a recipe is stored only for the cells that ran


def test_the_script_trains_the_irnn_with_its_own_recipe(tmp_path):
    script = load_script()
    assert script.RECIPES == {"IRNN": {"lr": 1e-3}} and script.SETTINGS["lr"] == 1e-2
    tiny = {"hidden_size": 3, "steps": 3, "batch_size": 4, "eval_every": 3}
    runs = script.run_benchmark(tmp_path / "irnn.npz", cells=("IRNN", "RNN-ReLU"), lengths=(4,), seeds=(1,),
                                log=lambda line: None, **tiny)
    _, meta = load_runs(tmp_path / "irnn.npz")
    assert float(meta["IRNN/lr"]) == 1e-3 and float(meta["lr"]) == 1e-2
    for cell, lr in (("IRNN", 1e-3), ("RNN-ReLU", 1e-2)):
        model, _ = train_adding(cell, 4, seed=1, lr=lr, max_norm=1.0, **tiny)
        for k, v in model.params.items():
            np.testing.assert_array_equal(runs[cell, 4, 1][0].params[k], v, err_msg=f"{cell} {k}")


def test_the_shipped_benchmark_holds_every_run_of_the_script():
    script = load_script()
    runs, meta = load_runs(script.ROOT / "book" / "data" / "long_range.npz")
    assert set(runs) == {(c, T, s) for c in CELLS for T in script.LENGTHS for s in script.SEEDS}
    assert {k: float(v) for k, v in meta.items()} == (
        {k: float(v) for k, v in script.SETTINGS.items()}
        | {f"{c}/{k}": float(v) for c, recipe in script.RECIPES.items() for k, v in recipe.items()})
    for model, history in runs.values():
        assert history["updates"][-1] == script.SETTINGS["steps"] and model.rnn.hidden_size == 32


@pytest.mark.parametrize("call, error, match", [
    (lambda: make_adding_model("LSTM2", 4), ValueError, "cell must be one of"),
    (lambda: make_adding_model("RNN", 0), ValueError, "hidden_size must be >= 1"),
    (lambda: train_adding("RNN", 0), ValueError, "T must be >= 1"),
    (lambda: train_adding("RNN", 5, steps=0), ValueError, "steps must be >= 1"),
    (lambda: train_adding("RNN", 5, steps=5, eval_every=2), ValueError, "steps must be a multiple of eval_every=2"),
    (lambda: save_runs("/tmp/never.npz", {("RNN", -1, 0): (None, {})}), ValueError, "T must be >= 1"),
    (lambda: TruncatedGradient(lp.Linear(2, 1)), TypeError, "model must be a lessonpkg SequenceClassifier"),
    (lambda: TruncatedGradient(make_adding_model("RNN", 2), 2).forward(np.zeros((1, 5, 2))), ValueError,
     "chunk_len must divide T=5"),
    (lambda: AddingBatches(5, 0), ValueError, "per_epoch must be >= 1"),
    (lambda: list(AddingBatches(5, 1).batches(None, np.random.default_rng(0))), TypeError, "batch_size must be an int"),
    (lambda: adding_grads(make_adding_model("RNN", 2), np.zeros((1, 6, 2)), np.zeros((1, 1)), chunk_len=4),
     ValueError, "chunk_len must divide T=6"),
])
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
