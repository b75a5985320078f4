"""What the loaders return: train/validation/test splits, and examples held in aligned fields.

- ``Splits``: ``train``, ``val`` and ``test``, three objects of one kind (a loader's dataclass adds its extras);
- ``ArraySplits``: ``x_train``, ``y_train``, ..., ``y_test``, rows of one ``(x, y)`` pair of arrays;
- ``Examples``: a dataclass whose fields hold one entry per example, so that ``len()`` counts the examples.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Splits:
    """Train, validation and test splits, all three of one kind (each subclass says which)."""

    train: Any
    val: Any
    test: Any


@dataclass(frozen=True)
class ArraySplits:
    """Train, validation and test rows of ``(x, y)``: ``x_*`` float64 (N_split, ...), ``y_*`` int64 (N_split,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @classmethod
    def from_indices(cls, x: np.ndarray, y: np.ndarray, indices: tuple[np.ndarray, ...], **extras):
        """Copy the rows ``indices = (train, val, test)`` of ``x`` and ``y``; ``extras`` fill the other fields."""
        arrays = [a for idx in indices for a in (np.ascontiguousarray(x[idx]), y[idx].copy())]
        return cls(*arrays, **extras)


class Examples:
    """Base of a dataclass whose fields are aligned, one entry per example: ``len()`` is the number of examples."""

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))
