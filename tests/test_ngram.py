"""lessonpkg.models.ngram: add-k n-gram models are proper distributions and score streams as counted by hand."""

import itertools

import numpy as np
import pytest

from lessonpkg.models.ngram import KneserNeyModel, NGramModel, bits_per_token, perplexity


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("k", [0.01, 0.5, 1.0])
def test_every_context_gives_a_distribution(order, k):
    rng = np.random.default_rng(order)
    m = NGramModel(order, 4, k).fit(rng.integers(0, 4, size=200))
    for ctx in itertools.product(range(4), repeat=order - 1):
        p = m.probs(ctx)
        assert p.shape == (4,) and np.all(p > 0)
        np.testing.assert_allclose(p.sum(), 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_nll_equals_the_product_of_conditional_probabilities(order):
    rng = np.random.default_rng(0)
    m = NGramModel(order, 3, 0.3).fit(rng.integers(0, 3, size=50))
    s = rng.integers(0, 3, size=20)
    padded = [0] * (order - 1) + list(s)  # s[t] sits at padded[t + order - 1], its context just before it
    expected = -np.mean([np.log(m.probs(padded[t:t + order - 1])[s[t]]) for t in range(1, 20)])
    np.testing.assert_allclose(m.nll(s), expected, rtol=1e-12)


def test_counts_by_hand_and_unit_conversions():
    m = NGramModel(2, 3, k=1.0).fit(np.array([0, 1, 1, 2]))
    # bigrams (0,1), (1,1), (1,2): after 1 -> counts [0, 1, 1] -> (c + 1) / (2 + 3)
    np.testing.assert_allclose(m.probs([1]), [1 / 5, 2 / 5, 2 / 5])
    np.testing.assert_allclose(perplexity(np.log(5.0)), 5.0)
    np.testing.assert_allclose(bits_per_token(np.log(8.0)), 3.0)
    uniform = NGramModel(1, 4, k=1.0).fit(np.array([0, 0]))  # one count of 0, plus k everywhere
    np.testing.assert_allclose(uniform.probs(), [2 / 5, 1 / 5, 1 / 5, 1 / 5])


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="k must be"):
        NGramModel(2, 3, k=0)
    with pytest.raises(ValueError, match=r"token indices in \[0, 3\)"):
        NGramModel(2, 3).fit(np.array([0, 3]))
    with pytest.raises(ValueError, match="1-d integer array"):
        NGramModel(2, 3).fit(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="pad"):
        NGramModel(2, 3, pad=3)
    with pytest.raises(ValueError, match="context"):
        NGramModel(2, 3).probs([5])


@pytest.mark.parametrize("fn", [perplexity, bits_per_token])
def test_perplexity_and_bits_refuse_a_non_finite_or_negative_nll(fn):
    with pytest.raises(ValueError, match="nll must be a finite number >= 0, got nan"):
        fn(float("nan"))
    with pytest.raises(ValueError, match="nll must be a finite number >= 0, got inf"):
        fn(np.inf)
    with pytest.raises(TypeError, match="nll must be a real number, got str"):
        fn("1.0")


# -- interpolated Kneser-Ney --

