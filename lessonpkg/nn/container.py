"""A chain of modules, ``out = m_k(...m_1(m_0(x)))``, with torch's ``"0.weight"``-style parameter names."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from lessonpkg.nn.module import Cache, Module


class Sequential(Module):
    """Apply modules one after another; backward runs them in reverse.

    Parameters
    ----------
    *modules : Module
        The layers, applied in order. All must share one dtype.

    Notes
    -----
    ``params`` holds the children's arrays themselves (not copies), under the
    names ``torch.nn.Sequential`` gives them: ``"0.weight"``, ``"0.bias"``,
    ``"2.weight"``, ... So an optimizer or ``load_state_dict`` that updates
    ``params`` in place updates the children.
    """

    def __init__(self, *modules: Module) -> None:
        if not modules:
            raise ValueError("Sequential needs at least one module, got none")
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"modules[{i}] must be a lessonpkg Module, got {type(m).__name__}")
        dtypes = sorted({str(m.dtype) for m in modules})
        if len(dtypes) > 1:
            raise ValueError(f"modules must share one dtype, got {dtypes}")
        super().__init__(modules[0].dtype)
        for i, m in enumerate(modules):
            self.add_module(str(i), m)  # parameters "0.weight", "0.bias", "2.weight", ... as in torch
        self.layers = tuple(modules)
        if len({id(p) for p in self.params.values()}) < len(self.params):
            raise ValueError("modules must not share parameter arrays (pass each module once)")

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        """Run ``x`` through every module in order.

        Parameters
        ----------
        x : ndarray
            The first module's input.

        Returns
        -------
        out : ndarray
            The last module's output.
        cache : Cache
            ``cache[i]`` is the cache of module i.
        """
        caches = []
        for i, m in enumerate(self.layers):
            try:
                x, cache = m.forward(x)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"Sequential[{i}] ({type(m).__name__}): {exc}") from exc
            caches.append(cache)
        return x, self.save_for_backward(enumerate(caches))

    def backward(self, dout: np.ndarray, cache: Cache) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """Run every module's backward in reverse order, passing each ``dx`` on as the next ``dout``.

        Parameters
        ----------
        dout : ndarray
            Gradient of the loss with respect to ``out``.
        cache : Cache
            The cache returned by this Sequential's ``forward``.

        Returns
        -------
        dx : ndarray or None
            Gradient with respect to ``x`` (None when the first module is an ``Embedding``).
        grads : dict
            Keyed like ``params``.
        """
        caches = self.check_cache(cache)
        grads = {}  # child name -> that child's grads
        for i in reversed(range(len(self.layers))):
            m = self.layers[i]
            if dout is None:
                raise ValueError(f"Sequential[{i + 1}] returns no input gradient, so it must be the first module")
            try:
                dout, child_grads = m.backward(dout, caches[i])
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"Sequential[{i}] ({type(m).__name__}): {exc}") from exc
            grads[str(i)] = child_grads
        return dout, self.collect_grads(**grads)

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)
