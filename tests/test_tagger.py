"""Tests of lessonpkg.train.tagger: a recurrent layer plus a Linear head trained with full or truncated BPTT."""

import numpy as np
import pytest
import torch
from equality_log import record
from twin import rel_error

import lessonpkg as lp
from lessonpkg.train.tagger import tagger_evaluate, tagger_params, tagger_update, train_tagger


def make_model(cls="RNN", D=3, H=5, C=4, seed=0, **kwargs):
    rnn = getattr(lp, cls)(D, H, rng=seed, **kwargs)
    head = lp.Linear(rnn.num_directions * H, C, rng=seed + 1)
    return rnn, head


def make_data(T=9, N=4, D=3, C=4, seed=0, ignore_first=2, batch_first=False):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, N, D))
    y = rng.integers(0, C, size=(T, N))
    y[:ignore_first] = -100
    if batch_first:
        x, y = x.transpose(1, 0, 2).copy(), y.T.copy()
    return x, y


def torch_update(rnn, head, x, y, chunk_len, lr):
    """The usual torch loop: one SGD step per chunk, the state detached between chunks, empty chunks skipped."""
    trnn, thead = lp.to_torch(rnn), lp.to_torch(head)
    opt = torch.optim.SGD([*trnn.parameters(), *thead.parameters()], lr=lr)
    axis = 1 if rnn.batch_first else 0
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    T = x.shape[axis]
    k = chunk_len or T
    state, losses = None, []
    for start in range(0, T, k):
        size = min(k, T - start)
        xc, yc = x.narrow(axis, start, size), y.narrow(axis, start, size)
        if state is not None:
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        out, state = trnn(xc, state)
        logits = thead(out)
        if bool((yc == -100).all()):
            continue
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), yc.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    params = {f"rnn.{k}": v.detach().numpy() for k, v in trnn.named_parameters()}
    params |= {f"head.{k}": v.detach().numpy() for k, v in thead.named_parameters()}
    return params, losses


@pytest.mark.parametrize("cls, kwargs, chunk_len, T", [
    ("RNN", {}, None, 9),
    ("RNN", {}, 4, 9),
    ("RNN", {}, 1, 5),
    ("RNN", {}, 2, 9),  # the first chunk has no target and is skipped
    ("RNN", {"nonlinearity": "relu", "num_layers": 2}, 3, 9),
    ("RNN", {"batch_first": True}, 4, 9),
    ("LSTM", {}, 4, 9),
    ("GRU", {"bidirectional": True}, 5, 9),
])
def test_update_equals_torch_trained_the_same_way(cls, kwargs, chunk_len, T):
    rnn, head = make_model(cls, **kwargs)
    x, y = make_data(T=T, batch_first=rnn.batch_first)
    expected, torch_losses = torch_update(rnn, head, x, y, chunk_len, lr=0.5)
    opt = lp.SGD(tagger_params(rnn, head), lr=0.5)
    losses = tagger_update(rnn, head, opt, x, y, chunk_len)
    np.testing.assert_allclose(losses, torch_losses, rtol=1e-10, atol=1e-12)
    for k, p in tagger_params(rnn, head).items():
        np.testing.assert_allclose(p, expected[k], rtol=1e-10, atol=1e-12, err_msg=k)
    worst = max([rel_error(losses, torch_losses), *(rel_error(p, expected[k])
                                                    for k, p in tagger_params(rnn, head).items())])
    record("tagger_update", ["chunk losses", "parameters after the SGD updates"], x.shape, worst)


def test_full_bptt_is_one_chunk_of_length_t():
    x, y = make_data()
    results = []
    for chunk_len in (None, 9, 50):
        rnn, head = make_model()
        opt = lp.SGD(tagger_params(rnn, head), lr=0.1)
        losses = tagger_update(rnn, head, opt, x, y, chunk_len)
        results.append((losses, tagger_params(rnn, head)))
    for losses, params in results[1:]:
        assert losses == results[0][0] and len(losses) == 1
        for k in params:
            np.testing.assert_array_equal(params[k], results[0][1][k])


def test_params_are_the_module_arrays():
    rnn, head = make_model(num_layers=2)
    params = tagger_params(rnn, head)
    assert list(params) == [f"rnn.{k}" for k in rnn.params] + [f"head.{k}" for k in head.params]
    assert all(params[f"rnn.{k}"] is v for k, v in rnn.params.items())
    assert params["head.weight"] is head.params["weight"]


def test_optimizer_on_part_of_the_model_freezes_the_rest():
    rnn, head = make_model()
    before = {k: v.copy() for k, v in rnn.params.items()}
    opt = lp.SGD({k: v for k, v in tagger_params(rnn, head).items() if k.startswith("head.")}, lr=0.5)
    head_before = head.params["weight"].copy()
    x, y = make_data()
    tagger_update(rnn, head, opt, x, y, chunk_len=3)
    for k, v in rnn.params.items():
        np.testing.assert_array_equal(v, before[k])
    assert not np.array_equal(head.params["weight"], head_before)


