"""The evaluation protocol (issue 12): a frozen final test, seed-averaged nested
cross-validation on the rest, paired comparisons with the repeat-previous baseline.

1. **Frozen test.** Before anything else, a seeded patient-level hold-out (`FROZEN_FRACTION`
   of the patients, ordered by sha256 of `FROZEN_SEED:patient`) is set aside. Nothing in step
   2 reads it; step 3 scores on it once.
2. **Cross-validation on the development set** (the other patients), once per seed: the seed
   orders the development patients into K folds and seeds every model. For outer fold k:
   test = fold k, validation = fold k+1, training = the other folds. Validation lies inside
   the outer training folds (nested), and every choice for fold k (early stopping, the
   teacher's epoch, alpha among the candidates, the per-group thresholds, the calibration
   temperature) is made on its validation fold alone; test fold k is only scored. Predictions
   are pooled over the K test folds (each development visit is tested once per seed).
3. **Final**: per seed, the recipe is trained on the development set (validation = fold 0
   of that seed's partition, training = the rest) and scored on the frozen test, beside the
   baselines (training frequencies: the whole development set) on the same visits.

Reported: per model, the pooled metrics' mean ± sd over seeds (overall, first visits, visits
with history); per-fold differences with repeat-previous; a patient-level bootstrap 95%
interval of the PRAUC and Jaccard differences (per-visit scores averaged over seeds, then
patients resampled); the DDI rate against the dataset's adjacency (`leader evaluate`'s
source); expected calibration error before and after temperature scaling.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field

import numpy as np

from . import baselines, metrics, student, teacher
from .common import progress, write_json
from .data import Dataset

GROUPS = ("overall", "first_visit", "with_history")
FROZEN_SEED = 20261202
FROZEN_FRACTION = 0.2
BASELINES = ("repeat_previous", "most_frequent")
TEACHER_MODES = ("finetune", "frozen", "none")


@dataclass(frozen=True)
class Variant:
    """A student recipe. `alphas` are candidate distillation weights: the one with the best
    validation PRAUC is used (or, with `ensemble`, the candidates' probabilities are
    averaged). `soft` = λ of the soft targets: (1 - λ) y + λ q, q the teacher's probabilities:
    the fine-tuned teacher's, or with the frozen teacher a linear head over its features fitted
    on the training folds (`teacher.linear_probe`); with no teacher the training frequencies."""

    name: str
    alphas: tuple[float, ...] = (0.0, 1.0)
    student: dict = field(default_factory=dict)
    ensemble: bool = False
    soft: float = 0.0
    members: int = 1  # students per candidate, seeds seed + 1000 m, probabilities averaged (one graph)
    decision: str = "threshold"  # or "expected_jaccard": student.expected_jaccard_sets on temperature-scaled probabilities
    description: str = ""


def variants(alphas: tuple[float, ...] = (0.0, 1.0)) -> dict[str, Variant]:
    """The recipe and its ablations (the first entry is the recipe). Every variant names its
    transition matrix, so none depends on the command line's default."""
    plain, trans = {"transition": "none"}, {"transition": "learned"}
    among = f"alpha chosen on validation among {', '.join(f'{a:g}' for a in alphas)}" if len(alphas) > 1 else f"alpha = {alphas[0]:g}"
    return {v.name: v for v in [
        Variant("recipe", alphas, trans, description=f"{among}, learned previous-drug -> drug matrix"),
        Variant("alpha_0", (0.0,), trans, description="the recipe without distillation (alpha = 0)"),
        Variant("no_transition", alphas, plain, description=f"{among}, no transition matrix (the previous recipe)"),
        Variant("alpha_1", (1.0,), plain, description="always distil (alpha = 1), no transition matrix"),
        Variant("ensemble", alphas, plain, ensemble=True, description="mean of the candidates' probabilities (one graph of two students)"),
        Variant("alpha_3", (3.0,), plain, description="always distil, alpha = 3"),
        Variant("seed_ensemble", (1.0,), plain, members=2, description="alpha = 1, two students (two seeds) averaged"),
        Variant("soft_0.2", alphas, plain, soft=0.2, description="soft targets, lambda = 0.2 (teacher probabilities, else training frequencies)"),
        Variant("no_wide", alphas, {**plain, "wide": False}, description="no wide pathway"),
        Variant("copy_init_1", alphas, {**plain, "copy_init": 1.0}, description="copy weights initialised at 1 / 0.5"),
        Variant("embed_64", alphas, {**plain, "embed": 64}, description="code embeddings 64 (instead of 32)"),
        Variant("transformer", alphas, {**plain, "encoder": "transformer"}, description="transformer encoders (the paper's shape)"),
        Variant("atc_parent", (1.0,), {**plain, "hierarchy": True}, description="alpha = 1, ATC-hierarchy outputs (level 2 and 1 parents)"),
        Variant("transition", (1.0,), trans, description="alpha = 1, learned previous-drug -> drug matrix"),
        Variant("cooc_prior", (1.0,), {"transition": "prior"}, description="alpha = 1, that matrix from a co-occurrence prior"),
        Variant("ej", (1.0,), plain, decision="expected_jaccard",
                description="alpha = 1, per visit the set that maximises the expected Jaccard (no threshold)"),
        Variant("transition_ej", (1.0,), trans, decision="expected_jaccard",
                description="the transition matrix and the expected-Jaccard decision"),
        Variant("transition_ens", (1.0,), trans, members=2,
                description="the transition matrix, two students (two seeds) averaged"),
        Variant("transition_a3", (3.0,), trans, description="the transition matrix, alpha = 3"),
        Variant("teacher_soft_0.2", (1.0,), trans, soft=0.2,
                description="the transition matrix, soft targets from the teacher's probabilities, lambda = 0.2"),
        Variant("teacher_soft_0.5", (1.0,), trans, soft=0.5,
                description="the transition matrix, soft targets from the teacher's probabilities, lambda = 0.5"),
        Variant("dropout_0.3", alphas, {**plain, "dropout": 0.3, "weight_decay": 1e-2}, description="dropout 0.3, weight decay 1e-2"),
    ]}


