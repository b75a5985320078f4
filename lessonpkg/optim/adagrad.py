"""Adagrad: per-entry steps that shrink with the summed squared gradients, as ``torch.optim.Adagrad``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lessonpkg.optim.optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad: per-entry steps shrink with the summed squared gradients, as ``torch.optim.Adagrad``.

    With ``s = state[k]["sum"]`` (starting at ``initial_accumulator_value``)::

        clr = lr / (1 + (t - 1) * lr_decay)
        s += g * g
        p -= clr * g / (sqrt(s) + eps)

    Parameters
    ----------
    params : dict of str -> ndarray
        The arrays to update in place, e.g. ``module.params``.
    lr, lr_decay, weight_decay, initial_accumulator_value, eps : float
        Learning rate, its decay per step, L2 penalty, starting value of ``s``, term added to ``sqrt(s)``.
    maximize : bool
        Ascend instead of descend.
    """

    flags = ("maximize",)

    def __init__(self, params: Mapping[str, np.ndarray], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10,
                 *, maximize: bool = False) -> None:
        super().__init__(params, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize)

    def _init_state(self, p):
        return {"sum": np.full_like(p, self.initial_accumulator_value)}

    def _update(self, p, g, state):
        if self.maximize:
            g = -g
        if self.weight_decay != 0:
            g = g + self.weight_decay * p
        clr = self.lr / (1 + (self.t - 1) * self.lr_decay)
        s = state["sum"]
        s += g * g
        p -= clr * g / (np.sqrt(s) + self.eps)
