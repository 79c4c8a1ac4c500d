"""The paper's metrics, with the same definitions as `leader_core::metrics` (Rust).

Used for early stopping and cross-validation; the Rust implementation is the reference
for evaluation and the install gate. tests/test_metrics.py pins the same hand-computed
cases as the Rust unit tests.
"""

from __future__ import annotations

import numpy as np


def jaccard(pred: set[int], truth: set[int]) -> float:
    union = pred | truth
    return len(pred & truth) / len(union) if union else 0.0


def f1(pred: set[int], truth: set[int]) -> float:
    hit = len(pred & truth)
    if hit == 0:
        return 0.0
    p, r = hit / len(pred), hit / len(truth)
    return 2 * p * r / (p + r)


def average_precision(scores: np.ndarray, truth: set[int]) -> float | None:
    """scikit-learn's average_precision_score for one row (ties share a threshold)."""
    if not truth:
        return None
    order = np.argsort(-scores, kind="stable")
    total, tp, seen, ap, last = len(truth), 0, 0, 0.0, 0.0
    i = 0
    while i < len(order):
        s = scores[order[i]]
        while i < len(order) and scores[order[i]] == s:
            seen += 1
            tp += int(order[i]) in truth
            i += 1
        recall = tp / total
        ap += (recall - last) * (tp / seen)
        last = recall
    return ap


def normalise_pairs(pairs) -> set[tuple[int, int]]:
    """Interacting label pairs as (smaller, larger) index: (a, b) and (b, a) are one pair, as
    in `leader_infer::evaluate::Adjacency`."""
    return {(min(int(a), int(b)), max(int(a), int(b))) for a, b in pairs}


def ddi_rate(sets: list[set[int]], pairs: set[tuple[int, int]]) -> float:
    """Interacting pairs among all pairs of each set, pooled over sets; `pairs` normalised."""
    allp = bad = 0
    for s in sets:
        items = sorted(s)
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                allp += 1
                bad += (items[i], items[j]) in pairs
    return bad / allp if allp else 0.0


def score(probs: np.ndarray, labels: np.ndarray, threshold: float = 0.5, pairs: set[tuple[int, int]] | None = None,
          pred_sets: list[set[int]] | None = None) -> dict:
    """Averages over visits. `pred_sets` overrides thresholding (for the baselines).
    `pairs`: the interaction adjacency as order-normalised label pairs (i < j); without it the
    DDI rate is unknown (None), never a made-up 0."""
    n = len(probs)
    if n == 0:
        return {"visits": 0, "jaccard": 0.0, "prauc": 0.0, "f1": 0.0, "avg_drugs": 0.0, "ddi_rate": None if pairs is None else 0.0}
    truths = [set(np.flatnonzero(labels[i]).tolist()) for i in range(n)]
    preds = pred_sets if pred_sets is not None else [set(np.flatnonzero(probs[i] >= threshold).tolist()) for i in range(n)]
    aps = [a for a in (average_precision(probs[i], truths[i]) for i in range(n)) if a is not None]
    return {
        "visits": n,
        "jaccard": float(np.mean([jaccard(p, t) for p, t in zip(preds, truths)])),
        "prauc": float(np.mean(aps)) if aps else 0.0,
        "f1": float(np.mean([f1(p, t) for p, t in zip(preds, truths)])),
        "avg_drugs": float(np.mean([len(p) for p in preds])),
        "ddi_rate": None if pairs is None else ddi_rate(preds, pairs),
    }


def per_visit(probs: np.ndarray, labels: np.ndarray, pred_sets: list[set[int]]) -> dict[str, np.ndarray]:
    """Each visit's average precision (NaN without positives), Jaccard and F1: what the
    paired comparisons and the patient-level bootstrap resample."""
    truths = [set(np.flatnonzero(labels[i]).tolist()) for i in range(len(probs))]
    ap = [average_precision(probs[i], truths[i]) for i in range(len(probs))]
    return {
        "prauc": np.array([np.nan if a is None else a for a in ap], dtype=np.float64),
        "jaccard": np.array([jaccard(p, t) for p, t in zip(pred_sets, truths)], dtype=np.float64),
        "f1": np.array([f1(p, t) for p, t in zip(pred_sets, truths)], dtype=np.float64),
    }


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """ECE over every (visit, medication) probability: equal-width bins on [0, 1], the
    |observed frequency - mean probability| of each bin weighted by its share of all
    probabilities (what a clinician reading "p = 0.8" relies on)."""
    p, y = np.asarray(probs, np.float64).ravel(), np.asarray(labels, np.float64).ravel()
    if p.size == 0:
        return 0.0
    which = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            total += m.sum() / p.size * abs(y[m].mean() - p[m].mean())
    return float(total)
