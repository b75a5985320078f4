"""The long-range benchmark: recurrent regressors trained on the adding problem, saved and reloaded.

Each model is a many-to-one ``SequenceClassifier`` whose ``Linear(H, 1)`` head
reads the final state and returns one number, the predicted sum::

    y_hat = h_n[-1] @ head.weight.T + head.bias          # (N, 1)

``fit_adding`` trains a model on fresh batches of ``adding_problem`` sequences
with the mean squared error, an optional gradient clipping and an optimizer
step per batch, and stops cleanly if the numbers overflow.
``scripts/long_range_benchmark.py`` trains every (cell, T, seed) with
``train_adding`` and stores the weights with ``save_runs``; ``load_runs``
rebuilds the models in float64 so that a chapter can evaluate them on fresh data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lessonpkg._validate import as_rng, check_array, check_nonnegative_float, check_positive_int
from lessonpkg.data.synthetic import adding_problem
from lessonpkg.models.heads import SequenceClassifier
from lessonpkg.nn import init
from lessonpkg.nn.gru import GRU
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.loss import MSELoss
from lessonpkg.nn.lstm import LSTM
from lessonpkg.nn.rnn import RNN
from lessonpkg.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from lessonpkg.optim import SGD, Adam
from lessonpkg.train.tbptt import TruncatedBPTT

CELLS = ("RNN", "RNN-ReLU", "IRNN", "LSTM", "GRU")


def _check_cell(cell) -> str:
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {list(CELLS)}, got {cell!r}")
    return cell


def make_adding_model(cell: str, hidden_size: int, rng: np.random.Generator | int | None = None,
                      dtype=np.float64) -> SequenceClassifier:
    """A recurrent layer (2 inputs, ``hidden_size`` units, batch_first) with a Linear(H, 1) head.

    ``cell`` picks the layer and its initialisation:

    - ``"RNN"``, ``"LSTM"``, ``"GRU"``: tanh RNN, LSTM or GRU with torch's default initialisation;
    - ``"RNN-ReLU"``: an RNN with ``nonlinearity="relu"`` and torch's default initialisation;
    - ``"IRNN"``: a ReLU RNN with ``weight_hh = I`` and both biases 0 (Le, Jaitly and Hinton, 2015),
      and small input weights, ``weight_ih`` drawn from N(0, 0.001**2).

    Parameters
    ----------
    cell : one of ``CELLS``
    hidden_size : int
        H.
    rng : numpy.random.Generator, int or None
        Draws the layer's weights, then the head's.
    dtype : np.float64 or np.float32
    """
    gen = as_rng(rng)
    H = check_positive_int(hidden_size, "hidden_size")
    cell = _check_cell(cell)
    if cell in ("LSTM", "GRU"):
        rnn = (LSTM if cell == "LSTM" else GRU)(2, H, batch_first=True, rng=gen, dtype=dtype)
    else:
        rnn = RNN(2, H, nonlinearity="tanh" if cell == "RNN" else "relu", batch_first=True, rng=gen, dtype=dtype)
    if cell == "IRNN":
        p = rnn.params
        init.identity(p["weight_hh_l0"])
        init.zeros(p["bias_ih_l0"])
        init.zeros(p["bias_hh_l0"])
        init.normal(p["weight_ih_l0"], 0.0, 0.001, rng=gen)
    return SequenceClassifier(rnn, Linear(H, 1, rng=gen, dtype=dtype))


def adding_mse(model: SequenceClassifier, x: np.ndarray, y: np.ndarray) -> float:
    """The mean squared error of ``model`` on sequences x (N, T, 2) with targets y (N, 1), cast to its dtype."""
    x = check_array(x, "x").astype(model.dtype, copy=False)
    y = check_array(y, "y").astype(model.dtype, copy=False)
    pred, _ = model.forward(x)  # (N, 1)
    loss, _ = MSELoss().forward(pred, y)
    return float(loss)


def adding_grads(model: SequenceClassifier, x: np.ndarray, y: np.ndarray,
                 chunk_len: int | None = None) -> tuple[float, dict[str, np.ndarray], dict]:
    """The MSE of ``model`` on x (N, T, 2) and y (N, 1), and its gradient, keyed like ``model.params``.

    With ``chunk_len=k`` the gradient is truncated (``TruncatedBPTT``): the layer
    runs over chunks of k steps, carrying its state, and the gradient is
    backpropagated through the last chunk only, k steps back from the loss.
    The earlier chunks have no loss of their own, so they get no gradient.
    T must be a multiple of k. ``None`` backpropagates through all T steps.

    Returns
    -------
    loss : float
    grads : dict of arrays, keyed like ``model.params``
    caches : dict, the forward caches (``"rnn"``, ``"head"``) of the last chunk
    """
    T = x.shape[1]
    k = T if chunk_len is None else check_positive_int(chunk_len, "chunk_len")
    if T % k:
        raise ValueError(f"chunk_len must divide T={T}, so that the last chunk ends at the loss, got {chunk_len}")
    tbptt = TruncatedBPTT(model.rnn, k)
    for (x_chunk,) in tbptt.chunks(x):
        out, rnn_cache = tbptt.forward(x_chunk)  # (N, k, H); the state flows on to the next chunk
    pred, head_cache = model.head.forward(out[:, -1])  # (N, 1), read off the final state
    crit = MSELoss()
    loss, loss_cache = crit.forward(pred, y)
    dfeature, head_grads = model.head.backward(crit.backward(loss_cache), head_cache)  # (N, H)
    dout = np.zeros_like(out)
    dout[:, -1] = dfeature
    _, rnn_grads = tbptt.backward(dout, rnn_cache)  # stops at the last chunk's first step
    grads = {**{f"rnn.{n}": g for n, g in rnn_grads.items()}, **{f"head.{n}": g for n, g in head_grads.items()}}
    return float(loss), {n: grads[n] for n in model.params}, {"rnn": rnn_cache, "head": head_cache}


def fit_adding(model: SequenceClassifier, T: int, *, steps: int, rng: np.random.Generator | int | None = None,
               batch_size: int = 64, optimizer: str = "adam", lr: float = 1e-2, clip: str | None = "norm",
               threshold: float = 1.0, chunk_len: int | None = None, delay: int = 0, eval_every: int = 100,
               x_val: np.ndarray | None = None, y_val: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Train ``model`` in place on ``steps`` fresh batches of the adding problem of length T.

    Each update: draw ``batch_size`` sequences; compute the MSE and its gradient
    (``adding_grads``, truncated to the last ``chunk_len`` steps if given); clip
    it (``clip="norm"``: ``clip_grad_norm_(grads, threshold)``; ``clip="value"``:
    ``clip_grad_value_(grads, threshold)``; ``None``: no clipping); take an
    ``"adam"`` or ``"sgd"`` step with ``lr``. If a number overflows (float
    ``inf`` or ``nan``), training stops and the step is recorded.

    Parameters
    ----------
    model : SequenceClassifier with 2 inputs and 1 output (``make_adding_model``)
    T, steps, batch_size, eval_every : int
    rng : numpy.random.Generator, int or None
        Draws the training batches.
    optimizer : "adam" or "sgd"
    lr, threshold : float
    clip : "norm", "value" or None
    chunk_len : int or None
        Truncate the gradient to the last ``chunk_len`` steps (a divisor of T + delay); None: full BPTT.
    delay : int
        Blank steps after the T steps of every sequence (``adding_problem``'s ``delay``).
    x_val, y_val : (N, T + delay, 2) and (N, 1) arrays, optional
        A fixed validation set, scored at every entry of the history.

    Returns
    -------
    dict of arrays
        ``"step"`` (K,): 0, eval_every, 2 * eval_every, ..., up to the last step taken;
        ``"train_mse"`` (K,): mean MSE of the batches since the previous entry, each measured just
        before its update (at step 0: the first batch);
        ``"grad_norm"`` (K,): the largest total gradient norm (before clipping) over the same batches
        (the last batch, which gets no update, excepted);
        ``"val_mse"`` (K,) if a validation set is given;
        ``"diverged_at"`` (): the update at which the numbers overflowed, or -1.
    """
    T, steps = check_positive_int(T, "T"), check_positive_int(steps, "steps")
    batch_size, eval_every = check_positive_int(batch_size, "batch_size"), check_positive_int(eval_every, "eval_every")
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
    if clip not in ("norm", "value", None):
        raise ValueError(f"clip must be 'norm', 'value' or None, got {clip!r}")
    threshold = check_nonnegative_float(threshold, "threshold")
    if (x_val is None) != (y_val is None):
        raise ValueError("x_val and y_val must be given together")
    length = T + check_positive_int(delay, "delay", allow_zero=True)
    if chunk_len is not None and length % check_positive_int(chunk_len, "chunk_len"):
        raise ValueError(f"chunk_len must divide T + delay = {length}, so that the last chunk ends at the loss, "
                         f"got {chunk_len}")
    batches, dtype = as_rng(rng), model.dtype
    opt = Adam(model.params, lr=lr) if optimizer == "adam" else SGD(model.params, lr=lr)
    history = {"step": [], "train_mse": [], "grad_norm": []} | ({} if x_val is None else {"val_mse": []})
    recent, norms, diverged_at = [], [], -1
    for step in range(steps + 1):
        x, y = adding_problem(batch_size, T, batches, delay=delay, batch_first=True)
        try:
            with np.errstate(over="raise", invalid="raise"):
                loss, grads, _ = adding_grads(model, x.astype(dtype), y.astype(dtype), chunk_len)
                total = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
        except FloatingPointError:
            diverged_at = step
            break
        recent.append(loss)
        if step < steps:
            norms.append(total)
        if step % eval_every == 0 or step == steps:
            history["step"].append(step)
            history["train_mse"].append(float(np.mean(recent)))
            history["grad_norm"].append(max(norms, default=0.0))
            if x_val is not None:
                history["val_mse"].append(adding_mse(model, x_val, y_val))
            recent, norms = [], []
        if step == steps:
            break
        if clip == "norm":
            clip_grad_norm_(grads, threshold)
        elif clip == "value":
            clip_grad_value_(grads, threshold)
        opt.step(grads)
    history = {k: np.asarray(v) for k, v in history.items()}
    history["diverged_at"] = np.asarray(diverged_at)
    return history


