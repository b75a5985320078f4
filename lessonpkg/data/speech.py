"""Generated spoken digits: a small formant synthesiser, many synthetic speakers, log-mel features.

Source
------
Generated, not recorded: no speech corpus installs offline. Every utterance is
synthesised by the code below from a seeded ``numpy.random.Generator`` and a
handful of published acoustic facts; nothing is read or downloaded. The same
arguments always give the same waveforms.

* **Words.** The ten digit words, pronounced as in the CMU Pronouncing
  Dictionary (first pronunciation, stress removed; ``DIGIT_PRONUNCIATIONS``),
  so the phoneme strings are those of Chapter 10.
* **Vowels** are a glottal pulse train, built as a sum of harmonics of F0
  with amplitudes falling like 1/k (the -12 dB per octave of the glottal
  source plus +6 dB per octave of radiation from the lips), filtered by a
  cascade of three second-order resonators, ``H(z) = A / (1 - B z^-1 - C
  z^-2)`` with ``C = -exp(-2 pi BW / fs)``, ``B = 2 exp(-pi BW / fs) cos(2 pi
  F / fs)``, ``A = 1 - B - C`` (Klatt, 1980). F1, F2, F3 are the averages for
  men of Peterson and Barney (1952); the diphthongs AY, EY, OW glide between
  two of their vowels (AA to IH, EH to IH, AO to UH), an approximation.
* **Glides and nasals** (W, R, N) are voiced, weaker and shorter, with their
  own formant targets (R's low F3, the nasal murmur's strong resonance near
  250 Hz); formants move smoothly (30 ms) between neighbours.
* **Fricatives** are noise shaped in frequency: S and Z a band near 3.6 kHz
  (the top of what 8 kHz sampling keeps), F and TH weak broadband noise that
  differs only slightly (they are among the most confused English
  consonants, Miller and Nicely, 1955), V and Z add low-frequency voicing.
* **Stops** (T, K) are a silent closure, a short burst (high for T, mid for
  K) and aspiration noise shaped by the next vowel's formants.

Speakers differ in F0 (90 to 250 Hz), vocal-tract length (all formants
scaled by 0.9 to 1.2, shorter tracts giving higher formants, so F0 and the
scale are correlated as between men, women and children), speaking rate
(0.8 to 1.25) and background noise. The training, validation and test
splits use different speakers, so the test measures speaker-independent
recognition. What the generator leaves out: real coarticulation, prosody,
reverberation, and every speaker's idiosyncrasy. Models that do well here
have learnt these rules, not English speech.

Labels: phoneme ids are 1..P in the order of ``PHONEMES``; 0 is silence in
frame labels and the CTC blank in phoneme targets (``PHONEME_VOCAB``, a
``lessonpkg.data.Vocab``). Batches are padded by ``lessonpkg.data.pad_sequences``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lessonpkg._validate import as_rng, check_int
from lessonpkg.apps.spectrogram import log_mel_spectrogram
from lessonpkg.data.padding import pad_sequences
from lessonpkg.data.splits import Examples, Splits
from lessonpkg.data.vocab import Vocab

SAMPLE_RATE = 8000
N_FFT, HOP = 256, 128  # 32 ms frames every 16 ms
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
DIGIT_PRONUNCIATIONS = {
    "zero": ("Z", "IH", "R", "OW"), "one": ("W", "AH", "N"), "two": ("T", "UW"), "three": ("TH", "R", "IY"),
    "four": ("F", "AO", "R"), "five": ("F", "AY", "V"), "six": ("S", "IH", "K", "S"),
    "seven": ("S", "EH", "V", "AH", "N"), "eight": ("EY", "T"), "nine": ("N", "AY", "N"),
}
# Peterson & Barney (1952), men: F1, F2, F3 in Hz
VOWELS = {"IY": (270, 2290, 3010), "IH": (390, 1990, 2550), "EH": (530, 1840, 2480), "AE": (660, 1720, 2410),
          "AH": (520, 1190, 2390), "AA": (730, 1090, 2440), "AO": (570, 840, 2410), "UH": (440, 1020, 2240),
          "UW": (300, 870, 2240), "ER": (490, 1350, 1690)}
DIPHTHONGS = {"AY": ("AA", "IH"), "EY": ("EH", "IH"), "OW": ("AO", "UH")}
SONORANTS = {"W": (300, 700, 2200), "R": (350, 1150, 1650), "N": (250, 1700, 2600)}  # approximate targets
# fricatives and bursts: (noise band low Hz, high Hz, noise RMS, voicing RMS, duration ms)
NOISES = {"S": (3000, 3950, 0.30, 0.0, 120), "Z": (3000, 3950, 0.20, 0.12, 100), "F": (1200, 3950, 0.06, 0.0, 100),
          "TH": (1800, 3950, 0.05, 0.0, 100), "V": (1200, 3950, 0.04, 0.12, 80)}
BURSTS = {"T": (3000, 3950), "K": (1500, 2600)}
PHONEMES = tuple(sorted({p for pron in DIGIT_PRONUNCIATIONS.values() for p in pron}))
PHONEME_VOCAB = Vocab(("<blank>",) + PHONEMES)  # 0: the CTC blank, or silence in frame labels; phonemes 1..P
BANDWIDTHS = (70.0, 100.0, 160.0)
VOICE_BAR = ((200, 1200, 2500), (100.0, 800.0, 800.0))  # a low, weak resonance for voicing under noise
CTRL = 40  # control-rate step in samples (5 ms)


@dataclass(frozen=True)
class Speaker:
    """A synthetic speaker: mean F0 (Hz), formant scale (vocal-tract length), speaking rate, noise RMS."""

    f0: float
    formant_scale: float
    rate: float
    noise: float


def make_speakers(n: int, rng: np.random.Generator | int | None = None) -> list[Speaker]:
    """Draw n speakers: F0 rises with the formant scale (shorter tracts, higher voices), plus spread."""
    gen = as_rng(rng)
    scale = gen.uniform(0.9, 1.2, size=check_int(n, "n", low=1))
    f0 = np.clip(90 + (scale - 0.9) / 0.3 * 140 + gen.normal(0, 15, size=n), 85, 260)
    rate, noise = gen.uniform(0.8, 1.25, size=n), 10 ** gen.uniform(-2.7, -1.6, size=n)
    return [Speaker(float(a), float(b), float(c), float(d)) for a, b, c, d in zip(f0, scale, rate, noise)]


def _segments(words, speaker: Speaker, gen: np.random.Generator) -> list[dict]:
    """Turn words (tuples of phonemes) into timed segments with their synthesis settings."""
    ms = SAMPLE_RATE / 1000 / (speaker.rate * gen.uniform(0.95, 1.05))  # samples per ms at this rate
    segs = [dict(label="sil", dur=gen.uniform(100, 200))]
    for w, word in enumerate(words):
        if w:
            segs.append(dict(label="sil", dur=gen.uniform(0, 80)))
        for p in word:
            jit = gen.uniform(0.85, 1.15)
            if p in VOWELS:
                segs.append(dict(label=p, dur=130 * jit, voice=1.0, f=(VOWELS[p], VOWELS[p])))
            elif p in DIPHTHONGS:
                a, b = DIPHTHONGS[p]
                segs.append(dict(label=p, dur=180 * jit, voice=1.0, f=(VOWELS[a], VOWELS[b])))
            elif p in SONORANTS:
                segs.append(dict(label=p, dur=(75 if p == "N" else 70) * jit, voice=0.3 if p == "N" else 0.5,
                                 f=(SONORANTS[p], SONORANTS[p]), bw=(80.0, 300.0, 300.0) if p == "N" else None))
            elif p in NOISES:
                lo, hi, amp, voice, dur = NOISES[p]
                segs.append(dict(label=p, dur=dur * jit, noise=(lo, hi, amp), voice=voice, bar=voice > 0))
            elif p in BURSTS:
                segs += [dict(label=p, dur=55 * jit), dict(label=p, dur=12, noise=(*BURSTS[p], 0.3)),
                         dict(label=p, dur=35 * jit, noise=("next", 0, 0.1))]
            else:
                raise ValueError(f"phoneme {p!r} is not one the synthesiser knows: {PHONEMES}")
    segs.append(dict(label="sil", dur=gen.uniform(100, 200)))
    start = 0
    for s in segs:
        s["start"], start = start, start + max(int(round(s["dur"] * ms)), 1)
        s["end"] = start
    return segs


def _resonator_gain(freq: np.ndarray, formants: np.ndarray, bandwidths: np.ndarray) -> np.ndarray:
    """|H| of the cascade of resonators (Klatt 1980) at freq (..., K), formants and bandwidths (..., 1, 3)."""
    w = 2 * np.pi * freq[..., None] / SAMPLE_RATE  # (..., K, 1)
    C = -np.exp(-2 * np.pi * bandwidths / SAMPLE_RATE)
    B = 2 * np.exp(-np.pi * bandwidths / SAMPLE_RATE) * np.cos(2 * np.pi * formants / SAMPLE_RATE)
    den = 1 - B * np.exp(-1j * w) - C * np.exp(-2j * w)
    return np.prod(np.abs((1 - B - C) / den), axis=-1)  # (..., K)


def _voiced(segs: list[dict], n: int, speaker: Speaker, gen: np.random.Generator) -> np.ndarray:
    """The voiced part: harmonics of a declining F0, shaped by smoothly moving formants."""
    n_ctrl = n // CTRL + 2
    F, BW, amp = np.zeros((n_ctrl, 3)), np.tile(BANDWIDTHS, (n_ctrl, 1)), np.zeros(n_ctrl)
    have = np.zeros(n_ctrl, dtype=bool)
    for s in segs:
        a, b = s["start"] // CTRL, max(s["end"] // CTRL, s["start"] // CTRL + 1)
        if "f" in s:
            frac = np.linspace(0, 1, b - a)[:, None]
            F[a:b] = (1 - frac) * np.array(s["f"][0]) + frac * np.array(s["f"][1])
            have[a:b] = True
            if s.get("bw") is not None:
                BW[a:b] = s["bw"]
        elif s.get("bar"):
            F[a:b], BW[a:b], have[a:b] = VOICE_BAR[0], VOICE_BAR[1], True
        amp[a:b] = s.get("voice", 0.0)
    idx = np.where(have, np.arange(n_ctrl), -1)  # fill gaps with the nearest formant target on the left/right
    left = np.maximum.accumulate(idx)
    right = np.minimum.accumulate(np.where(have, np.arange(n_ctrl), n_ctrl)[::-1])[::-1]
    fill = np.where(left >= 0, left, right)
    F, BW = F[np.clip(fill, 0, n_ctrl - 1)], BW[np.clip(fill, 0, n_ctrl - 1)]
    kernel = np.ones(6) / 6  # 30 ms moving average: formant transitions
    F = np.stack([np.convolve(np.pad(F[:, i], 3, mode="edge"), kernel, "same")[3:-3] for i in range(3)], 1)
    F = np.minimum(F * speaker.formant_scale, 3900.0)
    amp = np.convolve(np.pad(amp, 1, mode="edge"), np.ones(3) / 3, "same")[1:-1]  # 15 ms ramps, no clicks

    t = np.arange(n) / n
    f0 = speaker.f0 * gen.uniform(0.93, 1.07) * (1.1 - 0.2 * t)  # (n,) declination over the utterance
    K = int(3900 // f0.min())
    f0_ctrl = f0[np.minimum(np.arange(n_ctrl) * CTRL, n - 1)]
    k = np.arange(1, K + 1)
    harm = f0_ctrl[:, None] * k[None, :]  # (n_ctrl, K) harmonic frequencies
    gain = _resonator_gain(harm, F[:, None, :], BW[:, None, :]) / k * (harm < 3950)  # (n_ctrl, K)
    gain *= amp[:, None] * np.sqrt(2) / np.maximum(np.sqrt((gain ** 2).sum(axis=1, keepdims=True)), 1e-12)
    pos = np.arange(n) / CTRL  # linear interpolation of the gains to the sample rate
    i0 = np.minimum(pos.astype(int), n_ctrl - 2)
    frac = pos - i0
    g0, dg = gain[i0].T, (gain[i0 + 1] - gain[i0]).T * frac  # (K, n)
    cos1 = np.cos(2 * np.pi * np.cumsum(f0) / SAMPLE_RATE)  # (n,): cos of the phase of the fundamental
    out, c_prev, c = np.zeros(n), np.ones(n), cos1
    for j in range(K):  # cos(k phase) by the recursion cos((k+1)p) = 2 cos(p) cos(kp) - cos((k-1)p)
        out += (g0[j] + dg[j]) * c
        c_prev, c = c, 2 * cos1 * c - c_prev
    return out


def _noise(segs: list[dict], n: int, speaker: Speaker, gen: np.random.Generator) -> np.ndarray:
    """The noise part: band-shaped noise for fricatives, bursts and aspiration, with 4 ms ramps."""
    out = np.zeros(n)
    for i, s in enumerate(segs):
        if "noise" not in s:
            continue
        L = s["end"] - s["start"]
        size = 1 << int(np.ceil(np.log2(L + 64)))
        freq = np.fft.rfftfreq(size, 1 / SAMPLE_RATE)
        lo, hi, level = s["noise"]
        if lo == "next":  # aspiration: noise through the next voiced segment's formants
            nxt = next((t for t in segs[i + 1:] if "f" in t), None)
            formants = np.array(nxt["f"][0] if nxt else VOWELS["AH"]) * speaker.formant_scale
            shape = _resonator_gain(freq, np.minimum(formants, 3900), np.array([200.0, 250.0, 300.0]))
        else:
            lo, hi = lo * speaker.formant_scale ** 0.5, min(hi, 3950)
            shape = 1 / (1 + np.exp(-(freq - lo) / 150)) * (freq <= hi)
        noise = np.fft.irfft(np.fft.rfft(gen.normal(size=size)) * shape, size)[:L]
        ramp = np.minimum(1, np.minimum(np.arange(L) + 1, L - np.arange(L)) / 32)
        out[s["start"]:s["end"]] += level * ramp * noise / max(np.sqrt(np.mean(noise ** 2)), 1e-12)
    return out


@dataclass(frozen=True)
class Utterance:
    """A synthesised waveform (n_samples,) and its segments (phoneme or "sil", first sample, end sample)."""

    signal: np.ndarray
    segments: tuple[tuple[str, int, int], ...]


def synthesize(words, speaker: Speaker, rng: np.random.Generator | int | None = None) -> Utterance:
    """Synthesise words, each a tuple of ARPAbet phonemes, said by ``speaker`` at 8 kHz (module docstring).

    Returns an ``Utterance``; the signal has its voiced and noise parts, then background noise of RMS
    ``speaker.noise``, on a scale where a vowel has RMS 1.
    """
    if not isinstance(speaker, Speaker):
        raise TypeError(f"speaker must be a Speaker (see make_speakers), got {type(speaker).__name__}")
    words = [tuple(w) for w in words]
    if not words or any(not w for w in words):
        raise ValueError(f"words must be a non-empty list of non-empty phoneme tuples, got {words}")
    gen = as_rng(rng)
    segs = _segments(words, speaker, gen)
    n = segs[-1]["end"]
    x = _voiced(segs, n, speaker, gen) + _noise(segs, n, speaker, gen) + speaker.noise * gen.normal(size=n)
    merged: list[list] = []  # a stop's closure, burst and aspiration form one labelled segment
    for s in segs:
        if merged and merged[-1][0] == s["label"] and s["label"] in BURSTS and s["start"] == merged[-1][2] \
                and "noise" in s:
            merged[-1][2] = s["end"]
        else:
            merged.append([s["label"], s["start"], s["end"]])
    return Utterance(x, tuple((a, int(b), int(c)) for a, b, c in merged))


def frame_labels(segments, n_frames: int) -> np.ndarray:
    """Phoneme id (1..P, 0 for silence) of the segment under the centre of each of n_frames frames."""
    n_frames = check_int(n_frames, "n_frames", low=0)
    centres = np.arange(n_frames) * HOP + N_FFT // 2
    out = np.zeros(n_frames, dtype=np.int64)
    for label, start, end in segments:
        if label != "sil":
            out[(centres >= start) & (centres < end)] = PHONEME_VOCAB.index(label)
    return out


@dataclass(frozen=True)
class SpeechSplit(Examples):
    """Utterances of one split: log-mel features, frame labels, word and phoneme ids, speaker of each.

    ``features[i]`` is (T_i, n_mels); ``frames[i]`` (T_i,) the phoneme id under each frame (0 silence);
    ``words[i]`` a tuple of digit ids; ``phonemes[i]`` (L_i,) the phoneme ids 1..P said; ``speakers`` (N,).
    """

    features: tuple[np.ndarray, ...]
    frames: tuple[np.ndarray, ...]
    words: tuple[tuple[int, ...], ...]
    phonemes: tuple[np.ndarray, ...]
    speakers: np.ndarray


@dataclass(frozen=True)
class SpokenDigits(Splits):
    """Train/val/test splits (``SpeechSplit``) with disjoint speakers, and the training features' mean and std.

    A split that was not asked for is None. ``mean`` and ``std`` (n_mels,) are the training split's
    feature statistics (None without it); ``padded`` standardises with them.
    """

    speakers: dict
    mean: np.ndarray | None
    std: np.ndarray | None

    def padded(self, split: SpeechSplit, mean: np.ndarray | None = None,
               std: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Features standardised with (mean, std), by default the training split's, padded with zeros.

        Returns x (N, T, n_mels) and lengths (N,).
        """
        if not isinstance(split, SpeechSplit):
            raise TypeError(f"split must be a SpeechSplit such as data.train, got {type(split).__name__}")
        mean, std = (self.mean, self.std) if mean is None else (np.asarray(mean), np.asarray(std))
        if mean is None:
            raise ValueError("mean and std must be given when the training split was not generated")
        return pad_sequences([(f - mean) / std for f in split.features])


