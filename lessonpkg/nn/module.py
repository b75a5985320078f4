"""The base class of every lessonpkg layer: a dict of parameters and its state dict."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lessonpkg._validate import check_dtype_arg


def _to_numpy(value) -> np.ndarray:
    """Turn a torch tensor (duck-typed, so torch is not imported) or array_like into an ndarray."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


class Module:
    """A layer whose parameters live in ``self.params``, keyed like torch's ``named_parameters()``.

    Subclasses implement ``forward(x) -> (out, cache)`` and
    ``backward(dout, cache) -> (dx, grads)``. The arrays in ``params`` are
    only ever updated in place (by optimizers and ``load_state_dict``), so a
    reference to ``params`` taken by an optimizer stays valid.
    """

    params: dict[str, np.ndarray]

    def __init__(self, dtype=np.float64) -> None:
        self.dtype = check_dtype_arg(dtype)
        self.params = {}

    def state_dict(self) -> dict[str, np.ndarray]:
        """Return a copy of every parameter, keyed like ``params``."""
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state: Mapping) -> None:
        """Copy ``state`` into ``params`` in place.

        ``state`` is a torch ``state_dict()`` or a dict of arrays. It must have
        exactly the keys of ``params`` and the same shapes; values are cast to
        the module's dtype.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"state must be a mapping of parameter names to arrays, got {type(state).__name__}")
        missing = sorted(set(self.params) - set(state))
        unexpected = sorted(set(state) - set(self.params))
        if missing or unexpected:
            raise ValueError(
                f"state does not match {type(self).__name__}.params: "
                f"missing keys {missing}, unexpected keys {unexpected}; expected exactly {sorted(self.params)}"
            )
        arrays = {k: _to_numpy(state[k]) for k in self.params}
        for k, arr in arrays.items():
            if arr.shape != self.params[k].shape:
                raise ValueError(f"state[{k!r}] must have shape {self.params[k].shape}, got {arr.shape}")
            if arr.dtype.kind not in "fiu":
                raise TypeError(f"state[{k!r}] must hold real numbers, got dtype {arr.dtype}")
        for k, arr in arrays.items():
            np.copyto(self.params[k], arr, casting="unsafe")

    def num_parameters(self) -> int:
        """Return the total number of scalar parameters."""
        return int(sum(v.size for v in self.params.values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def extra_repr(self) -> str:
        return ""
