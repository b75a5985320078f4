"""lp.apps.graphone: EM alignment into graphones, the graphone n-gram, and beam-search decoding."""

import numpy as np
import pytest

from lessonpkg.apps import graphone
from lessonpkg.apps.graphone import GraphoneG2P, align_em, viterbi_align
from lessonpkg.data.cmu import load_cmudict

PAIRS = [("box", ("B", "AA", "K", "S")), ("fox", ("F", "AA", "K", "S")), ("fix", ("F", "IH", "K", "S")),
         ("six", ("S", "IH", "K", "S")), ("sit", ("S", "IH", "T")), ("bit", ("B", "IH", "T")),
         ("phone", ("F", "OW", "N")), ("phase", ("F", "EY", "Z")), ("bone", ("B", "OW", "N")),
         ("tone", ("T", "OW", "N")), ("phot", ("F", "AA", "T")), ("tot", ("T", "AA", "T")),
         ("toy", ("T", "OY")), ("in", ("IH", "N")), ("tin", ("T", "IH", "N")), ("pin", ("P", "IH", "N")),
         ("pit", ("P", "IH", "T")), ("on", ("AA", "N")), ("pot", ("P", "AA", "T"))]


@pytest.fixture(scope="module")
def cmu_model():
    """A 4-gram on 3,000 CMUdict words (about 2 s): enough data for EM to find the spelling's graphones."""
    splits = load_cmudict(n_train=3000, n_val=200, n_test=200, min_letters=3, max_letters=8, rng=1)
    return GraphoneG2P(order=4).fit(splits.train), splits


def test_em_on_real_words_learns_the_familiar_graphones(cmu_model):
    model, splits = cmu_model
    assert model.dropped == [] and np.isclose(sum(model.probs.values()), 1.0, rtol=0, atol=1e-12)
    assert viterbi_align("box", ("B", "AA", "K", "S"), model.probs) == [("b", ("B",)), ("o", ("AA",)),
                                                                         ("x", ("K", "S"))]
    assert viterbi_align("phone", ("F", "OW", "N"), model.probs)[0] == ("ph", ("F",))
    assert ("e", ()) in model.units  # the silent e


def test_the_batched_viterbi_of_align_em_equals_the_one_word_viterbi(cmu_model):
    model, splits = cmu_model
    alignment = align_em(splits.train[:500])
    assert alignment.dropped == []
    for (word, phones), path in zip(splits.train[:500], alignment.paths):
        assert path == viterbi_align(word, phones, alignment.probs)
        assert "".join(u[0] for u in path) == word and sum((u[1] for u in path), ()) == phones


def test_the_model_reproduces_its_training_words_and_composes_new_ones(cmu_model):
    model, splits = cmu_model
    assert model.lm.sparse and model.lm.vocab_size == len(model.units) + 1
    assert np.mean([model.transcribe(w) == p for w, p in splits.train[:200]]) > 0.95
    assert np.mean([model.transcribe(w) == p for w, p in splits.val]) > 0.3  # unseen words
    assert {w for w in ("phone", "box", "shine") if w not in dict(splits.train)} == {"phone", "box", "shine"}
    assert [model.transcribe(w) for w in ("phone", "box", "shine")] == [("F", "OW", "N"), ("B", "AA", "K", "S"),
                                                                        ("SH", "AY", "N")]


def test_the_first_e_step_counts_every_segmentation_once():
    # "ab" -> (X,): segmentations a:X b:-, a:- b:X, ab:X, each with weight 1/3, so one EM step gives
    # expected counts a:X 1/3, b:- 1/3, a:- 1/3, b:X 1/3, ab:X 1/3 (total 5/3)
    probs = align_em([("ab", ("X",))], iterations=1).probs
    assert probs == pytest.approx({("a", ("X",)): 0.2, ("b", ()): 0.2, ("a", ()): 0.2, ("b", ("X",)): 0.2,
                                   ("ab", ("X",)): 0.2}, rel=1e-12)


