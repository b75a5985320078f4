"""Tests of lessonpkg.metrics.spans against hand-worked examples."""

import pytest

import lessonpkg as lp


def test_bio_spans_by_hand():
    assert lp.bio_spans(["B-PER", "I-PER", "O", "B-NUM", "I-NUM", "B-NUM"]) == [("PER", 0, 2), ("NUM", 3, 5),
                                                                               ("NUM", 5, 6)]
    assert lp.bio_spans(["O", "O"]) == []
    assert lp.bio_spans([]) == []
    # CoNLL convention: a stray I- starts an entity; I- of another type breaks the current one
    assert lp.bio_spans(["O", "I-PER", "I-PER"]) == [("PER", 1, 3)]
    assert lp.bio_spans(["B-PER", "I-NUM"]) == [("PER", 0, 1), ("NUM", 1, 2)]
    assert lp.bio_spans(["B-PER", "B-PER"]) == [("PER", 0, 1), ("PER", 1, 2)]


def test_span_scores_by_hand():
    true = [["B-PER", "I-PER", "O", "B-NUM"], ["O", "B-NUM", "I-NUM"], ["B-PER", "O"]]
    pred = [["B-PER", "O", "O", "B-NUM"],  # PER too short (wrong), NUM right
            ["O", "B-NUM", "I-NUM"],  # NUM right
            ["B-NUM", "O"]]  # PER missed, NUM spurious
    s = lp.span_scores(true, pred)
    # PER: 2 true, 1 predicted (0..1), 0 correct
    assert (s["PER"]["true"], s["PER"]["predicted"], s["PER"]["correct"]) == (2, 1, 0)
    assert s["PER"]["precision"] == 0 and s["PER"]["recall"] == 0 and s["PER"]["f1"] == 0
    # NUM: 2 true, 3 predicted, 2 correct -> P 2/3, R 1, F1 0.8
    assert s["NUM"]["precision"] == pytest.approx(2 / 3) and s["NUM"]["recall"] == 1
    assert s["NUM"]["f1"] == pytest.approx(0.8)
    # all: 4 true, 4 predicted, 2 correct -> P = R = F1 = 0.5
    assert (s["all"]["precision"], s["all"]["recall"], s["all"]["f1"]) == (0.5, 0.5, 0.5)
    assert lp.token_accuracy(true, pred) == pytest.approx(7 / 9)
    perfect = lp.span_scores(true, true)
    assert all(perfect[k]["f1"] == 1.0 for k in perfect)


def test_most_frequent_tag_by_hand():
    words = [["May", "Lopez", "paid"], ["May", "was", "warm"], ["may", "I", "sit"], ["Lopez", "paid"]]
    tags = [["B-PER", "I-PER", "O"], ["O", "O", "O"], ["O", "O", "O"], ["B-PER", "O"]]
    base = lp.MostFrequentTag().fit(words, tags)
    assert base.table["may"] == "O"  # 2 of 3
    assert base.table["lopez"] == "I-PER"  # tie 1:1 goes to the first seen
    assert base.predict([["Smith", "paid", "MAY"]]) == [("O", "O", "O")]  # unknown word -> O


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"tags\[1\] must be 'O', 'B-<type>' or 'I-<type>', got 'X'"):
        lp.bio_spans(["O", "X"])
    with pytest.raises(ValueError, match="same number of sentences"):
        lp.span_scores([["O"]], [])
    with pytest.raises(ValueError, match="sentence 0 has 2 true tags and 1 predicted"):
        lp.span_scores([["O", "O"]], [["O"]])
    with pytest.raises(ValueError, match="same sentences with the same number of tags"):
        lp.token_accuracy([["O", "O"]], [["O"]])
