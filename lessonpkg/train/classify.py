"""Helpers of the classification chapters: one-hot token rows, and the predicted class of every example."""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_dtype_arg, check_int, check_int_array
from lessonpkg.nn.module import Module


def one_hot_ids(ids: np.ndarray, num_classes: int, dtype=np.float64) -> np.ndarray:
    """Turn token indices (N, T) into one-hot rows (N, T, V); index 0 (``<pad>``) becomes a row of zeros."""
    ids = check_int_array(ids, "ids", low=0, high=check_int(num_classes, "num_classes", low=1))
    table = np.eye(num_classes, dtype=check_dtype_arg(dtype))
    table[0] = 0.0
    return table[ids]


def predict_classes(model: Module, x: np.ndarray, lengths=None) -> np.ndarray:
    """The class of largest logit for every example: int64 (N,). ``lengths`` (N,) is passed on if given."""
    if not isinstance(model, Module):
        raise TypeError(f"model must be a lessonpkg Module, got {type(model).__name__}")
    x = np.asarray(x)
    logits, _ = model.forward(x) if lengths is None else model.forward(x, lengths=np.asarray(lengths))
    return logits.argmax(axis=1)
