"""Grapheme-to-phoneme (G2P) models for Chapter 10: build, train in length buckets, decode, load.

Two GRU encoder-decoders with the same sizes, trained the same way on
``lp.data.cmu.load_cmudict`` pairs:

* ``"plain"``: Chapter 3's ``Seq2Seq``, the source reaches the decoder only through the encoder's final state;
* ``"attention"``: ``AttentionSeq2Seq``, the decoder also attends to every encoder output at every step.

Batches hold words of one length ("bucketing", ``PairBatches``), so the plain model
never reads padding; the targets are padded and ``CrossEntropyLoss(ignore_index=PAD)``
skips the padding. ``lp.fit`` trains either model on them, ``lp.evaluate`` measures it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lessonpkg._validate import as_rng, check_int
from lessonpkg.data.cmu import BOS, EOS, PAD, TokenVocab, encode_pairs, letter_vocab, phoneme_vocab
from lessonpkg.decode.search import beam_search, greedy_decode
from lessonpkg.models.attn_seq2seq import AttentionSeq2Seq, seq2seq_step_fn
from lessonpkg.models.seq2seq import Seq2Seq
from lessonpkg.nn.attention import AdditiveAttention
from lessonpkg.nn.embedding import Embedding
from lessonpkg.nn.gru import GRU
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.loss import CrossEntropyLoss
from lessonpkg.optim import Adam
from lessonpkg.train.checkpoint import load_checkpoint, load_curves
from lessonpkg.train.loop import fit

KINDS = ("plain", "attention")


def build_g2p_model(kind: str, *, embedding_dim: int = 32, hidden_size: int = 64, attention_size: int = 64,
                    n_letters: int = 29, n_phonemes: int = 42, rng: np.random.Generator | int | None = 0):
    """A GRU ``Seq2Seq`` (``kind="plain"``) or ``AttentionSeq2Seq`` (``kind="attention"``) over letters and phonemes.

    Both embed letters and phonemes (E = ``embedding_dim``, row PAD fixed at 0)
    and use one-layer GRUs of H = ``hidden_size``; the attention model adds
    ``AdditiveAttention(H, H, attention_size)`` and its head reads 2H numbers.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    E, H = check_int(embedding_dim, "embedding_dim", low=1), check_int(hidden_size, "hidden_size", low=1)
    for value, name in ((attention_size, "attention_size"), (n_letters, "n_letters"), (n_phonemes, "n_phonemes")):
        check_int(value, name, low=1)
    rng = as_rng(rng)
    parts = [Embedding(n_letters, E, padding_idx=PAD, rng=rng), GRU(E, H, batch_first=True, rng=rng),
             Embedding(n_phonemes, E, padding_idx=PAD, rng=rng), GRU(E, H, batch_first=True, rng=rng)]
    if kind == "plain":
        return Seq2Seq(*parts, Linear(H, n_phonemes, rng=rng))
    attention = AdditiveAttention(H, H, attention_size, rng=rng)
    return AttentionSeq2Seq(*parts, attention, Linear(2 * H, n_phonemes, rng=rng))


def length_batches(pairs: Sequence, batch_size: int, rng: np.random.Generator | int | None = None) -> list[list]:
    """Group ``(word, phonemes)`` pairs into batches of words of equal length, at most ``batch_size`` each.

    With ``rng`` the pairs are shuffled within each length and the batches are
    shuffled; with None the order is fixed (lengths ascending, pairs in input order).
    """
    batch_size = check_int(batch_size, "batch_size", low=1)
    if isinstance(pairs, (str, bytes)) or not hasattr(pairs, "__len__"):
        raise TypeError(f"pairs must be a sequence of (word, phonemes) pairs, got {type(pairs).__name__}")
    if len(pairs) == 0:
        raise ValueError("pairs must hold at least one (word, phonemes) pair, got an empty sequence")
    gen = None if rng is None else as_rng(rng)
    by_length: dict[int, list] = {}
    for pair in pairs:
        by_length.setdefault(len(pair[0]), []).append(pair)
    batches = []
    for length in sorted(by_length):
        group = by_length[length]
        if gen is not None:
            group = [group[i] for i in gen.permutation(len(group))]
        batches += [group[i:i + batch_size] for i in range(0, len(group), batch_size)]
    if gen is not None:
        batches = [batches[i] for i in gen.permutation(len(batches))]
    return batches