# -- splits ------------------------------------------------------------------------------

def patient_order(patients, seed: int) -> list[str]:
    """Patients ordered by sha256 of `seed:id` (ties by id): stable across runs and platforms."""
    return sorted(set(patients), key=lambda p: (hashlib.sha256(f"{seed}:{p}".encode()).hexdigest(), p))


def frozen_split(ds: Dataset, seed: int = FROZEN_SEED, fraction: float = FROZEN_FRACTION) -> tuple[list[int], list[int]]:
    """(development, frozen test) sample indices; the first round(fraction * n) patients of the
    seeded order are the frozen test."""
    order = patient_order((s["patient"] for s in ds.samples), seed)
    frozen = set(order[: int(round(fraction * len(order)))])
    dev = [i for i, s in enumerate(ds.samples) if s["patient"] not in frozen]
    test = [i for i, s in enumerate(ds.samples) if s["patient"] in frozen]
    return dev, test


def assign_folds(ds: Dataset, idx: list[int], folds: int, seed: int) -> dict[int, int]:
    """Sample index -> fold, by patient (position in the seeded order modulo K)."""
    order = patient_order(ds.patients(idx), seed)
    fold_of = {p: r % folds for r, p in enumerate(order)}
    return {i: fold_of[ds.samples[i]["patient"]] for i in idx}


def fold_roles(fold_of: dict[int, int], folds: int, k: int) -> tuple[list[int], list[int], list[int]]:
    """(training, validation, test) of outer fold k: test = k, validation = k+1, training = rest."""
    v = (k + 1) % folds
    train = [i for i, f in fold_of.items() if f not in (k, v)]
    val = [i for i, f in fold_of.items() if f == v]
    test = [i for i, f in fold_of.items() if f == k]
    return sorted(train), sorted(val), sorted(test)


# -- teachers ----------------------------------------------------------------------------

def _samples_key(ds: Dataset, idx: list[int]) -> str:
    h = hashlib.sha256()
    for i in idx:
        h.update(json.dumps(ds.samples[i], sort_keys=True).encode())
    return h.hexdigest()


