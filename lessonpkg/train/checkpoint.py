"""Save trained modules to one ``.npz`` file and load them back: how the book ships weights trained by scripts.

A checkpoint stores each parameter of each named module under the key
``"<module name>/<parameter name>"`` (for example ``"lstm/weight_ih_l0"``) and
any extra arrays, such as a training history, under ``"extra/<key>"``. Only
plain numeric arrays are written, so loading never unpickles anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from lessonpkg.nn.module import Module

EXTRA = "extra"


def save_checkpoint(path: str | Path, modules: Mapping[str, Module], **extras: np.ndarray) -> None:
    """Write the parameters of ``modules`` and the ``extras`` arrays to ``path`` (a compressed ``.npz``).

    Parameters
    ----------
    path : str or Path
        The file to write; it should end in ``.npz``.
    modules : dict of name -> Module
        Names must be non-empty, without ``"/"``, and not ``"extra"``.
    **extras : array_like
        Numeric arrays stored alongside, e.g. ``val_accuracy=history["val_accuracy"]``.
    """
    arrays = {}
    for name, module in _checked_modules(modules).items():
        for key, value in module.params.items():
            arrays[f"{name}/{key}"] = value
    for key, value in extras.items():
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"extras[{key!r}] must be a numeric array, got dtype {arr.dtype}")
        arrays[f"{EXTRA}/{key}"] = arr
    np.savez_compressed(Path(path), **arrays)


def load_checkpoint(path: str | Path, modules: Mapping[str, Module]) -> dict[str, np.ndarray]:
    """Copy the parameters stored in ``path`` into ``modules`` (built beforehand) and return the extras.

    Every module named in ``modules`` must be in the file with exactly its
    parameters and their shapes (``Module.load_state_dict`` checks them), and
    the file must hold no other module.

    Parameters
    ----------
    path : str or Path
        A file written by ``save_checkpoint``.
    modules : dict of name -> Module
        The modules to fill in place, under the names they were saved with.

    Returns
    -------
    dict of key -> ndarray
        The extra arrays, keyed as they were passed to ``save_checkpoint``.
    """
    modules = _checked_modules(modules)
    with np.load(Path(path), allow_pickle=False) as data:
        stored = {key: data[key] for key in data.files}
    names = {key.split("/", 1)[0] for key in stored} - {EXTRA}
    if names != set(modules):
        raise ValueError(f"modules must name exactly the modules stored in {Path(path).name}: "
                         f"stored {sorted(names)}, got {sorted(modules)}")
    for name, module in modules.items():
        state = {key.split("/", 1)[1]: value for key, value in stored.items() if key.split("/", 1)[0] == name}
        try:
            module.load_state_dict(state)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"modules[{name!r}]: {exc}") from exc
    return {key.split("/", 1)[1]: value for key, value in stored.items() if key.split("/", 1)[0] == EXTRA}


def _checked_modules(modules) -> dict[str, Module]:
    if not isinstance(modules, Mapping) or not modules:
        raise TypeError(f"modules must be a non-empty dict of name -> lessonpkg Module, got {type(modules).__name__}")
    for name, module in modules.items():
        if not isinstance(name, str) or not name or "/" in name or name == EXTRA:
            raise ValueError(f"module names must be non-empty str without '/' and not {EXTRA!r}, got {name!r}")
        if not isinstance(module, Module):
            raise TypeError(f"modules[{name!r}] must be a lessonpkg Module, got {type(module).__name__}")
    return dict(modules)
