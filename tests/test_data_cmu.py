"""lessonpkg.data.cmu: CMUdict (word, phonemes) pairs, split by word, and their padded encoding."""

import numpy as np
import pytest

from lessonpkg.data import cmu


def test_splits_are_disjoint_seeded_filtered_and_stress_free():
    s = cmu.load_cmudict(n_train=5000, n_val=300, n_test=200, min_letters=3, max_letters=8)
    assert (len(s.train), len(s.val), len(s.test)) == (5000, 300, 200)
    words = [set(w for w, _ in getattr(s, k)) for k in ("train", "val", "test")]
    assert sum(map(len, words)) == 5500 and not (words[0] & words[1] or words[0] & words[2] or words[1] & words[2])
    for word, phones in s.train + s.val + s.test:
        assert 3 <= len(word) <= 8 and word.isalpha() and word.islower() and word.isascii()
        assert phones and all(p in s.phonemes.stoi and not p[-1].isdigit() for p in phones)
    assert cmu.load_cmudict(n_train=5000, n_val=300, n_test=200, min_letters=3, max_letters=8) == s
    assert cmu.load_cmudict(n_train=5000, n_val=300, n_test=200, min_letters=3, max_letters=8, rng=1) != s
    # the test split does not depend on n_train
    assert cmu.load_cmudict(n_train=10, n_val=300, n_test=200, min_letters=3, max_letters=8).test == s.test


def test_first_pronunciation_known_words_and_vocabularies():
    pairs = dict(cmu.read_cmudict())
    assert pairs["phone"] == ("F", "OW", "N")
    assert pairs["read"] == ("R", "EH", "D")  # the first of read's two entries (R EH1 D, R IY1 D)
    assert dict(cmu.read_cmudict(stress=True))["phone"] == ("F", "OW1", "N")
    assert "'bout" not in pairs and len(pairs) > 100_000
    assert len(cmu.phoneme_vocab()) == 3 + 39 and len(cmu.phoneme_vocab(True)) == 3 + 84
    assert len(cmu.letter_vocab()) == 3 + 26
    for v in (cmu.letter_vocab(), cmu.phoneme_vocab()):
        assert v.itos[:3] == ("<pad>", "<bos>", "<eos>") and (v.pad, v.bos, v.eos) == (0, 1, 2)
    s = cmu.load_cmudict(n_train=10, n_val=5, n_test=5, stress=True)
    assert s.stress and any(p[-1].isdigit() for _, ph in s.train for p in ph)


def test_encode_pairs_layout_and_round_trip():
    letters, phonemes = cmu.letter_vocab(), cmu.phoneme_vocab()
    pairs = [("cat", ("K", "AE", "T")), ("phone", ("F", "OW", "N"))]
    e = cmu.encode_pairs(pairs, letters, phonemes)
    assert e.src.shape == (2, 5) and e.tgt_in.shape == e.tgt_out.shape == (2, 4)
    assert e.src.dtype == e.tgt_in.dtype == np.int64
    np.testing.assert_array_equal(e.src_lengths, [3, 5])
    np.testing.assert_array_equal(e.tgt_lengths, [4, 4])
    assert e.src[0, 3:].tolist() == [0, 0] and letters.decode(e.src[1]) == tuple("phone")
    assert e.tgt_in[:, 0].tolist() == [1, 1] and e.tgt_out[:, 3].tolist() == [2, 2]
    np.testing.assert_array_equal(e.tgt_in[:, 1:], e.tgt_out[:, :-1])
    assert phonemes.decode(e.tgt_out[0]) == ("K", "AE", "T")
    assert phonemes.decode(e.tgt_in[0]) == ("K", "AE", "T")
    assert phonemes.decode(np.array([1, 5, 2, 7]), strip=False) == ("<bos>", phonemes.itos[5], "<eos>",
                                                                    phonemes.itos[7])
    assert cmu.strip_stress(("AH0", "B", "ER1")) == ("AH", "B", "ER")


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="max_letters must be >= min_letters"):
        cmu.load_cmudict(min_letters=5, max_letters=3)
    with pytest.raises(ValueError, match="n_val must be >= 1"):
        cmu.load_cmudict(n_val=0)
    with pytest.raises(TypeError, match="stress must be a bool"):
        cmu.load_cmudict(stress=1)
    with pytest.raises(ValueError, match="leave at least one training word"):
        cmu.load_cmudict(n_val=10**6)
    with pytest.raises(ValueError, match="name must be"):
        cmu.load_cmudict(n_train=5, n_val=5, n_test=5).split("dev")
    with pytest.raises(ValueError, match="unknown"):
        cmu.letter_vocab().encode("Cat")
    with pytest.raises(ValueError, match="indices must lie"):
        cmu.letter_vocab().decode(np.array([29]))
    with pytest.raises(ValueError, match=r"pairs\[0\] must be a \(word, phonemes\) pair"):
        cmu.encode_pairs([("cat", ())], cmu.letter_vocab(), cmu.phoneme_vocab())
    with pytest.raises(ValueError, match="at least one"):
        cmu.encode_pairs([], cmu.letter_vocab(), cmu.phoneme_vocab())


def test_bad_vocabularies_and_phonemes():
    with pytest.raises(TypeError, match="letters must be a TokenVocab"):
        cmu.encode_pairs([("at", ("AE", "T"))], None, cmu.letter_vocab())
    with pytest.raises(TypeError, match="phonemes must be a TokenVocab"):
        cmu.encode_pairs([("at", ("AE", "T"))], cmu.letter_vocab(), "AE T")
    with pytest.raises(TypeError, match=r"phonemes\[1\] must be a str"):
        cmu.strip_stress(("AH0", 3))
