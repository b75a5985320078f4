"""Plotting helpers shared by the chapters: evaluate a classifier on a 2-d grid and draw its regions.

matplotlib is imported inside the drawing function only, so the rest of the
package never needs it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lessonpkg._validate import check_array, check_callable, check_int


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
    check_callable(predict, "predict", "a callable from (M, 2) points to (M,) values")
    x = check_array(x, "x")
    if x.ndim != 2 or x.shape[1] != 2 or x.shape[0] == 0:
        raise ValueError(f"x must have shape (N, 2) with N >= 1, got {x.shape}")
    steps = check_int(steps, "steps", low=1)
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


_BOX_COLORS = {"x": "#e3f1e0", "y": "#fbe3dc", "fwd": "#e1ebf7", "rev": "#ece3f5", "dec": "#fdf0d5"}


def draw_unrolled(
    ax,
    x_labels: list[str | None],
    y_labels: list[str | None],
    *,
    layers: int = 1,
    bidirectional: bool = False,
    recurrent: bool = True,
    encoder_steps: int = 0,
    cell_text: str = "h",
    title: str | None = None,
):
    """Draw a recurrent network unrolled in time: input boxes, a grid of cells, output boxes and their arrows.

    Column t is time step t. Inputs sit at the bottom, outputs at the top,
    and each of the ``layers`` layers is a row of cells (two rows when
    ``bidirectional``: the forward row, with arrows to the right, below the
    reverse row, with arrows to the left). Every cell receives the input
    or the layer below at its step; the last layer's cells feed the outputs.

    Parameters
    ----------
    ax : matplotlib Axes
    x_labels, y_labels : lists of T labels (math text allowed) or None
        The input and output at each step; None draws no box and no arrow.
    layers : int
        Number of stacked layers.
    bidirectional : bool
        Add a reverse row to every layer.
    recurrent : bool
        Draw the arrows from each cell to the next; False draws a feed-forward map.
    encoder_steps : int
        The first ``encoder_steps`` columns are an encoder (its cells are named
        ``h``); the rest are a decoder (cells named ``s``, drawn in another colour),
        whose first cell receives the encoder's last state.
    cell_text : str
        The letter written in the cells, with the step (and layer) as index.
    title : str, optional

    Returns
    -------
    ax
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    T = len(x_labels)
    if T == 0 or len(y_labels) != T:
        raise ValueError(f"x_labels and y_labels must be non-empty lists of the same length, got {T} and "
                         f"{len(y_labels)}")
    layers = check_int(layers, "layers", low=1)
    encoder_steps = check_int(encoder_steps, "encoder_steps", low=0)
    if encoder_steps >= T:
        raise ValueError(f"encoder_steps must leave at least one decoder step, got {encoder_steps} of T={T}")
    if encoder_steps and (bidirectional or not recurrent):
        raise ValueError("an encoder-decoder drawing must have recurrent=True and bidirectional=False")
    dirs = 2 if bidirectional else 1
    w, h = 0.56, 0.5  # box width and height; columns are 1 apart, rows 0.9 apart
    gap = 0.5 if encoder_steps else 0.0
    xs = [t + (gap if t >= encoder_steps > 0 else 0.0) for t in range(T)]
    shift = 0.45 if bidirectional else 0.0  # reverse rows sit to the right, so that arrows pass beside boxes
    row_y = 0.9

    def box(xc, yc, text, color):
        ax.add_patch(FancyBboxPatch((xc - w / 2, yc - h / 2), w, h, boxstyle="round,pad=0.03", fc=color, ec="0.35",
                                    lw=0.8))
        ax.text(xc, yc, text, ha="center", va="center", fontsize=8)

    def arrow(p, q, color="0.2", style="-|>", ls="-"):
        ax.add_patch(FancyArrowPatch(p, q, arrowstyle=style, mutation_scale=8, color=color, lw=0.9, linestyle=ls,
                                     shrinkA=0, shrinkB=0))

    rows = [(k, d) for k in range(layers) for d in range(dirs)]  # bottom to top
    top = row_y * (len(rows) + 1)
    for t, label in enumerate(x_labels):
        if label is not None:
            box(xs[t], 0.0, label, _BOX_COLORS["x"])
    for r, (k, d) in enumerate(rows):
        yc = row_y * (r + 1)
        for t in range(T):
            xc = xs[t] + (shift if d == 1 else 0.0)
            decoder = 0 < encoder_steps <= t
            letter = "s" if decoder else cell_text
            step = t - encoder_steps + 1 if decoder else t + 1
            sup = f"^{{({k})}}" if layers > 1 else ""
            name = (r"\overleftarrow{" if d else r"\overrightarrow{") + letter + "}" if dirs == 2 else letter
            color = _BOX_COLORS["rev" if d == 1 else "dec" if decoder else "fwd"]
            box(xc, yc, rf"${name}_{{{step}}}{sup}$" if recurrent else cell_text, color)
            # what feeds this cell from below: the input, or every direction of the layer below
            sources = [(xs[t], 0.0)] if k == 0 else [(xs[t] + (shift if e else 0.0), row_y * (r - d - dirs + e + 1))
                                                    for e in range(dirs)]
            if k > 0 or x_labels[t] is not None:
                for sx, sy in sources:
                    arrow((sx + (0.22 if d == 1 and sx == xs[t] else 0.0), sy + h / 2), (xc, yc - h / 2),
                          color="0.2" if d == 0 else "#7b4fa6")
            # the recurrent arrow from this cell to the next one in its direction
            nxt = t + 1 if d == 0 else t - 1
            if recurrent and 0 <= nxt < T:
                xn = xs[nxt] + (shift if d == 1 else 0.0)
                sign = 1 if d == 0 else -1
                context = encoder_steps > 0 and nxt == encoder_steps
                arrow((xc + sign * w / 2, yc), (xn - sign * w / 2, yc), color="C3" if context else
                      ("0.2" if d == 0 else "#7b4fa6"))
    for t, label in enumerate(y_labels):
        if label is None:
            continue
        box(xs[t], top, label, _BOX_COLORS["y"])
        for d in range(dirs):
            xc = xs[t] + (shift if d == 1 else 0.0)
            arrow((xc, row_y * (len(rows) - dirs + d + 1) + h / 2), (xs[t] + (0.22 if d == 1 else 0.0), top - h / 2),
                  color="0.2" if d == 0 else "#7b4fa6")
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5 + shift)
    ax.set_ylim(-0.4, top + 0.4)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9)
    return ax
