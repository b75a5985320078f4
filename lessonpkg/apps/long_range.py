"""The long-range benchmark: recurrent regressors trained on the adding problem, saved and reloaded.

Each model is a many-to-one ``SequenceClassifier`` whose ``Linear(H, 1)`` head
reads the final state and returns one number, the predicted sum::

    y_hat = h_n[-1] @ head.weight.T + head.bias          # (N, 1)

``lp.fit`` trains it with the mean squared error on ``AddingBatches``, fresh batches of
``adding_problem`` sequences, through ``TruncatedGradient``, which can cut the gradient to the
last k steps; ``fit`` stops cleanly if the numbers overflow.
``scripts/long_range_benchmark.py`` trains every (cell, T, seed) with
``train_adding`` and stores the weights with ``save_runs``; ``load_runs``
rebuilds the models in float64 so that a chapter can evaluate them on fresh data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lessonpkg._validate import as_rng, check_array, check_dtype_arg, check_int
from lessonpkg.data.synthetic import adding_problem
from lessonpkg.models.heads import SequenceClassifier
from lessonpkg.nn import init
from lessonpkg.nn.gru import GRU
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.loss import MSELoss
from lessonpkg.nn.lstm import LSTM
from lessonpkg.nn.module import Module
from lessonpkg.nn.rnn import RNN
from lessonpkg.optim import Adam
from lessonpkg.train.loop import fit
from lessonpkg.train.tbptt import TruncatedBPTT

CELLS = ("RNN", "RNN-Xavier", "RNN-orthogonal", "RNN-ReLU", "IRNN", "LSTM", "GRU")


def _check_cell(cell) -> str:
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {list(CELLS)}, got {cell!r}")
    return cell


def make_adding_model(cell: str, hidden_size: int, rng: np.random.Generator | int | None = None,
                      dtype=np.float64) -> SequenceClassifier:
    """A recurrent layer (2 inputs, ``hidden_size`` units, batch_first) with a Linear(H, 1) head.

    ``cell`` picks the layer and its initialisation:

    - ``"RNN"``, ``"LSTM"``, ``"GRU"``: tanh RNN, LSTM or GRU with torch's default initialisation;
    - ``"RNN-Xavier"``, ``"RNN-orthogonal"``: a tanh RNN whose ``weight_hh`` is drawn by
      ``init.xavier_uniform`` or ``init.orthogonal`` instead (the other weights keep torch's default);
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
    H = check_int(hidden_size, "hidden_size", low=1)
    cell = _check_cell(cell)
    if cell in ("LSTM", "GRU"):
        rnn = (LSTM if cell == "LSTM" else GRU)(2, H, batch_first=True, rng=gen, dtype=dtype)
    else:
        relu = cell in ("RNN-ReLU", "IRNN")
        rnn = RNN(2, H, nonlinearity="relu" if relu else "tanh", batch_first=True, rng=gen, dtype=dtype)
    if cell == "RNN-Xavier":
        init.xavier_uniform(rnn.params["weight_hh_l0"], rng=gen)
    if cell == "RNN-orthogonal":
        init.orthogonal(rnn.params["weight_hh_l0"], rng=gen)
    if cell == "IRNN":
        p = rnn.params
        init.identity(p["weight_hh_l0"])
        init.zeros(p["bias_ih_l0"])
        init.zeros(p["bias_hh_l0"])
        init.normal(p["weight_ih_l0"], 0.0, 0.001, rng=gen)
    return SequenceClassifier(rnn, Linear(H, 1, rng=gen, dtype=dtype))


class TruncatedGradient(Module):
    """A many-to-one adding model whose gradient is backpropagated through its last ``chunk_len`` steps only.

    The layer runs over chunks of k steps, carrying its state (``TruncatedBPTT``), and the head reads
    the last state: ``pred = head(out[:, -1])`` (N, 1). The loss is computed at the last step only, so
    the gradient goes back k steps from it and stops: the earlier chunks have no loss of their own and
    get no gradient. T must be a multiple of k; ``chunk_len=None`` backpropagates through all T steps.
    ``params`` are the model's arrays.

    Parameters
    ----------
    model : SequenceClassifier with a one-layer, one-direction layer (``make_adding_model``)
    chunk_len : int or None
        k.
    """

    def __init__(self, model: SequenceClassifier, chunk_len: int | None = None) -> None:
        if not isinstance(model, SequenceClassifier):
            raise TypeError(f"model must be a lessonpkg SequenceClassifier (see make_adding_model), "
                            f"got {type(model).__name__}")
        super().__init__(model.dtype)
        self.rnn, self.head = model.rnn, model.head  # the model's own modules: the same parameter names
        self.chunk_len = None if chunk_len is None else check_int(chunk_len, "chunk_len", low=1)

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, tuple]:
        """Return ``pred`` (N, 1) for x (N, T, 2), and the cache of the last chunk."""
        T = x.shape[1]
        k = T if self.chunk_len is None else self.chunk_len
        if T % k:
            raise ValueError(f"chunk_len must divide T={T}, so that the last chunk ends at the loss, got {k}")
        tbptt = TruncatedBPTT(self.rnn, k)
        for (x_chunk,) in tbptt.chunks(x):
            out, rnn_cache = tbptt.forward(x_chunk)  # (N, k, H); the state flows on to the next chunk
        pred, head_cache = self.head.forward(out[:, -1])  # (N, 1), read off the final state
        return pred, self.save_for_backward(out_shape=out.shape, rnn=rnn_cache, head=head_cache)

    def backward(self, dpred: np.ndarray, cache: tuple) -> tuple[None, dict[str, np.ndarray]]:
        """Return ``None`` and ``grads`` keyed like ``params``; the gradient stops at the last chunk's first step."""
        out_shape, rnn_cache, head_cache = self.check_cache(cache).values()
        dfeature, head_grads = self.head.backward(dpred, head_cache)  # (N, H)
        dout = np.zeros(out_shape, dtype=self.dtype)
        dout[:, -1] = dfeature
        _, _dstate0, rnn_grads = self.rnn.backward(dout, rnn_cache)  # _dstate0 would reach earlier chunks
        return None, self.collect_grads(rnn=rnn_grads, head=head_grads)


