"""Melody generation: a token language model over whole pieces, its n-gram baseline, and melodies made audible.

A piece is ``[|, p1, d1, ..., pn, dn, |]`` (``lessonpkg.data.music``). The network reads each
piece from a zero state and predicts every token after the first::

    pieces -> PieceBatches (inputs p[:-1], targets p[1:], padded, length buckets)
           -> RNNLanguageModel (charlm.make_char_lm) -> log P(token t + 1 | tokens <= t)

It is trained by ``lp.fit`` with early stopping on the validation pieces. ``piece_log_probs``
and ``ngram_piece_log_probs`` give every scored token's log-probability, one array per piece,
for a paired comparison over held-out pieces. ``synthesize`` turns (pitch, duration) notes into
a waveform with decaying additive tones; nothing beyond numpy is used.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import as_rng, check_int, check_int_array, check_real
from lessonpkg.apps.charlm import make_char_lm
from lessonpkg.data.padding import pad_sequences
from lessonpkg.models.ngram import KneserNeyModel
from lessonpkg.models.rnnlm import RNNLanguageModel
from lessonpkg.nn.functional import log_softmax
from lessonpkg.nn.loss import CrossEntropyLoss
from lessonpkg.optim import Adam
from lessonpkg.train.early_stopping import EarlyStopping
from lessonpkg.train.loop import fit

IGNORE = -100  # target index of padding, skipped by CrossEntropyLoss(ignore_index=-100)


def _check_pieces(pieces, name: str = "pieces") -> list[np.ndarray]:
    if isinstance(pieces, np.ndarray) or not hasattr(pieces, "__len__") or len(pieces) == 0:
        raise TypeError(f"{name} must be a non-empty list of 1-d token id arrays, got {type(pieces).__name__}")
    out = []
    for i, p in enumerate(pieces):
        a = check_int_array(p, f"{name}[{i}]", low=0)
        if a.ndim != 1 or a.size < 2:
            raise ValueError(f"{name}[{i}] must be a 1-d array of at least 2 token ids, got shape {a.shape}")
        out.append(a)
    return out


def piece_batch(pieces) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs ``p[:-1]`` (N, T) padded with 0, their lengths (N,), and targets ``p[1:]`` (N, T) padded with -100."""
    pieces = _check_pieces(pieces)
    x, lengths = pad_sequences([p[:-1] for p in pieces], padding_value=0)
    y, _ = pad_sequences([p[1:] for p in pieces], padding_value=IGNORE)
    return x, lengths, y


class PieceBatches:
    """Pieces served to ``lp.fit`` and ``lp.evaluate`` as ``((x, lengths), (y,))`` batches of similar length.

    ``batches(batch_size, rng)`` sorts the pieces by length (ties broken at random by ``rng``), cuts
    them into batches of ``batch_size`` (None: one batch) and, with ``rng``, shuffles the batches;
    each batch is padded only to its own longest piece. With ``rng=None`` the order is fixed.
    """

    def __init__(self, pieces) -> None:
        self.pieces = _check_pieces(pieces)

    def batches(self, batch_size: int | None, rng: np.random.Generator | None):
        """Yield ``((x, lengths), (y,))`` per batch, as the class docstring says."""
        n = len(self.pieces)
        size = n if batch_size is None else check_int(batch_size, "batch_size", low=1)
        lengths = np.array([len(p) for p in self.pieces])
        tie = np.zeros(n) if rng is None else rng.random(n)
        order = np.lexsort((tie, lengths))  # by length, then by the random tie-break
        groups = [order[i:i + size] for i in range(0, n, size)]
        if rng is not None:
            groups = [groups[i] for i in rng.permutation(len(groups))]
        for idx in groups:
            x, lengths_b, y = piece_batch([self.pieces[i] for i in idx])
            yield (x, lengths_b), (y,)


def train_music_lm(cell: str, train, val, vocab_size: int, *, embedding_dim: int = 16, hidden_size: int = 64,
                   epochs: int = 30, batch_size: int = 16, lr: float = 0.005, max_norm: float = 5.0,
                   patience: int = 3, rng: np.random.Generator | int | None = 0,
                   progress: bool | str = False) -> tuple[RNNLanguageModel, dict[str, np.ndarray]]:
    """Build Embedding(V, E) -> ``cell`` -> Linear(H, V) and train it on whole pieces with Adam.

    ``rng`` draws the initial weights, then orders the batches of every epoch. Training stops after
    ``patience`` epochs without a new lowest validation loss, and the best epoch's weights are kept.
    The history's losses are in nats per token.
    """
    gen = as_rng(rng)
    model = make_char_lm(cell, check_int(vocab_size, "vocab_size", low=2), embedding_dim, hidden_size, rng=gen)
    history = fit(model, CrossEntropyLoss(ignore_index=IGNORE), Adam(model.params, lr=lr), PieceBatches(train),
                  epochs=check_int(epochs, "epochs", low=1), batch_size=batch_size, val=PieceBatches(val),
                  clip_grad_norm=max_norm, early_stopping=EarlyStopping(check_int(patience, "patience", low=1)),
                  progress=progress, rng=gen)
    return model, history


