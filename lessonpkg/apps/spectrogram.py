"""Short-time spectra from scratch: frames, a Hann window, ``|rfft|^2``, a mel filterbank and a log.

A signal x (n_samples,) is cut into overlapping frames of ``n_fft`` samples,
one every ``hop`` samples (no padding: frame t covers samples
``t * hop .. t * hop + n_fft - 1``). Each frame is multiplied by the periodic
Hann window ``w[k] = 0.5 - 0.5 cos(2 pi k / n_fft)`` and its power spectrum
``|rfft(w * frame)|^2`` kept at the ``n_fft // 2 + 1`` frequencies
``f_j = j * sample_rate / n_fft``. This is ``torch.stft(x, n_fft, hop,
window=torch.hann_window(n_fft), center=False)`` squared in magnitude.

A mel filterbank pools those bins into ``n_mels`` triangular bands evenly
spaced on the mel scale ``m(f) = 2595 log10(1 + f / 700)``, which is roughly
linear below 1 kHz and logarithmic above, like the ear's frequency
resolution; a log turns the band energies into the features a recogniser
reads.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_array, check_int, check_real, check_real_array


def hann_window(n: int) -> np.ndarray:
    """The periodic Hann window ``0.5 - 0.5 cos(2 pi k / n)``, k = 0..n-1 (torch.hann_window's default)."""
    n = check_int(n, "n", low=1)
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def frame_signal(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Cut x (n_samples,) into frames (T, n_fft), T = 1 + (n_samples - n_fft) // hop."""
    x = check_array(x, "x")
    n_fft, hop = check_int(n_fft, "n_fft", low=1), check_int(hop, "hop", low=1)
    if x.ndim != 1:
        raise ValueError(f"x must be a 1-D signal of shape (n_samples,), got {x.shape}")
    if x.shape[0] < n_fft:
        raise ValueError(f"x must hold at least n_fft={n_fft} samples for one frame, got {x.shape[0]}")
    T = 1 + (x.shape[0] - n_fft) // hop
    index = np.arange(T)[:, None] * hop + np.arange(n_fft)[None, :]  # (T, n_fft)
    return x[index]


def spectrogram(x: np.ndarray, n_fft: int = 256, hop: int = 128) -> np.ndarray:
    """Power spectrogram (T, n_fft // 2 + 1): ``|rfft(hann * frame)|^2`` of every frame of x."""
    frames = frame_signal(x, n_fft, hop)  # (T, n_fft)
    spec = np.fft.rfft(frames * hann_window(n_fft), axis=1)  # (T, n_fft // 2 + 1) complex
    return spec.real ** 2 + spec.imag ** 2


def hz_to_mel(f):
    """The mel scale ``2595 log10(1 + f / 700)``."""
    f = check_real_array(f, "f")
    if np.any(f < 0):
        raise ValueError(f"f must hold frequencies >= 0 Hz, got a minimum of {f.min()}")
    return 2595.0 * np.log10(1.0 + f / 700.0)


def mel_to_hz(m):
    """The inverse of ``hz_to_mel``."""
    return 700.0 * (10.0 ** (check_real_array(m, "m") / 2595.0) - 1.0)


def mel_filterbank(n_mels: int, n_fft: int, sample_rate: float, fmin: float = 0.0,
                   fmax: float | None = None) -> np.ndarray:
    """Triangular filters (n_mels, n_fft // 2 + 1), evenly spaced in mels between fmin and fmax.

    Filter m rises linearly from the (m)th to the (m+1)th of ``n_mels + 2``
    mel-spaced edge frequencies and falls to the (m+2)th; its peak is 1.
    """
    n_mels, n_fft = check_int(n_mels, "n_mels", low=1), check_int(n_fft, "n_fft", low=1)
    sample_rate = check_real(sample_rate, "sample_rate", low=0)
    fmin = check_real(fmin, "fmin", low=0)
    fmax = sample_rate / 2 if fmax is None else check_real(fmax, "fmax", low=0)
    if not 0 <= fmin < fmax <= sample_rate / 2:
        raise ValueError(f"need 0 <= fmin < fmax <= sample_rate / 2 = {sample_rate / 2}, got fmin={fmin}, fmax={fmax}")
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))  # (n_mels + 2,) in Hz
    freqs = np.arange(n_fft // 2 + 1) * sample_rate / n_fft  # (F,)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs[None, :] - lo) / (mid - lo)
    falling = (hi - freqs[None, :]) / (hi - mid)
    return np.clip(np.minimum(rising, falling), 0.0, None)  # (n_mels, F)


def log_mel_spectrogram(x: np.ndarray, sample_rate: float, n_mels: int = 24, n_fft: int = 256, hop: int = 128,
                        floor: float = 1e-6) -> np.ndarray:
    """Log mel band energies (T, n_mels): ``log(spectrogram(x) @ fb.T + floor)``.

    The floor keeps silence finite: a band with no energy gets ``log(floor)``.
    """
    floor = check_real(floor, "floor", low=0, low_open=True)  # > 0, or a silent frame gives log(0) = -inf
    fb = mel_filterbank(n_mels, n_fft, sample_rate)  # (n_mels, F)
    return np.log(spectrogram(x, n_fft, hop) @ fb.T + floor)  # (T, n_mels)
