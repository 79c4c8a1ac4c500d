"""K-fold patient-level cross-validation of the teacher, the student (with and without
distillation) and the two baselines, reported overall and for first-visit vs
with-history samples. For fold k: test = fold k, validation = fold k+1, training = the
rest. Every choice (epochs, thresholds, the distillation weight alpha) is made on the
validation fold; the test folds are only reported."""

from __future__ import annotations

import json
import os

import numpy as np

from . import baselines, metrics, student, teacher
from .common import progress, write_json
from .data import Dataset

GROUPS = ("overall", "first_visit", "with_history")


def _cached(tdir: str, key: str):
    """A fold's teacher from an earlier run with the same data, split and settings."""
    try:
        with open(os.path.join(tdir, "cache.json")) as f:
            c = json.load(f)
        if c["key"] != key:
            return None
        return np.load(os.path.join(tdir, "eval.npy")), c["info"]
    except (OSError, ValueError, KeyError):
        return None


def _groups(ds: Dataset, idx: list[int], probs: np.ndarray, threshold_of: list[float] | float, sets=None) -> dict:
    labels = ds.labels(idx)
    out = {}
    for g in GROUPS:
        keep = [j for j, i in enumerate(idx) if g == "overall" or (g == "first_visit") == ds.samples[i]["first_visit"]]
        if not keep:
            out[g] = metrics.score(np.zeros((0, ds.n_meds)), np.zeros((0, ds.n_meds)))
            continue
        p, y = probs[keep], labels[keep]
        if sets is not None:
            out[g] = metrics.score(p, y, pred_sets=[sets[j] for j in keep])
        elif isinstance(threshold_of, list):
            pred = [set(np.flatnonzero(p[r] >= threshold_of[keep[r]]).tolist()) for r in range(len(keep))]
            out[g] = metrics.score(p, y, pred_sets=pred)
        else:
            out[g] = metrics.score(p, y, threshold_of)
    return out


def run(ds: Dataset, out: str, *, folds: int = 5, alphas=(0.0, 0.1, 1.0), teacher_kw: dict | None = None, student_kw: dict | None = None,
        seed: int = 42) -> dict:
    teacher_kw, student_kw = teacher_kw or {}, student_kw or {}
    if any(s.get("fold") is None for s in ds.samples):
        raise SystemExit("the dataset has no folds: export it with `leader export-dataset --folds K`")
    n = len(ds.samples)
    pooled = {name: (np.zeros((n, ds.n_meds), np.float32), [0.5] * n, [set() for _ in range(n)]) for name in
              ["teacher", "most_frequent", "repeat_previous"] + [f"student_alpha_{a:g}" for a in alphas]}
    val_prauc: dict[str, list[float]] = {f"student_alpha_{a:g}": [] for a in alphas}
    fold_prauc: dict[str, list[float]] = {k: [] for k in pooled}
    teacher_info = []
    for k in range(folds):
        test = ds.indices(fold=k)
        val = ds.indices(fold=(k + 1) % folds)
        train = [i for i in range(n) if ds.samples[i]["fold"] not in (k, (k + 1) % folds)]
        tdir = os.path.join(out, f"fold{k}", "teacher")
        key = json.dumps({"dataset": ds.fingerprint(), "seed": seed, "train": train, "val": val, **{k2: str(v) for k2, v in teacher_kw.items()}}, sort_keys=True)
        cached = _cached(tdir, key)
        if cached is None:
            t = teacher.train(ds, train, val, tdir, seed=seed, stage=f"cv fold {k + 1}/{folds}: teacher", **teacher_kw)
            tp, _ = teacher.predict(t["model"], t["tokenizer"], ds, val + test, t["info"]["max_len"], 16, t["device"])
            info = {k2: v for k2, v in t["info"].items() if k2 not in ("history", "model_dir")}
            np.save(os.path.join(tdir, "eval.npy"), tp)
            write_json(os.path.join(tdir, "cache.json"), {"key": key, "info": info})
            del t
        else:
            tp, info = cached
            progress(f"cv fold {k + 1}/{folds}: teacher (cached)", 1, 1)
        thr = student.best_threshold(tp[: len(val)], ds.labels(val))
        hidden = np.load(os.path.join(tdir, "hidden.npy"))
        teacher_info.append(info)
        results = {"teacher": (tp[len(val):], thr)}
        for a in alphas:
            r = student.train(ds, train, val, teacher_hidden=hidden if a > 0 else None, alpha=a, seed=seed, stage=f"cv fold {k + 1}/{folds}: student alpha {a:g}", **student_kw)
            val_prauc[f"student_alpha_{a:g}"].append(r["config"]["best_val_prauc"])
            results[f"student_alpha_{a:g}"] = (student.predict(r["model"], ds, test), r["config"])
        for name, (p, th) in results.items():
            pooled[name][0][test] = p
            for i in test:  # the teacher has one threshold; a student one per group
                pooled[name][1][i] = student.threshold_for(th, ds.samples[i]["first_visit"]) if isinstance(th, dict) else th
            fold_prauc[name].append(metrics.score(p, ds.labels(test))["prauc"])
        for name, fn in (("most_frequent", baselines.most_frequent), ("repeat_previous", baselines.repeat_previous)):
            p, sets = fn(ds, train + val, test)
            pooled[name][0][test] = p
            for j, i in enumerate(test):
                pooled[name][2][i] = sets[j]
            fold_prauc[name].append(metrics.score(p, ds.labels(test))["prauc"])
        progress("cross-validation", k + 1, folds)
    everyone = list(range(n))
    report = {}
    for name, (p, thr, sets) in pooled.items():
        if name in ("most_frequent", "repeat_previous"):
            report[name] = _groups(ds, everyone, p, 0.5, sets=sets)
        else:
            report[name] = _groups(ds, everyone, p, thr)
        report[name]["prauc_per_fold"] = fold_prauc[name]
    chosen = max(alphas, key=lambda a: float(np.mean(val_prauc[f"student_alpha_{a:g}"])))
    summary = {
        "protocol": f"{folds}-fold patient-level cross-validation on {n} samples ({ds.manifest['counts']['patients']} patients); "
                    "test = fold k, validation = fold k+1, training = the rest; thresholds (students: one for first visits, "
                    "one for visits with history) and alpha chosen on validation",
        "folds": folds,
        "seed": seed,
        "samples": n,
        "models": report,
        "alpha_validation_prauc": {k: float(np.mean(v)) for k, v in val_prauc.items()},
        "chosen_alpha": chosen,
        "student": report[f"student_alpha_{chosen:g}"],
        "student_without_distillation": report["student_alpha_0"],
        "teacher_runs": teacher_info,
    }
    write_json(os.path.join(out, "cv.json"), summary)
    return summary