def fit_teacher(ds: Dataset, train: list[int], val: list[int], root: str, *, seed: int, teacher_kw: dict, stage: str) -> dict:
    """A fine-tuned teacher on (train, val), cached by what it reads: the training and
    validation samples (labels included), the settings and the seed."""
    key = hashlib.sha256(json.dumps({"train": _samples_key(ds, train), "val": _samples_key(ds, val), "seed": seed,
                                     "prompts": hashlib.sha256("\n".join(s["prompt"] for s in ds.samples).encode()).hexdigest(),
                                     **{k: str(v) for k, v in teacher_kw.items()}}, sort_keys=True).encode()).hexdigest()[:20]
    tdir = os.path.join(root, "teachers", key)
    try:
        with open(os.path.join(tdir, "cache.json")) as f:
            info = json.load(f)["info"]
        hidden, probs = np.load(os.path.join(tdir, "hidden.npy")), np.load(os.path.join(tdir, "probs.npy"))
        progress(f"{stage} (cached)", 1, 1)
    except (OSError, ValueError, KeyError):
        t = teacher.train(ds, train, val, tdir, seed=seed, stage=stage, **teacher_kw)
        info = {k: v for k, v in t["info"].items() if k not in ("history", "model_dir")}
        hidden, probs = np.load(os.path.join(tdir, "hidden.npy")), np.load(os.path.join(tdir, "probs.npy"))
        write_json(os.path.join(tdir, "cache.json"), {"info": info})
        del t
    threshold = student.best_threshold(probs[val], ds.labels(val))
    return {"hidden": hidden, "probs": probs, "threshold": threshold,
            "choice": {"epochs_run": info["epochs_run"], "best_val_prauc": info["best_val_prauc"], "threshold": threshold}}


def frozen_teacher(ds: Dataset, root: str, teacher_kw: dict) -> dict:
    """The pre-trained model's features of every prompt (no labels read), computed once."""
    kw = {k: teacher_kw[k] for k in ("model_dir", "pooling", "max_len", "device") if k in teacher_kw}
    key = hashlib.sha256(json.dumps({"prompts": [s["prompt"] for s in ds.samples], **{k: str(v) for k, v in kw.items()}}).encode()).hexdigest()[:20]
    path = os.path.join(root, "teachers", f"frozen-{key}.npy")
    if os.path.exists(path):
        hidden = np.load(path)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        hidden = teacher.frozen_features(ds, **kw)
        np.save(path, hidden)
    return {"hidden": hidden, "probs": None, "threshold": None, "choice": None}


# -- students ----------------------------------------------------------------------------

def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, np.float64), 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def fit_temperature(probs: np.ndarray, labels: np.ndarray) -> float:
    """The temperature T minimising the validation BCE of sigmoid(logit / T) (grid 0.25–4)."""
    z, y = _logit(probs), np.asarray(labels, np.float64)
    best, best_t = np.inf, 1.0
    for t in np.exp(np.linspace(np.log(0.25), np.log(4.0), 61)):
        q = np.clip(1 / (1 + np.exp(-z / t)), 1e-7, 1 - 1e-7)
        loss = -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))
        if loss < best - 1e-12:
            best, best_t = loss, float(t)
    return best_t


def apply_temperature(probs: np.ndarray, t: float) -> np.ndarray:
    return (1 / (1 + np.exp(-_logit(probs) / t))).astype(np.float32)


