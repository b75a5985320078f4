"""What the three recurrent cells share: torch's parameters, their initialisation and the input checks.

A cell computes one time step. ``RNNCell``, ``LSTMCell`` and ``GRUCell``
differ only in their number of gates G (1, 4 and 3) and in the step
equations, so everything else lives here.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import as_rng, check_array, check_bool, check_int, check_shape
from lessonpkg.nn.module import Module


def uniform_params(names_and_shapes, hidden_size: int, rng, dtype) -> dict[str, np.ndarray]:
    """Draw each parameter from U(-1/sqrt(H), 1/sqrt(H)), torch's default for recurrent layers."""
    bound = 1.0 / np.sqrt(hidden_size)
    return {name: rng.uniform(-bound, bound, size=shape).astype(dtype) for name, shape in names_and_shapes}


class RecurrentCellBase(Module):
    """One time step of a recurrent network, with torch's ``weight_ih`` (G*H, D) and ``weight_hh`` (G*H, H).

    Subclasses set ``num_gates`` and ``state_names`` (``("h",)`` or
    ``("h", "c")``). ``h0`` may be ``None`` (zeros, as in torch), and an
    unbatched ``x`` of shape (D,) with states of shape (H,) is accepted.
    """

    num_gates: int = 1
    state_names: tuple[str, ...] = ("h",)

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, *, rng=None, dtype=np.float64) -> None:
        super().__init__(dtype)
        self.input_size = check_int(input_size, "input_size", low=1)
        self.hidden_size = check_int(hidden_size, "hidden_size", low=1)
        self.bias = check_bool(bias, "bias")
        G, H, D = self.num_gates, self.hidden_size, self.input_size
        shapes = [("weight_ih", (G * H, D)), ("weight_hh", (G * H, H))]
        if self.bias:
            shapes += [("bias_ih", (G * H,)), ("bias_hh", (G * H,))]
        self.params = uniform_params(shapes, H, as_rng(rng), self.dtype)

    def weights(self) -> tuple:
        """Return ``(weight_ih, weight_hh, bias_ih, bias_hh)``; the biases are ``None`` when ``bias=False``."""
        p = self.params
        return p["weight_ih"], p["weight_hh"], p.get("bias_ih"), p.get("bias_hh")

    def _check_step_inputs(self, x, states: tuple) -> tuple[np.ndarray, tuple, bool]:
        """Validate ``x`` (N, D) or (D,) and the states (N, H) or (H,) or None; return them batched."""
        x = check_array(x, "x", dtype=self.dtype)
        D, H = self.input_size, self.hidden_size
        if x.ndim == 1:
            check_shape(x, "x", (D,), f"input_size={D}")
            x = x[None, :]
            unbatched = True
        else:
            check_shape(x, "x", (None, D), f"input_size={D}")
            unbatched = False
        N = x.shape[0]
        return x, self._check_states(states, N, unbatched, "{name}0", f"hidden_size={H} and N={N}"), unbatched

    def _check_step_grads(self, dstates: tuple, cache) -> tuple:
        """Validate the cache and the upstream gradients of a step's outputs; ``None`` means zeros."""
        self.check_cache(cache)
        N = cache["x"].shape[0]
        return self._check_states(dstates, N, cache["unbatched"], "d{name}1", "the {name}1 returned by forward")

    def _check_states(self, states: tuple, N: int, unbatched: bool, label: str, hint: str) -> tuple:
        """Validate states or their gradients, each (N, H), (H,) unbatched, or None (zeros); return them batched.

        ``label`` and ``hint`` name them in errors, with ``{name}`` standing for the state's name (``h``, ``c``).
        """
        H = self.hidden_size
        expected = (H,) if unbatched else (N, H)
        batched = []
        for name, s in zip(self.state_names, states):
            if s is None:
                batched.append(np.zeros((N, H), dtype=self.dtype))
                continue
            s = check_array(s, label.format(name=name), dtype=self.dtype)
            check_shape(s, label.format(name=name), expected, hint.format(name=name))
            batched.append(s[None, :] if unbatched else s)
        return tuple(batched)

    def _one_state_forward(self, cell_forward, x, h0, **kwargs):
        """``forward`` of a cell with one state (RNN, GRU): checks, ``cell_forward`` on a batch, the cache."""
        x, (h0,), unbatched = self._check_step_inputs(x, (h0,))
        h1, cache = cell_forward(x, h0, *self.weights(), **kwargs)
        return (h1[0] if unbatched else h1), self.save_for_backward(**cache, unbatched=unbatched)

    def _one_state_backward(self, cell_backward, dh1, cache):
        """``backward`` of a cell with one state: checks, ``cell_backward``, and the gradients named like params."""
        (dh1,) = self._check_step_grads((dh1,), cache)
        dx, dh0, grads = cell_backward(dh1, cache)
        if cache["unbatched"]:
            dx, dh0 = dx[0], dh0[0]
        return dx, dh0, self._named_grads(grads)

    def _named_grads(self, grads: tuple) -> dict[str, np.ndarray]:
        """Name ``(dweight_ih, dweight_hh, dbias_ih, dbias_hh)`` like ``params``."""
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        return {name: g for name, g in zip(names, grads) if name in self.params}

    def torch_kwargs(self) -> dict:
        """The ``torch.nn`` constructor kwargs (without dtype) that build the same cell."""
        return {"input_size": self.input_size, "hidden_size": self.hidden_size, "bias": self.bias}

    @classmethod
    def kwargs_from_torch(cls, torch_module) -> dict:
        """The constructor kwargs (without rng and dtype) read off a ``torch.nn`` cell."""
        return {
            "input_size": torch_module.input_size,
            "hidden_size": torch_module.hidden_size,
            "bias": torch_module.bias,
        }

    def extra_repr(self) -> str:
        kw = ", ".join(f"{k}={v!r}" for k, v in self.torch_kwargs().items())
        return f"{kw}, dtype={self.dtype}"
