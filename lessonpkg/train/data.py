"""The data contract of ``fit`` and ``evaluate``: a tuple of arrays, or any object with a ``batches`` method.

Both functions read a data set the same way::

    for inputs, targets in data.batches(batch_size, rng):
        out, cache = model.forward(*inputs)
        loss, loss_cache = loss_fn.forward(out, *targets)

``inputs`` and ``targets`` are tuples. ``fit`` trains on ``data.batches(batch_size, rng)`` with its
random generator, which shuffles; ``evaluate`` reads ``data.batches(batch_size, None)``, and
``rng=None`` asks for a fixed order. A tuple of arrays ``(*inputs, target)`` with the N examples on
axis 0, such as ``(x, y)`` or ``(x, lengths, y)``, is served by ``Arrays``. Data that must be cut
otherwise brings its own ``batches``: ``Chunks`` (sequences for truncated BPTT), and the length
buckets, trimmed CTC batches and fresh adding-problem batches of ``lessonpkg.apps``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from lessonpkg._validate import as_rng, check_int


def minibatches(n: int, batch_size: int | None, rng: np.random.Generator | int | None = None) -> Iterator[np.ndarray]:
    """Yield the indices of one epoch: a random permutation of ``range(n)`` cut into batches.

    The last batch is smaller when ``batch_size`` does not divide ``n``.
    ``batch_size=None`` (or ``>= n``) gives one batch holding every index in
    order: full-batch gradient descent.

    Parameters
    ----------
    n : int
        Number of examples.
    batch_size : int or None
    rng : numpy.random.Generator, int or None
        Draws the permutation.

    Yields
    ------
    ndarray of int64, shape (B,)
    """
    n = check_int(n, "n", low=1)
    if batch_size is None or check_int(batch_size, "batch_size", low=1) >= n:
        yield np.arange(n)
        return
    order = as_rng(rng).permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def batch_indices(n: int, batch_size: int | None, rng: np.random.Generator | None) -> Iterator[np.ndarray]:
    """``minibatches(n, batch_size, rng)`` when ``rng`` is a generator (training); in order when it is None."""
    if rng is not None:
        yield from minibatches(n, batch_size, rng)
        return
    n = check_int(n, "n", low=1)
    step = n if batch_size is None else check_int(batch_size, "batch_size", low=1)
    for start in range(0, n, step):
        yield np.arange(start, min(start + step, n))


class Arrays:
    """Examples stored as arrays with N on axis 0, the last one the target: ``Arrays(*inputs, target)``.

    ``batches(batch_size, rng)`` yields ``(inputs, (target,))`` cut with ``batch_indices``. Read in
    one batch and in order (``batch_size=None``, ``rng=None``), the arrays are passed as they are.

    Parameters
    ----------
    *arrays : array_like
        At least two: the model's inputs, e.g. ``x`` (N, T, D) and ``lengths`` (N,), then the target (N, ...).
    name : str
        The argument's name in error messages.
    """

    def __init__(self, *arrays, name: str = "data") -> None:
        if len(arrays) < 2:
            raise ValueError(f"{name} must hold at least two arrays, the inputs and then the target, "
                             f"e.g. (x, y), got {len(arrays)}")
        arrays = tuple(np.asarray(a) for a in arrays)
        for i, a in enumerate(arrays):
            if a.dtype == object:
                raise TypeError(f"{name}[{i}] must be a numeric array, got dtype object")
            if a.ndim == 0 or a.shape[0] != arrays[0].shape[0]:
                raise ValueError(f"{name}[{i}] must hold N={arrays[0].shape[0] if arrays[0].ndim else '?'} examples "
                                 f"on axis 0 like {name}[0], got shape {a.shape}")
        if arrays[0].shape[0] == 0:
            raise ValueError(f"{name} must hold at least one example, got N=0")
        self.arrays, self.n = arrays, arrays[0].shape[0]

    def batches(self, batch_size: int | None, rng: np.random.Generator | None) -> Iterator[tuple[tuple, tuple]]:
        """Yield ``(inputs, (target,))`` per minibatch, shuffled by ``rng`` (None: in order)."""
        if rng is None and (batch_size is None or check_int(batch_size, "batch_size", low=1) >= self.n):
            *inputs, target = self.arrays
            yield tuple(inputs), (target,)
            return
        for idx in batch_indices(self.n, batch_size, rng):
            *inputs, target = (a[idx] for a in self.arrays)
            yield tuple(inputs), (target,)


def as_batches(data, name: str):
    """``data`` itself if it has a ``batches`` method, ``Arrays(*data)`` if it is a tuple of arrays."""
    if callable(getattr(data, "batches", None)):
        return data
    if isinstance(data, tuple):
        return Arrays(*data, name=name)
    raise TypeError(f"{name} must be a tuple (*inputs, target) of arrays, e.g. (x, y), or an object with a "
                    f"batches(batch_size, rng) method, got {type(data).__name__}")
