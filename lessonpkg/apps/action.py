"""Action recognition from motion streams: the summary-statistics baseline, and a classifier's belief over time.

- ``summary_features``: per channel the mean, standard deviation, minimum, maximum and least-squares
  slope of a series, the features of the logistic-regression baseline; they forget the order of the steps
  except through the slope.
- ``prefix_probabilities``: the class probabilities a many-to-one classifier (``SequenceClassifier``)
  gives after reading only the first t steps, for every t: how its confidence grows as it reads.

The recurrent classifiers themselves are ``lp.models.SequenceClassifier`` trained by ``lp.fit``, and the
nearest-neighbour baselines use ``lp.metrics.dtw_distances``.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_array
from lessonpkg.models.heads import SequenceClassifier
from lessonpkg.nn.functional import softmax

FEATURES = ("mean", "std", "min", "max", "slope")


def summary_features(x: np.ndarray) -> np.ndarray:
    """Five statistics of every channel of every series: (N, T, C) -> (N, 5 C).

    Column ``k * C + c`` holds statistic ``FEATURES[k]`` of channel c: the mean, the standard deviation
    (``ddof=0``), the minimum and maximum over the T steps, and the slope of the least-squares line through
    the points ``(t, x[n, t, c])``, ``t = 0, ..., T - 1``::

        slope = sum_t (t - mean(t)) (x_t - mean(x)) / sum_t (t - mean(t)) ** 2

    Parameters
    ----------
    x : ndarray (N, T, C), T >= 2
        Equal-length series, float.

    Returns
    -------
    ndarray (N, 5 C), float64
    """
    x = check_array(x, "x", shape=("N", "T", "C"))
    if x.shape[1] < 2:
        raise ValueError(f"x must have at least T = 2 steps for a slope, got shape {x.shape}")
    t = np.arange(x.shape[1], dtype=np.float64)
    t -= t.mean()  # (T,) centred time
    slope = np.einsum("t,ntc->nc", t, x - x.mean(axis=1, keepdims=True)) / (t @ t)  # (N, C)
    stats = (x.mean(axis=1), x.std(axis=1), x.min(axis=1), x.max(axis=1), slope)  # each (N, C)
    return np.concatenate(stats, axis=1).astype(np.float64)


def prefix_probabilities(model: SequenceClassifier, x: np.ndarray) -> np.ndarray:
    """The softmax of the classifier's logits after each prefix ``x[:, :t]``, t = 1, ..., T: (N, T, C).

    ``probs[:, t - 1]`` equals ``softmax(model.forward(x[:, :t])[0])``. A one-directional layer's state after
    step t is the final state of the prefix of length t, so one pass over x gives every prefix: the head reads
    every state ``out[:, t]`` of the last layer. A bidirectional layer's reverse direction depends on where
    the sequence ends, so it is run once on every prefix.

    Parameters
    ----------
    model : SequenceClassifier
    x : ndarray (N, T, D)

    Returns
    -------
    ndarray (N, T, C)
        Rows sum to 1 over the last axis.
    """
    if not isinstance(model, SequenceClassifier):
        raise TypeError(f"model must be a lessonpkg SequenceClassifier, got {type(model).__name__}")
    x = model._check_x(x)
    if model.rnn.num_directions == 2:
        logits = np.stack([model.forward(x[:, :t])[0] for t in range(1, x.shape[1] + 1)], axis=1)  # (N, T, C)
    else:
        out, _, _ = model.rnn.forward(x)  # (N, T, H): the last layer's state after every step
        logits, _ = model.head.forward(out)  # (N, T, C)
    return softmax(logits, axis=-1)