def adding_grads(model: SequenceClassifier, x: np.ndarray, y: np.ndarray,
                 chunk_len: int | None = None) -> tuple[float, dict[str, np.ndarray], tuple]:
    """The MSE of ``model`` on x (N, T, 2) and y (N, 1), and its gradient, keyed like ``model.params``.

    With ``chunk_len=k`` the gradient is truncated to the last k steps (``TruncatedGradient``).

    Returns
    -------
    loss : float
    grads : dict of arrays, keyed like ``model.params``
    cache : tuple, the forward cache of ``TruncatedGradient`` (the last chunk's)
    """
    net = TruncatedGradient(model, chunk_len)
    pred, cache = net.forward(check_array(x, "x", dtype=model.dtype))
    crit = MSELoss()
    loss, loss_cache = crit.forward(pred, check_array(y, "y", dtype=model.dtype))
    _, grads = net.backward(crit.backward(loss_cache), cache)
    return float(loss), grads, cache


class AddingBatches:
    """Fresh batches of the adding problem (``adding_problem``, batch first), for ``lp.fit``.

    ``batches(batch_size, rng)`` draws ``per_epoch`` new batches of ``batch_size`` sequences from
    ``rng``: the model never sees a sequence twice. Read with ``rng=None`` (by ``lp.evaluate``), it
    yields one fixed batch of ``n_eval`` sequences, drawn once with seed 0.

    Parameters
    ----------
    T : int
        Steps with values and markers.
    per_epoch : int
        Batches per epoch, i.e. updates between two measurements of ``fit``'s history.
    delay : int
        Blank steps after the T steps (``adding_problem``'s ``delay``).
    n_eval : int
        The size of the fixed sample measured with ``rng=None``.
    dtype : np.float64 or np.float32
        The model's dtype; the batches are cast to it.
    """

    def __init__(self, T: int, per_epoch: int, *, delay: int = 0, n_eval: int = 512, dtype=np.float64) -> None:
        self.T, self.per_epoch = check_int(T, "T", low=1), check_int(per_epoch, "per_epoch", low=1)
        self.delay = check_int(delay, "delay", low=0)
        self.dtype = check_dtype_arg(dtype)
        x, y = adding_problem(check_int(n_eval, "n_eval", low=1), self.T, 0, delay=self.delay, batch_first=True)
        self.sample = (x.astype(self.dtype),), (y.astype(self.dtype),)

    def batches(self, batch_size: int | None, rng: np.random.Generator | None):
        """Yield ``((x,), (y,))``: ``per_epoch`` fresh batches drawn from ``rng``, or the fixed sample if it is None."""
        if rng is None:
            yield self.sample
            return
        batch_size = check_int(batch_size, "batch_size", low=1)
        for _ in range(self.per_epoch):
            x, y = adding_problem(batch_size, self.T, rng, delay=self.delay, batch_first=True)  # (B, T, 2), (B, 1)
            yield (x.astype(self.dtype),), (y.astype(self.dtype),)


