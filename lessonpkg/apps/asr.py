"""Phoneme recognition with CTC: log-probabilities from a tagger, its training data, decoding and error rates.

The model is a ``SequenceTagger`` (usually over a bidirectional GRU) whose
head has C = P + 1 outputs, class 0 being the CTC blank. For a padded batch x
(N, T, D) with ``lengths`` (N,)::

    logits = model.forward(x, lengths)              # (N, C, T)
    log_probs = log_softmax(logits over C)          # moved to (T, N, C), CTC's layout
    loss = CTCLoss(blank=0)(log_probs, targets, lengths, target_lengths)

and the gradient flows back the same way (``CTCModel``). ``lp.fit`` trains it on ``CTCBatches``
with ``CTCLoss``. Recognition is best-path decoding (``ctc_greedy_decode``); quality is the
phoneme error rate, the edit distance between recognised and true phoneme strings divided by the
true length (``phoneme_errors``, a metric of ``lp.evaluate``).
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_array, check_int, check_int_array
from lessonpkg.decode.ctc import ctc_greedy_decode
from lessonpkg.metrics.sequence import edit_distance
from lessonpkg.models.heads import SequenceTagger
from lessonpkg.nn.functional import log_softmax
from lessonpkg.train.data import batch_indices


class CTCModel(SequenceTagger):
    """A ``SequenceTagger`` whose scores become CTC's per-frame log-probabilities (T, N, C).

    ``forward(x, lengths)`` returns ``log_softmax`` of the tagger's logits over the classes, moved to
    (T, N, C), the layout ``CTCLoss`` reads; ``backward`` takes the gradient back through the
    log-softmax, ``dz = g - exp(log_probs) * g.sum(axis=2)``. It is built on the tagger's ``rnn`` and
    ``head`` (the same arrays, under the same names), so training it trains the tagger.

    Parameters
    ----------
    tagger : SequenceTagger with C outputs, class 0 the blank
    """

    def __init__(self, tagger: SequenceTagger) -> None:
        if not isinstance(tagger, SequenceTagger):
            raise TypeError(f"model must be a lessonpkg SequenceTagger, got {type(tagger).__name__}")
        super().__init__(tagger.rnn, tagger.head)

    def forward(self, x: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, tuple]:
        """Return ``log_probs`` (T, N, C) for x (N, T, D) with ``lengths`` (N,), and the cache."""
        logits, cache = super().forward(x, lengths=lengths)  # (N, C, T)
        log_probs = log_softmax(logits.transpose(2, 0, 1), axis=2)  # (T, N, C)
        return log_probs, self.save_for_backward(tagger=cache, log_probs=log_probs)

    def backward(self, dlog_probs: np.ndarray, cache: tuple) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Return ``dx`` (N, T, D) and ``grads`` keyed like ``params``; ``dlog_probs`` is (T, N, C)."""
        tagger_cache, log_probs = self.check_cache(cache).values()
        dz = dlog_probs - np.exp(log_probs) * dlog_probs.sum(axis=2, keepdims=True)  # back through log_softmax
        return super().backward(dz.transpose(1, 2, 0), tagger_cache)  # (N, C, T)


def ctc_log_probs(model: SequenceTagger, x: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Return ``log_probs`` (T, N, C), the log-softmax of the tagger's logits, and the cache of ``CTCModel``."""
    return CTCModel(model).forward(x, lengths)


class CTCBatches:
    """Padded utterances and their label sequences, served for ``lp.fit`` and ``lp.evaluate`` with ``CTCModel``.

    ``batches(batch_size, rng)`` yields ``((x, lengths), (targets, lengths, target_lengths))``, the
    inputs of ``CTCModel`` and the targets of ``CTCLoss``. A minibatch is cut to its longest
    utterance and its longest label sequence; read in one batch and in order it is passed whole.

    Parameters
    ----------
    x : (N, T, D) padded features; lengths : (N,)
    targets : (N, S) padded label ids in 1..C-1; target_lengths : (N,)
    """

    def __init__(self, x, lengths, targets, target_lengths) -> None:
        self.x = check_array(x, "x")
        self.lengths, self.targets = check_int_array(lengths, "lengths", low=1), check_int_array(targets, "targets")
        self.target_lengths = check_int_array(target_lengths, "target_lengths", low=0)
        N = self.x.shape[0] if self.x.ndim == 3 else -1
        if N < 1 or any(a.shape[:1] != (N,) for a in (self.lengths, self.targets, self.target_lengths)):
            raise ValueError(f"x (N, T, D), lengths (N,), targets (N, S) and target_lengths (N,) must share N >= 1, "
                             f"got {self.x.shape}, {self.lengths.shape}, {self.targets.shape}, "
                             f"{self.target_lengths.shape}")

    def batches(self, batch_size: int | None, rng: np.random.Generator | None):
        """Yield ``((x, lengths), (targets, lengths, target_lengths))`` per minibatch, shuffled by ``rng``."""
        arrays = (self.x, self.lengths, self.targets, self.target_lengths)
        if rng is None and (batch_size is None or check_int(batch_size, "batch_size", low=1) >= len(self.x)):
            yield (self.x, self.lengths), (self.targets, self.lengths, self.target_lengths)
            return
        for idx in batch_indices(len(self.x), batch_size, rng):
            x, lengths, targets, target_lengths = (a[idx] for a in arrays)
            T, S = int(lengths.max()), max(int(target_lengths.max()), 1)
            yield (x[:, :T], lengths), (targets[:, :S], lengths, target_lengths)


def phoneme_errors(log_probs: np.ndarray, targets: np.ndarray, input_lengths: np.ndarray,
                   target_lengths: np.ndarray) -> tuple[int, int]:
    """A metric for ``lp.evaluate``: the edit distance of the best paths to the labels, and the labels' length.

    Summed over a data set, their ratio is the phoneme error rate (``metrics.error_rate``).
    """
    hyps = ctc_greedy_decode(log_probs, input_lengths, blank=0)
    refs = [t[:n] for t, n in zip(targets, target_lengths)]
    return sum(edit_distance(h, r) for h, r in zip(hyps, refs)), int(sum(len(r) for r in refs))


def recognise(model: SequenceTagger, x: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """Best-path phoneme ids (blank 0 removed) for every sequence of the batch."""
    log_probs, _ = ctc_log_probs(model, x, lengths)
    return ctc_greedy_decode(log_probs, lengths, blank=0)


def collapse_frames(frame_ids: np.ndarray, silence: int = 0) -> np.ndarray:
    """Turn per-frame labels (T,) into a label sequence: merge runs of one label, drop ``silence``."""
    f = check_int_array(frame_ids, "frame_ids")
    if f.ndim != 1 or f.size == 0:
        raise ValueError(f"frame_ids must have shape (T,) with T >= 1, one label per frame, got {f.shape}")
    keep = np.concatenate([[True], f[1:] != f[:-1]]) & (f != silence)
    return f[keep].astype(np.int64)


def stack_frames(x: np.ndarray, context: int) -> np.ndarray:
    """Each frame of x (T, D) with its ``context`` neighbours on either side: (T, (2 context + 1) D), edges repeated."""
    x = check_array(x, "x")
    context = check_int(context, "context", low=0)
    if x.ndim != 2 or 0 in x.shape:
        raise ValueError(f"x must have shape (T, D) with T, D >= 1, got {x.shape}")
    padded = np.pad(x, ((context, context), (0, 0)), mode="edge")
    return np.concatenate([padded[i:i + len(x)] for i in range(2 * context + 1)], axis=1)