def fit_variant(ds: Dataset, train: list[int], val: list[int], targets: list[int], variant: Variant, teacher_out: dict | None, *,
                seed: int, student_kw: dict, stage: str, memo: dict | None = None) -> dict:
    """Trains the variant on (train, val) and predicts `targets`. Every choice reads `val` only.
    `memo` shares identical student fits between variants of one fold (e.g. the recipe's
    α = 0 and α = 1 students with `alpha_0`, `alpha_1` and `ensemble`)."""
    memo = {} if memo is None else memo
    kw = {**student_kw, **variant.student}
    soft_q = None
    if variant.soft > 0:
        if teacher_out is not None and teacher_out["probs"] is not None:
            soft_q = teacher_out["probs"]
        elif teacher_out is not None:
            soft_q = teacher.linear_probe(teacher_out["hidden"], ds, train, val, seed=seed)
        else:
            soft_q = np.tile(ds.labels(train).mean(0), (len(ds.samples), 1))
    alphas = [a for a in variant.alphas if a == 0 or teacher_out is not None]
    if not alphas:
        raise ValueError(f"variant {variant.name}: alphas {variant.alphas} need a teacher (teacher mode is none)")
    cands = {}
    for a in alphas:
        fits = []
        for m in range(variant.members):
            s = seed + 1000 * m
            key = json.dumps({"kw": kw, "soft": variant.soft, "alpha": a, "seed": s, "train": train, "val": val, "targets": targets},
                             sort_keys=True, default=str)
            if key not in memo:
                r = student.train(ds, train, val, teacher_hidden=teacher_out["hidden"] if a > 0 else None, alpha=a, seed=s,
                                  soft_targets=soft_q, soft_weight=variant.soft, stage=f"{stage} alpha {a:g}", **kw)
                memo[key] = {"val": student.predict(r["model"], ds, val), "targets": student.predict(r["model"], ds, targets),
                             "config": r["config"]}
            fits.append(memo[key])
        if len(fits) == 1:
            cands[a] = fits[0]
        else:
            pv = np.mean([f["val"] for f in fits], axis=0)
            config = {"best_val_prauc": metrics.score(pv, ds.labels(val))["prauc"], "epochs_run": [f["config"]["epochs_run"] for f in fits]}
            cands[a] = {"val": pv, "targets": np.mean([f["targets"] for f in fits], axis=0), "config": config}
    val_prauc = {f"{a:g}": cands[a]["config"]["best_val_prauc"] for a in alphas}
    if variant.ensemble:
        pv = np.mean([c["val"] for c in cands.values()], axis=0)
        pt = np.mean([c["targets"] for c in cands.values()], axis=0)
        alpha = None
    else:
        alpha = max(alphas, key=lambda a: (cands[a]["config"]["best_val_prauc"], -alphas.index(a)))
        pv, pt = cands[alpha]["val"], cands[alpha]["targets"]
    threshold, thresholds = student.group_thresholds(ds, val, pv)
    temperature = fit_temperature(pv, ds.labels(val))
    if variant.decision == "expected_jaccard":
        sets = student.expected_jaccard_sets(apply_temperature(pt, temperature))
    else:
        sets = [set(np.flatnonzero(pt[r] >= thresholds["first_visit" if ds.samples[i]["first_visit"] else "with_history"]).tolist())
                for r, i in enumerate(targets)]
    choice = {"alpha": alpha, "val_prauc": val_prauc, "threshold": threshold, "thresholds": thresholds, "temperature": temperature,
              "epochs_run": {f"{a:g}": c["config"]["epochs_run"] for a, c in cands.items()}}
    return {"probs": pt, "sets": sets, "choice": choice, "temperature": temperature}


# -- scoring -----------------------------------------------------------------------------

def group_scores(ds: Dataset, idx: list[int], probs: np.ndarray, sets: list[set[int]], pairs) -> dict:
    labels = ds.labels(idx)
    out = {}
    for g in GROUPS:
        keep = [j for j, i in enumerate(idx) if g == "overall" or (g == "first_visit") == ds.samples[i]["first_visit"]]
        out[g] = metrics.score(probs[keep], labels[keep], pairs=pairs, pred_sets=[sets[j] for j in keep])
    return out