def train_adding(cell: str, T: int, *, hidden_size: int = 32, steps: int = 3000, batch_size: int = 64,
                 lr: float = 1e-2, max_norm: float = 1.0, seed: int = 0, dtype=np.float32,
                 eval_every: int = 100, n_val: int = 512) -> tuple[SequenceClassifier, dict[str, np.ndarray]]:
    """Build ``make_adding_model(cell, hidden_size)`` and train it with Adam and norm clipping (``lp.fit``).

    ``seed`` is split (``np.random.SeedSequence(seed).spawn(3)``) into three
    independent streams: the initial weights, the training batches, and a fixed
    validation set of ``n_val`` sequences. Training takes ``steps`` updates on fresh
    batches, measured every ``eval_every`` updates (one epoch of ``fit``).

    Returns
    -------
    model : SequenceClassifier
        The trained model, in ``dtype``.
    history : dict of arrays, as returned by ``lp.fit`` (with ``"val_loss"``)
    """
    init_seed, batch_seed, val_seed = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    steps, eval_every = check_int(steps, "steps", low=1), check_int(eval_every, "eval_every", low=1)
    if steps % eval_every:
        raise ValueError(f"steps must be a multiple of eval_every={eval_every}, got {steps}")
    model = make_adding_model(cell, hidden_size, rng=init_seed, dtype=dtype)
    x_val, y_val = adding_problem(check_int(n_val, "n_val", low=1), check_int(T, "T", low=1), val_seed,
                                  batch_first=True)
    history = fit(TruncatedGradient(model), MSELoss(), Adam(model.params, lr=lr),
                  AddingBatches(T, eval_every, dtype=model.dtype), epochs=steps // eval_every, batch_size=batch_size,
                  val=(x_val.astype(model.dtype), y_val.astype(model.dtype)), clip_grad_norm=max_norm, rng=batch_seed)
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
        seed = check_int(seed, "seed", low=0)
        prefix = f"{_check_cell(cell)}/T{check_int(T, 'T', low=1)}/seed{seed}"
        arrays |= {f"{prefix}/params/{k}": v for k, v in model.params.items()}
        arrays |= {f"{prefix}/history/{k}": np.asarray(v) for k, v in history.items()}
    np.savez_compressed(path, **arrays)


def load_runs(path: str | Path) -> tuple[dict, dict]:
    """Load what ``save_runs`` wrote; the models are rebuilt in float64.

    Returns
    -------
    runs : dict
        ``{(cell, T, seed): (model, history)}``, ordered by T, then cell (in the order of ``CELLS``), then seed.
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
