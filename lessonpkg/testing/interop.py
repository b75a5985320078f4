"""Convert between lessonpkg modules and their torch.nn twins, weights included.

This is the only module that uses torch, and it imports torch inside its
functions, so ``import lessonpkg`` works without torch installed.

Every lessonpkg class named like a ``torch.nn`` class (``Linear``, ``LSTM``, ...)
provides ``torch_kwargs()`` and ``kwargs_from_torch(torch_module)``; the two
functions here find the twin class by that shared name, so a new layer needs no
change in this file. ``Sequential`` is converted child by child.
"""

from __future__ import annotations

import numpy as np

from lessonpkg.nn.container import Sequential
from lessonpkg.nn.module import Module


def to_torch(module: Module):
    """Return the ``torch.nn`` module that computes what ``module`` computes, in float64.

    Parameters
    ----------
    module : lessonpkg.Module
        A ``Sequential`` or any module class named like a ``torch.nn`` class.

    Returns
    -------
    torch.nn.Module
        Same configuration, and parameters equal to ``module.params`` (copied).
    """
    import torch

    name = type(module).__name__
    if not isinstance(module, Module):
        raise TypeError(f"module must be a lessonpkg Module, got {type(module).__module__}.{name}")
    if isinstance(module, Sequential):
        return torch.nn.Sequential(*(to_torch(m) for m in module))
    torch_cls = getattr(torch.nn, name, None)
    if torch_cls is None or not hasattr(module, "torch_kwargs"):
        raise TypeError(f"to_torch needs a lessonpkg module named like a torch.nn class, got {name}")
    torch_module = torch_cls(**module.torch_kwargs()).to(torch.float64)
    torch_module.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in module.params.items()})
    return torch_module


def from_torch(torch_module) -> Module:
    """Return the lessonpkg twin of a ``torch.nn`` module, in float64, with its weights.

    Parameters
    ----------
    torch_module : torch.nn.Module
        A ``torch.nn.Sequential`` (children named 0, 1, ...) or an instance of a
        ``torch.nn`` class that lessonpkg implements under the same name.

    Returns
    -------
    lessonpkg.Module
        Same configuration, and ``params`` equal to ``torch_module.state_dict()`` (copied).
    """
    import torch

    import lessonpkg

    name = type(torch_module).__name__
    if not isinstance(torch_module, torch.nn.Module):
        raise TypeError(f"torch_module must be a torch.nn.Module, got {type(torch_module).__module__}.{name}")
    if isinstance(torch_module, torch.nn.Sequential):
        names = [child_name for child_name, _ in torch_module.named_children()]
        if names != [str(i) for i in range(len(torch_module))]:
            raise ValueError(f"from_torch needs a Sequential of distinct children named 0, 1, ..., got {names}")
        return lessonpkg.Sequential(*(from_torch(child) for child in torch_module))
    cls = getattr(lessonpkg, name, None)
    if (
        getattr(torch.nn, name, None) is not type(torch_module)
        or not (isinstance(cls, type) and issubclass(cls, Module))
        or not hasattr(cls, "kwargs_from_torch")
    ):
        raise TypeError(f"from_torch needs a torch.nn module that lessonpkg implements, got {name}")
    module = cls(**cls.kwargs_from_torch(torch_module), dtype=np.float64)
    module.load_state_dict(torch_module.state_dict())
    return module