def bootstrap_interval(patients: list[str], diff: np.ndarray, *, samples: int = 2000, seed: int = 0) -> dict:
    """Patient-level bootstrap of the mean per-visit difference: patients are resampled with
    replacement (each brings all its visits); the 2.5th and 97.5th percentiles."""
    ok = ~np.isnan(diff)
    ids = sorted(set(p for p, k in zip(patients, ok) if k))
    where = {p: r for r, p in enumerate(ids)}
    sums, counts = np.zeros(len(ids)), np.zeros(len(ids))
    for p, d, k in zip(patients, diff, ok):
        if k:
            sums[where[p]] += d
            counts[where[p]] += 1
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(ids), size=(samples, len(ids)))
    stats = sums[pick].sum(1) / counts[pick].sum(1)
    lo, hi = np.percentile(stats, [2.5, 97.5])
    return {"mean": float(sums.sum() / counts.sum()), "ci95": [float(lo), float(hi)], "excludes_zero": bool(lo > 0 or hi < 0),
            "patients": len(ids), "resamples": samples}


def _mean_sd(values: list[float]) -> dict:
    v = np.array([np.nan if x is None else x for x in values], dtype=np.float64)
    return {"mean": float(np.mean(v)), "sd": float(np.std(v, ddof=1)) if len(v) > 1 else 0.0, "per_seed": [float(x) for x in v]}


def summarise(per_seed: list[dict], keys=("prauc", "jaccard", "f1", "avg_drugs", "ddi_rate")) -> dict:
    """Per group and metric: mean, sd and the per-seed values of the pooled scores."""
    out = {}
    for g in GROUPS:
        out[g] = {"visits": per_seed[0][g]["visits"]}
        for k in keys:
            vals = [s[g][k] for s in per_seed]
            out[g][k] = None if any(v is None for v in vals) else _mean_sd(vals)
    return out


def flat_means(summary: dict) -> dict:
    """The seed means in the shape of `metrics.score` (what the Model screen reads)."""
    return {g: {k: (v["mean"] if isinstance(v, dict) else v) for k, v in summary[g].items()} for g in GROUPS}


def paired(ds: Dataset, idx: list[int], visit_scores: dict[str, list[dict]], name: str, other: str = "repeat_previous",
           fold_scores: dict | None = None) -> dict:
    """`name` minus `other`: per-fold differences and the patient-level bootstrap interval of
    the per-visit differences averaged over seeds."""
    out = {"versus": other}
    for m in ("prauc", "jaccard"):
        a = np.nanmean(np.stack([v[m] for v in visit_scores[name]]), axis=0)
        b = np.nanmean(np.stack([v[m] for v in visit_scores[other]]), axis=0)
        out[m] = {"bootstrap": bootstrap_interval(ds.patients(idx), a - b)}
        if fold_scores is not None:
            d = [x[m] - y[m] for x, y in zip(fold_scores[name], fold_scores[other])]
            out[m]["per_fold"] = [round(float(x), 6) for x in d]
            out[m]["folds_better"] = int(sum(x > 0 for x in d))
            out[m]["folds"] = len(d)
    return out


# -- the protocol ------------------------------------------------------------------------

