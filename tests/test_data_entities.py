"""Tests of lessonpkg.data.entities: the generated tagged sentences and their encoding."""

import numpy as np
import pytest

import lessonpkg as lp
from lessonpkg.data import entities as en


@pytest.fixture(scope="module")
def splits():
    return en.load_entities(n_train=400, n_val=100, n_test=200, rng=0)


def test_deterministic_and_well_formed(splits):
    again = en.load_entities(n_train=400, n_val=100, n_test=200, rng=0)
    assert again.test.tokens == splits.test.tokens and again.train.tags == splits.train.tags
    for part in (splits.train, splits.val, splits.test):
        for toks, tags, kind in zip(part.tokens, part.tags, part.constructions):
            assert len(toks) == len(tags) and kind in en.CONSTRUCTIONS
            assert set(tags) <= set(en.TAGS)
            lp.bio_spans(tags)  # valid BIO


def test_names_do_not_cross_splits(splits):
    def names(part):
        return {t for toks, tags in zip(part.tokens, part.tags) for t, g in zip(toks, tags)
                if g.endswith("PER") and t not in en.AMBIGUOUS}
    train, test = names(splits.train), names(splits.test)
    assert train and test and not train & test


def test_ambiguous_words_are_told_apart_only_by_the_next_word(splits):
    after = {"name": set(), "other": set()}
    for toks, tags, kind in zip(splits.train.tokens, splits.train.tags, splits.train.constructions):
        if kind.startswith("ambiguous"):
            assert toks[0] in en.AMBIGUOUS
            after["name" if tags[0] == "B-PER" else "other"].add(toks[1])
    assert after["name"] and after["other"] and not after["name"] & after["other"]


def test_hand_written_example():
    toks, tags = en.make_sentence("number in two words", ["Ann"], ["Lee"], rng=0)
    assert tags[toks.index(next(t for t in toks if t in en.TENS_WORDS))] == "B-NUM"
    assert lp.bio_spans(tags)[0][0] == "NUM" and lp.bio_spans(tags)[0][2] - lp.bio_spans(tags)[0][1] == 2
    with pytest.raises(ValueError, match="construction must be one of"):
        en.make_sentence("poem", ["Ann"], ["Lee"])


def test_token_encoder(splits):
    enc = en.TokenEncoder(splits.train.tokens)
    x, y, lengths = enc.encode(splits.test)
    assert x.shape == (200, lengths.max(), enc.input_size) and y.shape == x.shape[:2]
    n = int(np.argmax(lengths < lengths.max()))
    assert np.all(y[n, lengths[n]:] == en.IGNORE) and not x[n, lengths[n]:].any()
    assert np.all(x[:, :, :len(enc)].sum(axis=2)[y != en.IGNORE] == 1)  # one word per real token
    assert enc.ids(["zzzz"])[0] == 1  # unknown
    with pytest.raises(TypeError, match="data must be a non-empty TaggedSentences"):
        enc.encode([("a",)])


def test_insert_clause_moves_the_cue_of_every_second_ambiguous_sentence(splits):
    data = splits.val
    far = en.insert_clause(data)
    ambiguous = [i for i, c in enumerate(data.constructions) if c in en.CONSTRUCTIONS[2:4] + en.CONSTRUCTIONS[6:8]]
    moved = set(ambiguous[1::2])
    assert len(far) == len(data)
    for i in range(len(data)):
        if i in moved:
            assert far.tokens[i] == data.tokens[i][:1] + en.FAR_CLAUSE + data.tokens[i][1:]
            assert far.tags[i] == data.tags[i][:1] + ("O",) * len(en.FAR_CLAUSE) + data.tags[i][1:]
            assert far.constructions[i] == data.constructions[i] + ", cue after a clause"
        else:
            assert (far.tokens[i], far.tags[i], far.constructions[i]) == (data.tokens[i], data.tags[i],
                                                                          data.constructions[i])
    assert moved and len(en.insert_clause(data, every=1).tags[ambiguous[0]]) == len(data.tags[ambiguous[0]]) + 7


def test_insert_clause_rejects_bad_arguments(splits):
    with pytest.raises(TypeError, match="data must be a TaggedSentences"):
        en.insert_clause([("May",)])
    with pytest.raises(ValueError, match="clause must be a non-empty tuple"):
        en.insert_clause(splits.val, clause=())
    with pytest.raises(ValueError, match="every"):
        en.insert_clause(splits.val, every=0)