class PairBatches:
    """``(word, phonemes)`` pairs served as length buckets for ``lp.fit`` and ``lp.evaluate``.

    ``batches(batch_size, rng)`` groups the pairs with ``length_batches`` (shuffled by ``rng``, in a
    fixed order when it is None; ``batch_size=None`` means 256) and encodes each batch with
    ``encode_pairs``. It yields ``((src, tgt_in), (tgt_out,))`` for ``kind="plain"`` (``Seq2Seq``) and
    ``((src, src_lengths, tgt_in), (tgt_out,))`` for ``kind="attention"`` (``AttentionSeq2Seq``);
    ``tgt_out`` is padded with PAD, which ``CrossEntropyLoss(ignore_index=PAD)`` skips.
    """

    def __init__(self, pairs: Sequence, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        length_batches(pairs, 1)  # checks the pairs
        self.pairs, self.kind = pairs, kind

    def batches(self, batch_size: int | None, rng: np.random.Generator | None):
        """Yield ``(inputs, (tgt_out,))`` for every length bucket, as the class docstring says."""
        for batch in length_batches(self.pairs, 256 if batch_size is None else batch_size, rng):
            enc = encode_pairs(batch, letter_vocab(), phoneme_vocab())
            inputs = (enc.src, enc.tgt_in) if self.kind == "plain" else (enc.src, enc.src_lengths, enc.tgt_in)
            yield inputs, (enc.tgt_out,)


def train_g2p(kind: str, train_pairs: Sequence, val_pairs: Sequence, *, epochs: int = 10, batch_size: int = 64,
              lr: float = 0.005, max_norm: float = 5.0, rng: np.random.Generator | int | None = 0,
              progress: bool | str = False, **sizes) -> tuple[object, dict[str, np.ndarray]]:
    """Build a model with ``build_g2p_model(kind, **sizes)`` and train it with Adam and gradient clipping.

    ``rng`` draws the initial weights, then shuffles the length buckets at every epoch.

    Returns
    -------
    model : Seq2Seq or AttentionSeq2Seq
    history : dict, ``lp.fit``'s, with the losses in nats per target token (phonemes and EOS)
    """
    gen = as_rng(rng)
    model = build_g2p_model(kind, rng=gen, **sizes)
    history = fit(model, CrossEntropyLoss(ignore_index=PAD), Adam(model.params, lr=lr), PairBatches(train_pairs, kind),
                  epochs=check_int(epochs, "epochs", low=1), batch_size=batch_size, val=PairBatches(val_pairs, kind),
                  clip_grad_norm=max_norm, progress=progress, rng=gen)
    return model, history


def transcribe(model, word: str, *, beam_width: int = 1, max_len: int = 20,
               letters: TokenVocab | None = None, phonemes: TokenVocab | None = None) -> tuple[str, ...]:
    """The phonemes of ``word``: greedy decoding (``beam_width=1``) or ``beam_search``, stopping at EOS."""
    letters, phonemes = letters or letter_vocab(), phonemes or phoneme_vocab()
    src = letters.encode(word)
    step, state = model.step_fn(src) if isinstance(model, AttentionSeq2Seq) else seq2seq_step_fn(model, src)
    if check_int(beam_width, "beam_width", low=1) == 1:
        tokens, _ = greedy_decode(step, state, max_len, EOS, start=BOS)
    else:
        tokens = beam_search(step, state, beam_width, max_len, EOS, start=BOS)[0][0]
    return phonemes.decode(np.array(tokens, dtype=np.int64))


def load_g2p(path, **sizes) -> tuple[dict[str, object], dict[str, dict[str, np.ndarray]]]:
    """Load the models saved by ``scripts/train_g2p.py``: ``{kind: model}`` and ``{kind: curves}``."""
    models = {kind: build_g2p_model(kind, **sizes) for kind in KINDS}
    return models, load_curves(load_checkpoint(path, models), KINDS)
