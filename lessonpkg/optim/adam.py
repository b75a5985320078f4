"""Adam (and AMSGrad, AdamW): momentum and a running second moment, bias-corrected, as ``torch.optim.Adam``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lessonpkg._validate import check_real
from lessonpkg.optim.optimizer import Optimizer


class Adam(Optimizer):
    """Adam: steps from bias-corrected running moments of the gradient, as ``torch.optim.Adam``.

    With ``m = state[k]["exp_avg"]``, ``v = state[k]["exp_avg_sq"]`` and, if
    ``amsgrad``, ``vmax = state[k]["max_exp_avg_sq"]``, all starting at zero::

        m += (1 - beta1) * (g - m)                 # = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        vmax = maximum(vmax, v)                    # amsgrad only; then used in place of v
        denom = sqrt(v) / sqrt(1 - beta2**t) + eps
        p -= lr / (1 - beta1**t) * m / denom

    The products are taken in torch's order, left to right: in float32 a gradient of 1e20 has
    ``g * g = inf`` but ``(1 - beta2) * g * g = 1e37``, so the step (of about lr) is still taken, as in
    torch. A gradient so large that ``v`` itself is inf gives that entry a step of 0, in torch too.

    Parameters
    ----------
    params : dict of str -> ndarray
        The arrays to update in place, e.g. ``module.params``.
    lr, eps, weight_decay : float
        Learning rate, term added to the denominator, L2 penalty.
    betas : tuple of 2 floats
        ``(beta1, beta2)``, the decay rates of ``m`` and ``v``, each in [0, 1).
    amsgrad : bool
        Divide by the largest ``v`` seen so far.
    maximize : bool
        Ascend instead of descend.
    decoupled_weight_decay : bool
        Shrink ``p *= 1 - lr * weight_decay`` instead of adding to ``g`` (AdamW).
    """

    flags = ("amsgrad", "maximize", "decoupled_weight_decay")

    def __init__(self, params: Mapping[str, np.ndarray], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 amsgrad: bool = False, *, maximize: bool = False, decoupled_weight_decay: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)

    def _check_hyperparameter(self, name: str, value):
        """``betas`` must be a pair of numbers in [0, 1); the others are checked as in ``Optimizer``."""
        if name != "betas":
            return super()._check_hyperparameter(name, value)
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise TypeError(f"betas must be a tuple (beta1, beta2), got {value!r}")
        return tuple(check_real(b, f"betas[{i}]", low=0, high=1, high_open=True) for i, b in enumerate(value))

    def _init_state(self, p):
        state = {"exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}
        if self.amsgrad:
            state["max_exp_avg_sq"] = np.zeros_like(p)
        return state

    def _update(self, p, g, state):
        beta1, beta2 = self.betas
        if self.maximize:
            g = -g
        if self.weight_decay != 0:
            if self.decoupled_weight_decay:
                p *= 1 - self.lr * self.weight_decay
            else:
                g = g + self.weight_decay * p
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (1 - beta1) * (g - m)
        v *= beta2
        v += (1 - beta2) * g * g  # torch's order: (1 - beta2) * g first, so g * g alone cannot overflow
        if self.amsgrad:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        denom = np.sqrt(v) / (1 - beta2**self.t) ** 0.5 + self.eps
        p -= self.lr / (1 - beta1**self.t) * m / denom
