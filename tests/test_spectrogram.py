"""lessonpkg.apps.spectrogram: a torch.stft cross-check, pure tones, Parseval, the mel filterbank, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from equality_log import record

from lessonpkg.apps.spectrogram import (
    frame_signal,
    hann_window,
    hz_to_mel,
    log_mel_spectrogram,
    mel_filterbank,
    mel_to_hz,
    spectrogram,
)


@pytest.mark.parametrize("n, n_fft, hop", [(256, 256, 128), (1000, 256, 128), (999, 64, 17), (300, 32, 32)])
def test_matches_torch_stft(n, n_fft, hop):
    x = np.random.default_rng(n).normal(size=n)
    ours = spectrogram(x, n_fft, hop)
    st = torch.stft(torch.tensor(x), n_fft, hop, window=torch.hann_window(n_fft, dtype=torch.float64),
                    center=False, return_complex=True)
    theirs = (st.abs() ** 2).numpy().T  # (T, F)
    assert ours.shape == theirs.shape == (1 + (n - n_fft) // hop, n_fft // 2 + 1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)
    record("spectrogram.spectrogram", ["power"], (n, n_fft, hop),
           float(np.linalg.norm(ours - theirs) / np.linalg.norm(theirs)))


def test_hann_window_is_torchs():
    np.testing.assert_allclose(hann_window(16), torch.hann_window(16, dtype=torch.float64).numpy(), atol=1e-15)
    record("spectrogram.hann_window", ["window"], (16,),
           float(np.abs(hann_window(16) - torch.hann_window(16, dtype=torch.float64).numpy()).max()))


@pytest.mark.parametrize("bin_", [5, 32, 100])
def test_pure_tone_peaks_in_its_bin(bin_):
    sr, n_fft = 8000, 256
    f = bin_ * sr / n_fft
    x = np.sin(2 * np.pi * f * np.arange(2000) / sr)
    spec = spectrogram(x, n_fft, 128)
    assert np.all(spec.argmax(axis=1) == bin_)
    # a Hann-windowed sinusoid at a bin centre: |X_k| = n_fft / 4 at the peak
    np.testing.assert_allclose(np.sqrt(spec[:, bin_]), n_fft / 4, rtol=1e-9)


def test_parseval():
    x = np.random.default_rng(0).normal(size=512)
    n_fft = 128
    spec = spectrogram(x, n_fft, 64)
    one_sided = spec[:, 0] + 2 * spec[:, 1:-1].sum(axis=1) + spec[:, -1]  # both halves of the full FFT
    energy = ((frame_signal(x, n_fft, 64) * hann_window(n_fft)) ** 2).sum(axis=1)
    np.testing.assert_allclose(one_sided, n_fft * energy, rtol=1e-12)


def test_mel_filterbank():
    fb = mel_filterbank(10, 256, 8000)
    assert fb.shape == (10, 129) and fb.min() >= 0 and np.all(fb.max(axis=1) <= 1)
    peaks = fb.argmax(axis=1) * 8000 / 256
    assert np.all(np.diff(peaks) > 0)  # centres rise, further apart at high frequency
    assert np.diff(peaks)[-1] > np.diff(peaks)[0]
    np.testing.assert_allclose(mel_to_hz(hz_to_mel([0.0, 700.0, 3000.0])), [0.0, 700.0, 3000.0])
    np.testing.assert_allclose(hz_to_mel(1000.0), 1000.0, rtol=1e-3)  # the scale's anchor: 1 kHz is ~1000 mel


def test_log_mel_of_silence_is_the_floor():
    out = log_mel_spectrogram(np.zeros(1000), 8000, n_mels=8, floor=1e-6)
    assert out.shape == (6, 8)
    np.testing.assert_allclose(out, np.log(1e-6))


def test_bad_input():
    with pytest.raises(ValueError, match=r"x must be a 1-D signal of shape \(n_samples,\), got \(2, 300\)"):
        spectrogram(np.zeros((2, 300)))
    with pytest.raises(ValueError, match="x must hold at least n_fft=256 samples for one frame, got 100"):
        spectrogram(np.zeros(100))
    with pytest.raises(TypeError, match="x must have dtype"):
        spectrogram(np.zeros(300, dtype=int))
    with pytest.raises(ValueError, match="x must be finite"):
        spectrogram(np.full(300, np.nan))
    with pytest.raises(ValueError, match="hop must be >= 1, got 0"):
        spectrogram(np.zeros(300), 256, 0)
    with pytest.raises(ValueError, match="need 0 <= fmin < fmax <= sample_rate / 2"):
        mel_filterbank(8, 256, 8000, fmin=100, fmax=5000)
    with pytest.raises(ValueError, match="floor must be a finite number > 0"):
        log_mel_spectrogram(np.zeros(300), 8000, floor=0.0)


def test_mel_conversions_refuse_non_finite_or_negative_input():
    with pytest.raises(ValueError, match="f must be finite, got 1 NaN or inf"):
        hz_to_mel(np.array([100.0, np.nan]))
    with pytest.raises(ValueError, match="f must hold frequencies >= 0 Hz"):
        hz_to_mel(-800.0)
    with pytest.raises(TypeError, match="f must be a real number or an array of them, got NoneType"):
        hz_to_mel(None)
    with pytest.raises(ValueError, match="m must be finite"):
        mel_to_hz(np.inf)
    assert hz_to_mel(700) == pytest.approx(2595.0 * np.log10(2.0))  # ints are still fine
