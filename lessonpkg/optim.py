"""Optimizers that update a params dict in place, step for step like ``torch.optim``.

An optimizer holds the arrays of a module's ``params`` and keeps its own state:
a dict of buffers per parameter name (named like torch's) and a step counter
``t``. There is no ``zero_grad``: gradients are values returned by
``backward`` and handed to ``step``, which never stores or modifies them::

    opt = lp.Adam(model.params, lr=1e-3)
    out, cache = model.forward(x)
    dx, grads = model.backward(dout, cache)
    opt.step(grads)                        # model.params' arrays change in place

In every update below ``p`` is one parameter array, ``g`` its gradient and
``t`` the step number (1 on the first call). All four optimizers begin alike:
``g = -g`` if ``maximize``, then ``g = g + weight_decay * p`` if
``weight_decay != 0`` (Adam with ``decoupled_weight_decay`` instead shrinks
``p *= 1 - lr * weight_decay``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lessonpkg._validate import check_array, check_bool, check_inplace_array, check_real


def _check_params(params) -> dict[str, np.ndarray]:
    """Return a shallow copy of ``params`` after checking it maps names to writeable float arrays."""
    if not isinstance(params, Mapping):
        hint = " (pass module.params, not the module)" if hasattr(params, "params") else ""
        raise TypeError(f"params must be a dict of name -> numpy array{hint}, got {type(params).__name__}")
    if not params:
        raise ValueError("params must hold at least one array, got an empty dict")
    for k, p in params.items():
        if not isinstance(k, str):
            raise TypeError(f"params keys must be str, got {type(k).__name__} key {k!r}")
        check_inplace_array(p, f"params[{k!r}]")
    return dict(params)


class Optimizer:
    """The shared machinery: checked params and grads, per-name state, the step counter ``t``.

    Subclasses list their constructor arguments in ``hyperparameters``, build
    their buffers in ``_init_state(p)`` and update one array in
    ``_update(p, g, state)``.
    """

    hyperparameters: tuple[str, ...] = ()

    def __init__(self, params: Mapping[str, np.ndarray]) -> None:
        self.params = _check_params(params)
        self.t = 0
        self.state = {k: self._init_state(p) for k, p in self.params.items()}

    def _init_state(self, p: np.ndarray) -> dict[str, np.ndarray]:
        return {}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def _check_grads(self, grads) -> dict[str, np.ndarray]:
        if not isinstance(grads, Mapping):
            raise TypeError(f"grads must be a dict of name -> array keyed like params, got {type(grads).__name__}")
        missing = sorted(set(self.params) - set(grads))
        unexpected = sorted(set(grads) - set(self.params), key=str)
        if missing or unexpected:
            raise ValueError(
                f"grads must have exactly the keys of params {sorted(self.params)}: "
                f"missing {missing}, unexpected {unexpected}"
            )
        checked = {}
        for k, p in self.params.items():
            g = check_array(grads[k], f"grads[{k!r}]")
            if g.shape != p.shape:
                raise ValueError(f"grads[{k!r}] must have shape {p.shape} like params[{k!r}], got {g.shape}")
            if g.dtype != p.dtype:
                raise TypeError(f"grads[{k!r}] must have dtype {p.dtype} like params[{k!r}], got {g.dtype}")
            checked[k] = g
        return checked

    def step(self, grads: Mapping[str, np.ndarray]) -> None:
        """Update every array of ``params`` in place from ``grads``, a dict with the same keys and shapes.

        All gradients are checked before any parameter changes. ``grads`` is not modified.
        """
        checked = self._check_grads(grads)
        self.t += 1
        for k, p in self.params.items():
            self._update(p, checked[k], self.state[k])

    def state_dict(self) -> dict:
        """Return copies of the hyper-parameters, the step counter and every buffer, keyed by parameter name."""
        return {
            "hyperparameters": {name: getattr(self, name) for name in self.hyperparameters},
            "t": self.t,
            "state": {k: {n: buf.copy() for n, buf in bufs.items()} for k, bufs in self.state.items()},
        }

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Restore what ``state_dict()`` returned, strict about names and shapes; ``params`` are untouched."""
        if not isinstance(state_dict, Mapping) or set(state_dict) != {"hyperparameters", "t", "state"}:
            raise ValueError("state_dict must be a dict with keys 'hyperparameters', 't', 'state' from state_dict()")
        hyper = state_dict["hyperparameters"]
        if not isinstance(hyper, Mapping) or set(hyper) != set(self.hyperparameters):
            got = sorted(hyper) if isinstance(hyper, Mapping) else type(hyper).__name__
            raise ValueError(
                f"state_dict['hyperparameters'] must have the keys {sorted(self.hyperparameters)}, got {got}"
            )
        fresh = type(self)(self.params, **hyper)  # checks the values as the constructor does
        state = state_dict["state"]
        if not isinstance(state, Mapping) or set(state) != set(fresh.state):
            got = sorted(state) if isinstance(state, Mapping) else type(state).__name__
            raise ValueError(f"state_dict['state'] must have the keys of params {sorted(fresh.state)}, got {got}")
        for k, bufs in fresh.state.items():
            if not isinstance(state[k], Mapping) or set(state[k]) != set(bufs):
                raise ValueError(f"state_dict['state'][{k!r}] must hold the buffers {sorted(bufs)}")
            for n, buf in bufs.items():
                src = np.asarray(state[k][n])
                if src.shape != buf.shape:
                    raise ValueError(f"state_dict['state'][{k!r}][{n!r}] must have shape {buf.shape}, got {src.shape}")
                np.copyto(buf, src, casting="same_kind")
        t = state_dict["t"]
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
            raise ValueError(f"state_dict['t'] must be an int >= 0, got {t!r}")
        fresh.t = int(t)
        self.__dict__.update(fresh.__dict__)

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.hyperparameters)
        return f"{type(self).__name__}({args})"


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

    hyperparameters = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")

    def __init__(
        self,
        params: Mapping[str, np.ndarray],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        self.lr = check_real(lr, "lr", low=0)
        self.momentum = check_real(momentum, "momentum", low=0)
        self.dampening = check_real(dampening, "dampening")
        self.weight_decay = check_real(weight_decay, "weight_decay", low=0)
        self.nesterov = check_bool(nesterov, "nesterov")
        self.maximize = check_bool(maximize, "maximize")
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                "nesterov=True requires momentum > 0 and dampening == 0, "
                f"got momentum={self.momentum}, dampening={self.dampening}"
            )
        super().__init__(params)

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

    hyperparameters = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")

    def __init__(
        self,
        params: Mapping[str, np.ndarray],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        self.lr = check_real(lr, "lr", low=0)
        self.alpha = check_real(alpha, "alpha", low=0)
        self.eps = check_real(eps, "eps", low=0)
        self.weight_decay = check_real(weight_decay, "weight_decay", low=0)
        self.momentum = check_real(momentum, "momentum", low=0)
        self.centered = check_bool(centered, "centered")
        self.maximize = check_bool(maximize, "maximize")
        super().__init__(params)

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

    hyperparameters = ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "decoupled_weight_decay")

    def __init__(
        self,
        params: Mapping[str, np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        self.lr = check_real(lr, "lr", low=0)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a tuple (beta1, beta2), got {betas!r}")
        self.betas = tuple(check_real(b, f"betas[{i}]", low=0, high=1, high_open=True) for i, b in enumerate(betas))
        self.eps = check_real(eps, "eps", low=0)
        self.weight_decay = check_real(weight_decay, "weight_decay", low=0)
        self.amsgrad = check_bool(amsgrad, "amsgrad")
        self.maximize = check_bool(maximize, "maximize")
        self.decoupled_weight_decay = check_bool(decoupled_weight_decay, "decoupled_weight_decay")
        super().__init__(params)

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
