"""The fully connected layer, ``out = x @ weight.T + bias``, with torch's shapes and default init."""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import as_rng, check_array, check_bool, check_int
from lessonpkg.nn.module import Cache, Module


class Linear(Module):
    """Affine map of the last axis: ``out = x @ weight.T + bias``.

    Parameters
    ----------
    in_features : int
        D, the size of each input vector.
    out_features : int
        H, the size of each output vector.
    bias : bool, default True
        Whether to add a learned ``bias``.
    rng : numpy.random.Generator, int or None
        Source of the initial weights.
    dtype : np.float64 or np.float32

    Notes
    -----
    ``params["weight"]`` has shape (H, D) and ``params["bias"]`` shape (H,), as in
    ``torch.nn.Linear``. Both start as draws from U(-1/sqrt(D), 1/sqrt(D)), torch's default.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        rng: np.random.Generator | int | None = None,
        dtype=np.float64,
    ) -> None:
        super().__init__(dtype)
        self.in_features = check_int(in_features, "in_features", low=1)
        self.out_features = check_int(out_features, "out_features", low=1)
        bias = check_bool(bias, "bias")
        rng = as_rng(rng)
        bound = 1.0 / np.sqrt(self.in_features)
        shape = (self.out_features, self.in_features)
        self.params["weight"] = rng.uniform(-bound, bound, shape).astype(self.dtype)  # (H, D)
        if bias:
            self.params["bias"] = rng.uniform(-bound, bound, self.out_features).astype(self.dtype)  # (H,)

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        """Compute ``out = x @ weight.T + bias``.

        Parameters
        ----------
        x : ndarray, shape (*, D)
            Any number of leading axes, as in torch.

        Returns
        -------
        out : ndarray, shape (*, H)
        cache : Cache
            The input ``x``, needed by ``backward``, as ``cache["x"]``.
        """
        D = self.in_features
        x = check_array(x, "x", dtype=self.dtype, shape=(..., D), hint=f"in_features={D}")
        out = x @ self.params["weight"].T  # (*, H)
        if "bias" in self.params:
            out = out + self.params["bias"]
        return out, self.save_for_backward(x=x)

    def backward(self, dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Gradients of ``out = x @ weight.T + bias``.

        ``dx = dout @ weight``, ``dweight = dout.T @ x`` and ``dbias = dout.sum(0)``,
        with the leading axes of ``dout`` and ``x`` flattened into one.

        Parameters
        ----------
        dout : ndarray, shape (*, H)
            Gradient of the loss with respect to ``out``.
        cache : Cache
            The cache returned by this layer's ``forward``.

        Returns
        -------
        dx : ndarray, shape (*, D)
        grads : dict
            ``dweight`` (H, D) and, if there is a bias, ``dbias`` (H,), keyed like ``params``.
        """
        x = self.check_cache(cache)["x"]
        dout = check_array(dout, "dout", dtype=self.dtype, shape=x.shape[:-1] + (self.out_features,))
        dout2 = dout.reshape(-1, self.out_features)  # (N, H), N = product of the leading axes
        x2 = x.reshape(-1, self.in_features)  # (N, D)
        dx = dout @ self.params["weight"]  # (*, D)
        grads = {"weight": dout2.T @ x2}  # (H, D)
        if "bias" in self.params:
            grads["bias"] = dout2.sum(axis=0)  # (H,)
        return dx, grads

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={'bias' in self.params}"

    def torch_kwargs(self) -> dict:
        """The ``torch.nn.Linear`` constructor arguments for this configuration."""
        return {"in_features": self.in_features, "out_features": self.out_features, "bias": "bias" in self.params}

    @classmethod
    def kwargs_from_torch(cls, torch_module) -> dict:
        """The ``Linear`` constructor arguments read off a ``torch.nn.Linear``."""
        return {
            "in_features": torch_module.in_features,
            "out_features": torch_module.out_features,
            "bias": torch_module.bias is not None,
        }
