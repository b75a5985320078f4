"""One padding function for every dataset: N sequences of different lengths -> one array (N, T_max, ...) and lengths.

It is ``torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True, padding_value=...)`` plus the lengths (N,)
that the recurrent layers' ``lengths=`` (torch's ``pack_padded_sequence``) and the losses need::

    ids, lengths = pad_sequences([vocab.encode(w) for w in words], padding_value=vocab.pad)  # (N, T), (N,)
    x, lengths = pad_sequences(features)                    # features[i] (T_i, F) -> (N, T_max, F), zeros
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def pad_sequences(seqs: Iterable, padding_value: float = 0, dtype=None) -> tuple[np.ndarray, np.ndarray]:
    """Stack N sequences of shapes (T_i, ...) into (N, T_max, ...), padded at the end, and their lengths (N,).

    Parameters
    ----------
    seqs : iterable of array_like
        N >= 1 sequences: int token ids (T_i,), features (T_i, F), ...; every sequence has the same
        trailing shape after T_i, and T_i may be 0.
    padding_value : int or float, default 0
        The value of every position past a sequence's end, e.g. ``vocab.pad`` or -100 (``ignore_index``).
    dtype : numpy dtype or None
        The dtype of the result; None keeps the sequences' common dtype (``np.result_type``).

    Returns
    -------
    padded : ndarray (N, T_max, ...)
        Row n holds ``seqs[n]`` in its first ``lengths[n]`` steps, then ``padding_value``.
    lengths : int64 ndarray (N,)
        T_i, the length of each sequence.
    """
    if isinstance(seqs, (str, bytes)) or type(seqs).__module__.startswith("torch") \
            or not isinstance(seqs, Iterable):
        raise TypeError(f"seqs must be a list of numpy arrays (T_i, ...), got {type(seqs).__name__}")
    arrays = []
    for i, s in enumerate(seqs):
        if type(s).__module__.startswith("torch"):
            raise TypeError(f"seqs[{i}] must be a numpy array, got a torch tensor; use tensor.detach().numpy()")
        try:
            a = np.asarray(s)
        except ValueError as exc:  # a ragged nested list
            raise ValueError(f"seqs[{i}] must be an array of shape (T, ...), got a ragged nested list") from exc
        if a.dtype.kind not in "biuf":
            raise TypeError(f"seqs[{i}] must hold numbers, got dtype {a.dtype}")
        if a.ndim == 0:
            raise ValueError(f"seqs[{i}] must have shape (T, ...), one entry per step, got a scalar")
        if arrays and a.shape[1:] != arrays[0].shape[1:]:
            raise ValueError(f"seqs[{i}] must have shape (T, {', '.join(map(str, arrays[0].shape[1:]))}) like "
                             f"seqs[0], got {a.shape}")
        arrays.append(a)
    if not arrays:
        raise ValueError("seqs must hold at least one sequence, got none")
    typed = [a for a in arrays if a.size] or arrays  # an empty list [] (float64) does not decide the dtype
    try:
        dt = np.result_type(*typed) if dtype is None else np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype must be a numpy dtype such as np.int64 or np.float64, got {dtype!r}") from exc
    if dt.kind not in "biuf":
        raise TypeError(f"dtype must be a numeric numpy dtype, got {dt}")
    for i, a in enumerate(arrays):
        if a.size and not np.can_cast(a.dtype, dt, "same_kind"):
            raise TypeError(f"seqs[{i}] has dtype {a.dtype}, which dtype={dt} would truncate")
    _check_padding_value(padding_value, dt)
    lengths = np.array([len(a) for a in arrays], dtype=np.int64)
    out = np.full((len(arrays), int(lengths.max()), *arrays[0].shape[1:]), padding_value, dtype=dt)
    for n, a in enumerate(arrays):
        out[n, :len(a)] = a
    return out, lengths


def _check_padding_value(value, dt: np.dtype) -> None:
    """A padding value must be a number that ``dt`` holds exactly (an integer within range for int dtypes)."""
    is_bool = isinstance(value, (bool, np.bool_))
    if not isinstance(value, (int, float, np.number, np.bool_)) or (is_bool and dt.kind != "b"):
        raise TypeError(f"padding_value must be a number, got {type(value).__name__}")
    if dt.kind in "iu":
        info = np.iinfo(dt)
        if not (float(value).is_integer() and info.min <= value <= info.max):
            raise ValueError(f"padding_value must be an integer in [{info.min}, {info.max}] for dtype {dt}, "
                             f"got {value}")
    if dt.kind == "b" and value not in (0, 1):
        raise ValueError(f"padding_value must be 0, 1, False or True for dtype bool, got {value}")
