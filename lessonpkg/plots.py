"""Plotting helpers shared by the chapters: evaluate a classifier on a 2-d grid and draw its regions.

matplotlib is imported inside the drawing function only, so the rest of the
package never needs it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validate import check_array, check_positive_int


def decision_grid(
    predict: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    steps: int = 200,
    margin: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate ``predict`` on a ``steps`` x ``steps`` grid covering the points ``x`` plus a margin.

    The grid spans ``[x[:, j].min() - margin, x[:, j].max() + margin]`` on each
    axis j. ``predict`` receives all grid points at once, as one float64 batch.

    Parameters
    ----------
    predict : callable
        Maps points (M, 2) to one value per point (M,), e.g. a class index.
    x : ndarray of shape (N, 2)
        The points the grid must cover.
    steps : int
        Grid points per axis.
    margin : float
        Extra room beyond the points on every side, in x's units.

    Returns
    -------
    xx, yy : ndarrays of shape (steps, steps)
        Coordinates of the grid points (``np.meshgrid`` layout: ``xx`` varies along axis 1).
    zz : ndarray of shape (steps, steps)
        ``predict`` at each grid point.
    """
    if not callable(predict):
        raise TypeError(f"predict must be a callable from (M, 2) points to (M,) values, got {type(predict).__name__}")
    x = check_array(x, "x")
    if x.ndim != 2 or x.shape[1] != 2 or x.shape[0] == 0:
        raise ValueError(f"x must have shape (N, 2) with N >= 1, got {x.shape}")
    steps = check_positive_int(steps, "steps")
    if steps < 2:
        raise ValueError(f"steps must be >= 2, got {steps}")
    if isinstance(margin, bool) or not isinstance(margin, (int, float, np.integer, np.floating)):
        raise TypeError(f"margin must be a number >= 0, got {type(margin).__name__}")
    if not (np.isfinite(margin) and margin >= 0):
        raise ValueError(f"margin must be a finite number >= 0, got {margin}")
    lo, hi = x.min(axis=0) - margin, x.max(axis=0) + margin  # (2,) each
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    points = np.column_stack([xx.ravel(), yy.ravel()]).astype(np.float64)  # (steps * steps, 2)
    z = np.asarray(predict(points))
    if z.shape != (points.shape[0],):
        raise ValueError(f"predict must return one value per point, shape ({points.shape[0]},), got {z.shape}")
    return xx, yy, z.reshape(steps, steps)


def plot_decision_regions(
    ax,
    predict: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    *,
    class_names: tuple[str, ...] | None = None,
    steps: int = 200,
    margin: float = 0.5,
):
    """Shade the class ``predict`` assigns over the plane and scatter the labelled points on top.

    Parameters
    ----------
    ax : matplotlib Axes
    predict : callable
        Maps points (M, 2) to class indices (M,) in [0, C).
    x : ndarray of shape (N, 2)
    y : int ndarray of shape (N,)
        Class indices in [0, C), drawn with the same colours as the regions.
    class_names : tuple of str, optional
        Legend labels, one per class; C is ``len(class_names)`` (else ``y.max() + 1``).
    steps, margin
        As in ``decision_grid``.

    Returns
    -------
    ax
    """
    from matplotlib.colors import ListedColormap

    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(f"y must hold integer class indices, got dtype {y.dtype}")
    x = check_array(x, "x")
    if y.shape != x.shape[:1]:
        raise ValueError(f"y must have shape (N,) = ({x.shape[0]},) to match x {x.shape}, got {y.shape}")
    n_classes = len(class_names) if class_names is not None else int(y.max(initial=0)) + 1
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"y must hold class indices in [0, {n_classes}), got values from {y.min()} to {y.max()}")
    xx, yy, zz = decision_grid(predict, x, steps, margin)
    colors = [f"C{c}" for c in range(n_classes)]
    ax.contourf(xx, yy, zz, levels=np.arange(n_classes + 1) - 0.5, cmap=ListedColormap(colors), alpha=0.25)
    markers = "os^Dvp*"
    for c in range(n_classes):
        label = class_names[c] if class_names is not None else f"class {c}"
        sel = y == c
        ax.scatter(x[sel, 0], x[sel, 1], s=18, color=colors[c], marker=markers[c % len(markers)],
                   edgecolors="k", linewidths=0.4, label=label)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    return ax