def _make_split(speakers: list[Speaker], first_id: int, n_per_speaker: int, n_words: tuple[int, int],
                n_mels: int, gen: np.random.Generator) -> SpeechSplit:
    feats, frames, words, phons, who = [], [], [], [], []
    for j, spk in enumerate(speakers):
        for i in range(n_per_speaker):
            k = int(gen.integers(n_words[0], n_words[1] + 1))
            ids = (i % 10,) if n_words == (1, 1) else tuple(int(d) for d in gen.integers(0, 10, size=k))
            prons = [DIGIT_PRONUNCIATIONS[DIGITS[d]] for d in ids]
            utt = synthesize(prons, spk, gen)
            f = log_mel_spectrogram(utt.signal, SAMPLE_RATE, n_mels, N_FFT, HOP)
            feats.append(f)
            frames.append(frame_labels(utt.segments, len(f)))
            words.append(ids)
            phons.append(PHONEME_VOCAB.encode([p for pron in prons for p in pron]))
            who.append(first_id + j)
    return SpeechSplit(tuple(feats), tuple(frames), tuple(words), tuple(phons), np.array(who, dtype=np.int64))


def load_spoken_digits(n_speakers: tuple[int, int, int] = (24, 6, 10), n_per_speaker: int = 20,
                       n_words: tuple[int, int] = (1, 1), n_mels: int = 24,
                       rng: np.random.Generator | int | None = 0,
                       splits: tuple[str, ...] = ("train", "val", "test")) -> SpokenDigits:
    """Generate spoken digits said by disjoint train, validation and test speakers (module docstring).

    The speakers and each split come from their own child generator of ``rng``, so a split is the same
    whether or not the others are generated, and whatever the other splits' sizes.

    Parameters
    ----------
    n_speakers : (train, val, test) numbers of speakers
    n_per_speaker : int
        Utterances per speaker. With ``n_words=(1, 1)`` speaker i says the digits 0..9 in turn
        (``n_per_speaker=20``: every digit twice); otherwise each utterance is a random digit string.
    n_words : (min, max) digits per utterance
    n_mels : int
        Log-mel bands per 16 ms frame.
    rng : seed or Generator
    splits : the splits to generate, a subset of ("train", "val", "test")

    Returns
    -------
    SpokenDigits
    """
    names = ("train", "val", "test")
    if len(n_speakers) != 3:
        raise ValueError(f"n_speakers must be (train, val, test), got {n_speakers}")
    sizes = [check_int(s, "n_speakers", low=1) for s in n_speakers]
    n_per_speaker = check_int(n_per_speaker, "n_per_speaker", low=1)
    lo, hi = (check_int(v, "n_words", low=1) for v in n_words)
    if lo > hi:
        raise ValueError(f"n_words must be (min, max) with min <= max, got {n_words}")
    if isinstance(splits, str) or not set(splits) <= set(names):
        raise ValueError(f"splits must be a tuple drawn from {names}, got {splits!r}")
    speaker_gen, *split_gens = as_rng(rng).spawn(4)
    groups = {name: make_speakers(size, gen) for name, size, gen in zip(names, sizes, speaker_gen.spawn(3))}
    first = dict(zip(names, np.cumsum([0, *sizes[:2]]).tolist()))
    made = {name: _make_split(groups[name], first[name], n_per_speaker, (lo, hi), n_mels, gen)
            for name, gen in zip(names, split_gens) if name in splits}
    stacked = np.concatenate(made["train"].features) if "train" in made else None
    return SpokenDigits(**{name: made.get(name) for name in names}, speakers=groups,
                        mean=None if stacked is None else stacked.mean(axis=0),
                        std=None if stacked is None else stacked.std(axis=0))
