"""lessonpkg.decode.search: greedy, sampling and beam search over a step function."""

import itertools

import numpy as np
import pytest

from lessonpkg.decode.search import beam_search, greedy_decode, sample_sequence


def markov_step(table):
    """A step function whose next-token log-probabilities depend on the last token only; state counts steps."""
    log_table = np.log(table)

    def step(token, state):
        return log_table[token], (state or 0) + 1
    return step


def random_table(V, seed):
    p = np.random.default_rng(seed).dirichlet(np.full(V, 0.7), size=V)
    return p


def exhaustive_best(table, start, max_len, eos):
    """Score every sequence: those ending at their first eos (length <= max_len) and eos-free ones of max_len."""
    V, best = table.shape[0], (None, -np.inf)
    for n in range(1, max_len + 1):
        for seq in itertools.product(range(V), repeat=n):
            if eos in seq[:-1] or (seq[-1] != eos and n < max_len):
                continue
            score = sum(np.log(table[a, b]) for a, b in zip((start,) + seq[:-1], seq))
            if score > best[1]:
                best = (list(seq), score)
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("V,max_len", [(2, 1), (3, 3), (3, 4), (4, 3)])
def test_beam_width_one_is_greedy(seed, V, max_len):
    step = markov_step(random_table(V, seed))
    (seq, score), = beam_search(step, None, 1, max_len, eos=0, start=1)
    g_seq, g_score = greedy_decode(step, None, max_len, eos=0, start=1)
    assert seq == g_seq
    np.testing.assert_allclose(score, g_score, rtol=1e-14)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("V,max_len", [(2, 3), (3, 3), (3, 4), (4, 3)])
def test_wide_beam_finds_the_exhaustive_optimum(seed, V, max_len):
    table = random_table(V, seed)
    results = beam_search(markov_step(table), None, V ** max_len, max_len, eos=0, start=1)
    best_seq, best_score = exhaustive_best(table, 1, max_len, 0)
    assert results[0][0] == best_seq
    np.testing.assert_allclose(results[0][1], best_score, rtol=1e-12)
    scores = [s for _, s in results]
    assert scores == sorted(scores, reverse=True)


def test_beam_beats_greedy_where_the_best_first_step_leads_nowhere():
    # from 1: token 2 (0.6) then only weak continuations; token 3 (0.4) then eos with certainty
    table = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.6, 0.4],
                      [0.34, 0.33, 0.0, 0.33], [1.0, 0.0, 0.0, 0.0]]) + 1e-12
    table /= table.sum(axis=1, keepdims=True)
    g_seq, g_score = greedy_decode(markov_step(table), None, 2, eos=0, start=1)
    (b_seq, b_score), _ = beam_search(markov_step(table), None, 2, 2, eos=0, start=1)
    assert g_seq == [2, 0] and b_seq == [3, 0]
    assert b_score > g_score


def test_sampling_at_temperature_zero_is_greedy_and_is_seeded():
    step = markov_step(random_table(5, 3))
    assert sample_sequence(step, None, 6, 0, start=1, temperature=0.0) == greedy_decode(step, None, 6, 0, start=1)[0]
    a = sample_sequence(step, None, 8, 0, start=1, rng=4)
    assert a == sample_sequence(step, None, 8, 0, start=1, rng=4)
    assert 1 <= len(a) <= 8 and (a[-1] == 0 or len(a) == 8) and 0 not in a[:-1]


def test_state_is_threaded_through_the_steps():
    seen = []

    def step(token, state):
        seen.append((token, state))
        return np.log(np.array([0.1, 0.9])), state + 1
    greedy_decode(step, 10, 3, eos=0, start=1)
    assert seen == [(1, 10), (1, 11), (1, 12)]


def test_bad_inputs_raise_clear_errors():
    step = markov_step(random_table(3, 0))
    with pytest.raises(ValueError, match="beam_width must be >= 1"):
        beam_search(step, None, 0, 3, eos=0, start=1)
    with pytest.raises(ValueError, match="max_len must be >= 1"):
        greedy_decode(step, None, 0, eos=0, start=1)
    with pytest.raises(ValueError, match=r"shape \(V,\)"):
        greedy_decode(lambda t, s: (np.zeros((2, 2)), s), None, 3, eos=0, start=1)


def test_nan_from_step_fn_and_negative_seed_raise():
    def nan_step(token, state):
        return np.array([-0.5, np.nan, -1.0]), state

    for decode in (lambda: greedy_decode(nan_step, None, 3, 2, start=0),
                   lambda: beam_search(nan_step, None, 2, 3, 2, start=0),
                   lambda: sample_sequence(nan_step, None, 3, 2, start=0, rng=0)):
        with pytest.raises(ValueError, match="step_fn must return log-probabilities without NaN"):
            decode()

    def step(token, state):
        return np.log(np.full(3, 1 / 3)), state

    with pytest.raises(ValueError, match="rng must be a seed >= 0, got -1"):
        sample_sequence(step, None, 3, 2, start=0, rng=-1)


DECODERS = {  # each returns the decoded tokens
    "greedy_decode": lambda step_fn, eos, start: greedy_decode(step_fn, None, 3, eos, start=start)[0],
    "sample_sequence": lambda step_fn, eos, start: sample_sequence(step_fn, None, 3, eos, start=start, rng=0),
    "beam_search": lambda step_fn, eos, start: beam_search(step_fn, None, 2, 3, eos, start=start)[0][0],
}
GOOD_STEP = markov_step(random_table(3, 0))


@pytest.mark.parametrize("decode", DECODERS.values(), ids=DECODERS.keys())
@pytest.mark.parametrize("step_fn, actual", [(None, "NoneType"), (np.zeros(3), "ndarray"), ("step", "str")])
def test_non_callable_step_fn_is_named(decode, step_fn, actual):
    with pytest.raises(TypeError, match=rf"step_fn must be a callable \(token, state\) -> \(log_probs, new_state\), "
                                        rf"got {actual}$"):
        decode(step_fn, 0, 1)


BAD_TOKENS = [(None, TypeError, "an int, got NoneType"), (1.0, TypeError, "an int, got float"),
              (True, TypeError, "an int, got bool"), ("1", TypeError, "an int, got str"),
              (np.float64(1.0), TypeError, "an int, got float64"), (np.array([1]), TypeError, "an int, got ndarray")]


@pytest.mark.parametrize("decode", DECODERS.values(), ids=DECODERS.keys())
@pytest.mark.parametrize("value, error, message", BAD_TOKENS + [(-1, ValueError, ">= 0, got -1")])
def test_bad_start_is_named(decode, value, error, message):
    with pytest.raises(error, match=f"start must be {message}"):
        decode(GOOD_STEP, 0, value)


@pytest.mark.parametrize("decode", DECODERS.values(), ids=DECODERS.keys())
@pytest.mark.parametrize("value, error, message", BAD_TOKENS)
def test_bad_eos_is_named(decode, value, error, message):
    with pytest.raises(error, match=f"eos must be {message}"):
        decode(GOOD_STEP, value, 1)


@pytest.mark.parametrize("decode", DECODERS.values(), ids=DECODERS.keys())
def test_numpy_integer_tokens_and_an_eos_no_token_equals_are_accepted(decode):
    tokens = decode(GOOD_STEP, np.int64(-1), np.int32(1))  # eos=-1: always max_len tokens
    assert len(tokens) == 3 and all(type(t) is int for t in tokens)
    assert decode(GOOD_STEP, np.int64(0), np.int32(1)) == decode(GOOD_STEP, 0, 1)
