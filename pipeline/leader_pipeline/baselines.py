"""The two simple baselines the bundled model must be compared with:
most frequent medications, and repeating the previous visit's medications (most frequent
for first visits)."""

from __future__ import annotations

import numpy as np

from .data import Dataset


def frequencies(ds: Dataset, train_idx: list[int]) -> np.ndarray:
    return ds.labels(train_idx).mean(0)


def most_frequent(ds: Dataset, train_idx: list[int], idx: list[int]) -> tuple[np.ndarray, list[set[int]]]:
    f = frequencies(ds, train_idx)
    k = max(1, int(round(ds.labels(train_idx).sum(1).mean())))
    top = set(np.argsort(-f, kind="stable")[:k].tolist())
    return np.tile(f, (len(idx), 1)), [set(top) for _ in idx]


def previous_labels(ds: Dataset, i: int) -> set[int] | None:
    """The medications of the visit before sample i (same patient), if it is a sample."""
    s = ds.samples[i]
    if s["visit_index"] == 0 or s["first_visit"]:
        return None
    prev = [j for j, t in enumerate(ds.samples) if t["patient"] == s["patient"] and t["visit_index"] < s["visit_index"]]
    if not prev:
        return None
    j = max(prev, key=lambda j: ds.samples[j]["visit_index"])
    return set(ds.samples[j]["labels"])


def repeat_previous(ds: Dataset, train_idx: list[int], idx: list[int]) -> tuple[np.ndarray, list[set[int]]]:
    f = frequencies(ds, train_idx)
    scores, sets = [], []
    _, mf_sets = most_frequent(ds, train_idx, [0])
    for i in idx:
        prev = previous_labels(ds, i)
        if prev is None:
            scores.append(f.copy())
            sets.append(set(mf_sets[0]))
        else:
            # The previous visit's medications first, each group ordered by frequency.
            s = f.copy()
            s[list(prev)] += 1.0
            scores.append(s)
            sets.append(prev)
    return np.array(scores, dtype=np.float32), sets