@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("discount", [0.1, 0.75, 1.0])
def test_kneser_ney_gives_a_distribution_for_every_context(order, discount):
    rng = np.random.default_rng(order)
    m = KneserNeyModel(order, 4, discount).fit(rng.integers(0, 3, size=60))  # token 3 never seen
    for ctx in itertools.product(range(4), repeat=order - 1):  # seen and unseen contexts
        p = m.probs(ctx)
        assert p.shape == (4,) and np.all(p > 0)
        np.testing.assert_allclose(p.sum(), 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_kneser_ney_nll_equals_the_product_of_conditional_probabilities(order):
    rng = np.random.default_rng(0)
    m = KneserNeyModel(order, 3, 0.6).fit(rng.integers(0, 3, size=50))
    s = rng.integers(0, 3, size=20)
    padded = [0] * (order - 1) + list(s)
    expected = -np.mean([np.log(m.probs(padded[t:t + order - 1])[s[t]]) for t in range(1, 20)])
    np.testing.assert_allclose(m.nll(s), expected, rtol=1e-12)


def test_kneser_ney_by_hand():
    m = KneserNeyModel(2, 3, discount=0.5).fit(np.array([0, 1, 1, 2]))
    # bigrams (0,1), (1,1), (1,2). Continuation counts: 1 follows {0, 1} -> 2, 2 follows {1} -> 1, 0 -> 0;
    # total 3, 2 types. P_1(c) = (max(N - 0.5, 0) + 0.5 * 2 / 3) / 3 = [1/9, 11/18, 5/18]
    p1 = np.array([1 / 9, 11 / 18, 5 / 18])
    np.testing.assert_allclose(m.probs([2]), p1, rtol=1e-12)  # context 2 never seen: the lower order alone
    # after 1: counts [0, 1, 1], total 2, 2 types -> (max(c - 0.5, 0) + 0.5 * 2 * P_1) / 2
    np.testing.assert_allclose(m.probs([1]), [1 / 18, 10 / 18, 7 / 18], rtol=1e-12)
    # after 0: counts [0, 1, 0], total 1, 1 type -> (max(c - 0.5, 0) + 0.5 * P_1) / 1
    np.testing.assert_allclose(m.probs([0]), [1 / 18, 0.5 + 11 / 36, 5 / 36], rtol=1e-12)
    uni = KneserNeyModel(1, 3, discount=0.5).fit(np.array([0, 1, 1, 2]))  # raw counts [0, 2, 1] at the top order
    np.testing.assert_allclose(uni.probs(), [1 / 9, (1.5 + 1 / 3) / 3, (0.5 + 1 / 3) / 3], rtol=1e-12)


def test_kneser_ney_discount_tuning_picks_the_validation_minimum():
    rng = np.random.default_rng(1)
    train, val = rng.integers(0, 5, size=300), rng.integers(0, 5, size=100)
    m = KneserNeyModel(3, 5).fit(train)
    grid = [0.2, 0.4, 0.6, 0.8, 1.0]
    scores = m.tune_discount(val, grid)
    assert list(scores) == grid
    for d in grid:
        np.testing.assert_allclose(scores[d], KneserNeyModel(3, 5, d).fit(train).nll(val), rtol=1e-12)
    assert m.discount == min(grid, key=lambda d: scores[d])
    np.testing.assert_allclose(m.nll(val), min(scores.values()), rtol=1e-12)


def test_kneser_ney_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match=r"discount must be a finite number > 0 and <= 1, got 0"):
        KneserNeyModel(2, 3, discount=0)
    with pytest.raises(ValueError, match=r"discount must be a finite number > 0 and <= 1, got 1.5"):
        KneserNeyModel(2, 3, discount=1.5)
    with pytest.raises(TypeError, match="discount must be a real number, got str"):
        KneserNeyModel(2, 3, discount="0.5")
    with pytest.raises(ValueError, match="order must be"):
        KneserNeyModel(0, 3)
    with pytest.raises(ValueError, match="must be fitted"):
        KneserNeyModel(2, 3).nll(np.array([0, 1]))
    m = KneserNeyModel(2, 3).fit(np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"token indices in \[0, 3\)"):
        m.nll(np.array([0, 3]))
    with pytest.raises(ValueError, match="context"):
        m.probs([5])
    with pytest.raises(ValueError, match=r"discounts must be a finite number > 0 and <= 1, got 2"):
        m.tune_discount(np.array([0, 1]), [0.5, 2.0])
    with pytest.raises(ValueError, match="at least one"):
        m.tune_discount(np.array([0, 1]), [])


def test_kneser_ney_token_log_probs_average_to_the_nll():
    rng = np.random.default_rng(2)
    m = KneserNeyModel(3, 4, 0.7).fit(rng.integers(0, 4, size=100))
    s = rng.integers(0, 4, size=30)
    lps = m.token_log_probs(s)
    assert lps.shape == (29,)
    np.testing.assert_allclose(-lps.mean(), m.nll(s), rtol=1e-12)


