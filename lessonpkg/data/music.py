"""Bach chorale melodies, the soprano line, as pitch and duration tokens, split by tune.

Each note becomes two tokens, its pitch (a MIDI number, or ``"rest"``) and then its
duration in quarter notes, and a piece sits between two separators::

    |  67 d1  69 d1  71 d0.5  72 d0.5  71 d2  ...  60 d4  |

Every piece is transposed to C major or A minor (the key music21's ``analyze("key")``
finds, moved by at most six semitones), tied notes are merged into one note, and a chord
in the soprano line (there are none in the corpus, but the rule is needed) keeps its top note.
The vocabulary is a ``lessonpkg.data.Vocab`` stored in the token file: the separator ``|``
(index 0, its bos and eos), ``rest``, the pitches from low to high, then the durations
from short to long.

``scripts/make_music_tokens.py`` parses the corpus once (about a minute) and writes the
tokens to ``book/data/bach_chorales.npz``; ``load_chorales`` reads that file. Many chorale
tunes were harmonised more than once, so the split is by tune: pieces that open with the
same eight pitches go to the same split, and no test melody is a re-harmonisation of a
training one.

Source
------
The chorale harmonisations of J. S. Bach (BWV 1.6 to BWV 438) in the corpus shipped with
the ``music21`` package (PyPI, version 10.5.1, BSD-3-Clause licence, by Michael Scott
Asato Cuthbert and contributors). The music is in the public domain; the encodings are
distributed in music21's corpus. Nothing is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lessonpkg._validate import as_rng, check_int, check_int_array, check_real
from lessonpkg.data.splits import Splits
from lessonpkg.data.vocab import Vocab

SEPARATOR = "|"
REST = "rest"
TARGET_TONIC = {"major": 0, "minor": 9}  # pitch class of C (major) and of A (minor)
OPENING = 8  # pieces whose first 8 pitches agree are one tune
KINDS = ("separator", "pitch", "duration")


def duration_token(quarter_length: float) -> str:
    """The token of a duration in quarter notes, e.g. 0.5 -> ``"d0.5"``, 2 -> ``"d2"``."""
    ql = check_real(quarter_length, "quarter_length", low=0, low_open=True)
    return f"d{ql:g}"


def pitch_token(midi: int | None) -> str:
    """The token of a MIDI pitch (``"60"`` for middle C), or ``"rest"`` for None."""
    return REST if midi is None else str(check_int(midi, "midi", low=0, high=127))


def transposition(tonic_pitch_class: int, mode: str) -> int:
    """Semitones in [-5, 6] that move a key with this tonic to C major or A minor (by ``mode``)."""
    pc = check_int(tonic_pitch_class, "tonic_pitch_class", low=0, high=11)
    if mode not in TARGET_TONIC:
        raise ValueError(f"mode must be 'major' or 'minor', got {mode!r}")
    shift = (TARGET_TONIC[mode] - pc) % 12
    return shift - 12 if shift > 6 else shift


def soprano_notes(score) -> tuple[list[tuple[int | None, float]], str, int]:
    """The soprano line of a music21 score as (MIDI pitch or None for a rest, quarter length) pairs.

    Returns the notes transposed to C major or A minor, the key music21 finds (e.g. ``"g minor"``)
    and the shift in semitones. Tied notes are merged; zero-length grace notes are dropped.
    Raises ValueError when the score has no single part named "Soprano".
    """
    sopranos = [p for p in score.parts if (p.partName or "").strip().lower() == "soprano"]
    if len(sopranos) != 1:
        raise ValueError(f"score must have exactly one part named 'Soprano', got parts "
                         f"{[p.partName for p in score.parts]}")
    key = score.analyze("key")
    shift = transposition(key.tonic.pitchClass, key.mode)
    notes = []
    for n in sopranos[0].stripTies().flatten().notesAndRests:
        ql = float(n.quarterLength)
        if ql == 0:
            continue  # a grace note
        midi = None if n.isRest else max(p.midi for p in n.pitches) + shift  # a chord keeps its top note
        notes.append((midi, ql))
    return notes, f"{key.tonic.name} {key.mode}", shift


def note_tokens(notes) -> list[str]:
    """(pitch, quarter length) pairs -> tokens ``[pitch_1, duration_1, pitch_2, ...]`` (2 per note)."""
    return [t for midi, ql in notes for t in (pitch_token(midi), duration_token(ql))]


def make_vocab(pieces) -> Vocab:
    """The vocabulary of token lists ``pieces``: ``|``, ``rest``, pitches low to high, durations short to long."""
    seen = {t for piece in pieces for t in piece}
    pitches = sorted((t for t in seen if t.isdigit()), key=int)
    durations = sorted((t for t in seen if t.startswith("d")), key=lambda t: float(t[1:]))
    odd = seen - set(pitches) - set(durations) - {REST}
    if odd:
        raise ValueError(f"pieces must hold only pitch, 'rest' and duration tokens, got {sorted(odd)}")
    return Vocab([SEPARATOR, REST, *pitches, *durations], bos=SEPARATOR, eos=SEPARATOR)


def token_kinds(vocab: Vocab) -> np.ndarray:
    """The kind of every token index, int64 (V,): 0 separator, 1 pitch or rest, 2 duration (``KINDS``)."""
    if not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a lessonpkg Vocab, got {type(vocab).__name__}")
    return np.array([0 if t == SEPARATOR else 2 if t.startswith("d") else 1 for t in vocab.itos], dtype=np.int64)


def decode_notes(ids, vocab: Vocab) -> list[tuple[int | None, float]]:
    """Token ids (T,) -> (MIDI pitch or None, quarter length) pairs; separators are skipped.

    A pitch is paired with the duration that follows it; a pitch without one (or a duration
    without a pitch before it), as a sampled melody may produce, is dropped.
    """
    kinds = token_kinds(vocab)
    ids = check_int_array(ids, "ids", low=0, high=len(vocab))
    if ids.ndim != 1:
        raise ValueError(f"ids must be a 1-d array of token ids, got shape {ids.shape}")
    notes, pitch = [], None
    for i in ids.tolist():
        if kinds[i] == 1:
            pitch = vocab.itos[i]
        elif kinds[i] == 2 and pitch is not None:
            notes.append((None if pitch == REST else int(pitch), float(vocab.itos[i][1:])))
            pitch = None
        else:
            pitch = None
    return notes


def split_by_tune(openings, val_fraction: float = 0.1, test_fraction: float = 0.1,
                  rng: np.random.Generator | int | None = 0) -> np.ndarray:
    """Assign each piece to train (0), validation (1) or test (2), keeping pieces with equal openings together.

    Parameters
    ----------
    openings : sequence of hashable (P,)
        One key per piece, e.g. the tuple of its first eight pitches; equal keys form one tune.
    val_fraction, test_fraction : float
        Each held-out split takes whole tunes, in a seeded random order, until it holds at least
        this share of the pieces.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    int8 ndarray (P,)
    """
    for value, label in ((val_fraction, "val_fraction"), (test_fraction, "test_fraction")):
        check_real(value, label, low=0, high=1, low_open=True, high_open=True)
    if val_fraction + test_fraction >= 1:
        raise ValueError(f"val_fraction + test_fraction must be < 1, got {val_fraction + test_fraction}")
    openings = list(openings)
    if len(openings) < 3:
        raise ValueError(f"openings must hold at least 3 pieces, got {len(openings)}")
    tunes = list(dict.fromkeys(openings))  # in order of first appearance
    members = {t: [i for i, o in enumerate(openings) if o == t] for t in tunes}
    split = np.zeros(len(openings), dtype=np.int8)
    goals = iter(((2, test_fraction), (1, val_fraction), (0, 1.0)))
    label, share = next(goals)
    taken = 0
    for j in as_rng(rng).permutation(len(tunes)):
        if label and taken >= share * len(openings):
            (label, share), taken = next(goals), 0
        split[members[tunes[j]]] = label
        taken += len(members[tunes[j]])
    return split


@dataclass(frozen=True, eq=False)  # pieces are arrays: compare them with np.array_equal, not ==
class ChoraleSplits(Splits):
    """Train, validation and test pieces, each a tuple of int64 token ids ``[|, p1, d1, ..., pn, dn, |]``.

    ``names`` holds the pieces' corpus names (e.g. ``"bwv10.7"``) in the same order, as a ``Splits``;
    ``vocab`` is the ``Vocab`` of the tokens.
    """

    vocab: Vocab = None
    names: Splits = None


def load_chorales(path: str | Path) -> ChoraleSplits:
    """Read the token file written by ``scripts/make_music_tokens.py`` (e.g. ``book/data/bach_chorales.npz``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no token file {str(path)!r}: run scripts/make_music_tokens.py to write it")
    keys = ("itos", "ids", "offsets", "names", "split")
    with np.load(path, allow_pickle=False) as f:
        missing = [k for k in keys if k not in f.files]
        if missing:
            raise ValueError(f"{path.name} must hold the arrays {list(keys)} of scripts/make_music_tokens.py, "
                             f"got {sorted(f.files)} (missing {missing})")
        itos, ids, offsets, names, split = (f[k] for k in keys)
    vocab = Vocab([str(t) for t in itos], bos=SEPARATOR, eos=SEPARATOR)
    sep = np.array([vocab.bos], dtype=np.int64)
    pieces = [np.concatenate([sep, ids[a:b], sep]) for a, b in zip(offsets[:-1], offsets[1:])]
    parts = {s: [i for i in range(len(pieces)) if split[i] == s] for s in (0, 1, 2)}
    return ChoraleSplits(*(tuple(pieces[i] for i in parts[s]) for s in (0, 1, 2)), vocab=vocab,
                         names=Splits(*(tuple(str(names[i]) for i in parts[s]) for s in (0, 1, 2))))
