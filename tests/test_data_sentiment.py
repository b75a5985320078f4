"""Tests for the generated sentiment reviews: grammar, labels, determinism, splits and the order-blind ceiling."""

import numpy as np
import pytest

from lessonpkg.data.sentiment import (
    load_sentiment,
    make_reviews,
    ngram_bag,
    ngram_counts,
    order_blind_ceiling,
    review_distribution,
)


def test_distribution_sums_to_one_and_is_unique():
    dist = review_distribution()
    assert abs(sum(d[3] for d in dist) - 1.0) < 1e-12
    assert len({d[0] for d in dist}) == len(dist)


@pytest.mark.parametrize("text, label, construction", [
    ("good", 1, "single, plain"),
    ("not good", 0, "single, negated, adjacent"),
    ("never very awful", 1, "single, negated, distant"),
    ("not good but great", 1, "contrast, plain"),
    ("good but not great", 0, "contrast, negated, adjacent"),
    ("bad but good", 1, "contrast, plain"),
    ("good but really bad", 0, "contrast, plain"),
])
def test_labels_follow_the_grammar(text, label, construction):
    table = {d[0]: (d[1], d[2]) for d in review_distribution()}
    assert table[text] == (label, construction)


def test_same_bag_opposite_labels_exists():
    assert ngram_bag("not good but great") == ngram_bag("good but not great")


def test_make_reviews_deterministic_and_aligned():
    a, b = make_reviews(50, rng=3), make_reviews(50, rng=3)
    assert a.texts == b.texts and np.array_equal(a.labels, b.labels) and a.constructions == b.constructions
    assert a.labels.dtype == np.int64 and len(a) == 50 and len(a.constructions) == 50
    assert set(np.unique(a.labels)) <= {0, 1}


def test_load_sentiment_sizes_and_seed():
    s = load_sentiment(30, 20, 10, rng=1)
    assert (len(s.train), len(s.val), len(s.test)) == (30, 20, 10)
    assert load_sentiment(30, 20, 10, rng=1).test.texts == s.test.texts
    assert load_sentiment(30, 20, 10, rng=2).train.texts != s.train.texts
    assert s.class_names == ("negative", "positive")


def test_ngram_bag_and_counts():
    assert ngram_bag("not good but great", 2) == ("but", "but great", "good", "good but", "great", "not", "not good")
    counts, grams = ngram_counts(["very very good", "bad"], 1)
    assert grams == ["bad", "good", "very"]
    np.testing.assert_array_equal(counts, [[0, 1, 2], [1, 0, 0]])
    counts2, _ = ngram_counts(["good unknownword"], 1, grams)
    np.testing.assert_array_equal(counts2, [[0, 1, 0]])


def test_order_blind_ceiling():
    assert order_blind_ceiling(["a b", "b a", "c"], [0, 1, 1]) == pytest.approx(2 / 3)
    assert order_blind_ceiling(["a b", "b a", "c"], [0, 1, 1], n=2) == 1.0
    assert order_blind_ceiling(["a b", "b a"], [0, 1], weights=[0.9, 0.1]) == pytest.approx(0.9)
    dist = review_distribution()
    exact = order_blind_ceiling([d[0] for d in dist], [d[1] for d in dist], [d[3] for d in dist])
    assert 0.5 < exact < 0.9  # a bag of words provably cannot classify these reviews well


def test_bad_inputs():
    with pytest.raises(ValueError, match="n must"):
        make_reviews(0)
    with pytest.raises(TypeError, match="text must be a str"):
        ngram_bag(["good"])
    with pytest.raises(ValueError, match="labels and weights must have shape"):
        order_blind_ceiling(["a", "b"], [0])


def test_order_blind_ceiling_refuses_bad_weights():
    texts, labels = ["good", "not good"], np.array([1, 0])
    for w in ([np.nan, 1.0], [-1.0, 1.0], [0.0, 0.0], [np.inf, 1.0]):
        with pytest.raises(ValueError, match="weights must be finite and >= 0 with a positive sum"):
            order_blind_ceiling(texts, labels, np.array(w))