def train_adding(cell: str, T: int, *, hidden_size: int = 32, steps: int = 3000, batch_size: int = 64,
                 lr: float = 1e-2, max_norm: float = 1.0, seed: int = 0, dtype=np.float32,
                 eval_every: int = 100, n_val: int = 512) -> tuple[SequenceClassifier, dict[str, np.ndarray]]:
    """Build ``make_adding_model(cell, hidden_size)`` and train it with Adam and norm clipping (``fit_adding``).

    ``seed`` is split (``np.random.SeedSequence(seed).spawn(3)``) into three
    independent streams: the initial weights, the training batches, and a fixed
    validation set of ``n_val`` sequences.

    Returns
    -------
    model : SequenceClassifier
        The trained model, in ``dtype``.
    history : dict of arrays, as returned by ``fit_adding`` (with ``"val_mse"``)
    """
    init_seed, batch_seed, val_seed = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    model = make_adding_model(cell, hidden_size, rng=init_seed, dtype=dtype)
    x_val, y_val = adding_problem(check_positive_int(n_val, "n_val"), check_positive_int(T, "T"), val_seed,
                                  batch_first=True)
    history = fit_adding(model, T, steps=steps, rng=batch_seed, batch_size=batch_size, optimizer="adam", lr=lr,
                         clip="norm", threshold=max_norm, eval_every=eval_every, x_val=x_val, y_val=y_val)
    return model, history


