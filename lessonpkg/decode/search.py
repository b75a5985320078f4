"""Decode sequences from any next-token model: greedy, temperature sampling and beam search.

All three take a step function, so they work for an n-gram table, an RNN or a
torch model alike::

    log_probs, state = step_fn(token, state)   # read token; log P(next token) (V,) and the new state

Decoding starts by feeding ``start`` (e.g. the last character of a prefix) to
``init_state`` (the state before it) and stops at ``eos`` or after ``max_len``
new tokens. A sequence's score is the sum of its tokens' log-probabilities.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lessonpkg._validate import as_rng, check_callable, check_int
from lessonpkg.decode.sampling import sample_next

StepFn = Callable[[int, object], tuple[np.ndarray, object]]


def _check_args(step_fn, max_len, eos, start) -> tuple[int, int, int]:
    """Check the arguments every decoder shares; return ``(max_len, eos, start)`` as ints.

    ``eos`` may be any int (e.g. -1, which no token equals, to always decode ``max_len`` tokens).
    """
    check_callable(step_fn, "step_fn", "a callable (token, state) -> (log_probs, new_state)")
    max_len = check_int(max_len, "max_len", low=1)
    return max_len, check_int(eos, "eos"), check_int(start, "start", low=0)


def _log_probs(out, V: int | None = None) -> np.ndarray:
    lp = np.asarray(out, dtype=np.float64)
    if lp.ndim != 1 or (V is not None and lp.shape != (V,)):
        raise ValueError(f"step_fn must return log-probabilities of shape (V,), got {lp.shape}")
    if np.isnan(lp).any():
        raise ValueError(f"step_fn must return log-probabilities without NaN (-inf is allowed), "
                         f"got {int(np.isnan(lp).sum())} NaN of {lp.size}")
    return lp


def greedy_decode(step_fn: StepFn, init_state, max_len: int, eos: int, *, start: int) -> tuple[list[int], float]:
    """Feed back the most likely token at every step; return the new tokens (ending in ``eos`` if reached) and
    their total log-probability."""
    max_len, eos, start = _check_args(step_fn, max_len, eos, start)
    tokens, score, token, state = [], 0.0, start, init_state
    for _ in range(max_len):
        log_probs, state = step_fn(token, state)
        log_probs = _log_probs(log_probs)
        token = int(np.argmax(log_probs))
        tokens.append(token)
        score += float(log_probs[token])
        if token == eos:
            break
    return tokens, score


def sample_sequence(step_fn: StepFn, init_state, max_len: int, eos: int, *, start: int, temperature: float = 1.0,
                    rng: np.random.Generator | int | None = None) -> list[int]:
    """Draw each next token with ``sample_next(probs, temperature)``; return the new tokens."""
    max_len, eos, start = _check_args(step_fn, max_len, eos, start)
    gen = as_rng(rng)
    tokens, token, state = [], start, init_state
    for _ in range(max_len):
        log_probs, state = step_fn(token, state)
        p = np.exp(_log_probs(log_probs))
        token = int(sample_next(p / p.sum(), temperature, gen))
        tokens.append(token)
        if token == eos:
            break
    return tokens


def beam_search(step_fn: StepFn, init_state, beam_width: int, max_len: int, eos: int, *,
                start: int) -> list[tuple[list[int], float]]:
    """Keep the ``beam_width`` best partial sequences at every step; return the best sequences found.

    At each step every live sequence is extended by every token; of all these
    candidates the ``beam_width`` highest-scoring survive (ties go to the earlier
    beam, then the lower token index). A survivor ending in ``eos`` is finished
    and leaves the beam; the search stops when no live sequence remains or after
    ``max_len`` steps, when the live ones count as finished too.

    Returns
    -------
    list of (tokens, log_prob)
        At most ``beam_width`` sequences, best first. With ``beam_width`` 1 this is
        ``greedy_decode``; with ``beam_width >= V ** max_len`` nothing is pruned and
        the first entry is the most probable sequence of all.
    """
    beam_width = check_int(beam_width, "beam_width", low=1)
    max_len, eos, start = _check_args(step_fn, max_len, eos, start)
    live = [([], 0.0, start, init_state)]  # (tokens, score, last token, state before reading it)
    finished: list[tuple[list[int], float]] = []
    V = None
    for _ in range(max_len):
        outs = [step_fn(last, state) for _, _, last, state in live]
        lps = np.stack([_log_probs(lp, V) for lp, _ in outs])  # (B, V)
        V = lps.shape[1]
        scores = np.array([s for _, s, _, _ in live])[:, None] + lps  # (B, V)
        best = np.argsort(-scores.ravel(), kind="stable")[:beam_width]  # beam-major, then token order
        new_live = []
        for flat in best:
            b, tok = divmod(int(flat), V)
            seq, score = live[b][0] + [tok], float(scores[b, tok])
            if tok == eos:
                finished.append((seq, score))
            else:
                new_live.append((seq, score, tok, outs[b][1]))
        live = new_live
        if not live:
            break
    finished += [(seq, score) for seq, score, _, _ in live]
    order = sorted(range(len(finished)), key=lambda i: -finished[i][1])  # sorted() is stable
    return [finished[i] for i in order[:beam_width]]
