"""lessonpkg.models.ngram: add-k n-gram models are proper distributions and score streams as counted by hand."""

import itertools

import numpy as np
import pytest

from lessonpkg.models.ngram import NGramModel, bits_per_token, perplexity


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