def piece_log_probs(model: RNNLanguageModel, pieces, batch_size: int = 64) -> list[np.ndarray]:
    """ln P(p[t] | p[:t]) for t = 1, ..., T_i - 1 of every piece, each read from a zero state: a list of (T_i - 1,)."""
    if not isinstance(model, RNNLanguageModel):
        raise TypeError(f"model must be a lessonpkg RNNLanguageModel, got {type(model).__name__}")
    pieces = _check_pieces(pieces)
    out: list[np.ndarray] = [np.empty(0)] * len(pieces)
    order = np.argsort([len(p) for p in pieces], kind="stable")
    for start in range(0, len(pieces), check_int(batch_size, "batch_size", low=1)):
        idx = order[start:start + batch_size]
        x, lengths, y = piece_batch([pieces[i] for i in idx])
        logits, _ = model.forward(x, lengths)  # (N, V, T)
        logp = log_softmax(logits, axis=1)
        picked = np.take_along_axis(logp, np.maximum(y, 0)[:, None, :], axis=1)[:, 0]  # (N, T)
        for row, i in enumerate(idx):
            out[i] = picked[row, : lengths[row]]
    return out


def to_stream(pieces) -> np.ndarray:
    """The pieces joined into one stream, each separator shared by the piece it ends and the next one starts."""
    pieces = _check_pieces(pieces)
    return np.concatenate([pieces[0][:1], *[p[1:] for p in pieces]])


def ngram_piece_log_probs(model: KneserNeyModel, pieces) -> list[np.ndarray]:
    """The n-gram model's ln P of every token after each piece's first, read as ``to_stream(pieces)``: (T_i - 1,) each.

    At a piece's start the context reaches back over the separator into the piece before (as in
    training on ``to_stream(train)``), which can only help the n-gram model.
    """
    if not isinstance(model, KneserNeyModel):
        raise TypeError(f"model must be a lessonpkg KneserNeyModel, got {type(model).__name__}")
    pieces = _check_pieces(pieces)
    logp = model.token_log_probs(to_stream(pieces))
    return np.split(logp, np.cumsum([len(p) - 1 for p in pieces])[:-1])


def synthesize(notes, *, sample_rate: int = 8000, seconds_per_quarter: float = 0.5,
               harmonics=(1.0, 0.5, 0.25), decay: float = 3.0) -> np.ndarray:
    """A waveform of (MIDI pitch or None, quarter length) notes: decaying additive tones, float64 in [-1, 1].

    Each note of MIDI pitch m sounds at f = 440 * 2 ** ((m - 69) / 12) Hz as the sum of
    ``harmonics[k] * sin(2 pi (k + 1) f t)``, shaped by a 10 ms attack, exp(-decay t) and a 10 ms release;
    a rest is silence.
    """
    sample_rate = check_int(sample_rate, "sample_rate", low=1000)
    spq = check_real(seconds_per_quarter, "seconds_per_quarter", low=0, low_open=True)
    decay = check_real(decay, "decay", low=0)
    amps = np.asarray(harmonics, dtype=np.float64)
    if amps.ndim != 1 or amps.size == 0 or np.any(amps < 0):
        raise ValueError(f"harmonics must be a non-empty 1-d sequence of amplitudes >= 0, got {harmonics!r}")
    chunks = []
    for k, note in enumerate(notes):
        if not isinstance(note, (tuple, list)) or len(note) != 2:
            raise TypeError(f"notes[{k}] must be a (MIDI pitch or None, quarter length) pair, got {note!r}")
        midi, ql = note
        n = int(round(check_real(ql, f"notes[{k}] quarter length", low=0, low_open=True) * spq * sample_rate))
        t = np.arange(n) / sample_rate  # (n,) seconds since the note began
        if midi is None:
            chunks.append(np.zeros(n))
            continue
        f = 440.0 * 2.0 ** ((check_int(midi, f"notes[{k}] pitch", low=0, high=127) - 69) / 12)
        ramp = 0.01 * sample_rate  # 10 ms in samples
        i = np.arange(n)
        envelope = np.minimum(i / ramp, 1.0) * np.exp(-decay * t) * np.minimum((n - i) / ramp, 1.0)  # (n,)
        tone = sum(a * np.sin(2 * np.pi * (h + 1) * f * t) for h, a in enumerate(amps)
                   if (h + 1) * f < sample_rate / 2)  # harmonics above the Nyquist frequency would alias
        chunks.append(envelope * tone)
    if not chunks:
        raise ValueError("notes must hold at least one (pitch, quarter length) pair, got none")
    wave = np.concatenate(chunks)
    peak = np.abs(wave).max()
    return wave / peak if peak > 0 else wave
