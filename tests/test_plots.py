"""Tests of lessonpkg.notebook.plots: the decision grid evaluator and the region plot."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lessonpkg.notebook.plots import decision_grid, plot_decision_regions  # noqa: E402

X = np.array([[-1.0, 0.0], [2.0, 3.0], [0.5, -2.0]])


def test_grid_covers_points_with_margin_and_calls_predict_once():
    calls = []

    def predict(p):
        calls.append(p.shape)
        assert p.dtype == np.float64
        return (p[:, 0] > 0).astype(np.int64)

    xx, yy, zz = decision_grid(predict, X, steps=11, margin=0.5)
    assert calls == [(121, 2)]
    assert xx.shape == yy.shape == zz.shape == (11, 11)
    assert (xx.min(), xx.max(), yy.min(), yy.max()) == (-1.5, 2.5, -2.5, 3.5)
    np.testing.assert_array_equal(zz, (xx > 0).astype(np.int64))
    assert np.all(np.diff(xx, axis=1) > 0) and np.all(np.diff(yy, axis=0) > 0)


def test_grid_single_point_zero_margin():
    xx, yy, zz = decision_grid(lambda p: p.sum(axis=1), np.array([[1.0, 2.0]]), steps=2, margin=0.0)
    np.testing.assert_array_equal(zz, np.full((2, 2), 3.0))


@pytest.mark.parametrize(
    "args, exc, match",
    [
        ((None, X), TypeError, "predict must be a callable"),
        ((lambda p: p[:, 0], X[:, :1]), ValueError, r"x must have shape \(N, 2\)"),
        ((lambda p: p[:, 0], np.zeros((0, 2))), ValueError, r"x must have shape \(N, 2\) with N >= 1"),
        ((lambda p: p[:, 0], X.astype(np.int64)), TypeError, "x must have dtype"),
        ((lambda p: p, X), ValueError, "predict must return one value per point"),
        ((lambda p: p[:, 0], X, 1), ValueError, "steps must be >= 2"),
        ((lambda p: p[:, 0], X, 2.0), TypeError, "steps must be an int"),
        ((lambda p: p[:, 0], X, 10, -1.0), ValueError, "margin must be a finite number >= 0"),
        ((lambda p: p[:, 0], X, 10, "1"), TypeError, "margin must be a number"),
    ],
)
def test_grid_bad_input(args, exc, match):
    with pytest.raises(exc, match=match):
        decision_grid(*args)


def test_plot_decision_regions_draws_regions_and_points():
    y = np.array([0, 1, 2])
    fig, ax = plt.subplots()
    try:
        out = plot_decision_regions(ax, lambda p: np.clip(np.floor(p[:, 0]), 0, 2).astype(int), X, y,
                                    class_names=("a", "b", "c"), steps=20)
        assert out is ax
        labels = [h.get_label() for h in ax.get_legend_handles_labels()[0]]
        assert labels == ["a", "b", "c"]
        assert ax.get_xlim() == (-1.5, 2.5)
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    "y, kwargs, exc, match",
    [
        (np.array([0.0, 1.0, 2.0]), {}, TypeError, "y must hold integer class indices"),
        (np.array([0, 1]), {}, ValueError, r"y must have shape \(N,\) = \(3,\)"),
        (np.array([0, 1, 3]), {"class_names": ("a", "b", "c")}, ValueError, r"class indices in \[0, 3\)"),
    ],
)
def test_plot_bad_input(y, kwargs, exc, match):
    fig, ax = plt.subplots()
    try:
        with pytest.raises(exc, match=match):
            plot_decision_regions(ax, lambda p: p[:, 0], X, y, **kwargs)
    finally:
        plt.close(fig)


# -- draw_unrolled: the architecture diagrams ---------------------------------------------------------
from lessonpkg.notebook.plots import draw_unrolled  # noqa: E402


def _count(ax):
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    boxes = sum(isinstance(p, FancyBboxPatch) for p in ax.patches)
    arrows = sum(isinstance(p, FancyArrowPatch) for p in ax.patches)
    return boxes, arrows


@pytest.mark.parametrize(
    "x_labels, y_labels, kwargs, boxes, arrows",
    [
        (["x"], ["y"], {"recurrent": False}, 3, 2),  # one-to-one: x -> f -> y
        (["z", None, None], ["a", "b", "c"], {}, 7, 1 + 2 + 3),  # one-to-many
        (["a", "b", "c", "d"], [None, None, None, "y"], {}, 9, 4 + 3 + 1),  # many-to-one
        (["a", "b"], ["c", "d"], {"layers": 2}, 8, 2 + 2 + 2 * 1 + 2),  # deep
        (["a", "b", "c"], ["d", "e", "f"], {"bidirectional": True}, 12, 6 + 2 * 2 + 6),  # bidirectional
        (["a", "b", "<s>", "y"], [None, None, "y", "z"], {"encoder_steps": 2}, 10, 4 + 3 + 2),  # encoder-decoder
    ],
)
def test_draw_unrolled_draws_one_box_per_value_and_one_arrow_per_edge(x_labels, y_labels, kwargs, boxes, arrows):
    fig, ax = plt.subplots()
    try:
        assert draw_unrolled(ax, x_labels, y_labels, title="t", **kwargs) is ax
        assert _count(ax) == (boxes, arrows)
        assert ax.get_title() == "t" and not ax.axison
    finally:
        plt.close(fig)


def test_draw_unrolled_colours_the_context_arrow():
    fig, ax = plt.subplots()
    try:
        draw_unrolled(ax, ["a", "<s>"], [None, "y"], encoder_steps=1)
        red = [p for p in ax.patches if type(p).__name__ == "FancyArrowPatch" and p.get_edgecolor()[0] > 0.7]
        assert len(red) == 1  # the encoder's last state entering the decoder
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    "args, kwargs, exc, match",
    [
        (([], []), {}, ValueError, "x_labels and y_labels must be non-empty lists of the same length"),
        ((["a"], ["b", "c"]), {}, ValueError, "same length, got 1 and 2"),
        ((["a"], ["b"]), {"layers": 0}, ValueError, "layers must be >= 1"),
        ((["a", "b"], ["c", "d"]), {"encoder_steps": 2}, ValueError, "encoder_steps must leave at least one"),
        ((["a", "b"], ["c", "d"]), {"encoder_steps": 1, "bidirectional": True}, ValueError, "encoder-decoder"),
    ],
)
def test_draw_unrolled_bad_input(args, kwargs, exc, match):
    fig, ax = plt.subplots()
    try:
        with pytest.raises(exc, match=match):
            draw_unrolled(ax, *args, **kwargs)
    finally:
        plt.close(fig)
