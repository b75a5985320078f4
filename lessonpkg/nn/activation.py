"""Element-wise activations as layers: ``Tanh``, ``Sigmoid`` and ``ReLU``.

They have no parameters (``params == {}``) and accept ``x`` of any shape (*).
``forward(x)`` returns ``out`` of the same shape and a cache holding ``out``
itself (``cache["out"]``), because each derivative is cheapest written in terms of the output
(see ``lessonpkg.functional``). ``backward(dout, cache)`` returns ``dx`` of
the same shape and an empty ``grads`` dict. The constructors take only the
keyword ``dtype`` (np.float64 or np.float32).
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_array, check_shape
from lessonpkg.nn import functional as F
from lessonpkg.nn.module import Cache, Module


class _Activation(Module):
    """Shared input checks and torch interop for the parameter-free activations."""

    def __init__(self, *, dtype=np.float64) -> None:
        super().__init__(dtype)

    def _check_x(self, x) -> np.ndarray:
        return check_array(x, "x", dtype=self.dtype)

    def _check_dout(self, dout, out: np.ndarray) -> np.ndarray:
        dout = check_array(dout, "dout", dtype=self.dtype)
        check_shape(dout, "dout", out.shape)
        return dout

    def torch_kwargs(self) -> dict:
        """No constructor arguments (torch's ``ReLU(inplace=True)`` computes the same values)."""
        return {}

    @classmethod
    def kwargs_from_torch(cls, torch_module) -> dict:
        return {}


class Tanh(_Activation):
    """``out = tanh(x)``; backward ``dx = dout * (1 - out**2)``. Any shape (*)."""

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        out = F.tanh(self._check_x(x))
        return out, self.save_for_backward(out=out)

    def backward(self, dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, dict]:
        out = self.check_cache(cache)["out"]
        return self._check_dout(dout, out) * F.dtanh(out), {}


class Sigmoid(_Activation):
    """``out = 1 / (1 + exp(-x))``, finite at any ``|x|``; backward ``dx = dout * out * (1 - out)``. Any shape (*)."""

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        out = F.sigmoid(self._check_x(x))
        return out, self.save_for_backward(out=out)

    def backward(self, dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, dict]:
        out = self.check_cache(cache)["out"]
        return self._check_dout(dout, out) * F.dsigmoid(out), {}


class ReLU(_Activation):
    """``out = max(x, 0)``; backward ``dx = dout * (out > 0)`` (zero at ``x = 0``, as in torch). Any shape (*)."""

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        out = F.relu(self._check_x(x))
        return out, self.save_for_backward(out=out)

    def backward(self, dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, dict]:
        out = self.check_cache(cache)["out"]
        return self._check_dout(dout, out) * F.drelu(out), {}
