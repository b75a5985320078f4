"""Tests of lessonpkg.data.codetext: generated code-like text tagged with bracket depth or "inside a string"."""

import numpy as np
import pytest

import lessonpkg as lp
from lessonpkg.data.codetext import ALPHABET, CLOSERS, OPENERS, code_tags, encode_text, make_code_text


def test_tags_of_a_real_line_by_hand():
    line = 'print("".join([d.get(c, c) for c in s]))'
    expected = [0] * 5 + [1, 5] + [1] * 6 + [2] + [3] * 6 + [4] * 5 + [3] * 12 + [2, 1, 0]
    np.testing.assert_array_equal(code_tags(line), expected)


def test_brackets_inside_strings_do_not_count_and_kinds_do_not_matter():
    np.testing.assert_array_equal(code_tags('a"(["b', max_depth=2), [0, 3, 3, 3, 0, 0])
    np.testing.assert_array_equal(code_tags("([{}])", max_depth=3), [1, 2, 3, 2, 1, 0])
    np.testing.assert_array_equal(code_tags("(]"), [1, 0])  # only the count of open brackets matters


@pytest.mark.parametrize("n, length, max_depth", [(1, 1, 1), (3, 40, 2), (16, 64, 4)])
def test_generated_shapes_and_consistency(n, length, max_depth):
    d = make_code_text(n, length, rng=0, max_depth=max_depth)
    assert len(d.texts) == n and all(len(s) == length for s in d.texts)
    assert d.x.shape == (length, n, len(ALPHABET)) and d.x.dtype == np.float64
    assert d.y.shape == (length, n) and d.y.dtype == np.int64
    np.testing.assert_array_equal(d.x.sum(axis=-1), 1.0)
    for k, s in enumerate(d.texts):
        np.testing.assert_array_equal(d.y[:, k], code_tags(s, max_depth))
        np.testing.assert_array_equal(d.x[:, k].argmax(-1), [ALPHABET.index(ch) for ch in s])
    assert d.y.min() >= 0 and d.y.max() <= max_depth + 1
    assert d.class_names == tuple(f"depth {k}" for k in range(max_depth + 1)) + ("string",)


def test_generated_brackets_match_and_every_class_occurs():
    d = make_code_text(200, 64, rng=1)
    for s in d.texts:
        stack, in_string = [], False
        for ch in s:
            if ch == '"':
                in_string = not in_string
            elif not in_string and ch in OPENERS:
                stack.append(OPENERS.index(ch))
            elif not in_string and ch in CLOSERS:
                assert stack.pop() == CLOSERS.index(ch)  # the innermost open bracket is closed
    counts = np.bincount(d.y.ravel(), minlength=6)
    assert np.all(counts > 0.03 * d.y.size)
    inside = "".join(ch for s, tags in zip(d.texts, d.y.T) for ch, t in zip(s, tags) if t == 5)
    assert sum(inside.count(b) for b in OPENERS + CLOSERS) > 0.2 * len(inside)  # brackets inside strings


def test_deterministic_and_seed_dependent():
    a, b = make_code_text(5, 30, rng=3), make_code_text(5, 30, rng=np.random.default_rng(3))
    assert a.texts == b.texts
    np.testing.assert_array_equal(a.y, b.y)
    assert make_code_text(5, 30, rng=4).texts != a.texts


def test_encode_text_single_and_batch():
    x = encode_text("ab(")
    assert x.shape == (3, 1, len(ALPHABET))
    np.testing.assert_array_equal(x[:, 0].argmax(-1), [0, 1, ALPHABET.index("(")])
    assert encode_text(["ab", "ba"]).shape == (2, 2, len(ALPHABET))


def test_exported():
    assert lp.data.make_code_text is make_code_text and lp.data.code_tags is code_tags


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="must use only characters of ALPHABET.*'A'"):
        code_tags("Abc")
    with pytest.raises(ValueError, match="never opened at position 1"):
        code_tags("a)")
    with pytest.raises(ValueError, match="deeper than max_depth=1 at position 1"):
        code_tags("((", max_depth=1)
    with pytest.raises(ValueError, match="empty string"):
        code_tags("")
    with pytest.raises(TypeError, match="text must be a str"):
        code_tags(3)
    with pytest.raises(ValueError, match="same length"):
        encode_text(["ab", "abc"])
    with pytest.raises(TypeError, match="texts must be a str or a non-empty sequence"):
        encode_text([])
    with pytest.raises(ValueError, match="n must be >= 1"):
        make_code_text(0, 5)
    with pytest.raises(TypeError, match="rng must be"):
        make_code_text(2, 5, rng="seed")
