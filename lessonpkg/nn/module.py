"""The base class of every lessonpkg layer and model: its own parameters, its sub-modules, and their names.

As in torch, a ``Module`` assigned as an attribute of another is registered as
its child, in assignment order, and the parent's parameters are named after
the attribute: a model with ``self.embed = Embedding(..)``, ``self.rnn = LSTM(..)``
and ``self.head = Linear(..)`` has the parameters ``embed.weight``,
``rnn.weight_ih_l0``, ..., ``head.bias``, exactly the keys of the same torch
model's ``state_dict()``. No module builds those names by hand.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping

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
    """A layer or a model: parameters of its own in a dict, plus registered sub-modules.

    Subclasses implement ``forward(x) -> (out, cache)`` and
    ``backward(dout, cache) -> (dx, grads)``, where ``grads`` has exactly the
    keys of ``params``. The arrays in ``params`` are only ever updated in place
    (by optimizers and ``load_state_dict``), so the dict an optimizer takes from
    ``params`` stays valid.

    ``params`` maps every parameter name to its array: the module's own
    (``weight``) first, then each child's under the child's attribute name
    (``rnn.weight_ih_l0``), as torch's ``named_parameters()`` orders them.
    """

    def __init__(self, dtype=np.float64) -> None:
        self.dtype = check_dtype_arg(dtype)
        self._parameters: dict[str, np.ndarray] = self.__dict__.get("_parameters", {})

    # -- registration --------------------------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, Module):
            self.add_module(name, value)
        else:
            self.__dict__.get("_modules", {}).pop(name, None)
        object.__setattr__(self, name, value)

    def add_module(self, name: str, module: Module) -> None:
        """Register ``module`` as the child ``name`` (what assigning ``self.<name> = module`` does)."""
        if not isinstance(module, Module):
            raise TypeError(f"module must be a lessonpkg Module, got {type(module).__name__}")
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"name must be a non-empty str without '.', got {name!r}")
        self.__dict__.setdefault("_modules", {})[name] = module
        if not hasattr(self, name) or getattr(self, name) is not module:
            object.__setattr__(self, name, module)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, child)`` for each registered sub-module, in registration order."""
        yield from self.__dict__.get("_modules", {}).items()

    def children(self) -> Iterator[Module]:
        """Yield each registered sub-module, in registration order."""
        for _, m in self.named_children():
            yield m

    # -- parameters ----------------------------------------------------------------------------------
    @property
    def params(self) -> dict[str, np.ndarray]:
        """The parameter arrays keyed by name; this module's own first, then each child's as ``"child.name"``."""
        own = self.__dict__.setdefault("_parameters", {})
        if not self.__dict__.get("_modules"):
            return own
        named = dict(own)
        for child_name, child in self.named_children():
            for k, v in child.params.items():
                named[f"{child_name}.{k}"] = v
        return named

    @params.setter
    def params(self, value: Mapping[str, np.ndarray]) -> None:
        self.__dict__["_parameters"] = dict(value)

    def named_parameters(self) -> Iterator[tuple[str, np.ndarray]]:
        """Yield ``(name, array)`` pairs, with the names and order of torch's ``named_parameters()``."""
        yield from self.params.items()

    def parameters(self) -> Iterator[np.ndarray]:
        """Yield every parameter array."""
        yield from self.params.values()

    def collect_grads(self, own: Mapping[str, np.ndarray] | None = None,
                      **child_grads: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Name the gradients of this module's own parameters and of its children like ``params``.

        ``model.collect_grads(rnn=rnn_grads, head=head_grads)`` returns
        ``{"rnn.weight_ih_l0": ..., "head.weight": ...}`` in the order of ``params``.
        A child that took part in several places (a shared layer) appears once, with its
        gradients summed by the caller.
        """
        grads = dict(own or {})
        for child_name, gs in child_grads.items():
            for k, g in gs.items():
                grads[f"{child_name}.{k}"] = g
        names = self.params
        missing, unexpected = sorted(set(names) - set(grads)), sorted(set(grads) - set(names))
        if missing or unexpected:
            raise ValueError(f"{type(self).__name__}: gradients must match params: missing {missing}, "
                             f"unexpected {unexpected}")
        return {k: grads[k] for k in names}

    def state_dict(self) -> dict[str, np.ndarray]:
        """Return a copy of every parameter, keyed like ``params``."""
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state: Mapping) -> None:
        """Copy ``state`` into ``params`` in place, all or nothing.

        ``state`` is a torch ``state_dict()`` or a dict of arrays. It must have
        exactly the keys of ``params`` and the same shapes, and hold finite real
        numbers; values are cast to the module's dtype. Nothing is copied unless
        every entry passes.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"state must be a mapping of parameter names to arrays, got {type(state).__name__}")
        params = self.params
        missing = sorted(set(params) - set(state))
        unexpected = sorted(set(state) - set(params))
        if missing or unexpected:
            raise ValueError(
                f"state does not match {type(self).__name__}.params: "
                f"missing keys {missing}, unexpected keys {unexpected}; expected exactly {sorted(params)}"
            )
        arrays = {k: _to_numpy(state[k]) for k in params}
        for k, arr in arrays.items():
            if arr.shape != params[k].shape:
                raise ValueError(f"state[{k!r}] must have shape {params[k].shape}, got {arr.shape}")
            if arr.dtype.kind not in "fiu":
                raise TypeError(f"state[{k!r}] must hold real numbers, got dtype {arr.dtype}")
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"state[{k!r}] must be finite, got {int(arr.size - np.isfinite(arr).sum())} "
                                 f"NaN or inf entries")
        for k, arr in arrays.items():
            np.copyto(params[k], arr, casting="unsafe")

    def num_parameters(self) -> int:
        """Return the total number of scalar parameters."""
        return int(sum(v.size for v in self.params.values()))

    # -- printing ------------------------------------------------------------------------------------
    def __repr__(self) -> str:
        children = [f"  ({name}): " + repr(m).replace("\n", "\n  ") for name, m in self.named_children()]
        extra = self.extra_repr()
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = ([extra] if extra else []) + children
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def extra_repr(self) -> str:
        return ""
