"""lessonpkg.data.music: chorale soprano lines as pitch and duration tokens; the shipped token file vs the corpus."""

import hashlib

import numpy as np
import pytest
from script_helpers import ROOT, load_script

from lessonpkg.data import Vocab, music

TOKENS = ROOT / "book" / "data" / "bach_chorales.npz"
# sha256 of the arrays itos, ids, offsets, names and split of the shipped file: a regenerated file that differs
# (another music21, another rule) fails here and must be looked at before it is shipped.
CHECKSUM = "024ad536505ed5ed1412d4d77a7d01634c29d231e6ca7d491e6686612355b61a"
script = load_script("make_music_tokens")


def stored():
    with np.load(TOKENS, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def test_tokens_of_notes_and_durations():
    assert music.pitch_token(60) == "60" and music.pitch_token(None) == "rest"
    assert music.duration_token(0.5) == "d0.5" and music.duration_token(2.0) == "d2" and music.duration_token(1) == "d1"
    assert music.note_tokens([(67, 1.0), (None, 0.5), (72, 1.5)]) == ["67", "d1", "rest", "d0.5", "72", "d1.5"]


@pytest.mark.parametrize("tonic, mode, shift", [(0, "major", 0), (9, "minor", 0), (7, "minor", 2), (5, "major", -5),
                                                (6, "major", 6), (7, "major", 5), (2, "minor", -5), (3, "minor", 6)])
def test_transposition_moves_the_tonic_to_c_or_a_by_at_most_six_semitones(tonic, mode, shift):
    assert music.transposition(tonic, mode) == shift
    assert (tonic + shift) % 12 == music.TARGET_TONIC[mode] and -5 <= shift <= 6


def test_vocab_order_kinds_and_decoding():
    vocab = music.make_vocab([["72", "d1", "60", "d0.5"], ["rest", "d4", "64", "d0.25"]])
    assert vocab.itos == ("|", "rest", "60", "64", "72", "d0.25", "d0.5", "d1", "d4")
    assert vocab.bos == vocab.eos == 0 and isinstance(vocab, Vocab)
    assert music.token_kinds(vocab).tolist() == [0, 1, 1, 1, 1, 2, 2, 2, 2]
    ids = vocab.encode(["|", "72", "d1", "rest", "d4", "60", "60", "d0.5", "d1", "|"])
    assert music.decode_notes(ids, vocab) == [(72, 1.0), (None, 4.0), (60, 0.5)]  # the unpaired 60 and d1 dropped


def test_split_by_tune_keeps_a_tune_together_and_is_seeded():
    rng = np.random.default_rng(5)
    openings = [int(t) for t in rng.integers(0, 60, size=300)]
    split = music.split_by_tune(openings, 0.1, 0.2, rng=0)
    for tune in set(openings):
        assert len(set(split[[i for i, o in enumerate(openings) if o == tune]])) == 1
    counts = np.bincount(split, minlength=3)
    assert counts[1] >= 30 and counts[2] >= 60 and counts.sum() == 300 and counts[0] > 150
    assert np.array_equal(music.split_by_tune(openings, 0.1, 0.2, rng=0), split)
    assert not np.array_equal(music.split_by_tune(openings, 0.1, 0.2, rng=1), split)


def test_soprano_notes_merge_ties_keep_a_chords_top_note_and_transpose():
    from music21 import chord, key, note, stream, tie

    def part(name, notes):
        p = stream.Part()
        p.partName = name
        p.append(key.Key("G"))
        for n in notes:
            p.append(n)
        return p

    tied = [note.Note("D5", quarterLength=1.0), note.Note("D5", quarterLength=1.0)]
    tied[0].tie, tied[1].tie = tie.Tie("start"), tie.Tie("stop")
    upper = [note.Note("G4"), note.Note("B4"), *tied, chord.Chord(["G4", "B4"]), note.Rest(),
             note.Note("G4", quarterLength=2)]
    lower = [note.Note("G3", quarterLength=2), note.Note("D3", quarterLength=2), note.Note("G2", quarterLength=4)]
    score = stream.Score([part("Soprano", upper), part("Bass", lower)])
    notes, found, shift = music.soprano_notes(score)
    assert found == "G major" and shift == 5  # G up a fourth to C
    assert notes == [(72, 1.0), (76, 1.0), (79, 2.0), (76, 1.0), (None, 1.0), (72, 2.0)]
    with pytest.raises(ValueError, match="exactly one part named 'Soprano'"):
        music.soprano_notes(stream.Score([part("Bass", lower)]))


def test_bad_inputs_raise_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="quarter_length must be"):
        music.duration_token(0)
    with pytest.raises(ValueError, match="midi must be"):
        music.pitch_token(200)
    with pytest.raises(ValueError, match="mode must be"):
        music.transposition(0, "dorian")
    with pytest.raises(ValueError, match="tonic_pitch_class must be"):
        music.transposition(12, "major")
    with pytest.raises(ValueError, match="only pitch, 'rest' and duration tokens"):
        music.make_vocab([["60", "d1", "x"]])
    with pytest.raises(TypeError, match="vocab must be a lessonpkg Vocab"):
        music.token_kinds(["|"])
    vocab = music.make_vocab([["60", "d1"]])
    with pytest.raises(ValueError, match="ids must have entries < 4"):
        music.decode_notes(np.array([0, 4]), vocab)
    with pytest.raises(ValueError, match="test_fraction must be"):
        music.split_by_tune(range(10), 0.1, 1.0)
    with pytest.raises(ValueError, match="must be < 1"):
        music.split_by_tune(range(10), 0.5, 0.5)
    with pytest.raises(ValueError, match="at least 3 pieces"):
        music.split_by_tune([1, 2], 0.1, 0.1)
    with pytest.raises(FileNotFoundError, match="make_music_tokens"):
        music.load_chorales(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", ids=np.arange(3))
    with pytest.raises(ValueError, match=r"missing \['itos', 'offsets', 'names', 'split'\]"):
        music.load_chorales(tmp_path / "other.npz")


def test_shipped_file_counts_and_checksum():
    f = stored()
    h = hashlib.sha256()
    for k in ("itos", "ids", "offsets", "names", "split"):
        h.update(np.ascontiguousarray(f[k]).tobytes())
    assert h.hexdigest() == CHECKSUM
    files = [script.piece_name(p) for p in script.corpus_files()]  # every chorale file of music21's corpus
    assert sorted(files) == sorted([*f["names"], *f["skipped"]]) and len(files) == len(set(files))
    assert len(f["names"]) == 405 and len(f["skipped"]) == 5
    assert f["offsets"][0] == 0 and f["offsets"][-1] == f["ids"].size and np.all(np.diff(f["offsets"]) % 2 == 0)
    assert TOKENS.stat().st_size < 100_000


def test_a_sample_of_pieces_matches_the_corpus():
    f = stored()
    vocab = Vocab([str(t) for t in f["itos"]], bos="|", eos="|")
    paths = {script.piece_name(p): p for p in script.corpus_files()}
    sample = np.random.default_rng(0).choice(len(f["names"]), size=8, replace=False)  # a fixed sample
    for i in sample:
        tokens, _, key, shift = script.tokenize_file(paths[str(f["names"][i])])
        assert list(vocab.decode(f["ids"][f["offsets"][i]:f["offsets"][i + 1]])) == tokens
        assert key == f["keys"][i] and shift == f["shifts"][i]


def test_loaded_splits_are_disjoint_by_tune_and_pieces_alternate_pitch_and_duration():
    data = music.load_chorales(TOKENS)
    kinds = music.token_kinds(data.vocab)
    names = data.names.train + data.names.val + data.names.test
    assert len(names) == len(set(names)) == 405 and len(data.test) == len(data.names.test) >= 40
    openings = {}
    for split in ("train", "val", "test"):
        for piece in getattr(data, split):
            assert piece.dtype == np.int64 and piece[0] == piece[-1] == data.vocab.bos
            body = kinds[piece[1:-1]]
            assert np.all(body[0::2] == 1) and np.all(body[1::2] == 2)
            notes = music.decode_notes(piece, data.vocab)
            opening = tuple(m for m, _ in notes if m is not None)[:music.OPENING]
            openings.setdefault(opening, set()).add(split)
    assert all(len(s) == 1 for s in openings.values())  # no tune in two splits
