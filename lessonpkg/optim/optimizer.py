"""The base class of the optimizers: checked params and grads, per-name state, the step counter ``t``."""

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
    """The shared machinery: checked params, hyper-parameters and grads, per-name state, the step counter ``t``.

    Subclasses hand their constructor arguments to ``Optimizer.__init__`` by keyword,
    name the bool ones in ``flags``, build their buffers in ``_init_state(p)`` and
    update one array in ``_update(p, g, state)``.
    """

    flags: tuple[str, ...] = ()  # the hyper-parameters that are bools
    signed: tuple[str, ...] = ()  # the real ones that may be negative (torch checks no sign)

    def __init__(self, params: Mapping[str, np.ndarray], **hyperparameters) -> None:
        self.hyperparameters = tuple(hyperparameters)  # in the constructor's order, for state_dict and repr
        for name, value in hyperparameters.items():
            setattr(self, name, self._check_hyperparameter(name, value))
        self.params = _check_params(params)
        self.t = 0
        self.state = {k: self._init_state(p) for k, p in self.params.items()}

    def _check_hyperparameter(self, name: str, value):
        """Return ``value`` checked: a bool if ``name`` is in ``flags``, else a finite real (>= 0 unless ``signed``)."""
        if name in self.flags:
            return check_bool(value, name)
        return check_real(value, name, low=None if name in self.signed else 0)

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
