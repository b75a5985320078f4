"""Real multivariate time series from the UCR/UEA archive, read from the files the sktime wheel ships.

Source
------
sktime 1.2.0 (BSD-3-Clause) ships these problems of the UEA & UCR time series classification archive
(Bagnall et al. 2018; Dau et al. 2019) as ``.ts`` files under ``sktime/datasets/data/``. They are read
here as text; sktime itself is not imported, and nothing is downloaded.

* ``JapaneseVowels`` (Kudo, Toyama and Shimbo 1999; UCI Machine Learning Repository): nine male
  speakers each utter the Japanese vowels /ae/; each frame holds 12 LPC cepstral coefficients, each
  utterance 7 to 29 frames. 270 train and 370 test utterances; the class is the speaker.
* ``BasicMotions`` (Clements, UEA archive): a smartwatch's 3-axis accelerometer and 3-axis gyroscope,
  10 Hz for 10 s (100 steps, 6 channels), while a person stands, walks, runs or plays badminton.
  40 train and 40 test recordings.
* ``GunPoint`` (Ratanamahatana and Keogh 2004; UCR archive): the x coordinate of an actor's right hand,
  tracked in video at 150 frames, while drawing a gun from a holster and pointing it ("Gun") or pointing
  a finger ("Point"). 50 train and 150 test series, each z-normalised by the archive.

The archive's own train/test split is kept: published results use it.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lessonpkg.data.padding import pad_sequences

PROBLEMS = ("JapaneseVowels", "BasicMotions", "GunPoint")


@dataclass(frozen=True)
class SeriesSet:
    """One split of a classification problem: N series of shapes (T_i, C) and their class ids.

    ``series[i]`` is a float64 array (T_i, C); ``labels[i]`` an int64 index into ``classes``, the
    class names in the file's order.
    """

    series: tuple
    labels: np.ndarray
    classes: tuple
    name: str

    def __len__(self) -> int:
        return len(self.series)

    @property
    def lengths(self) -> np.ndarray:
        """T_i of every series, int64 (N,)."""
        return np.array([s.shape[0] for s in self.series], dtype=np.int64)

    def padded(self) -> tuple[np.ndarray, np.ndarray]:
        """The series padded with zeros at the end, (N, T_max, C) float64, and their lengths (N,)."""
        return pad_sequences(self.series, dtype=np.float64)


def data_dir() -> Path:
    """The folder of the archive files inside the installed sktime wheel."""
    spec = importlib.util.find_spec("sktime")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("the UEA/UCR data ship inside sktime 1.2.0; install it with "
                                  "`pip install sktime==1.2.0` (pinned in pyproject.toml)")
    return Path(spec.origin).parent / "datasets" / "data"


def parse_ts(text: str, name: str = "series") -> tuple[list[np.ndarray], list[str], tuple]:
    """Parse a ``.ts`` file's text: the series (T_i, C), their label strings, and the declared classes.

    A data line holds C dimensions separated by ``:``, each a comma-separated list of T_i values,
    then the label. Every dimension of one series must have the same length.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be the file's contents as str, got {type(text).__name__}")
    classes, series, labels, in_data = None, [], [], False
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            low = line.lower()
            if low.startswith("@classlabel"):
                parts = line.split()
                classes = tuple(parts[2:]) if parts[1].lower() == "true" else ()
            elif low == "@data":
                in_data = True
            continue
        *dims, label = line.split(":")
        try:
            columns = [np.array(d.split(","), dtype=np.float64) for d in dims]
        except ValueError as exc:
            raise ValueError(f"{name}, line {number}: every value must be a number ({exc})") from None
        if not columns or len({c.size for c in columns}) != 1:
            raise ValueError(f"{name}, line {number}: every dimension must have the same length, got "
                             f"{[c.size for c in columns]}")
        series.append(np.stack(columns, axis=1))
        labels.append(label.strip())
    if classes is None or not in_data:
        raise ValueError(f"{name} must declare @classLabel and @data, as a .ts file does")
    if not series:
        raise ValueError(f"{name} must hold at least one series after @data, got none")
    widths = sorted({s.shape[1] for s in series})
    if len(widths) != 1:
        raise ValueError(f"{name}: every series must have the same number of dimensions, got {widths}")
    return series, labels, classes


def load_uea(name: str, split: str) -> SeriesSet:
    """Load the archive's ``"train"`` or ``"test"`` split of one of ``PROBLEMS``.

    Returns
    -------
    SeriesSet
        ``series`` (T_i, C) float64, ``labels`` int64 in ``range(len(classes))``.

    Examples
    --------
    >>> train = load_uea("JapaneseVowels", "train")
    >>> len(train), train.series[0].shape[1], len(train.classes)
    (270, 12, 9)
    """
    if name not in PROBLEMS:
        raise ValueError(f"name must be one of {PROBLEMS}, got {name!r}")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    path = data_dir() / name / f"{name}_{split.upper()}.ts"
    series, labels, classes = parse_ts(path.read_text(), name=path.name)
    unknown = sorted(set(labels) - set(classes))
    if unknown:
        raise ValueError(f"{path.name}: labels {unknown} are not among the declared classes {classes}")
    ids = np.array([classes.index(lab) for lab in labels], dtype=np.int64)
    return SeriesSet(series=tuple(series), labels=ids, classes=classes, name=name)