def run(ds: Dataset, out: str, *, folds: int = 5, seeds=(1, 2, 3, 4, 5), variant_names=("recipe",), alphas=(0.0, 1.0),
        teacher_mode: str = "finetune", teacher_kw: dict | None = None, student_kw: dict | None = None, final: bool = True,
        frozen_seed: int = FROZEN_SEED, frozen_fraction: float = FROZEN_FRACTION, bootstrap: int = 2000) -> dict:
    teacher_kw, student_kw = teacher_kw or {}, student_kw or {}
    if teacher_mode not in TEACHER_MODES:
        raise ValueError(f"teacher mode {teacher_mode!r} (expected one of {', '.join(TEACHER_MODES)})")
    table = variants(tuple(alphas))
    unknown = [v for v in variant_names if v not in table]
    if unknown:
        raise SystemExit(f"unknown variants {unknown} (known: {', '.join(table)})")
    chosen_variants = [table[v] for v in variant_names]
    os.makedirs(out, exist_ok=True)
    pairs = ds.interactions()
    dev, frozen = frozen_split(ds, frozen_seed, frozen_fraction)
    frozen_set = set(frozen)
    names = [v.name for v in chosen_variants]
    models = (["teacher"] if teacher_mode == "finetune" else []) + names + list(BASELINES)
    pooled_scores = {m: [] for m in models}  # per seed: group scores of the pooled predictions
    visit_scores = {m: [] for m in models}   # per seed: per-visit scores over `dev`
    fold_scores = {m: [] for m in models}    # per (seed, fold): test-fold scores
    choices, calibration = [], {n: {"ece_before": [], "ece_after": []} for n in names}
    frozen_teacher_out = frozen_teacher(ds, out, teacher_kw) if teacher_mode == "frozen" else None
    position = {i: r for r, i in enumerate(dev)}
    for si, seed in enumerate(seeds):
        fold_of = assign_folds(ds, dev, folds, seed)
        probs = {m: np.zeros((len(dev), ds.n_meds), np.float32) for m in models}
        sets: dict[str, list] = {m: [set() for _ in dev] for m in models}
        calibrated = {n: np.zeros((len(dev), ds.n_meds), np.float32) for n in names}
        for k in range(folds):
            train, val, test = fold_roles(fold_of, folds, k)
            assert not (set(train) | set(val) | set(test)) & frozen_set, "the frozen test never enters cross-validation"
            stage = f"cv seed {seed} fold {k + 1}/{folds}"
            rows = [position[i] for i in test]
            record = {"seed": seed, "fold": k, "train": len(train), "val": len(val), "test": len(test)}
            t_out = frozen_teacher_out
            if teacher_mode == "finetune":
                t_out = fit_teacher(ds, train, val, out, seed=seed, teacher_kw=teacher_kw, stage=f"{stage}: teacher")
                record["teacher"] = t_out["choice"]
                tp = t_out["probs"][test]
                probs["teacher"][rows] = tp
                for r, j in zip(rows, range(len(test))):
                    sets["teacher"][r] = set(np.flatnonzero(tp[j] >= t_out["threshold"]).tolist())
            memo: dict = {}
            for v in chosen_variants:
                f = fit_variant(ds, train, val, test, v, t_out, seed=seed, student_kw=student_kw, stage=f"{stage}: {v.name}", memo=memo)
                record[v.name] = f["choice"]
                probs[v.name][rows] = f["probs"]
                calibrated[v.name][rows] = apply_temperature(f["probs"], f["temperature"])
                for r, s in zip(rows, f["sets"]):
                    sets[v.name][r] = s
            for b in BASELINES:
                p, bsets = getattr(baselines, b)(ds, train + val, test)
                probs[b][rows] = p
                for r, s in zip(rows, bsets):
                    sets[b][r] = s
            for m in models:
                fold_scores[m].append(metrics.score(probs[m][rows], ds.labels(test), pairs=pairs, pred_sets=[sets[m][r] for r in rows]))
            choices.append(record)
            progress("cross-validation", si * folds + k + 1, len(seeds) * folds)
        labels = ds.labels(dev)
        for m in models:
            pooled_scores[m].append(group_scores(ds, dev, probs[m], sets[m], pairs))
            visit_scores[m].append(metrics.per_visit(probs[m], labels, sets[m]))
        for n in names:
            calibration[n]["ece_before"].append(metrics.expected_calibration_error(probs[n], labels))
            calibration[n]["ece_after"].append(metrics.expected_calibration_error(calibrated[n], labels))
    cv_models = {m: summarise(pooled_scores[m]) for m in models}
    cv = {
        "models": {m: flat_means(cv_models[m]) for m in models},
        "seed_summary": cv_models,
        "per_fold": {m: [{"seed": c["seed"], "fold": c["fold"], "prauc": s["prauc"], "jaccard": s["jaccard"]}
                         for c, s in zip(choices, fold_scores[m])] for m in models},
        "paired": {m: paired(ds, dev, visit_scores, m, fold_scores={m: fold_scores[m], "repeat_previous": fold_scores["repeat_previous"]})
                   for m in models if m != "repeat_previous"},
        "calibration": {n: {k: _mean_sd(v) for k, v in c.items()} for n, c in calibration.items()},
        "choices": choices,
    }
    report = {
        "protocol": {
            "description": (f"frozen test: {frozen_fraction:.0%} of the patients (sha256 order, seed {frozen_seed}), set aside first; "
                            f"{folds}-fold patient-level cross-validation on the rest, once per seed {list(seeds)}: test = fold k, "
                            "validation = fold k+1 (inside the training folds), training = the rest; every choice on validation; "
                            "final: the recipe trained on the development set (validation = fold 0) and scored once on the frozen test"),
            "frozen_seed": frozen_seed, "frozen_fraction": frozen_fraction, "folds": folds, "seeds": list(seeds),
            "teacher": teacher_mode, "alphas": list(alphas), "variants": {v.name: v.description for v in chosen_variants},
            "development": {"visits": len(dev), "patients": len(set(ds.patients(dev)))},
            "frozen_test": {"visits": len(frozen), "patients": len(set(ds.patients(frozen)))},
            "ddi_adjacency": None if pairs is None else {"source": ds.manifest["interactions"]["source"], "label_pairs": len(pairs)},
            "ece": "15 equal-width bins over every (visit, medication) probability; after: temperature fitted on each fold's validation",
        },
        "order": models,
        "cv": cv,
        # What the model bundle and the Model screen read (seed means of the pooled CV scores).
        "models": cv["models"],
        "chosen_alpha": _most_chosen_alpha(choices, names[0] if names else None, alphas),
        "student": cv["models"].get(names[0]) if names else None,
    }
    if final and names:
        report["frozen_test"] = final_test(ds, dev, frozen, chosen_variants[0], seeds, folds, teacher_mode, teacher_kw, student_kw, out,
                                           frozen_teacher_out, pairs, bootstrap)
    write_json(os.path.join(out, "cv.json"), report)
    return report


