"""The stacking shared by RNN, LSTM and GRU: layers, directions, batch_first and variable lengths.

Each subclass supplies a one-layer, one-direction sequence function (for
example ``lstm_forward``/``lstm_backward``); this module runs it over
``num_layers`` layers and one or two directions exactly as ``torch.nn.LSTM``
does, including torch's ``pack_padded_sequence`` semantics for ``lengths``.

How ``lengths`` work. The batch is sorted by length, longest first, so that at
step t the sequences still running are the first ``batch_sizes[t]`` rows (the
``batch_sizes`` of a torch ``PackedSequence``). The reverse direction reads
each sequence backwards from its own last valid step: ``reverse_time`` swaps
positions t and L_j - 1 - t inside each sequence and leaves the padding
alone, and it is its own inverse.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import as_rng, check_array, check_bool, check_int, check_real, check_shape
from lessonpkg.nn.cellbase import uniform_params
from lessonpkg.nn.module import Module


def packing(lengths, T: int, N: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Check ``lengths`` and return ``(order, batch_sizes, sorted_lengths)``, or ``None`` if all equal T.

    ``order`` sorts the batch by decreasing length (stable), and
    ``batch_sizes[t]`` counts the sequences longer than t.
    """
    if type(lengths).__module__.startswith("torch"):
        lengths = lengths.detach().cpu().numpy()
    arr = np.asarray(lengths)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"lengths must hold integers, got dtype {arr.dtype}")
    if arr.shape != (N,):
        raise ValueError(f"lengths must have shape ({N},), one length per sequence in the batch, got {arr.shape}")
    if arr.min() < 1 or arr.max() > T:
        bad = arr[(arr < 1) | (arr > T)][0]
        raise ValueError(f"lengths must lie between 1 and T={T}, got {bad}")
    if np.all(arr == T):
        return None
    order = np.argsort(-arr, kind="stable")
    sorted_lengths = arr[order].astype(np.intp)
    batch_sizes = (sorted_lengths[None, :] > np.arange(T)[:, None]).sum(axis=1)  # (T,)
    return order, batch_sizes, sorted_lengths


def reverse_time(a: np.ndarray, sorted_lengths: np.ndarray | None) -> np.ndarray:
    """Reverse each sequence of ``a`` (T, N, F) within its own length; padding stays in place."""
    if sorted_lengths is None:
        return a[::-1]
    T, N = a.shape[:2]
    t = np.arange(T)[:, None]
    index = np.where(t < sorted_lengths[None, :], sorted_lengths[None, :] - 1 - t, t)  # (T, N)
    return a[index, np.arange(N)[None, :]]


