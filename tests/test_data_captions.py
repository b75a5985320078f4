"""Tests of lessonpkg.data.captions."""

import numpy as np
import pytest

from lessonpkg.data import captions as cap


def test_number_names():
    assert [cap.number_name(n) for n in (0, 7, 20, 42, 99)] == ["zero", "seven", "twenty", "forty two",
                                                                 "ninety nine"]
    with pytest.raises(ValueError, match="n must lie in 0..9 or 20..99"):
        cap.number_name(13)
    with pytest.raises(TypeError, match="n must be an int"):
        cap.number_name(4.0)


def test_encode_and_decode_round_trip():
    tgt_in, tgt_out = cap.encode_captions(["one", "forty two"])
    assert tgt_in.shape == tgt_out.shape == (2, 10)
    assert tgt_in[0, 0] == cap.BOS and tgt_out[0, 3] == cap.EOS and tgt_out[0, 4] == cap.IGNORE
    np.testing.assert_array_equal(tgt_in[1, 1:], tgt_out[1, :-1])  # shifted by one
    assert cap.decode_caption(tgt_out[1]) == "forty two" and cap.decode_caption(tgt_out[0, :4]) == "one"
    with pytest.raises(ValueError, match="captions must use only the characters"):
        cap.encode_captions(["Seven"])


def test_held_out_numbers_keep_every_word_in_training():
    held = set(cap.held_out_numbers())
    seen = [n for n in cap.all_two_digit_numbers() if n not in held]
    assert len(held) == 16 and len(seen) == 64
    assert {n // 10 for n in seen} == set(range(2, 10)) and {n % 10 for n in seen} == set(range(10))


def test_compose_two_digit_places_the_digits_side_by_side():
    rng = np.random.default_rng(0)
    x = rng.random((20, 8, 8))
    y = np.arange(20) % 10
    images, values = cap.compose_two_digit(x, y, [42, 97], 5, rng=0)
    assert images.shape == (5, 8, 16) and set(values) <= {42, 97}
    for img, v in zip(images, values):
        tens, units = divmod(int(v), 10)
        assert any(np.array_equal(img[:, :8], x[i]) for i in np.flatnonzero(y == tens))
        assert any(np.array_equal(img[:, 8:], x[i]) for i in np.flatnonzero(y == units))
    again, _ = cap.compose_two_digit(x, y, [42, 97], 5, rng=0)
    np.testing.assert_array_equal(images, again)
    with pytest.raises(ValueError, match="numbers must be a non-empty sequence of ints in 20..99"):
        cap.compose_two_digit(x, y, [5], 2)
