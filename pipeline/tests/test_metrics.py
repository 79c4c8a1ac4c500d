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


def _parity_fixture():
    import importlib.util
    import json
    import os

    here = os.path.join(os.path.dirname(__file__), "..", "fixtures")
    spec = importlib.util.spec_from_file_location("make_metrics_parity", os.path.join(here, "make_metrics_parity.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with open(os.path.join(here, "metrics_parity.json")) as f:
        return mod, json.load(f)


def test_python_and_scikit_learn_agree_on_the_parity_fixture_that_rust_reads_too():
    """crates/leader-core/tests/metrics_parity.rs checks Rust against the same expected values."""
    mod, fixture = _parity_fixture()
    inputs = mod.generate()
    assert inputs == {k: fixture[k] for k in inputs}, "the committed fixture is what the seeded script generates"
    sk = mod.expected(inputs)  # scikit-learn, recomputed here
    for k, v in fixture["expected"].items():
        assert np.allclose(sk[k], v, rtol=0, atol=1e-12), k
    visits = fixture["visits"]
    probs = np.array([mod.scores(fixture, v) for v in visits])
    labels = np.zeros_like(probs)
    for r, v in enumerate(visits):
        labels[r, v["truth"]] = 1
    ties = np.mean([len(v["scores"]) - len(set(v["scores"])) for v in visits])
    assert len(visits) >= 300 and ties > 10, "hundreds of visits, many tied scores"
    assert any(not v["predicted"] for v in visits), "empty predicted sets included"
    pairs = metrics.normalise_pairs(fixture["pairs"])
    assert len(pairs) < len(fixture["pairs"]), "pairs listed in both orders count once"
    s = metrics.score(probs, labels, pairs=pairs, pred_sets=[set(v["predicted"]) for v in visits])
    for k in ("prauc", "jaccard", "f1", "avg_drugs", "ddi_rate"):
        assert abs(s[k] - sk[k]) < 1e-9, f"{k}: python {s[k]!r} vs scikit-learn {sk[k]!r}"
    per = metrics.per_visit(probs, labels, [set(v["predicted"]) for v in visits])
    assert np.max(np.abs(per["prauc"] - np.array(sk["per_visit_average_precision"]))) < 1e-9


def test_the_ddi_rate_is_order_normalised():
    pairs = metrics.normalise_pairs([[3, 1], [1, 3], [0, 2]])
    assert pairs == {(1, 3), (0, 2)}
    assert metrics.ddi_rate([{1, 3}, {2, 0}], pairs) == 1.0
    assert metrics.score(np.zeros((1, 4)), np.ones((1, 4)), pred_sets=[{0, 1}])["ddi_rate"] is None, "no adjacency: unknown, not 0"


def test_expected_calibration_error_by_hand():
    # bin [0.8, 0.867): probabilities 0.8, 0.8, observed 1 of 2 -> |0.5 - 0.8| weighted 2/4;
    # bin [0.2, 0.267): 0.2, 0.2, observed 0 of 2 -> |0 - 0.2| weighted 2/4.
    ece = metrics.expected_calibration_error(np.array([[0.8, 0.8, 0.2, 0.2]]), np.array([[1, 0, 0, 0]]))
    assert ece == pytest.approx(0.5 * 0.3 + 0.5 * 0.2)
    assert metrics.expected_calibration_error(np.array([[1.0, 0.0]]), np.array([[1, 0]])) == 0.0
