"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay, as ``torch.optim.SGD``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lessonpkg.optim.optimizer import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum, as ``torch.optim.SGD``.

    With ``momentum != 0`` a buffer ``b`` (``state[k]["momentum_buffer"]``) is kept::

        b = g                                   # on step t = 1
        b = momentum * b + (1 - dampening) * g  # on steps t > 1
        g = g + momentum * b if nesterov else b

    and then ``p -= lr * g``.

    Parameters
    ----------
    params : dict of str -> ndarray
        The arrays to update in place, e.g. ``module.params``.
    lr, momentum, dampening, weight_decay : float
        Learning rate, momentum factor, dampening of the momentum, L2 penalty.
    nesterov : bool
        Use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
    maximize : bool
        Ascend instead of descend.
    """

    flags = ("nesterov", "maximize")
    signed = ("dampening",)

    def __init__(self, params: Mapping[str, np.ndarray], lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                         nesterov=nesterov, maximize=maximize)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                "nesterov=True requires momentum > 0 and dampening == 0, "
                f"got momentum={self.momentum}, dampening={self.dampening}"
            )

    def _init_state(self, p):
        return {"momentum_buffer": np.zeros_like(p)} if self.momentum != 0 else {}

    def _update(self, p, g, state):
        if self.maximize:
            g = -g
        if self.weight_decay != 0:
            g = g + self.weight_decay * p
        if self.momentum != 0:
            b = state["momentum_buffer"]
            if self.t == 1:
                b[...] = g
            else:
                b *= self.momentum
                b += (1 - self.dampening) * g
            g = g + self.momentum * b if self.nesterov else b
        p -= self.lr * g