# -- sparse counts and lists of streams --

@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_sparse_kneser_ney_equals_the_dense_one(order):
    rng = np.random.default_rng(order)
    train = [rng.integers(0, 5, size=n) for n in (12, 3, 30, 7)]  # a list of streams, token 4 rare or unseen
    val = rng.integers(0, 5, size=25)
    dense = KneserNeyModel(order, 5, 0.6).fit(train)
    sparse = KneserNeyModel(order, 5, 0.6, sparse=True).fit(train)
    assert isinstance(sparse.counts, dict) and all(n > 0 for n in sparse.counts.values())
    np.testing.assert_allclose(sparse.token_log_probs(val), dense.token_log_probs(val), rtol=1e-13)
    for ctx in itertools.product(range(5), repeat=order - 1):
        np.testing.assert_allclose(sparse.probs(ctx), dense.probs(ctx), rtol=1e-13)
        np.testing.assert_allclose(sparse.probs(ctx).sum(), 1.0, rtol=0, atol=1e-12)
    assert sparse.tune_discount(val, [0.3, 0.9]) == pytest.approx(dense.tune_discount(val, [0.3, 0.9]), rel=1e-13)


def test_a_list_of_streams_is_counted_stream_by_stream():
    # each stream gets its own left padding: no n-gram crosses from one stream into the next
    m = KneserNeyModel(3, 4, sparse=True).fit([np.array([0, 1, 2, 0]), np.array([0, 3, 0])])
    assert set(m.counts) == {(0, 0, 1), (0, 1, 2), (1, 2, 0), (0, 0, 3), (0, 3, 0)}
    joined = NGramModel(3, 4).fit(np.array([0, 1, 2, 0, 3, 0]))
    apart = NGramModel(3, 4).fit([np.array([0, 1, 2, 0]), np.array([0, 3, 0])])
    assert joined.counts[2, 0, 3] == 1 and apart.counts[2, 0, 3] == 0 and apart.counts[0, 0, 3] == 1
    s = [np.array([0, 1, 2, 0]), np.array([0, 3, 0])]
    np.testing.assert_allclose(m.token_log_probs(s), np.concatenate([m.token_log_probs(x) for x in s]), rtol=1e-15)


def test_log_probs_of_rows_equal_the_distribution():
    rng = np.random.default_rng(3)
    m = KneserNeyModel(3, 4, 0.7, sparse=True).fit(rng.integers(0, 4, size=80))
    rows = np.array([[1, 2, c] for c in range(4)] + [[3, 3, 0]])
    np.testing.assert_allclose(np.exp(m.log_probs(rows[:4])), m.probs([1, 2]), rtol=1e-13)
    np.testing.assert_allclose(np.exp(m.log_probs(rows[4:])), m.probs([3, 3])[[0]], rtol=1e-13)


def test_sparse_and_list_bad_inputs_raise_clear_errors():
    with pytest.raises(TypeError, match="sparse must be a bool, got int"):
        KneserNeyModel(2, 3, sparse=1)
    m = KneserNeyModel(2, 3, sparse=True)
    with pytest.raises(ValueError, match="must be fitted"):
        m.log_probs(np.array([[0, 1]]))
    with pytest.raises(ValueError, match="non-empty list"):
        m.fit([])
    with pytest.raises(ValueError, match=r"stream\[1\] must be a 1-d integer array with at least 2 tokens"):
        m.fit([np.array([0, 1]), np.array([2])])
    m.fit([np.array([0, 1, 2])])
    with pytest.raises(ValueError, match=r"grams must be a 2-d integer array of shape \(M, 2\)"):
        m.log_probs(np.array([[0, 1, 2]]))
    with pytest.raises(ValueError, match=r"grams must be a 2-d integer array"):
        m.log_probs(np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"token indices in \[0, 3\), got 0..7"):
        m.log_probs(np.array([[0, 7]]))
