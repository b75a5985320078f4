"""Early stopping: keep the parameters of the epoch with the lowest validation loss, stop when it stops falling."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lessonpkg._validate import check_int


def _check_params(params, name: str) -> None:
    if not isinstance(params, Mapping) or not all(isinstance(v, np.ndarray) for v in params.values()):
        raise TypeError(f"{name} must be a dict of numpy arrays (e.g. model.params), got {type(params).__name__}")


class EarlyStopping:
    """Remember the parameters with the lowest validation loss and say when it stopped improving.

    ``step(val_loss, params)`` is called once per epoch (``fit`` does it after every
    epoch when given ``early_stopping=``). It copies ``params`` when ``val_loss`` is
    a new minimum and returns True once ``patience`` epochs in a row brought none;
    ``restore(params)`` copies the best arrays back in place.

    Parameters
    ----------
    patience : int
        Epochs without a new minimum before stopping.

    Attributes
    ----------
    best_loss : float
        The lowest validation loss so far (inf before the first epoch).
    best_epoch : int
        Its epoch, counted from 1 as in ``fit``'s history (0 before the first epoch).
    """

    def __init__(self, patience: int) -> None:
        self.patience = check_int(patience, "patience", low=1)
        self.best_loss = np.inf
        self.best_epoch = 0
        self.epoch = 0
        self.best_params: dict[str, np.ndarray] | None = None

    def step(self, val_loss: float, params: Mapping[str, np.ndarray]) -> bool:
        """Record one epoch's validation loss; return True when training should stop."""
        val_loss = float(val_loss)
        if not np.isfinite(val_loss):
            raise ValueError(f"val_loss must be finite, got {val_loss}")
        _check_params(params, "params")
        self.epoch += 1
        if val_loss < self.best_loss:
            self.best_loss, self.best_epoch = val_loss, self.epoch
            self.best_params = {k: v.copy() for k, v in params.items()}
        return self.epoch - self.best_epoch >= self.patience

    def restore(self, params: Mapping[str, np.ndarray]) -> None:
        """Copy the best parameters back into ``params`` in place."""
        if self.best_params is None:
            raise ValueError("no epoch recorded yet; call step(val_loss, params) first")
        if set(params) != set(self.best_params):
            raise ValueError(f"params must have the keys {sorted(self.best_params)}, got {sorted(params)}")
        for k, v in params.items():
            if np.shape(v) != self.best_params[k].shape:
                raise ValueError(f"params[{k!r}] must have shape {self.best_params[k].shape} like the recorded "
                                 f"parameters, got {np.shape(v)}")
        for k, v in params.items():
            v[...] = self.best_params[k]

    def __repr__(self) -> str:
        return f"EarlyStopping(patience={self.patience})"
