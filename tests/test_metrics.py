"""lessonpkg.metrics: edit distance against known values and a brute-force check, error rate, exact match."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessonpkg.metrics import edit_distance, edit_distances_to, error_rate, exact_match, nearest


@pytest.mark.parametrize("a, b, d", [("kitten", "sitting", 3), ("flaw", "lawn", 2), ("", "", 0), ("abc", "", 3),
                                     ("", "ab", 2), ("intention", "execution", 5), ("abc", "abc", 0),
                                     (("K", "AE", "T"), ("K", "AA", "T", "S"), 2), ("ab", "ba", 2)])
def test_known_values(a, b, d):
    assert edit_distance(a, b) == d == edit_distance(b, a)
    assert edit_distance(np.array(list(a), dtype=object), list(b)) == d


def _brute(a: str, b: str) -> int:
    """The distance by trying every alignment: recursion over the three last operations."""
    if not a or not b:
        return len(a) + len(b)
    return min(_brute(a[:-1], b) + 1, _brute(a, b[:-1]) + 1, _brute(a[:-1], b[:-1]) + (a[-1] != b[-1]))


@given(st.text("abc", max_size=5), st.text("abc", max_size=5))
def test_matches_the_recursive_definition_and_is_a_metric(a, b):
    d = edit_distance(a, b)
    assert d == _brute(a, b) and (d == 0) == (a == b) and abs(len(a) - len(b)) <= d <= max(len(a), len(b))


def test_vectorised_distances_equal_the_scalar_ones():
    words = ["".join(p) for n in range(0, 4) for p in itertools.product("abz", repeat=n)]
    for query in ["", "a", "ba", "zzab", "abcab"]:
        np.testing.assert_array_equal(edit_distances_to(query, words), [edit_distance(query, w) for w in words])
    assert edit_distances_to("kitten", ["sitting", "kitten", "mitten"]).tolist() == [3, 0, 1]
    assert nearest(["kitten", "sittin", "zz"], ["sitting", "kitten", "mitten", "z"]).tolist() == [1, 0, 3]
    assert nearest(["ab"], ["a", "b"]).tolist() == [0]  # ties go to the first


def _dp(a: str, b: str) -> int:
    """The textbook dynamic programme, one row of D at a time, with Python ints (which never overflow)."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        cur = [i]
        for j, y in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


@pytest.mark.parametrize("n", [32_766, 40_000])
def test_vectorised_distances_past_32767_characters(n):
    """Distances beyond int16's range: long candidates with a short query, and a long query with short candidates."""
    long = ("ab" * n)[:n]
    candidates = [long, "b" * n, "", "ab", long[:-1] + "z"]
    for query in ["", "bab"]:
        expected = [_dp(query, c) for c in candidates]
        np.testing.assert_array_equal(edit_distances_to(query, candidates), expected)
        assert edit_distance(query, long) == expected[0]
    short = ["", "b", "ab", "aab"]
    expected = [_dp(long, c) for c in short]
    np.testing.assert_array_equal(edit_distances_to(long, short), expected)
    assert nearest([long, "b"], short).tolist() == [int(np.argmin(expected)), 1]


def test_vectorised_distances_with_nul_characters():
    """NUL is a character like any other: in queries, and at the start, middle or end of candidates."""
    candidates = ["ab\0", "a\0b", "\0ab", "\0", "\0\0", "ab", "", "a\0\0"]
    for query in ["ab", "ab\0", "\0", "\0\0", "", "a\0b", "\0\0\0"]:
        expected = [_dp(query, c) for c in candidates]
        np.testing.assert_array_equal(edit_distances_to(query, candidates), expected, err_msg=repr(query))
        assert [edit_distance(query, c) for c in candidates] == expected
    assert nearest(["ab\0", "\0", "a\0\0"], candidates).tolist() == [0, 3, 7]


def test_error_rate_and_exact_match():
    refs = [("K", "AE", "T"), ("D", "AO", "G")]
    hyps = [("K", "AE", "T"), ("D", "AA")]
    assert error_rate(hyps, refs) == pytest.approx(2 / 6)
    assert exact_match(hyps, refs) == 0.5
    assert error_rate([("A", "B", "C", "D")], [("X",)]) == 4.0  # can exceed 1


def test_bad_inputs():
    with pytest.raises(ValueError, match="same length"):
        error_rate([()], [])
    with pytest.raises(ValueError, match="at least one token"):
        error_rate([()], [()])
    with pytest.raises(ValueError, match="same, non-zero length"):
        exact_match([], [])
    with pytest.raises(TypeError, match="a must be a str, list, tuple or 1-d array"):
        edit_distance(3, "a")
    with pytest.raises(ValueError, match="b must be a 1-d sequence"):
        edit_distance("a", np.zeros((2, 2)))
    with pytest.raises(ValueError, match="candidates must be a non-empty"):
        edit_distances_to("a", [])
    with pytest.raises(TypeError, match="query must be a str"):
        edit_distances_to(["a"], ["a"])
    with pytest.raises(TypeError, match="queries must be a sequence of str"):
        nearest("ab", ["a"])
    with pytest.raises(TypeError, match=r"queries\[1\] must be a str"):
        nearest(["ab", 3], ["a"])
