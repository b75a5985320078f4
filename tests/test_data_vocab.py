"""lessonpkg.data.vocab: the one Vocab, its index layouts, encode/decode round trips and its errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lessonpkg as lp
from lessonpkg.data.vocab import Vocab

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def test_specials_take_the_places_the_caller_gives():
    g2p = Vocab(["<pad>", "<bos>", "<eos>", *LETTERS], pad="<pad>", bos="<bos>", eos="<eos>")
    assert len(g2p) == 29 and g2p.itos[:4] == ("<pad>", "<bos>", "<eos>", "a")
    assert (g2p.pad, g2p.bos, g2p.eos, g2p.unk) == (0, 1, 2, None)
    names = Vocab("." + LETTERS, bos=".", eos=".")  # one separator for both roles
    assert (names.pad, names.bos, names.eos, names.unk) == (None, 0, 0, None) and names.index("z") == 26
    captions = Vocab([*". " + LETTERS, "<bos>"], eos=".", bos="<bos>")  # EOS first, BOS last
    assert (captions.eos, captions.bos, captions.index(" ")) == (0, 28, 1)
    plain = Vocab("()")
    assert plain.itos == ("(", ")") and plain.pad is plain.bos is plain.eos is plain.unk is None


def test_encode_adds_bos_and_eos_on_request():
    v = Vocab(["<pad>", "<bos>", "<eos>", *LETTERS], pad="<pad>", bos="<bos>", eos="<eos>")
    ids = v.encode("cab")  # a str is read as its characters
    assert ids.dtype == np.int64 and ids.tolist() == [5, 3, 4]
    assert v.encode(["c", "a", "b"]).tolist() == [5, 3, 4]
    assert v.encode("cab", bos=True).tolist() == [1, 5, 3, 4] and v.encode("cab", eos=True).tolist() == [5, 3, 4, 2]
    assert v.encode("", bos=True, eos=True).tolist() == [1, 2]
    assert v.encode([]).dtype == np.int64 and v.encode([]).shape == (0,)


def test_decode_strips_pad_and_bos_and_stops_at_eos():
    v = Vocab(["<pad>", "<bos>", "<eos>", *LETTERS], pad="<pad>", bos="<bos>", eos="<eos>")
    ids = np.array([1, 5, 3, 4, 2, 6, 0, 0])
    assert v.decode(ids) == ("c", "a", "b")
    assert v.decode(ids, strip=False) == ("<bos>", "c", "a", "b", "<eos>", "d", "<pad>", "<pad>")
    assert v.decode([3, 4]) == ("a", "b") and v.decode(np.array([], dtype=np.int64)) == () and v.decode([]) == ()
    assert v.decode(np.array([3, 4], dtype=np.uint8)) == ("a", "b")


def test_unk_stands_for_unknown_tokens():
    v = Vocab.build([["the", "cat"], ["the", "dog"]], min_freq=2, pad="<pad>", unk="<unk>")
    assert v.itos == ("<pad>", "<unk>", "the") and (v.pad, v.unk) == (0, 1)
    assert v.encode(["the", "cat", "fish"]).tolist() == [2, 1, 1] and v.index("fish") == 1
    assert v.decode(v.encode(["the", "fish"])) == ("the", "<unk>")


def test_build_sorts_the_corpus_and_puts_the_specials_first():
    v = Vocab.build(["b a", "c a"], bos="<s>", pad="<p>")  # a str sequence is read as its characters
    assert v.itos == ("<p>", "<s>", " ", "a", "b", "c") and (v.pad, v.bos) == (0, 1)
    sentences = [s.split() for s in ("the dog sat", "a cat sat", "the cat")]
    assert Vocab.build(sentences).itos == ("a", "cat", "dog", "sat", "the")
    assert Vocab.build(sentences) == Vocab.build(sentences[::-1])  # the order of the corpus does not matter
    assert Vocab.build(sentences, min_freq=2).itos == ("cat", "sat", "the")
    assert Vocab.build([["<pad>", "x"]], pad="<pad>").itos == ("<pad>", "x")  # a special in the corpus once


def test_lookups_len_contains_equality_and_repr():
    v = Vocab(["<pad>", *"xyz"], pad="<pad>")
    assert v.index("y") == 2 and v.token(2) == "y" and v.token(np.int64(3)) == "z"
    assert v.stoi == {"<pad>": 0, "x": 1, "y": 2, "z": 3} and v.itos == ("<pad>", "x", "y", "z")
    assert "x" in v and "w" not in v and 3 not in v and len(v) == 4
    assert v == Vocab(["<pad>", *"xyz"], pad="<pad>") and hash(v) == hash(Vocab(["<pad>", *"xyz"], pad="<pad>"))
    assert v != Vocab(["<pad>", *"xyz"]) and v != Vocab(["<pad>", *"xzy"], pad="<pad>") and v != "xyz"
    assert repr(v) == "Vocab(4 tokens: <pad> x y z; pad=0)"
    assert repr(Vocab(LETTERS)) == "Vocab(26 tokens: a b c d e f g h i j k l ...)"
    assert len(Vocab([])) == 0 and Vocab([]).decode([]) == ()


def test_is_read_only():
    v = Vocab("ab", pad="a")
    with pytest.raises(AttributeError):
        v.pad = 1
    with pytest.raises(AttributeError):
        v.itos = ("b", "a")
    with pytest.raises(TypeError):
        v.stoi["c"] = 2


@given(st.lists(st.sampled_from(LETTERS), max_size=12))
def test_round_trip(tokens):
    v = Vocab(["<pad>", "<bos>", "<eos>", *LETTERS], pad="<pad>", bos="<bos>", eos="<eos>")
    assert v.decode(v.encode(tokens, bos=True, eos=True)) == tuple(tokens)
    assert v.decode(v.encode(tokens), strip=False) == tuple(tokens)
    assert [v.token(i) for i in v.encode(tokens)] == tokens
    assert [v.index(t) for t in tokens] == v.encode(tokens).tolist()


def test_exported_from_lessonpkg_data():
    assert lp.data.Vocab is Vocab
    for vocab in (lp.data.cmu.letter_vocab(), lp.data.cmu.phoneme_vocab(), lp.data.names.VOCAB, lp.data.captions.VOCAB,
                  lp.data.codetext.VOCAB, lp.data.speech.PHONEME_VOCAB, lp.data.entities.TAG_VOCAB,
                  lp.data.seqtasks.BRACKET_VOCAB, lp.data.Vocabulary(["cat"]).vocab):
        assert isinstance(vocab, Vocab)  # every dataset's vocabulary is the one class


@pytest.mark.parametrize("call, error, match", [
    (lambda: Vocab(3), TypeError, "tokens must be a str or an iterable of str tokens, got int"),
    (lambda: Vocab(["a", 1]), TypeError, r"tokens\[1\] must be a str, got int"),
    (lambda: Vocab(["a", ""]), ValueError, r"tokens\[1\] must be a non-empty str"),
    (lambda: Vocab(["a", "b", "a"]), ValueError, r"tokens must be distinct, got \['a'\] more than once"),
    (lambda: Vocab("ab", pad="<pad>"), ValueError, "pad must be one of the tokens, got '<pad>'"),
    (lambda: Vocab("ab", unk=0), TypeError, "unk must be a str .one of the tokens. or None, got int"),
    (lambda: Vocab.build("ab"), TypeError, "sequences must be an iterable of token sequences, got a single str"),
    (lambda: Vocab.build([["a"], [1]]), TypeError, r"sequences\[1\]\[0\] must be a str, got int"),
    (lambda: Vocab.build([["a"]], min_freq=0), ValueError, "min_freq must be >= 1"),
    (lambda: Vocab("abc").encode("abz"), ValueError,
     r"tokens must be in the vocabulary of 3 tokens, got unknown \['z'\] \(a str is read as its characters"),
    (lambda: Vocab(["cat", "sat"]).encode(["the", "cat", "zzz"]), ValueError,
     r"got unknown \['the', 'zzz'\]$"),
    (lambda: Vocab("abc").encode(None), TypeError, "tokens must be a str or an iterable of str tokens, got NoneType"),
    (lambda: Vocab("abc").encode(["a", 2]), TypeError, r"tokens\[1\] must be a str, got int"),
    (lambda: Vocab("abc").encode("ab", bos=True), ValueError, "bos=True needs a vocabulary with a bos token"),
    (lambda: Vocab("abc", eos="c").encode("ab", eos=1), TypeError, "eos must be a bool, got int"),
    (lambda: Vocab("abc").decode(np.array([0, 3])), ValueError, r"ids must lie in \[0, 3\).*got values from 0 to 3"),
    (lambda: Vocab("abc").decode(np.array([-1])), ValueError, r"ids must lie in \[0, 3\)"),
    (lambda: Vocab("abc").decode(np.array([0.0])), TypeError, "ids must be a 1-d array of integer token indices"),
    (lambda: Vocab("abc").decode(np.array([[0, 1]])), TypeError, r"got dtype int64 and shape \(1, 2\)"),
    (lambda: Vocab("abc").decode(np.array([True])), TypeError, "ids must be a 1-d array of integer"),
    (lambda: Vocab("abc").decode([0], strip=None), TypeError, "strip must be a bool, got NoneType"),
    (lambda: Vocab("abc").index("z"), ValueError, "token must be in the vocabulary of 3 tokens, got unknown 'z'"),
    (lambda: Vocab("abc").index(0), TypeError, "token must be a str, got int"),
    (lambda: Vocab("abc").token(3), ValueError, r"index must lie in \[0, 3\), got 3"),
    (lambda: Vocab("abc").token("a"), TypeError, "index must be an int, got str"),
    (lambda: Vocab("abc").token(True), TypeError, "index must be an int, got bool"),
])
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_refuses_torch_tensors():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="ids must be a numpy array, got a torch tensor"):
        Vocab("abc").decode(torch.tensor([0, 1]))
