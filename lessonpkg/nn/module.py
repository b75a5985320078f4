"""The base class of every lessonpkg layer: a dict of parameters and its state dict."""

from __future__ import annotations

import weakref
from collections.abc import Mapping

import numpy as np

from lessonpkg._validate import check_dtype_arg


def _to_numpy(value) -> np.ndarray:
    """Turn a torch tensor (duck-typed, so torch is not imported) or array_like into an ndarray."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


class Cache(dict):
    """What a ``forward`` saved for its ``backward``: a dict that remembers which object's ``forward`` made it."""

    def __init__(self, owner, saved: Mapping) -> None:
        super().__init__(saved)
        self.owner = weakref.ref(owner)  # weak: a cache does not keep its module alive


class CacheOwner:
    """``forward`` returns ``self.save_for_backward(...)``; ``backward`` reads it through ``self.check_cache``.

    So a backward refuses a cache that its own forward did not produce: another layer's (even one of the
    same class and shape, whose cache would silently give that layer's gradients) or any other object.
    """

    def save_for_backward(self, *args, **saved) -> Cache:
        """Return ``dict(*args, **saved)`` as the cache of this object's ``forward``, a dict marked with its owner."""
        return Cache(self, dict(*args, **saved))

    def check_cache(self, cache) -> Cache:
        """Return ``cache`` after checking that this object's ``forward`` returned it."""
        if isinstance(cache, Cache) and cache.owner() is self:
            return cache
        if not isinstance(cache, Cache):
            got = type(cache).__name__
        elif cache.owner() is None:
            got = "the cache of an object that no longer exists"
        else:
            other = type(cache.owner())
            got = f"the cache of {'another' if other is type(self) else 'a'} {other.__name__}"
        raise TypeError(f"cache must be the cache returned by this {type(self).__name__}'s forward, got {got}")


class Module(CacheOwner):
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
