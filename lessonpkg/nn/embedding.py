"""A lookup table of learned vectors, ``out = weight[x]``, with torch's shapes and default init."""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import as_rng, check_array, check_int, check_int_array, check_shape
from lessonpkg.nn.module import Cache, Module


class Embedding(Module):
    """Row lookup: ``out = weight[x]``.

    Parameters
    ----------
    num_embeddings : int
        V, the number of rows (the vocabulary size).
    embedding_dim : int
        D, the size of each row.
    padding_idx : int or None, default None
        A row that starts at zero and never receives a gradient. Negative values count
        from the end, as in torch, and are stored as the equal non-negative index.
    rng : numpy.random.Generator, int or None
        Source of the initial weights.
    dtype : np.float64 or np.float32

    Notes
    -----
    ``params["weight"]`` has shape (V, D) and starts as draws from N(0, 1), torch's default.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        *,
        rng: np.random.Generator | int | None = None,
        dtype=np.float64,
    ) -> None:
        super().__init__(dtype)
        self.num_embeddings = check_int(num_embeddings, "num_embeddings", low=1)
        self.embedding_dim = check_int(embedding_dim, "embedding_dim", low=1)
        n = self.num_embeddings
        if padding_idx is not None:
            if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)):
                raise TypeError(f"padding_idx must be an int or None, got {type(padding_idx).__name__}")
            if not -n <= padding_idx < n:
                raise ValueError(f"padding_idx must be in [{-n}, {n}) with num_embeddings={n}, got {padding_idx}")
            padding_idx = int(padding_idx) % n
        self.padding_idx = padding_idx
        weight = as_rng(rng).standard_normal((n, self.embedding_dim)).astype(self.dtype)  # (V, D)
        if padding_idx is not None:
            weight[padding_idx] = 0.0
        self.params["weight"] = weight

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        """Look up one row of ``weight`` per index: ``out = weight[x]``.

        Parameters
        ----------
        x : ndarray of int, any shape (*)
            Indices in [0, V).

        Returns
        -------
        out : ndarray, shape (*, D)
        cache : Cache
            The indices ``x``, needed by ``backward``, as ``cache["x"]``.
        """
        x = check_int_array(x, "x")
        n = self.num_embeddings
        if x.size and (x.min() < 0 or x.max() >= n):
            raise ValueError(
                f"x must hold indices in [0, {n}) with num_embeddings={n}, got values from {x.min()} to {x.max()}"
            )
        return self.params["weight"][x], self.save_for_backward(x=x)  # (*, D)

    def backward(self, dout: np.ndarray, cache: Cache) -> tuple[None, dict[str, np.ndarray]]:
        """Gradient of ``out = weight[x]``: each row of ``dout`` is added to the row of ``dweight`` it came from.

        An index that occurs k times receives the sum of its k rows of ``dout``
        (``np.add.at`` accumulates repeats, where ``dweight[x] += dout`` would keep only one).
        The ``padding_idx`` row receives zero.

        Parameters
        ----------
        dout : ndarray, shape (*, D)
            Gradient of the loss with respect to ``out``.
        cache : Cache
            The cache returned by this layer's ``forward``.

        Returns
        -------
        dx : None
            Integer indices have no gradient.
        grads : dict
            ``dweight`` (V, D), keyed like ``params``.
        """
        x = self.check_cache(cache)["x"]
        dout = check_array(dout, "dout", dtype=self.dtype)
        check_shape(dout, "dout", x.shape + (self.embedding_dim,))
        dweight = np.zeros_like(self.params["weight"])  # (V, D)
        np.add.at(dweight, x, dout)
        if self.padding_idx is not None:
            dweight[self.padding_idx] = 0.0
        return None, {"weight": dweight}

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"

    def torch_kwargs(self) -> dict:
        """The ``torch.nn.Embedding`` constructor arguments for this configuration."""
        return {
            "num_embeddings": self.num_embeddings,
            "embedding_dim": self.embedding_dim,
            "padding_idx": self.padding_idx,
        }

    @classmethod
    def kwargs_from_torch(cls, torch_module) -> dict:
        """The ``Embedding`` constructor arguments read off a ``torch.nn.Embedding``.

        Raises ``ValueError`` for the options this class does not implement
        (``max_norm``, ``scale_grad_by_freq``).
        """
        if torch_module.max_norm is not None or torch_module.scale_grad_by_freq:
            raise ValueError(
                "lessonpkg.Embedding supports neither max_norm nor scale_grad_by_freq, got "
                f"max_norm={torch_module.max_norm}, scale_grad_by_freq={torch_module.scale_grad_by_freq}"
            )
        return {
            "num_embeddings": torch_module.num_embeddings,
            "embedding_dim": torch_module.embedding_dim,
            "padding_idx": torch_module.padding_idx,
        }