def test_a_pair_the_shapes_cannot_spell_is_dropped():
    pairs = PAIRS + [("ab", ("A", "B", "C", "D", "E"))]  # five phonemes from two letters
    alignment = align_em(pairs)
    assert alignment.dropped == [len(PAIRS)] and alignment.paths[-1] is None
    assert viterbi_align("ab", ("A", "B", "C", "D", "E"), alignment.probs) is None
    model = GraphoneG2P(order=2).fit(pairs, alignment=alignment)
    assert model.dropped == [("ab", ("A", "B", "C", "D", "E"))]
    with pytest.raises(TypeError, match="alignment must be the Alignment that align_em"):
        GraphoneG2P(order=2).fit(PAIRS, alignment=alignment)  # made for other pairs


def test_decoding_finds_the_most_probable_graphone_sequence():
    # brute force over every segmentation into known graphones: the beam with room for all agrees
    model = GraphoneG2P(order=2, discount=0.8).fit(PAIRS)
    word = "tox"

    def best(i, hist):
        if i == len(word):
            return model.lm.log_probs(np.array([[hist, 0]]))[0], ()
        options = []
        for token, unit in enumerate(model.units, start=1):
            if word.startswith(unit[0], i):
                lp_ = model.lm.log_probs(np.array([[hist, token]]))[0]
                rest, phones = best(i + len(unit[0]), token)
                options.append((lp_ + rest, unit[1] + phones))
        return max(options) if options else (-np.inf, ())

    assert model.transcribe(word, beam_width=1000) == best(0, 0)[1]
    assert model.transcribe("qqq") == ()  # no graphone of PAIRS spells q


def test_nll_and_discount_tuning():
    model = GraphoneG2P(order=2).fit(PAIRS)
    nll, n = model.nll(PAIRS[:4])
    assert n == 4 and nll > 0
    scores = model.tune_discount(PAIRS[:6], [0.3, 0.6, 0.9])
    assert model.discount == model.lm.discount == min(scores, key=scores.get)
    assert model.nll(PAIRS[:6])[0] == pytest.approx(min(scores.values()), rel=1e-12)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(TypeError, match="pairs must be a sequence of"):
        align_em("box")
    with pytest.raises(ValueError, match="at least one"):
        align_em([])
    with pytest.raises(ValueError, match=r"pairs\[0\] must be a \(word, phonemes\) pair"):
        align_em([("box", "B AA K S")])
    with pytest.raises(ValueError, match="shapes must include"):
        align_em(PAIRS, shapes=[(1, 0), (1, 2)])
    with pytest.raises(ValueError, match="shapes must hold"):
        align_em(PAIRS, shapes=[(0, 1), (1, 1)])
    with pytest.raises(ValueError, match="iterations must be"):
        align_em(PAIRS, iterations=0)
    with pytest.raises(TypeError, match="probs must be a dict"):
        viterbi_align("box", ("B",), [0.5])
    with pytest.raises(ValueError, match="order must be"):
        GraphoneG2P(order=0)
    with pytest.raises(ValueError, match="discount must be"):
        GraphoneG2P(discount=1.5)
    with pytest.raises(ValueError, match="must be fitted"):
        GraphoneG2P().transcribe("box")
    with pytest.raises(TypeError, match="alignment must be the Alignment"):
        GraphoneG2P().fit(PAIRS, alignment=[])
    model = GraphoneG2P(order=2).fit(PAIRS)
    with pytest.raises(ValueError, match="word must be a non-empty str"):
        model.transcribe("")
    with pytest.raises(ValueError, match="beam_width must be"):
        model.transcribe("box", beam_width=0)
    with pytest.raises(ValueError, match="never saw"):
        model.encode([[("q", ("K",))]])
    with pytest.raises(ValueError, match="at least one pair that the model's graphones can spell"):
        model.nll([("qqq", ("K", "K", "K"))])
    assert graphone.BOUNDARY == 0
