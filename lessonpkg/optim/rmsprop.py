"""RMSprop: steps divided by a running root mean square of the gradients, as ``torch.optim.RMSprop``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lessonpkg.optim.optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop: divide by a running root mean square of the gradients, as ``torch.optim.RMSprop``.

    With ``v = state[k]["square_avg"]``, ``gbar = state[k]["grad_avg"]`` (if
    ``centered``) and ``b = state[k]["momentum_buffer"]`` (if ``momentum > 0``),
    all starting at zero::

        v = alpha * v + (1 - alpha) * g * g
        gbar += (1 - alpha) * (g - gbar)           # = alpha * gbar + (1 - alpha) * g
        avg = sqrt(v - gbar * gbar) + eps          # sqrt(v) + eps if not centered
        b = momentum * b + g / avg;  p -= lr * b   # p -= lr * g / avg if momentum == 0

    The products are taken in torch's order, left to right: in float32 a gradient of 1e20 has
    ``g * g = inf`` but ``(1 - alpha) * g * g = 1e38``, so the step is still taken, as in torch.

    Parameters
    ----------
    params : dict of str -> ndarray
        The arrays to update in place, e.g. ``module.params``.
    lr, alpha, eps, weight_decay, momentum : float
        Learning rate, smoothing constant, term added to the root, L2 penalty, momentum factor.
    centered : bool
        Normalise by the running variance instead of the running second moment.
    maximize : bool
        Ascend instead of descend.
    """

    flags = ("centered", "maximize")

    def __init__(self, params: Mapping[str, np.ndarray], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 *, maximize: bool = False) -> None:
        super().__init__(params, lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                         centered=centered, maximize=maximize)

    def _init_state(self, p):
        state = {"square_avg": np.zeros_like(p)}
        if self.momentum > 0:
            state["momentum_buffer"] = np.zeros_like(p)
        if self.centered:
            state["grad_avg"] = np.zeros_like(p)
        return state

    def _update(self, p, g, state):
        if self.maximize:
            g = -g
        if self.weight_decay != 0:
            g = g + self.weight_decay * p
        v = state["square_avg"]
        v *= self.alpha
        v += (1 - self.alpha) * g * g  # torch's order: (1 - alpha) * g first, so g * g alone cannot overflow
        if self.centered:
            gbar = state["grad_avg"]
            gbar += (1 - self.alpha) * (g - gbar)
            with np.errstate(invalid="ignore"):  # where v is inf, v - gbar * gbar may be inf - inf
                var = np.where(np.isinf(v), v, v - gbar * gbar)  # inf stays inf, as in torch's fused form
            avg = np.sqrt(var) + self.eps
        else:
            avg = np.sqrt(v) + self.eps
        if self.momentum > 0:
            b = state["momentum_buffer"]
            b *= self.momentum
            b += g / avg
            p -= self.lr * b
        else:
            p -= self.lr * g / avg
