"""Parse the Bach chorales of music21's corpus into soprano-line tokens; save them to book/data/bach_chorales.npz.

Run from the repository root (about a minute; music21 10.5.1 is installed with the course, nothing is downloaded):

    .venv/bin/python scripts/make_music_tokens.py

Every ``.mxl`` and ``.xml`` file of music21's ``bach`` corpus folder is read in file-name order. A file
without exactly one part named "Soprano" is skipped (four pieces with two soprano parts or combined
instrument names, and one keyboard piece). The rest become tokens with
``lp.data.music.soprano_notes`` and ``note_tokens``, and are split by tune with
``lp.data.music.split_by_tune`` (seed 0, a tenth of the pieces each for validation and test).

The file holds ``itos`` (V,) the vocabulary, ``ids`` the token ids of every piece, concatenated without
separators, ``offsets`` (P + 1,) where each piece starts, and per piece ``names`` (the file name without
its suffix, e.g. ``"bwv10.7"``), ``keys`` (the key music21 found), ``shifts`` (semitones transposed) and
``split`` (0 train, 1 validation, 2 test); ``skipped`` lists the files left out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lessonpkg.data import music

OUTPUT = Path(__file__).resolve().parents[1] / "book" / "data" / "bach_chorales.npz"
SEED = 0


def corpus_files() -> list[Path]:
    """The ``.mxl`` and ``.xml`` files of music21's ``bach`` corpus folder, sorted by name."""
    from music21 import corpus

    return sorted((p for p in corpus.getComposer("bach") if p.suffix in (".mxl", ".xml")), key=lambda p: p.name)


def piece_name(path: Path) -> str:
    """``bwv10.7.mxl`` -> ``"bwv10.7"``."""
    return path.name[: -len(path.suffix)]


def tokenize_file(path: Path) -> tuple[list[str], list[tuple[int | None, float]], str, int]:
    """Parse one file: its tokens, its notes, its key and its shift (``soprano_notes``'s ValueError if no soprano)."""
    from music21 import converter

    notes, key, shift = music.soprano_notes(converter.parse(path))
    return music.note_tokens(notes), notes, key, shift


def build(files, show_progress: bool = True) -> dict[str, np.ndarray]:
    """Tokenise ``files`` and split them by tune; return the arrays that ``main`` saves."""
    pieces, names, keys, shifts, openings, skipped = [], [], [], [], [], []
    for path in files:
        try:
            tokens, notes, key, shift = tokenize_file(path)
        except ValueError:
            skipped.append(piece_name(path))
            continue
        pieces.append(tokens)
        names.append(piece_name(path))
        keys.append(key)
        shifts.append(shift)
        openings.append(tuple(m for m, _ in notes if m is not None)[: music.OPENING])
    vocab = music.make_vocab(pieces)
    ids = [vocab.encode(p) for p in pieces]
    split = music.split_by_tune(openings, rng=SEED)
    if show_progress:
        print(f"{len(pieces)} pieces ({len(skipped)} files skipped), {sum(map(len, ids))} tokens, "
              f"{len(vocab)} token types; train/val/test pieces {np.bincount(split, minlength=3).tolist()}")
    return {"itos": np.array(vocab.itos), "ids": np.concatenate(ids),
            "offsets": np.concatenate([[0], np.cumsum([len(i) for i in ids])]).astype(np.int64),
            "names": np.array(names), "keys": np.array(keys), "shifts": np.array(shifts, dtype=np.int64),
            "split": split, "skipped": np.array(skipped)}


def main(path: str | Path = OUTPUT) -> None:
    np.savez_compressed(path, **build(corpus_files()))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