def test_evaluate_matches_a_direct_computation():
    rnn, head = make_model()
    x, y = make_data()
    loss, accuracy = tagger_evaluate(rnn, head, x, y)
    out, _, _ = rnn.forward(x)
    logits, _ = head.forward(out)
    counted = y != -100
    expected_loss, _ = lp.CrossEntropyLoss().forward(logits[counted], y[counted])
    assert loss == pytest.approx(float(expected_loss), rel=1e-12)
    assert accuracy == np.mean(logits.argmax(-1)[counted] == y[counted])


def test_train_history_and_update_counts():
    x, y = make_data(T=10, N=8, ignore_first=3)
    xv, yv = make_data(T=10, N=5, seed=1, ignore_first=3)
    rnn, head = make_model()
    opt = lp.Adam(tagger_params(rnn, head), lr=1e-2)
    h = train_tagger(rnn, head, opt, x, y, epochs=3, chunk_len=3, batch_size=4, rng=0, x_val=xv, y_val=yv)
    assert set(h) == {"epoch", "updates", "train_loss", "train_accuracy", "val_loss", "val_accuracy"}
    assert all(v.shape == (4,) for v in h.values())
    # 2 batches per epoch; chunks start at 0, 3, 6, 9 and the first has no target: 3 updates per batch
    np.testing.assert_array_equal(h["updates"], [0, 6, 12, 18])
    assert h["train_loss"][-1] < h["train_loss"][0]
    assert np.all((h["val_accuracy"] >= 0) & (h["val_accuracy"] <= 1))


def test_train_is_deterministic_and_learns_delayed_recall():
    x, y = lp.data.delayed_recall(256, 12, 2, 3, rng=0)
    runs = []
    for _ in range(2):
        rnn, head = make_model(D=3, H=16, C=3, seed=4)
        opt = lp.Adam(tagger_params(rnn, head), lr=2e-2)
        runs.append(train_tagger(rnn, head, opt, x, y, epochs=4, batch_size=32, rng=0))
    for k in runs[0]:
        np.testing.assert_array_equal(runs[0][k], runs[1][k])
    assert runs[0]["train_accuracy"][-1] > 0.9


def test_zero_epochs_only_measures():
    rnn, head = make_model()
    x, y = make_data()
    before = head.params["weight"].copy()
    h = train_tagger(rnn, head, lp.SGD(tagger_params(rnn, head), lr=1.0), x, y, epochs=0)
    assert h["updates"].tolist() == [0] and h["train_loss"].shape == (1,)
    np.testing.assert_array_equal(head.params["weight"], before)


@pytest.mark.parametrize("change, error, match", [
    ({"head": lp.Linear(4, 4, rng=0)}, ValueError, r"head must have in_features=5"),
    ({"head": lp.Tanh()}, TypeError, "head must be a lessonpkg Linear"),
    ({"rnn": lp.RNNCell(3, 5, rng=0)}, TypeError, "rnn must be a lessonpkg RNN, LSTM or GRU"),
    ({"y": np.zeros((9, 3), dtype=np.int64)}, ValueError, r"y must have shape \(9, 4\)"),
    ({"y": np.zeros((9, 4))}, TypeError, "y must hold integer classes"),
    ({"x": np.zeros((9, 4, 3), dtype=np.float32)}, TypeError, "x must have dtype float64"),
    ({"x": np.zeros((9, 3))}, ValueError, r"x must have shape \(T, N, D\)"),
    ({"chunk_len": 0}, ValueError, "chunk_len must be >= 1"),
    ({"optimizer": "sgd"}, TypeError, "optimizer must be a lessonpkg optimizer"),
    ({"optimizer": lp.SGD({"w": np.zeros(3)}, lr=0.1)}, ValueError, r"optimizer must be built on tagger_params"),
    ({"loss_fn": lp.CrossEntropyLoss(reduction="sum")}, TypeError, "loss_fn must be a CrossEntropyLoss"),
])
def test_update_bad_input(change, error, match):
    rnn, head = make_model()
    x, y = make_data()
    args = {"rnn": rnn, "head": head, "optimizer": None, "x": x, "y": y, "chunk_len": 3}
    args |= change
    if args["optimizer"] is None:
        args["optimizer"] = lp.SGD({"head.weight": head.params["weight"]}, lr=0.1)
    with pytest.raises(error, match=match):
        tagger_update(**args)


def test_train_bad_input():
    rnn, head = make_model()
    x, y = make_data()
    opt = lp.SGD(tagger_params(rnn, head), lr=0.1)
    with pytest.raises(ValueError, match="x_val and y_val must be given together"):
        train_tagger(rnn, head, opt, x, y, epochs=1, x_val=x)
    with pytest.raises(ValueError, match=r"y_val must have shape \(9, 4\)"):
        train_tagger(rnn, head, opt, x, y, epochs=1, x_val=x, y_val=y[:, :2])
    with pytest.raises(ValueError, match="epochs must be >= 0"):
        train_tagger(rnn, head, opt, x, y, epochs=-1)
