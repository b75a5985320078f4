"""Tests of lessonpkg.data.toy_text: the generated template-grammar sentences and the word vocabulary."""

import numpy as np
import pytest

import lessonpkg as lp
from lessonpkg.data import toy_text
from lessonpkg.data.toy_text import (
    Vocabulary,
    make_sentences,
    next_word_counts,
    next_word_probabilities,
    sentence_probabilities,
)


def test_grammar_weights_are_distributions():
    for table in (toy_text.ADJECTIVES, toy_text.ANIMALS, toy_text.ACTIONS,
                  *toy_text.PLACES.values(), *toy_text.TARGETS.values()):
        assert sum(table.values()) == pytest.approx(1.0, abs=1e-12)
        assert all(p > 0 for p in table.values())


def test_sentence_probabilities_sum_to_one_and_are_well_formed():
    probs = sentence_probabilities()
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-12)
    assert len(probs) == 92
    for s in probs:
        words = s.split()
        assert words[0] == "the" and words[-1] == "." and 4 <= len(words) <= 8
    assert probs["the cat sat on the mat ."] == pytest.approx(0.6 * 0.45 * 0.5 * 0.4)
    assert probs["the old bird slept ."] == pytest.approx(0.1 * 0.2 * 0.2)


def test_same_bag_of_words_with_different_meaning_exists():
    probs = sentence_probabilities()
    a, b = "the dog chased the cat .", "the cat chased the dog ."
    assert a in probs and b in probs and sorted(a.split()) == sorted(b.split())


def test_make_sentences_is_deterministic_and_accepts_a_generator():
    a = make_sentences(50, rng=3)
    assert a == make_sentences(50, rng=3) == make_sentences(50, rng=np.random.default_rng(3))
    assert a != make_sentences(50, rng=4)
    assert all(s in sentence_probabilities() for s in a)


def test_make_sentences_follows_the_grammar_frequencies():
    sentences = make_sentences(20000, rng=0)
    share = np.mean([s.startswith("the cat sat on the") for s in sentences])
    assert share == pytest.approx(0.6 * 0.45 * 0.5, abs=0.01)
    counts = next_word_counts(sentences, "the cat sat on the")
    n = sum(counts.values())
    for word, p in next_word_probabilities("the cat sat on the").items():
        assert counts[word] / n == pytest.approx(p, abs=0.03)


def test_next_word_probabilities_exact_values():
    probs = next_word_probabilities("the cat sat on the")
    assert list(probs) == ["mat", "sofa", "chair", "bed", "roof"]
    assert probs["mat"] == pytest.approx(0.4) and probs["roof"] == pytest.approx(0.08)
    assert sum(probs.values()) == pytest.approx(1.0)
    first = next_word_probabilities("")
    assert first == {"the": pytest.approx(1.0)}
    after_the = next_word_probabilities("the")
    assert after_the["cat"] == pytest.approx(0.6 * 0.45) and after_the["small"] == pytest.approx(0.15)
    # the place depends on the animal four words back, not on the adjective
    assert next_word_probabilities("the big cat sat on the") == pytest.approx(probs)
    assert next_word_probabilities("the dog sat on the")["floor"] == pytest.approx(0.45)


def test_next_word_counts():
    sentences = ["the cat sat on the mat .", "the cat sat on the sofa .", "the cat sat on the mat .",
                 "the dog slept .", "the cat slept ."]
    assert next_word_counts(sentences, "the cat sat on the") == {"mat": 2, "sofa": 1}
    assert next_word_counts(sentences, "the cat") == {"sat": 3, "slept": 1}
    assert next_word_counts(sentences, "the cat slept .") == {}
    assert next_word_counts(sentences, "a") == {}


@pytest.mark.parametrize("prefix", ["the cat sat on the mat .", "a cat", "the fish"])
def test_next_word_probabilities_rejects_impossible_prefixes(prefix):
    with pytest.raises(ValueError, match="prefix must start at least one sentence"):
        next_word_probabilities(prefix)


def test_vocabulary_roundtrip_and_padding():
    vocab = Vocabulary.from_sentences(sentence_probabilities())
    assert len(vocab) == 24 and vocab.itos[:2] == ["<pad>", "<bos>"]
    assert vocab.pad_index == 0 and vocab.bos_index == 1
    assert vocab.itos[2:] == sorted(vocab.itos[2:])
    s = "the small cat sat on the mat ."
    ids = vocab.encode(s)
    assert ids.dtype == np.int64 and ids[0] == vocab.bos_index and len(ids) == 9
    assert vocab.decode(ids) == s
    assert len(vocab.encode(s, bos=False)) == 8
    ids, lengths = vocab.encode_batch(["the cat slept .", s])
    assert ids.shape == (2, 9) and lengths.tolist() == [5, 9]
    np.testing.assert_array_equal(ids[0, 5:], vocab.pad_index)
    assert vocab.decode(ids[0]) == "the cat slept ."
    assert "cat" in vocab and "fish" not in vocab


def test_vocabulary_keeps_the_given_order_and_drops_duplicates():
    vocab = Vocabulary(["b", "a", "b"])
    assert vocab.itos == ["<pad>", "<bos>", "b", "a"] and vocab.stoi["a"] == 3


def test_exported_from_lessonpkg_data():
    assert lp.data.make_sentences is make_sentences
    assert lp.data.Vocabulary is Vocabulary
    assert lp.data.next_word_probabilities is next_word_probabilities


@pytest.mark.parametrize("call, error, match", [
    (lambda: make_sentences(0), ValueError, "n must be >= 1"),
    (lambda: make_sentences(2.0), TypeError, "n must be an int"),
    (lambda: make_sentences(3, rng="seed"), TypeError, "rng must be"),
    (lambda: next_word_probabilities(3), TypeError, "prefix must be a str"),
    (lambda: next_word_counts(["the cat slept ."], None), TypeError, "prefix must be a str"),
    (lambda: Vocabulary("the cat"), TypeError, "words must be an iterable of words"),
    (lambda: Vocabulary(["two words"]), ValueError, "words must be non-empty strings without spaces"),
    (lambda: Vocabulary(["cat"]).encode("the fish"), ValueError,
     r"outside the vocabulary of 3 words: \['the', 'fish'\]"),
    (lambda: Vocabulary(["cat"]).decode(np.array([0, 5])), ValueError, r"ids must lie in \[0, 3\)"),
    (lambda: Vocabulary(["cat"]).decode(np.array([0.0])), TypeError, "ids must be a 1-d array of integer"),
    (lambda: Vocabulary(["cat"]).encode_batch([]), ValueError, "at least one sentence"),
])
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
