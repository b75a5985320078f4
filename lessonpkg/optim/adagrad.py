"""Adagrad: per-entry steps that shrink with the summed squared gradients, as ``torch.optim.Adagrad``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lessonpkg._validate import check_bool, check_real
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

    hyperparameters = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize")

    def __init__(
        self,
        params: Mapping[str, np.ndarray],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        self.lr = check_real(lr, "lr", low=0)
        self.lr_decay = check_real(lr_decay, "lr_decay", low=0)
        self.weight_decay = check_real(weight_decay, "weight_decay", low=0)
        self.initial_accumulator_value = check_real(initial_accumulator_value, "initial_accumulator_value", low=0)
        self.eps = check_real(eps, "eps", low=0)
        self.maximize = check_bool(maximize, "maximize")
        super().__init__(params)

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
