"""lessonpkg.metrics.paired: McNemar's exact test against a hand-worked value and scipy's binomial test.

(Bad input is tested in tests/test_dtw.py, next to the module's first tests.)
"""

import numpy as np
import pytest
from scipy.stats import binomtest

from lessonpkg.metrics import mcnemar_exact


def test_hand_worked_values():
    a = np.array([True, True, True, False, True, False])
    b = np.array([True, False, False, False, True, True])
    assert mcnemar_exact(a, b) == (2, 1, 1.0)  # 3 discordant items: P(min <= 1) = 2 * 4/8, capped at 1
    only_a, only_b, p = mcnemar_exact(np.ones(10, bool), np.zeros(10, bool))
    assert (only_a, only_b) == (10, 0) and p == 2 / 2**10


@pytest.mark.parametrize("seed", range(5))
def test_p_equals_the_two_sided_binomial_test_and_is_symmetric(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.random(300) < 0.8, rng.random(300) < 0.7
    only_a, only_b, p = mcnemar_exact(a, b)
    assert only_a == np.sum(a & ~b) and only_b == np.sum(~a & b)
    assert p == pytest.approx(binomtest(only_b, only_a + only_b, 0.5).pvalue, rel=1e-12)
    assert mcnemar_exact(b, a) == (only_b, only_a, p)
