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


def ddi_rate(sets: list[set[int]], pairs: set[tuple[int, int]]) -> float:
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
    """Averages over visits. `pred_sets` overrides thresholding (for the baselines)."""
    n = len(probs)
    if n == 0:
        return {"visits": 0, "jaccard": 0.0, "prauc": 0.0, "f1": 0.0, "avg_drugs": 0.0, "ddi_rate": 0.0}
    truths = [set(np.flatnonzero(labels[i]).tolist()) for i in range(n)]
    preds = pred_sets if pred_sets is not None else [set(np.flatnonzero(probs[i] >= threshold).tolist()) for i in range(n)]
    aps = [a for a in (average_precision(probs[i], truths[i]) for i in range(n)) if a is not None]
    return {
        "visits": n,
        "jaccard": float(np.mean([jaccard(p, t) for p, t in zip(preds, truths)])),
        "prauc": float(np.mean(aps)) if aps else 0.0,
        "f1": float(np.mean([f1(p, t) for p, t in zip(preds, truths)])),
        "avg_drugs": float(np.mean([len(p) for p in preds])),
        "ddi_rate": ddi_rate(preds, pairs or set()),
    }