class RecurrentBase(Module):
    """A stack of ``num_layers`` recurrent layers, each running forward (and, if bidirectional, backward).

    Parameters are named like torch's: ``weight_ih_l{k}`` (G*H, D or
    num_directions*H), ``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}``,
    ``bias_hh_l{k}`` (G*H,), with ``_reverse`` for the backward direction.
    Subclasses set ``num_gates`` and ``state_names`` and implement
    ``_sequence_forward`` and ``_sequence_backward``.
    """

    num_gates: int = 1
    state_names: tuple[str, ...] = ("h",)
    fast_path: bool = False  # True where a fused loop (nn/fused.py) runs instead of the displayed one

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, *,
                 rng=None, dtype=np.float64) -> None:
        super().__init__(dtype)
        self.input_size = check_int(input_size, "input_size", low=1)
        self.hidden_size = check_int(hidden_size, "hidden_size", low=1)
        self.num_layers = check_int(num_layers, "num_layers", low=1)
        self.bias = check_bool(bias, "bias")
        self.batch_first = check_bool(batch_first, "batch_first")
        self.dropout = check_real(dropout, "dropout", low=0)
        if self.dropout != 0.0:
            raise ValueError(f"dropout is not supported; got {dropout} (only dropout=0.0 is implemented)")
        self.bidirectional = check_bool(bidirectional, "bidirectional")
        self.num_directions = 2 if self.bidirectional else 1
        G, H = self.num_gates, self.hidden_size
        shapes = []
        for layer in range(self.num_layers):
            D = self.input_size if layer == 0 else self.num_directions * H
            for suffix in self._suffixes(layer):
                shapes += [(f"weight_ih{suffix}", (G * H, D)), (f"weight_hh{suffix}", (G * H, H))]
                if self.bias:
                    shapes += [(f"bias_ih{suffix}", (G * H,)), (f"bias_hh{suffix}", (G * H,))]
        self.params = uniform_params(shapes, H, as_rng(rng), self.dtype)

    def _suffixes(self, layer: int) -> list[str]:
        return [f"_l{layer}", f"_l{layer}_reverse"][: self.num_directions]

    def weights(self, suffix: str) -> tuple:
        """Return ``(weight_ih, weight_hh, bias_ih, bias_hh)`` of one layer and direction, e.g. ``"_l0"``."""
        p = self.params
        return p[f"weight_ih{suffix}"], p[f"weight_hh{suffix}"], p.get(f"bias_ih{suffix}"), p.get(f"bias_hh{suffix}")

    # -- input checks ------------------------------------------------------------------------------
    def _check_x(self, x) -> tuple[np.ndarray, bool]:
        """Return ``x`` as a time-major (T, N, D) array and whether it was unbatched (T, D)."""
        x = check_array(x, "x", dtype=self.dtype)
        D = self.input_size
        if x.ndim == 2:
            check_shape(x, "x", (None, D), f"input_size={D} (an unbatched sequence)")
        elif x.ndim != 3 or x.shape[2] != D:
            spelled = "(N, T, {})" if self.batch_first else "(T, N, {})"
            raise ValueError(f"x must have shape {spelled.format(D)} with input_size={D}, got {x.shape}")
        if 0 in x.shape[:-1]:
            raise ValueError(f"x must have at least one time step and one sequence, got shape {x.shape}")
        if x.ndim == 2:
            return x[:, None, :], True
        return (x.transpose(1, 0, 2) if self.batch_first else x), False

    def _check_states(self, states, N: int, unbatched: bool, prefix: str, ref: str) -> tuple:
        """Validate initial states or their gradients: each (L*dirs, N, H), (L*dirs, H) unbatched, or None."""
        LD, H = self.num_layers * self.num_directions, self.hidden_size
        expected = (LD, H) if unbatched else (LD, N, H)
        checked = []
        for name, s in zip(self.state_names, states):
            label = f"{prefix}{name}{ref}"
            if s is None:
                checked.append(np.zeros((LD, N, H), dtype=self.dtype))
                continue
            s = check_array(s, label, dtype=self.dtype)
            check_shape(s, label, expected, f"num_layers*num_directions={LD}, N={N}, hidden_size={H}")
            checked.append(s[:, None, :] if unbatched else s)
        return tuple(checked)

    # -- forward and backward through the stack ----------------------------------------------------
    def _forward(self, x, states, lengths) -> tuple[np.ndarray, tuple, dict]:
        """Run the stack; ``states`` is a tuple like ``state_names`` (or None). Returns out, final states, cache."""
        x, unbatched = self._check_x(x)
        T, N, _ = x.shape
        states = self._check_states(states or (None,) * len(self.state_names), N, unbatched, "", "0")
        if lengths is not None and unbatched:
            raise ValueError("lengths must be None for an unbatched x of shape (T, D)")
        packed = None if lengths is None else packing(lengths, T, N)
        order, batch_sizes, sorted_lengths = packed if packed is not None else (None, None, None)
        if order is not None:
            x, states = x[:, order], tuple(s[:, order] for s in states)
        finals = tuple(np.empty_like(s) for s in states)  # (L*dirs, N, H) each
        caches, layer_in = [], x
        for layer in range(self.num_layers):
            outs = []
            for direction, suffix in enumerate(self._suffixes(layer)):
                k = layer * self.num_directions + direction
                xin = layer_in if direction == 0 else reverse_time(layer_in, sorted_lengths)
                out, final, c = self._sequence_forward(xin, tuple(s[k] for s in states), self.weights(suffix),
                                                       batch_sizes)
                outs.append(out if direction == 0 else reverse_time(out, sorted_lengths))
                for f, s in zip(finals, final):
                    f[k] = s
                caches.append(c)
            layer_in = outs[0].copy() if len(outs) == 1 else np.concatenate(outs, axis=2)  # (T, N, dirs*H)
        out, finals = self._to_caller(layer_in, finals, order, unbatched)
        cache = self.save_for_backward(caches=caches, shape=(T, N), unbatched=unbatched, out_shape=out.shape,
                                       order=order, sorted_lengths=sorted_lengths)
        return out, finals, cache

    def _backward(self, dout, cache, dstates) -> tuple[np.ndarray, tuple, dict]:
        """Backpropagate through the stack; ``dout`` and every entry of ``dstates`` may be None (zeros)."""
        cache = self.check_cache(cache)
        (T, N), unbatched, order = cache["shape"], cache["unbatched"], cache["order"]
        H, dirs = self.hidden_size, self.num_directions
        if dout is None:
            dout = np.zeros((T, N, dirs * H), dtype=self.dtype)
        else:
            dout = check_array(dout, "dout", dtype=self.dtype)
            check_shape(dout, "dout", cache["out_shape"], "the shape of the out returned by forward")
            dout = dout[:, None] if unbatched else (dout.transpose(1, 0, 2) if self.batch_first else dout)
        dstates = self._check_states(dstates or (None,) * len(self.state_names), N, unbatched, "d", "_n")
        if order is not None:
            dout, dstates = dout[:, order], tuple(d[:, order] for d in dstates)
        dstates0 = tuple(np.empty_like(d) for d in dstates)
        grads = {}
        dlayer_out = dout  # (T, N, dirs*H)
        for layer in reversed(range(self.num_layers)):
            dlayer_in = None
            for direction, suffix in enumerate(self._suffixes(layer)):
                k = layer * dirs + direction
                d = dlayer_out[:, :, direction * H:(direction + 1) * H]
                if direction == 1:
                    d = reverse_time(d, cache["sorted_lengths"])
                dxin, dstate0, g = self._sequence_backward(d, tuple(ds[k] for ds in dstates), cache["caches"][k])
                if direction == 1:
                    dxin = reverse_time(dxin, cache["sorted_lengths"])
                dlayer_in = dxin if dlayer_in is None else dlayer_in + dxin
                for d0, s in zip(dstates0, dstate0):
                    d0[k] = s
                for name, gr in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), g):
                    if name + suffix in self.params:
                        grads[name + suffix] = gr
            dlayer_out = dlayer_in
        dx, dstates0 = self._to_caller(dlayer_out, dstates0, order, unbatched)
        return dx, dstates0, {name: grads[name] for name in self.params}

    def _to_caller(self, a: np.ndarray, states: tuple, order, unbatched: bool) -> tuple[np.ndarray, tuple]:
        """Undo the sort by length and the time-major layout of ``a`` (T, N, F) and of each (L*dirs, N, H) state."""
        if order is not None:
            inverse = np.argsort(order)
            a, states = a[:, inverse], tuple(s[:, inverse] for s in states)
        a = a[:, 0] if unbatched else (a.transpose(1, 0, 2) if self.batch_first else a)
        states = tuple(s[:, 0] for s in states) if unbatched else states
        return a, states

    def _sequence_forward(self, x, state0: tuple, weights: tuple, batch_sizes):
        raise NotImplementedError

    def _sequence_backward(self, dout, dstate_n: tuple, cache):
        raise NotImplementedError

    # -- torch interop -----------------------------------------------------------------------------
    def torch_kwargs(self) -> dict:
        """The ``torch.nn`` constructor kwargs (without dtype) that build the same layer."""
        return {"input_size": self.input_size, "hidden_size": self.hidden_size, "num_layers": self.num_layers,
                "bias": self.bias, "batch_first": self.batch_first, "dropout": self.dropout,
                "bidirectional": self.bidirectional}

    @classmethod
    def kwargs_from_torch(cls, torch_module) -> dict:
        """The constructor kwargs (without rng and dtype) read off a ``torch.nn`` RNN, LSTM or GRU."""
        if getattr(torch_module, "proj_size", 0):
            raise ValueError(f"proj_size is not supported; got proj_size={torch_module.proj_size}")
        names = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional")
        return {name: getattr(torch_module, name) for name in names}

    def extra_repr(self) -> str:
        kw = ", ".join(f"{k}={v!r}" for k, v in self.torch_kwargs().items())
        return f"{kw}, dtype={self.dtype}"


class OneStateRecurrent(RecurrentBase):
    """The forward and backward of the layers whose state is h alone: ``RNN`` and ``GRU``."""

    def forward(self, x: np.ndarray, h0: np.ndarray | None = None, lengths=None) -> tuple[np.ndarray, np.ndarray, dict]:
        """Run the stack; ``lengths`` (N,) ints act like torch's ``pack_padded_sequence(enforce_sorted=False)``."""
        out, (h_n,), cache = self._forward(x, (h0,), lengths)
        return out, h_n, cache

    def backward(self, dout: np.ndarray | None, cache: dict,
                 dh_n: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
        """Return ``dx, dh0, grads``; ``dout`` (like out) and ``dh_n`` (like h_n) may be None (zeros)."""
        dx, (dh0,), grads = self._backward(dout, cache, (dh_n,))
        return dx, dh0, grads
