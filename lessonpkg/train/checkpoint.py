"""Save trained modules to one ``.npz`` file and load them back: how the book ships weights trained by scripts.

A checkpoint stores each parameter of each named module under the key
``"<module name>/<parameter name>"`` (for example ``"lstm/weight_ih_l0"``) and
any extra arrays, such as a training history, under ``"extra/<key>"``. Only
plain numeric arrays are written, so loading never unpickles anything.

The file is ``path`` itself when it ends in ``.npz`` and ``path + ".npz"``
otherwise, for both functions: ``save_checkpoint("run1", ...)`` writes
``run1.npz`` (as ``np.savez`` names it) and ``load_checkpoint("run1", ...)``
reads it back.

A script that ships several models in one file trains them with ``train_each``, which also returns
their loss curves as extras; the chapter reads the curves back with ``load_curves``.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np

from lessonpkg.nn.module import Module

EXTRA = "extra"
SUFFIX = ".npz"
CURVES = ("train_loss", "val_loss")


def _checkpoint_file(path: str | os.PathLike) -> Path:
    """The file a checkpoint at ``path`` lives in: ``path`` if it ends in ``.npz``, else ``path + ".npz"``."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or path-like, got {type(path).__name__}")
    path = Path(path)
    return path if path.name.endswith(SUFFIX) else path.with_name(path.name + SUFFIX)


def save_checkpoint(path: str | Path, modules: Mapping[str, Module], **extras: np.ndarray) -> Path:
    """Write the parameters of ``modules`` and the ``extras`` arrays to a compressed ``.npz`` file.

    Parameters
    ----------
    path : str or Path
        The file to write; ``.npz`` is appended when it does not end in it (see the module docstring).
    modules : dict of name -> Module
        Names must be non-empty, without ``"/"``, and not ``"extra"``.
    **extras : array_like
        Numeric arrays stored alongside, e.g. ``val_accuracy=history["val_accuracy"]``.

    Returns
    -------
    Path
        The file written, which ``load_checkpoint`` reads given the same ``path``.
    """
    file = _checkpoint_file(path)
    arrays = {}
    for name, module in _checked_modules(modules).items():
        for key, value in module.params.items():
            arrays[f"{name}/{key}"] = value
    for key, value in extras.items():
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"extras[{key!r}] must be a numeric array, got dtype {arr.dtype}")
        arrays[f"{EXTRA}/{key}"] = arr
    np.savez_compressed(file, **arrays)
    return file


def load_checkpoint(path: str | Path, modules: Mapping[str, Module]) -> dict[str, np.ndarray]:
    """Copy the parameters stored in ``path`` into ``modules`` (built beforehand) and return the extras.

    Every module named in ``modules`` must be in the file with exactly its
    parameters and their shapes (``Module.load_state_dict`` checks them), the
    file must hold no other module, and every stored parameter must be finite.
    Loading is all or nothing: everything is checked before any module changes.

    Parameters
    ----------
    path : str or Path
        The ``path`` given to ``save_checkpoint`` (``.npz`` is appended when missing, as there).
    modules : dict of name -> Module
        The modules to fill in place, under the names they were saved with.

    Returns
    -------
    dict of key -> ndarray
        The extra arrays, keyed as they were passed to ``save_checkpoint``.
    """
    modules = _checked_modules(modules)
    file = _checkpoint_file(path)
    if not file.is_file():
        raise FileNotFoundError(f"no checkpoint file {str(file)!r} (path={str(path)!r}; .npz is appended when missing)")
    with np.load(file, allow_pickle=False) as data:
        stored = {key: data[key] for key in data.files}
    bad = [key for key in stored if "/" not in key]
    if bad:
        raise ValueError(f"{file.name} holds the key {bad[0]!r}, not of the form '<module name>/<parameter name>' "
                         "or 'extra/<key>': was it written by save_checkpoint?")
    groups: dict[str, dict[str, np.ndarray]] = {}
    for key, value in stored.items():
        name, rest = key.split("/", 1)
        groups.setdefault(name, {})[rest] = value
    extras = groups.pop(EXTRA, {})
    if set(groups) != set(modules):
        raise ValueError(f"modules must name exactly the modules stored in {file.name}: "
                         f"stored {sorted(groups)}, got {sorted(modules)}")
    for name, state in groups.items():  # check everything before any module changes
        for key, value in state.items():
            if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
                raise ValueError(f"{file.name} holds {int(value.size - np.isfinite(value).sum())} NaN or inf "
                                 f"entries in {name}/{key}; refusing to load them")
        try:
            copy.deepcopy(modules[name]).load_state_dict(state)  # a trial load: checks keys, shapes and dtypes
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"modules[{name!r}]: {exc}") from exc
    for name, module in modules.items():
        module.load_state_dict(groups[name])
    return extras


def _checked_modules(modules) -> dict[str, Module]:
    if not isinstance(modules, Mapping) or not modules:
        raise TypeError(f"modules must be a non-empty dict of name -> lessonpkg Module, got {type(modules).__name__}")
    for name, module in modules.items():
        if not isinstance(name, str) or not name or "/" in name or name == EXTRA:
            raise ValueError(f"module names must be non-empty str without '/' and not {EXTRA!r}, got {name!r}")
        if not isinstance(module, Module):
            raise TypeError(f"modules[{name!r}] must be a lessonpkg Module, got {type(module).__name__}")
    return dict(modules)


def train_each(train_one: Callable, names: Iterable[str], *, show_progress: bool = True,
               unit: str = "loss") -> tuple[dict[str, Module], dict[str, np.ndarray]]:
    """Train one model per name; return the models and their loss curves, as ``save_checkpoint`` takes them.

    ``train_one(name, progress)`` trains one model, passing ``progress`` (a bar's description, or False) to
    ``fit``, and returns the model and ``fit``'s history. The curves are the extras ``"<name>_train_loss"``
    (epochs,), the training loss after each epoch, and ``"<name>_val_loss"`` (epochs + 1,), the validation
    loss before training and after each epoch. With ``show_progress`` each model's last validation loss is
    printed, in ``unit``.
    """
    models, extras = {}, {}
    for name in names:
        model, history = train_one(name, f"training {name}" if show_progress else False)
        models[name] = model
        extras[f"{name}_train_loss"], extras[f"{name}_val_loss"] = history["train_loss"][1:], history["val_loss"]
        if show_progress:
            print(f"{name}: validation {unit} {history['val_loss'][-1]:.4f}")
    return models, extras


def load_curves(extras: Mapping[str, np.ndarray], names: Iterable[str]) -> dict[str, dict[str, np.ndarray]]:
    """The curves that ``train_each`` returned, from a checkpoint's extras: ``{name: {"train_loss", "val_loss"}}``."""
    return {name: {k: extras[f"{name}_{k}"] for k in CURVES} for name in names}
