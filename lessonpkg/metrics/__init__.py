"""``lessonpkg.metrics``: scores of predicted sequences: edit distance and error rates, exact match, and tag spans."""

from lessonpkg.metrics.sequence import edit_distance, edit_distances_to, error_rate, exact_match, nearest
from lessonpkg.metrics.spans import MostFrequentTag, bio_spans, span_scores, token_accuracy

__all__ = ["edit_distance", "edit_distances_to", "error_rate", "exact_match", "nearest",
           "bio_spans", "span_scores", "token_accuracy", "MostFrequentTag"]
