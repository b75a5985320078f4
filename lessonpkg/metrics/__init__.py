"""``lessonpkg.metrics``: scores of predicted sequences (edit distance, error rates, exact match, tag spans),
the DTW distance of the nearest-neighbour baseline, and the exact McNemar test for paired comparisons."""

from lessonpkg.metrics.dtw import dtw_distances
from lessonpkg.metrics.paired import mcnemar_exact
from lessonpkg.metrics.sequence import edit_distance, edit_distances_to, error_rate, exact_match, nearest
from lessonpkg.metrics.spans import MostFrequentTag, bio_spans, span_scores, token_accuracy

__all__ = ["edit_distance", "edit_distances_to", "error_rate", "exact_match", "nearest",
           "bio_spans", "span_scores", "token_accuracy", "MostFrequentTag",
           "dtw_distances", "mcnemar_exact"]
