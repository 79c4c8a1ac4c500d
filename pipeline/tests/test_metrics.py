"""The same hand-computed cases as leader_core::metrics (Rust)."""

import numpy as np
import pytest

from leader_pipeline import metrics


def test_jaccard_and_f1_by_hand():
    assert metrics.jaccard({0, 1, 2}, {1, 2, 3}) == pytest.approx(0.5)
    assert metrics.f1({0, 1, 2}, {1, 2, 3}) == pytest.approx(2 / 3)
    assert metrics.jaccard(set(), set()) == 0.0
    assert metrics.f1({0}, {1}) == 0.0


def test_average_precision_by_hand():
    assert metrics.average_precision(np.array([0.9, 0.8, 0.7]), {0, 2}) == pytest.approx(5 / 6)
    assert metrics.average_precision(np.array([0.5, 0.5]), {1}) == pytest.approx(0.5)
    assert metrics.average_precision(np.array([0.1]), set()) is None
    assert metrics.average_precision(np.array([0.2, 0.9]), {1}) == pytest.approx(1.0)


def test_ddi_rate_pools_pairs_over_visits():
    assert metrics.ddi_rate([{0, 1, 2}, {1, 0}], {(0, 1)}) == pytest.approx(0.5)
    assert metrics.ddi_rate([{3}], {(0, 1)}) == 0.0


def test_scores_average_per_visit():
    s = metrics.score(np.array([[0.9, 0.1], [0.2, 0.8]]), np.array([[1, 0], [1, 0]]), 0.5)
    assert s["jaccard"] == pytest.approx(0.5) and s["f1"] == pytest.approx(0.5) and s["avg_drugs"] == 1.0
    assert s["prauc"] == pytest.approx(0.75)