def _most_chosen_alpha(choices: list[dict], name: str | None, alphas) -> float:
    picked = [c[name]["alpha"] for c in choices if name and c.get(name, {}).get("alpha") is not None]
    if not picked:
        return float(alphas[0])
    return float(max(alphas, key=lambda a: (picked.count(a), -list(alphas).index(a))))


def final_test(ds: Dataset, dev: list[int], frozen: list[int], recipe: Variant, seeds, folds: int, teacher_mode: str, teacher_kw: dict,
               student_kw: dict, out: str, frozen_teacher_out: dict | None, pairs, bootstrap: int) -> dict:
    """The recipe, trained on the development set once per seed, scored on the frozen test
    beside the baselines (frequencies from the development set) on the same visits."""
    models = [recipe.name] + list(BASELINES)
    scores = {m: [] for m in models}
    visits = {m: [] for m in models}
    choices = []
    labels = ds.labels(frozen)
    for si, seed in enumerate(seeds):
        fold_of = assign_folds(ds, dev, folds, seed)
        val = sorted(i for i, f in fold_of.items() if f == 0)
        train = sorted(i for i, f in fold_of.items() if f != 0)
        t_out = frozen_teacher_out
        record = {"seed": seed}
        if teacher_mode == "finetune":
            t_out = fit_teacher(ds, train, val, out, seed=seed, teacher_kw=teacher_kw, stage=f"final seed {seed}: teacher")
            record["teacher"] = t_out["choice"]
        f = fit_variant(ds, train, val, frozen, recipe, t_out, seed=seed, student_kw=student_kw, stage=f"final seed {seed}: {recipe.name}")
        record[recipe.name] = f["choice"]
        choices.append(record)
        results = {recipe.name: (f["probs"], f["sets"])}
        for b in BASELINES:
            results[b] = getattr(baselines, b)(ds, dev, frozen)
        for m, (p, s) in results.items():
            scores[m].append(group_scores(ds, frozen, p, s, pairs))
            visits[m].append(metrics.per_visit(p, labels, s))
        progress("frozen test", si + 1, len(seeds))
    summary = {m: summarise(scores[m]) for m in models}
    return {
        "models": {m: flat_means(summary[m]) for m in models},
        "seed_summary": summary,
        "paired": {m: paired(ds, frozen, visits, m) for m in models if m != "repeat_previous"},
        "choices": choices,
    }