def save_runs(path: str | Path, runs: dict, **meta) -> None:
    """Save trained models and their histories to one compressed ``.npz`` file.

    Parameters
    ----------
    path : str or Path
    runs : dict
        ``{(cell, T, seed): (model, history)}``, each pair as returned by ``train_adding``.
    **meta : arrays or scalars stored under ``"meta/<name>"`` (e.g. the training settings).
    """
    arrays = {f"meta/{k}": np.asarray(v) for k, v in meta.items()}
    for (cell, T, seed), (model, history) in runs.items():
        seed = check_positive_int(seed, "seed", allow_zero=True)
        prefix = f"{_check_cell(cell)}/T{check_positive_int(T, 'T')}/seed{seed}"
        arrays |= {f"{prefix}/params/{k}": v for k, v in model.params.items()}
        arrays |= {f"{prefix}/history/{k}": np.asarray(v) for k, v in history.items()}
    np.savez_compressed(path, **arrays)


def load_runs(path: str | Path) -> tuple[dict, dict]:
    """Load what ``save_runs`` wrote; the models are rebuilt in float64.

    Returns
    -------
    runs : dict
        ``{(cell, T, seed): (model, history)}``, ordered by T, then cell (RNN, LSTM, GRU), then seed.
    meta : dict of arrays
    """
    with np.load(path) as f:
        stored = {k: f[k] for k in f.files}
    meta = {k.split("/", 1)[1]: v for k, v in stored.items() if k.startswith("meta/")}
    groups: dict[tuple, dict] = {}
    for k, v in stored.items():
        if k.startswith("meta/"):
            continue
        cell, t_label, seed_label, kind, name = k.split("/", 4)
        key = (cell, int(t_label[1:]), int(seed_label[4:]))
        groups.setdefault(key, {"params": {}, "history": {}})[kind][name] = v
    runs = {}
    for key in sorted(groups, key=lambda k: (k[1], list(CELLS).index(_check_cell(k[0])), k[2])):
        params = groups[key]["params"]
        model = make_adding_model(key[0], params["rnn.weight_hh_l0"].shape[1], rng=0)
        model.load_state_dict(params)  # cast to float64
        runs[key] = (model, groups[key]["history"])
    return runs, meta
